"""Decisions that note what they read about the person, so one decision can answer for many signatures.

A decision is a pure function of the person's facts (the request and moment being fixed for
an audience). If deciding for signature A read only "is the state CA", "is the person 13 or
older" and one choice, then any signature B with the same answers to those questions makes
every branch the same way and gets the same decision: run on B, the code reads the same things
in the same order and sees the same values. So each decision runs on facts that record what
is asked of them, as *features*:
- a fact attribute (`state`, `gpc`, …) names the signature dimensions behind it;
- `choices.get(id)` names that choice; `x in service_lines` names that line;
- `service_lines & kinds` used as a truth value names "any of those kinds" (`any:a,b`);
- the age records each comparison as a threshold (`age>=13`), and reading it at all records
  whether it is known (`age?`); anything else done with it (arithmetic, hashing) records the
  whole age.
Every other way of reading a fact records all of it, so tracing can be too coarse but never
too fine. `bulk_verdicts` turns features into comparisons over all signatures at once.

The decision is `Decider.evaluate` itself, on a copy whose compiled policies skip their memo (the
memo's key reads every fact, which would record everything) by calling `CompiledPolicy.evaluate`;
version pinning and all the decider does stay its own.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import fields
from datetime import datetime
from typing import Any, cast

from privet.decide.bulk_signature import Signature
from privet.decide.decider import Decider
from privet.decide.engine import CompiledPolicy, Request
from privet.decide.explain import Decision
from privet.regimes.base import ChoiceState, SubjectFacts

ALL_CHOICES = "choice:*"
ALL_LINES = "line:*"
AGE = "age"
AGE_KNOWN = "age?"
ATTRIBUTE_FEATURES: dict[str, tuple[str, ...]] = {
    "person_id": (),
    "choices": (),  # the mapping; which choices are read is traced by the mapping
    "service_lines": (),  # the set; which lines are tested is traced by the set
    "age": (AGE_KNOWN,),  # the value; its comparisons are traced by the value
    "state": ("state",),
    "billing_state": ("billing_state",),
    "account_type": ("account_type",),
    "account_status": ("account_status",),
    "subjects": ("account_type", "account_status", AGE, "kind:*"),
    "parental_consent": ("parental_consent",),
    "gpc": ("gpc",),
    "cpni_notice_sent_at": ("cpni_notice",),
    "cpni_notice_mailed": ("cpni_notice",),
    "collected_under": ("governing",),
    "accepted_versions": ("governing",),
}
assert set(ATTRIBUTE_FEATURES) == {f.name for f in fields(SubjectFacts)}, "a new fact must say which features it is"


class SignatureIncomplete(RuntimeError):
    """A decision read a fact the signature does not group by: bulk answers would be wrong, so none is given."""


class _TracedChoices(dict[str, ChoiceState]):
    """A person's choices that note which ones are looked up (any walk over all of them notes all)."""

    def __init__(self, data: Mapping[str, ChoiceState], reads: set[str]):
        super().__init__(data)
        self._reads = reads

    def get(self, key: str, default: Any = None) -> Any:
        self._reads.add(f"choice:{key}")
        return super().get(key, default)

    def __getitem__(self, key: str) -> ChoiceState:
        self._reads.add(f"choice:{key}")
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._reads.add(f"choice:{key}")
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self._reads.add(ALL_CHOICES)
        return super().__iter__()

    def __len__(self) -> int:
        self._reads.add(ALL_CHOICES)
        return super().__len__()

    def keys(self) -> Any:
        self._reads.add(ALL_CHOICES)
        return super().keys()

    def values(self) -> Any:
        self._reads.add(ALL_CHOICES)
        return super().values()

    def items(self) -> Any:
        self._reads.add(ALL_CHOICES)
        return super().items()


class _Lines(AbstractSet[str]):
    """Service lines that note what is asked of them.

    Not a frozenset subclass on purpose: C code reads a frozenset's table directly, past any
    override, while everything done with this class goes through these methods (the mixins of
    `Set` are built on them; hashing it fails loudly).
    """

    def __init__(self, lines: frozenset[str], reads: set[str], members: frozenset[str] | None = None):
        self._lines = lines
        self._reads = reads
        self._members = members  # for `lines & kinds`: the kinds asked about (None: the person's own lines)

    def __contains__(self, kind: object) -> bool:
        if self._members is None or kind in self._members:
            self._reads.add(f"line:{kind}")
        return kind in self._lines

    def _all(self) -> None:
        if self._members is None:
            self._reads.add(ALL_LINES)
        else:
            self._reads.update(f"line:{m}" for m in self._members)

    def __iter__(self) -> Iterator[str]:
        self._all()
        return iter(self._lines)

    def __len__(self) -> int:
        self._all()
        return len(self._lines)

    def __bool__(self) -> bool:
        if self._members is None:
            self._reads.add(ALL_LINES)
        else:
            self._reads.add("any:" + ",".join(sorted(self._members)))
        return bool(self._lines)

    def __and__(self, other: Iterable[Any]) -> _Lines:
        asked = frozenset(str(x) for x in other)
        if self._members is not None:
            self._all()
            asked &= self._members
        return _Lines(self._lines & asked, self._reads, asked)

    __rand__ = __and__

    @classmethod
    def _from_iterable(cls, it: Iterable[Any]) -> frozenset[Any]:  # what the other mixins return: a plain set
        return frozenset(it)


