"""A campaign's signature: the few facts its decisions can depend on, in finite classes, packed into one integer.

`CompiledPolicy.decide` is memoised on the facts a decision depends on. For one campaign most of
those facts cannot matter: a rule that tests no jurisdiction makes every state alike, a regime
that cannot apply to the use makes its choices irrelevant. The signature keeps only what the
campaign's candidate rules test (their `when`) and what the regimes that can apply read
(`bulk_regimes`), each fact reduced to the classes that behave differently (a state named by
some rule or regime, or "any other"; an age band between two cut points; a choice allowing the
use at the campaign's moment or not). A person's signature is then one integer that a database
can compute with CASE expressions and group by; the policy decides a distinct integer on a
representative person built from it (`facts_for`), and that answer is the answer for everyone
with that signature (the property tests hold every person to their own single decision).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from privet.decide.bulk_regimes import active_regimes, reads_of
from privet.decide.decider import Decider
from privet.decide.engine import CompiledPolicy, Plan, Request, UnknownRecipient
from privet.decide.explain import Decision
from privet.policy.model import AccountStatus, AccountType
from privet.regimes.base import ChoiceState, SubjectFacts, Use
from privet.regimes.cpni import MAIL_EXTRA, NOTICE_WAIT

ACCOUNT_TYPES = tuple(t.value for t in AccountType)
ACCOUNT_STATUSES = tuple(s.value for s in AccountStatus)
AGE_BAND_AGE = {"under_13": 12, "13_15": 14, "16_17": 16, "adult": 30}  # as privet.decide.facts.age_on reads a band
UNLOADED = "(a version that is not loaded)"
OTHER_BILLING = "__"  # a billing state no rule or regime names
OTHER_TYPE = "__"  # an account type outside privet's vocabulary


@dataclass(frozen=True)
class Dim:
    """One packed fact: its name and how many classes it has (codes 0..size-1)."""

    name: str
    size: int


@dataclass(frozen=True)
class Verdict:
    """What the policy said for one signature."""

    allowed: bool
    denial_reason: str | None
    decision: Decision


class Signature:
    """The facts one campaign depends on, their classes, and the packing of class codes into one integer."""

    def __init__(self, decider: Decider, request: Request, at: datetime):
        if at.tzinfo is None:
            raise ValueError("a campaign's moment needs a timezone")
        self.decider, self.request, self.at = decider, request, at
        versions = list(decider.versions.values()) if decider.pins_older_data else [decider.current]
        plans: list[tuple[CompiledPolicy, Plan]] = [(decider.current, decider.current.plan(request))]
        for compiled in versions:
            if compiled is decider.current:
                continue
            try:
                plans.append((compiled, compiled.plan(request)))
            except UnknownRecipient:
                continue  # anyone governed by it fails loudly when their group is decided, as a single decision would
        self._collect(plans)
        self.governing: tuple[str | None, ...] = ()
        if decider.pins_older_data:
            older = sorted(v for v in decider.versions if v != decider.current.version)
            self.governing = (None, *older, UNLOADED)
        self.dims = self._dims()
        self.size = 1
        self.strides: dict[str, int] = {}
        for dim in self.dims:
            self.strides[dim.name] = self.size
            self.size *= dim.size

    def _collect(self, plans: list[tuple[CompiledPolicy, Plan]]) -> None:
        states: set[str] = set()
        billing: set[str] = set()
        lines: set[str] = set()
        choices: set[str] = set()
        subjects: set[str] = set()
        age = types = statuses = parental = gpc = notice = False
        for compiled, plan in plans:
            for _, candidates in plan.per_category:
                for candidate in candidates:
                    when = candidate.rule.when
                    states.update(when.jurisdictions, when.not_jurisdictions)
                    lines.update(s.value for s in when.service_lines)
                    age = age or when.min_age is not None or when.max_age is not None or bool(when.subjects)
                    types = types or bool(when.account_types) or bool(when.subjects)
                    statuses = statuses or bool(when.account_statuses) or bool(when.subjects)
                    subjects.update(when.subjects)
                    if candidate.rule.choice:
                        choices.add(candidate.rule.choice)
            use = Use(plan.request.categories, plan.request.purpose, plan.recipient_kind, plan.request.channel, self.at)
            for regime in active_regimes(use):
                reads = reads_of(regime)
                states |= reads.states
                billing |= reads.billing_states
                lines |= reads.lines
                age = age or reads.age
                parental = parental or reads.parental_consent
                gpc = gpc or reads.gpc
                notice = notice or reads.cpni_notice
                choices.update(c.id for c in compiled.regime_choices.get(regime.id, ()))
        compiled_all = [c for c, _ in plans]
        # A choice all these versions treat alike when no one has chosen (same default, same answer to
        # a GPC signal) is decided in SQL to its value at `at`: two classes, not three.
        self.choice_fallback: dict[str, tuple[bool, bool]] = {}
        for cid in choices:
            seen = {(_allowed_by_default(c, cid), cid in c.gpc_choices) for c in compiled_all}
            if len(seen) == 1:
                self.choice_fallback[cid] = seen.pop()
        unresolved_gpc = any(
            c in compiled.gpc_choices for compiled in compiled_all for c in choices if c not in self.choice_fallback
        )
        gpc = gpc or unresolved_gpc
        self.states = tuple(sorted(states))
        self.billing_states = tuple(sorted(billing))
        self.lines = tuple(sorted(lines))
        self.choices = tuple(sorted(choices))
        self.age_cuts: tuple[int, ...] = tuple(sorted({cut for c in compiled_all for cut in c.age_cuts})) if age else ()
        self.uses_age = age
        self.uses_account_type = types
        self.account_types = ACCOUNT_TYPES if types else ()
        self.account_statuses = ACCOUNT_STATUSES if statuses else ()
        self.subject_kinds = tuple(sorted(subjects))
        self.uses_parental, self.uses_gpc, self.uses_notice = parental, gpc, notice

    def _dims(self) -> list[Dim]:
        dims = [
            Dim("governing", len(self.governing)),
            Dim("state", len(self.states) + 1),
            Dim("billing_state", len(self.billing_states) + 2 if self.billing_states else 1),
            Dim("age", len(self.age_cuts) + 2 if self.uses_age else 1),
            Dim("account_type", len(self.account_types) + 2 if self.uses_account_type else 1),
            Dim("account_status", len(self.account_statuses) + 1),
            *(Dim(f"line:{line}", 2) for line in self.lines),
            Dim("parental_consent", 2 if self.uses_parental else 1),
            Dim("gpc", 2 if self.uses_gpc else 1),
            Dim("cpni_notice", 3 if self.uses_notice else 1),
            *(Dim(f"choice:{c}", 2 if c in self.choice_fallback else 3) for c in self.choices),
            *(Dim(f"kind:{k}", 2) for k in self.subject_kinds),
        ]
        return [d for d in dims if d.size > 1]

    # --- class boundaries the SQL needs ---

    def age_cutoffs(self) -> list[tuple[date, int]]:
        """(latest birth date old enough for the cut, code) from the youngest cut up; code 1 is below every cut."""
        day = self.at.date()
        return [(years_before(day, cut), band + 2) for band, cut in enumerate(self.age_cuts)]

    def band_code(self, band: str) -> int:
        """The age code of a person known only by an age band (the representative age privet uses for it)."""
        age = AGE_BAND_AGE[band]
        return 1 + sum(1 for cut in self.age_cuts if age >= cut)

    def notice_thresholds(self) -> tuple[datetime, datetime]:
        """A notice sent at or before these moments (emailed, mailed) has opened the CPNI opt-out window by `at`."""
        return self.at - NOTICE_WAIT, self.at - NOTICE_WAIT - MAIL_EXTRA

    # --- packing ---

    def decode(self, key: int) -> dict[str, int]:
        codes = {}
        for dim in self.dims:
            codes[dim.name] = (key // self.strides[dim.name]) % dim.size
        return codes

    def facts_for(self, key: int) -> SubjectFacts:
        """A representative person for a signature: any person with this signature is decided the same way."""
        c = self.decode(key)
        state = self.states[c["state"] - 1] if c.get("state") else None
        billing_code = c.get("billing_state", 0)
        billing = None if billing_code == 0 else OTHER_BILLING if billing_code == 1 else self.billing_states[billing_code - 2]
        age = self.age_of(c.get("age", 0))
        type_code = c.get("account_type", 0)
        account_type = None if type_code == 0 else OTHER_TYPE if type_code == 1 else self.account_types[type_code - 2]
        account_status = self.account_statuses[c["account_status"] - 1] if c.get("account_status") else None
        lines = frozenset(line for line in self.lines if c.get(f"line:{line}"))
        notice = {0: None, 1: self.at, 2: self.at - NOTICE_WAIT - MAIL_EXTRA - timedelta(days=1)}[c.get("cpni_notice", 0)]
        choices = {}
        for cid in self.choices:
            code = c.get(f"choice:{cid}", 0)
            if cid in self.choice_fallback:  # 1: the choice allows at `at`, 0: it does not (in effect either way)
                choices[cid] = ChoiceState(code == 1, self.at)
            elif code:  # 2: on record as yes, 1: as no, 0: nothing in effect (each version's default applies)
                choices[cid] = ChoiceState(code == 2, self.at)
        governing = self.governing[c["governing"]] if c.get("governing") else None
        return SubjectFacts(
            state=state,
            billing_state=billing,
            age=age,
            account_type=account_type,
            account_status=account_status,
            service_lines=lines,
            subjects=subjects_of(account_type, account_status, age, [k for k in self.subject_kinds if c.get(f"kind:{k}")]),
            choices=choices,
            parental_consent=bool(c.get("parental_consent")),
            cpni_notice_sent_at=notice,
            collected_under=governing,
            gpc=bool(c.get("gpc")),
        )

    def age_of(self, code: int) -> int | None:
        """The representative age of an age code (None: unknown)."""
        if code == 0:
            return None
        band = code - 1
        return self.age_cuts[band - 1] if band >= 1 else self.age_cuts[0] - 1


def _allowed_by_default(compiled: CompiledPolicy, choice_id: str) -> bool:
    choice = compiled.choices.get(choice_id)
    return choice is not None and choice.default == "allowed"


def subjects_of(
    account_type: str | None, account_status: str | None, age: int | None, kinds: Iterable[str] = ()
) -> frozenset[str]:
    """The subject kinds privet.decide.facts.load_facts derives: the person's own kinds, the primary account's, a child's.

    `account_type` is None exactly when the person has no account (a stored account always has a type).
    """
    subjects = set(kinds)
    if account_type is not None:
        subjects.add("customer")
        if account_type in ("residential", "business"):
            subjects.add(f"customer.{account_type}")
        if account_status == "disconnected":
            subjects.add("former_customer")
    if age is not None and age < 13:
        subjects.add("child")
    return frozenset(subjects)


def years_before(day: date, years: int) -> date:
    """The latest birth date of someone at least `years` old on `day` (29 February counts as 28 in common years)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def tally(counts: Mapping[int, int], verdicts: Mapping[int, Verdict]) -> tuple[int, int, dict[str, int]]:
    """(total, eligible, denied per reason) from people per signature and each signature's verdict."""
    total = eligible = 0
    denied: dict[str, int] = {}
    for key, n in counts.items():
        total += n
        verdict = verdicts[key]
        if verdict.allowed:
            eligible += n
        else:
            reason = verdict.denial_reason or verdict.decision.basis.value
            denied[reason] = denied.get(reason, 0) + n
    return total, eligible, dict(sorted(denied.items(), key=lambda kv: (-kv[1], kv[0])))
