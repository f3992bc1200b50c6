"""Single decisions memoised on the audience signature: the key is only what the request can depend on.

`CompiledPolicy.decide` memoises on every fact a decision could read (the state, the whole set
of service lines, the value of every choice a regime offers), so across a real population most
keys are new and the memo rarely answers. The audience `Signature` of a request names the few
classes of facts that can matter to it; computed in Python from one person's facts, that is a
key the memo answers from almost always, and cheaper to build. The answer is the `Decision` the
decider itself made for the first person with that key, reasons and all: every person with
the key gets the same decision (what the bulk property tests check). Data pinned to a version
that is not loaded names that version in its reasons, so it is decided directly, as is any
hand-made `SubjectFacts` whose subjects do not follow from its account and age.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from privet.decide.bulk_signature import Signature, subjects_of
from privet.decide.decider import Decider
from privet.decide.engine import Request
from privet.decide.explain import Decision
from privet.policy.taxonomy import is_within
from privet.regimes.base import SubjectFacts
from privet.regimes.cpni import MAIL_EXTRA, NOTICE_WAIT

KeyFn = Callable[[SubjectFacts, datetime], int | None]  # None: do not memoise this one
LIMIT = 250_000


class SignatureMemo:
    """A `Decider` front: the same decisions, memoised per request on the request's signature."""

    def __init__(self, decider: Decider, limit: int = LIMIT):
        self.decider = decider
        self.limit = limit
        self._shapes: dict[Request, tuple[KeyFn, dict[int, Decision]]] = {}

    def decide(self, request: Request, facts: SubjectFacts, at: datetime) -> Decision:
        shape = self._shapes.get(request)
        if shape is None:
            shape = (key_function(Signature(self.decider, request, at)), {})
            self._shapes[request] = shape
        key_of, table = shape
        key = key_of(facts, at)
        if key is None:
            return self.decider.evaluate(request, facts, at)
        decision = table.get(key)
        if decision is None:
            decision = self.decider.evaluate(request, facts, at)
            if len(table) >= self.limit:
                table.clear()
            table[key] = decision
        return decision


def key_function(sig: Signature) -> KeyFn:
    """The signature of one person's facts at a moment, as the SQL of `bulk_sql` computes it for a population."""
    parts = [_code(sig, d.name, sig.strides[d.name]) for d in sig.dims if d.name != "governing"]
    governing = _governing(sig) if sig.governing else None
    subjects_matter = any(d.name.startswith("kind:") for d in sig.dims)
    if governing is None and not subjects_matter:

        def plain(facts: SubjectFacts, at: datetime) -> int | None:
            total = 0
            for part in parts:
                total += part(facts, at)
            return total

        return plain

    def key(facts: SubjectFacts, at: datetime) -> int | None:
        total = 0
        if governing is not None:
            code = governing(facts)
            if code is None:
                return None
            total = code * sig.strides["governing"]
        if subjects_matter and not subjects_of(facts.account_type, facts.account_status, facts.age) <= facts.subjects:
            return None
        for part in parts:
            total += part(facts, at)
        return total

    return key


def _index(values: tuple[str, ...], first: int, none: int, other: int, stride: int) -> dict[Any, int]:
    table: dict[Any, int] = {v: (first + i) * stride for i, v in enumerate(values)}
    table[None] = none * stride
    table[_OTHER] = other * stride
    return table


_OTHER = object()
Code = Callable[[SubjectFacts, datetime], int]


def _code(sig: Signature, name: str, stride: int) -> Code:
    """One dimension's code times its stride, from facts, matching `bulk_sql.codes` class for class."""
    if name in ("state", "billing_state", "account_type", "account_status"):
        first, none, other = {
            "state": (1, 0, 0),
            "billing_state": (2, 0, 1),
            "account_type": (2, 0, 1),
            "account_status": (1, 0, 0),
        }[name]
        values = {"state": sig.states, "billing_state": sig.billing_states, "account_type": sig.account_types}.get(
            name, sig.account_statuses
        )
        table = _index(values, first, none, other, stride)
        otherwise = table[_OTHER]
        get = table.get
        if name == "state":
            return lambda f, at: get(f.state, otherwise)
        if name == "billing_state":
            return lambda f, at: get(f.billing_state, otherwise)
        if name == "account_type":
            return lambda f, at: get(f.account_type, otherwise)
        return lambda f, at: get(f.account_status, otherwise)
    if name == "age":
        cuts = sig.age_cuts
        return lambda f, at: 0 if f.age is None else (1 + bisect_right(cuts, f.age)) * stride
    if name.startswith("line:"):
        line = name.removeprefix("line:")
        return lambda f, at: stride if line in f.service_lines else 0
    if name == "parental_consent":
        return lambda f, at: stride if f.parental_consent else 0
    if name == "gpc":
        return lambda f, at: stride if f.gpc else 0
    if name == "cpni_notice":
        return lambda f, at: _notice(f, at) * stride
    if name.startswith("choice:"):
        return _choice(sig, name.removeprefix("choice:"), stride)
    if name.startswith("kind:"):
        wanted = name.removeprefix("kind:")
        return lambda f, at: stride if any(is_within(s, wanted) for s in f.subjects) else 0
    raise ValueError(f"unknown signature dimension {name}")  # pragma: no cover - the dims are the signature's own


def _governing(sig: Signature) -> Callable[[SubjectFacts], int | None]:
    current = sig.decider.current.version
    loaded = {v: i + 1 for i, v in enumerate(sig.governing[1:-1])}

    def code(f: SubjectFacts) -> int | None:
        under = f.collected_under
        if under is None or under == current or current in f.accepted_versions:
            return 0
        return loaded.get(under)  # None: a version that is not loaded, named in the reasons

    return code


def _notice(f: SubjectFacts, at: datetime) -> int:
    sent = f.cpni_notice_sent_at
    if sent is None:
        return 0
    return 2 if at >= sent + NOTICE_WAIT + (MAIL_EXTRA if f.cpni_notice_mailed else timedelta(0)) else 1


def _choice(sig: Signature, cid: str, stride: int) -> Code:
    resolved = sig.choice_fallback.get(cid)
    if resolved is None:  # 2 on record as yes and in effect, 1 as no, 0 nothing in effect

        def tri(f: SubjectFacts, at: datetime) -> int:
            state = f.choices.get(cid)
            return 0 if state is None or state.effective_at > at else (2 if state.value else 1) * stride

        return tri
    default, honours_gpc = resolved  # 1 the choice allows at `at`, 0 it does not
    fallback = stride if default else 0

    def two(f: SubjectFacts, at: datetime) -> int:
        state = f.choices.get(cid)
        if state is not None and state.effective_at <= at:
            return stride if state.value else 0
        return 0 if honours_gpc and f.gpc else fallback

    return two