class _Age(int):
    """An age that notes each comparison as a threshold (`age >= t`); anything else done with it notes the whole age."""

    _reads: set[str]

    def __new__(cls, value: int, reads: set[str]) -> _Age:
        obj = super().__new__(cls, value)
        obj._reads = reads
        return obj

    def _plain(self) -> int:
        return int.__int__(self)

    def _at_least(self, threshold: object) -> bool:
        if type(threshold) is not int:
            self._reads.add(AGE)
            return False
        self._reads.add(f"age>={threshold}")
        return self._plain() >= threshold

    def __ge__(self, other: object) -> bool:
        return self._at_least(other) if type(other) is int else self._whole(int.__ge__, other)

    def __lt__(self, other: object) -> bool:
        return not self._at_least(other) if type(other) is int else self._whole(int.__lt__, other)

    def __gt__(self, other: object) -> bool:
        return self._at_least(other + 1) if type(other) is int else self._whole(int.__gt__, other)

    def __le__(self, other: object) -> bool:
        return not self._at_least(other + 1) if type(other) is int else self._whole(int.__le__, other)

    def __eq__(self, other: object) -> bool:
        if type(other) is not int:
            return bool(self._whole(int.__eq__, other))
        return self._at_least(other) and not self._at_least(other + 1)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def _whole(self, op: Any, *args: Any) -> Any:
        self._reads.add(AGE)
        return op(self._plain(), *args)

    def __hash__(self) -> int:
        return int(self._whole(int.__hash__))

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("_"):
            object.__getattribute__(self, "_reads").add(AGE)
        return object.__getattribute__(self, name)


def _whole_age(op: str) -> Any:
    def method(self: _Age, *args: Any) -> Any:
        return self._whole(getattr(int, op), *args)

    return method


for _op in (
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__floordiv__", "__rfloordiv__",
    "__truediv__", "__rtruediv__", "__mod__", "__rmod__", "__divmod__", "__pow__", "__neg__", "__pos__",
    "__abs__", "__int__", "__index__", "__float__", "__bool__", "__str__", "__repr__", "__format__",
    "__round__", "__trunc__", "__floor__", "__ceil__", "__and__", "__or__", "__xor__", "__lshift__",
    "__rshift__", "__invert__",
):  # fmt: skip
    setattr(_Age, _op, _whole_age(_op))


class _TracedFacts(SubjectFacts):
    """SubjectFacts that note every attribute read."""

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("__"):
            reads: set[str] = object.__getattribute__(self, "_reads")
            reads.add(f"attr:{name}")
        return object.__getattribute__(self, name)


def traced(facts: SubjectFacts) -> tuple[SubjectFacts, set[str]]:
    """The same facts, noting into the returned set everything asked of them."""
    reads: set[str] = set()
    values = {f.name: getattr(facts, f.name) for f in fields(SubjectFacts)}
    values["choices"] = _TracedChoices(facts.choices, reads)
    values["service_lines"] = _Lines(facts.service_lines, reads)
    if facts.age is not None:
        values["age"] = _Age(facts.age, reads)
    out = _TracedFacts(**values)
    object.__setattr__(out, "_reads", reads)
    return out, reads


def features(reads: set[str]) -> set[str]:
    """What was read, in the vocabulary `bulk_verdicts` compares signatures by (an unknown attribute: everything)."""
    out: set[str] = set()
    for read in reads:
        if read.startswith("attr:"):
            name = read.removeprefix("attr:")
            if not name.startswith("_"):
                out.update(ATTRIBUTE_FEATURES.get(name, ("*",)))
        else:
            out.add(read)
    return out


class _Unmemoised:
    """A compiled policy whose `decide` skips the memo (whose cache key reads every fact); all else is the policy's own."""

    def __init__(self, compiled: CompiledPolicy):
        self._compiled = compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self._compiled, name)

    def decide(self, request: Request, facts: SubjectFacts, at: datetime) -> Decision:
        return self._compiled.evaluate(request, facts, at)


def unmemoised(decider: Decider) -> Decider:
    """The same decider (version pinning and all) deciding without its memo, so that tracing sees only real reads."""
    twin = copy.copy(decider)
    twin.memoised, twin.memo = False, None
    wrapped = {version: _Unmemoised(compiled) for version, compiled in decider.versions.items()}
    twin.versions = cast(dict[str, CompiledPolicy], wrapped)
    twin.current = cast(CompiledPolicy, wrapped[decider.current.version])
    return twin


def decide_traced(sig: Signature, key: int, decider: Decider) -> tuple[Decision, set[str]]:
    """The decision for one signature (by an `unmemoised` decider) and the features it read."""
    facts, reads = traced(sig.facts_for(key))
    decision = decider.decide(sig.request, facts, sig.at)
    return decision, features(reads)
