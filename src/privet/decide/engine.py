"""Single decisions: compile one pack version plus the regimes into a fast decision function.

How a decision is made, for each requested category:
1. The pack's candidate rules are those for the same recipient whose purpose contains the
   requested purpose and whose categories contain the category. The most specific candidate
   whose conditions match the person wins (deepest category, then deepest purpose, then most
   conditions; ties go to the stricter basis), so a narrow `required` rule is an exception to a
   broad `never` ("we do not share ... except"). No candidate means no: the closed world.
2. The winning rule's basis is evaluated against the person's choices at that moment.
Then every regime that applies adds its floor; the decision is the strictest of all.

Speed: the candidate rules for a request shape are computed once (`Plan`), and a decision is
memoised on exactly the facts it depends on (jurisdiction, age band, account, services, the
values of the choices involved at that moment, signals), so repeated shapes cost one dict
lookup while every answer still carries its full reasons.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from privet.decide.explain import ALLOWING, Decision, Outcome, Reason
from privet.policy.model import Basis, Choice, Conditions, PolicyPack, Rule
from privet.policy.taxonomy import Channel, RecipientKind, RegimeId, is_within
from privet.regimes.base import Floor, Requirement, SubjectFacts, Use
from privet.regimes.cpni import MAIL_EXTRA, NOTICE_WAIT
from privet.regimes.registry import floors_for

STRICTNESS = {Outcome.REQUIRED: 0, Outcome.OPT_OUT_NOT_EXERCISED: 1, Outcome.OPT_IN_GIVEN: 2}
DENIAL_ORDER = {
    Outcome.PROHIBITED_BY_LAW: 0,
    Outcome.NEVER: 1,
    Outcome.NO_RULE: 2,
    Outcome.OPTED_OUT: 3,
    Outcome.OPT_IN_MISSING: 4,
}
LEGAL_AGES = (13, 16)
CACHE_LIMIT = 250_000


class UnknownRecipient(ValueError):
    pass


@dataclass(frozen=True)
class Request:
    """One proposed use: these categories, for this purpose, to this recipient (a pack recipient id), by this channel."""

    categories: tuple[str, ...]
    purpose: str
    recipient: str
    channel: str | None = None


@dataclass(frozen=True)
class Candidate:
    rule: Rule
    specificity: tuple[int, int, int, int]
    matches: Callable[[SubjectFacts, int | None], bool]


@dataclass(frozen=True)
class Plan:
    request: Request
    recipient_kind: RecipientKind
    per_category: tuple[tuple[str, tuple[Candidate, ...]], ...]
    choice_ids: tuple[str, ...]


def _depth(key: str) -> int:
    return key.count(".") + 1


def compile_conditions(c: Conditions) -> Callable[[SubjectFacts, int | None], bool]:
    """Turn a rule's `when` into one predicate over the facts (age passed separately, already resolved)."""
    checks: list[Callable[[SubjectFacts, int | None], bool]] = []
    if c.jurisdictions:
        allowed = frozenset(c.jurisdictions)
        checks.append(lambda f, a: f.state in allowed)
    if c.not_jurisdictions:
        excluded = frozenset(c.not_jurisdictions)
        checks.append(lambda f, a: f.state not in excluded)
    if c.min_age is not None:
        low = c.min_age
        checks.append(lambda f, a: a is not None and a >= low)
    if c.max_age is not None:
        high = c.max_age
        checks.append(lambda f, a: a is not None and a <= high)
    if c.account_types:
        types = frozenset(t.value for t in c.account_types)
        checks.append(lambda f, a: f.account_type in types)
    if c.account_statuses:
        statuses = frozenset(s.value for s in c.account_statuses)
        checks.append(lambda f, a: f.account_status in statuses)
    if c.service_lines:
        lines = frozenset(s.value for s in c.service_lines)
        checks.append(lambda f, a: bool(f.service_lines & lines))
    if c.subjects:
        subjects = tuple(c.subjects)
        checks.append(lambda f, a: any(is_within(s, want) for s in f.subjects for want in subjects))
    if not checks:
        return lambda f, a: True
    if len(checks) == 1:
        return checks[0]
    return lambda f, a: all(check(f, a) for check in checks)


def _condition_count(c: Conditions) -> int:
    return (
        sum(
            bool(x)
            for x in (c.jurisdictions, c.not_jurisdictions, c.account_types, c.account_statuses, c.service_lines, c.subjects)
        )
        + (c.min_age is not None)
        + (c.max_age is not None)
    )


class CompiledPolicy:
    """One pack version, ready to decide."""

    def __init__(self, pack: PolicyPack):
        self.pack = pack
        self.version = pack.pack.version
        self.recipient_kinds = {r.id: r.kind for r in pack.recipients}
        self.choices: dict[str, Choice] = {c.id: c for c in pack.choices}
        self.regime_choices: dict[RegimeId, tuple[Choice, ...]] = {}
        for choice in (*pack.choices, *legal_choices(pack)):
            if choice.regime is not None:
                self.regime_choices[choice.regime] = (*self.regime_choices.get(choice.regime, ()), choice)
                self.choices.setdefault(choice.id, choice)
        self.gpc_choices = tuple(c.id for c in pack.choices if "gpc" in c.channels or c.regime is RegimeId.CCPA)
        self.age_cuts = tuple(sorted({*LEGAL_AGES, *self._rule_ages()}))
        self._plans: dict[Request, Plan] = {}
        self._cache: dict[tuple[object, ...], Decision] = {}
        self._candidates = [
            (rule, compile_conditions(rule.when), _condition_count(rule.when), Basis(rule.basis).strictness)
            for rule in pack.rules
        ]

    def _rule_ages(self) -> Iterable[int]:
        for rule in self.pack.rules:
            if rule.when.min_age is not None:
                yield rule.when.min_age
            if rule.when.max_age is not None:
                yield rule.when.max_age + 1

    def plan(self, request: Request) -> Plan:
        plan = self._plans.get(request)
        if plan is not None:
            return plan
        original = request
        request = self._resolve_recipient(request)
        kind = self.recipient_kinds[request.recipient]
        per_category = []
        choice_ids: set[str] = set()
        for category in request.categories:
            found = []
            for rule, matches, ncond, strict in self._candidates:
                if rule.recipient != request.recipient or not is_within(request.purpose, rule.purpose):
                    continue
                covering = [rc for rc in rule.categories if is_within(category, rc)]
                if not covering:
                    continue
                spec = (max(_depth(rc) for rc in covering), _depth(rule.purpose), ncond, strict)
                found.append(Candidate(rule, spec, matches))
                if rule.choice:
                    choice_ids.add(rule.choice)
            found.sort(key=lambda c: c.specificity, reverse=True)
            per_category.append((category, tuple(found)))
        for choices in self.regime_choices.values():
            choice_ids.update(c.id for c in choices)
        plan = Plan(request, kind, tuple(per_category), tuple(sorted(choice_ids)))
        self._plans[original] = plan
        return plan

    def _resolve_recipient(self, request: Request) -> Request:
        """A request names a recipient by pack id, or by kind when the pack has exactly one of that kind."""
        if request.recipient in self.recipient_kinds:
            return request
        of_kind = [rid for rid, kind in self.recipient_kinds.items() if kind.value == request.recipient]
        if len(of_kind) == 1:
            return replace(request, recipient=of_kind[0])
        if of_kind:
            raise UnknownRecipient(f"several recipients are of kind '{request.recipient}' ({', '.join(of_kind)}); name one")
        known = ", ".join(sorted(self.recipient_kinds))
        raise UnknownRecipient(
            f"recipient '{request.recipient}' is not declared in policy {self.pack.pack.id} {self.version} (known: {known})"
        )

    def choice_value(self, choice_id: str, facts: SubjectFacts, at: datetime) -> bool:
        """True when the choice currently allows the use (opted in, or not opted out)."""
        state = facts.choices.get(choice_id)
        if state is not None and state.effective_at <= at:
            return state.value
        if facts.gpc and choice_id in self.gpc_choices:
            return False
        choice = self.choices.get(choice_id)
        return choice is not None and choice.default == "allowed"

    def age_band(self, age: int | None) -> int:
        return -1 if age is None else bisect_right(self.age_cuts, age)

    def decide(self, request: Request, facts: SubjectFacts, at: datetime) -> Decision:
        plan = self.plan(request)
        key = (
            request,
            facts.state,
            facts.billing_state,
            self.age_band(facts.age),
            facts.account_type,
            facts.account_status,
            facts.service_lines,
            facts.subjects,
            facts.parental_consent,
            facts.gpc,
            _notice_window_open(facts, at),
            tuple(self.choice_value(cid, facts, at) for cid in plan.choice_ids),
        )
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        decision = self._evaluate_plan(plan, facts, at)
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = decision
        return decision

    def evaluate(self, request: Request, facts: SubjectFacts, at: datetime) -> Decision:
        """The decision without the memo: every fact it needs is read, every time (what tracing relies on)."""
        return self._evaluate_plan(self.plan(request), facts, at)

    def _evaluate_plan(self, plan: Plan, facts: SubjectFacts, at: datetime) -> Decision:
        reasons: list[Reason] = []
        obligations: list[str] = []
        outcomes: list[tuple[Outcome, str | None]] = []
        rule_choices: list[Choice] = []
        seen_rules: set[str] = set()
        for category, candidates in plan.per_category:
            winners = _co_winners(candidates, facts)
            if not winners:
                outcomes.append((Outcome.NO_RULE, None))
                reasons.append(
                    Reason(
                        "policy",
                        "no_rule",
                        f"no rule of the policy allows {category} for {plan.request.purpose} to {plan.request.recipient}",
                        allows=False,
                    )
                )
                continue
            for winner in winners:
                outcome = self._evaluate(winner, facts, at)
                outcomes.append((outcome, winner.id))
                if winner.choice and winner.choice in self.choices:
                    rule_choices.append(self.choices[winner.choice])
                if winner.id not in seen_rules:
                    seen_rules.add(winner.id)
                    reasons.append(
                        Reason("policy", winner.id, _rule_text(winner, outcome, self.choices), allows=outcome in ALLOWING)
                    )
                    obligations.extend(winner.obligations)
        denied = [o for o in outcomes if o[0] not in ALLOWING]
        use = Use(plan.request.categories, plan.request.purpose, plan.recipient_kind, plan.request.channel, at)
        floors = floors_for(use, facts)
        floor_outcomes = [(floor, self._floor_outcome(floor, facts, at, rule_choices)) for floor in floors]
        for floor, outcome in floor_outcomes:
            reasons.append(Reason(floor.regime.value, floor.rule, floor.reason, floor.citation, allows=outcome in ALLOWING))
            obligations.extend(floor.obligations)
        law_denied = [o for _, o in floor_outcomes if o not in ALLOWING]
        if plan.recipient_kind is not RecipientKind.FIRST_PARTY:
            obligations.append("log_disclosure")
        regime_rules = tuple(f.rule for f, _ in floor_outcomes)
        if denied or law_denied:
            worst = min([o for o, _ in denied] + law_denied, key=lambda o: DENIAL_ORDER[o])
            rule = next((r for o, r in denied if o is worst), None)
            if rule is None and worst is not Outcome.NO_RULE:
                rule = next((r for _, r in outcomes if r), None)
            return Decision(False, worst, self.version, rule, regime_rules, tuple(reasons), tuple(dict.fromkeys(obligations)))
        allowed_outcomes = [o for o, _ in outcomes] + [o for _, o in floor_outcomes]
        basis = max(allowed_outcomes, key=lambda o: STRICTNESS[o])
        rule = max(outcomes, key=lambda x: STRICTNESS[x[0]])[1]
        return Decision(True, basis, self.version, rule, regime_rules, tuple(reasons), tuple(dict.fromkeys(obligations)))

    def _evaluate(self, rule: Rule, facts: SubjectFacts, at: datetime) -> Outcome:
        if rule.basis is Basis.REQUIRED:
            return Outcome.REQUIRED
        if rule.basis is Basis.NEVER:
            return Outcome.NEVER
        value = self.choice_value(rule.choice or "", facts, at)
        if rule.basis is Basis.UNLESS_OPTED_OUT:
            return Outcome.OPT_OUT_NOT_EXERCISED if value else Outcome.OPTED_OUT
        return Outcome.OPT_IN_GIVEN if value else Outcome.OPT_IN_MISSING

    def _floor_outcome(self, floor: Floor, facts: SubjectFacts, at: datetime, rule_choices: list[Choice]) -> Outcome:
        if floor.requirement is Requirement.NONE:
            return Outcome.REQUIRED
        if floor.requirement is Requirement.PROHIBITED:
            return Outcome.PROHIBITED_BY_LAW
        # Whose consent satisfies the law: the regime's own choices named by the rules (one of FCRA's two
        # opt-outs speaks only for its use), else every choice the pack offers for that regime (a CPNI
        # approval, not some other consent), and only where the pack offers none, the rules' choices.
        own = [c for c in rule_choices if c.regime is floor.regime]
        offered = self.regime_choices.get(floor.regime, ())
        opt_ins = _first_nonempty([c for c in source if c.kind == "opt_in"] for source in (own, offered, rule_choices))
        opted_in = any(self.choice_value(c.id, facts, at) for c in opt_ins)
        if floor.regime in (RegimeId.CCPA, RegimeId.COPPA) and facts.age is not None and facts.age < 13:
            opted_in = opted_in and facts.parental_consent
        if floor.requirement is Requirement.OPT_IN:
            return Outcome.OPT_IN_GIVEN if opted_in else Outcome.OPT_IN_MISSING
        opt_outs = _first_nonempty([c for c in source if c.kind == "opt_out"] for source in (own, offered)) + [
            c for c in rule_choices if c.kind == "opt_out"
        ]
        if any(not self.choice_value(c.id, facts, at) for c in opt_outs) or (floor.regime is RegimeId.CCPA and facts.gpc):
            return Outcome.OPTED_OUT
        if floor.opt_in_from is not None or floor.rule == "CPNI-03":
            if opted_in:
                return Outcome.OPT_IN_GIVEN
            if floor.opt_in_from is None or at < floor.opt_in_from:
                return Outcome.OPT_IN_MISSING
        return Outcome.OPT_OUT_NOT_EXERCISED


def _first_nonempty(lists: Iterable[list[Choice]]) -> list[Choice]:
    return next((chosen for chosen in lists if chosen), [])


def _co_winners(candidates: tuple[Candidate, ...], facts: SubjectFacts) -> list[Rule]:
    """The matching rules of the highest specificity: all of them must allow (one choice per rule,
    so a use governed by two choices is written as two equally specific rules)."""
    matching = [c for c in candidates if c.matches(facts, facts.age)]
    if not matching:
        return []
    best = matching[0].specificity[:3]
    return [c.rule for c in matching if c.specificity[:3] == best]


def legal_choices(pack: PolicyPack) -> list[Choice]:
    """Opt-outs the law gives people even where the pack offers none (e.g. a TCPA do-not-call request)."""
    offered = {c.regime for c in pack.choices if c.regime is not None and c.kind == "opt_out"}
    return [choice for regime, choice in LEGAL_OPT_OUTS.items() if regime not in offered]


LEGAL_OPT_OUTS: dict[RegimeId, Choice] = {
    RegimeId.TCPA: Choice(
        id="tcpa.do-not-call",
        name="Company do-not-call list",
        description="A request to receive no more telemarketing calls, honoured for at least five years (47 CFR 64.1200(d)).",
        kind="opt_out",
        default="allowed",
        channels=[Channel.PHONE, Channel.WRITTEN_REQUEST, Channel.EMAIL, Channel.WEB_FORM, Channel.SMS_KEYWORD],
        regime=RegimeId.TCPA,
    ),
}


def _notice_window_open(facts: SubjectFacts, at: datetime) -> bool | None:
    """Whether a CPNI opt-out approval could count yet (CPNI-06); None when no notice was sent."""
    if facts.cpni_notice_sent_at is None:
        return None
    opens = facts.cpni_notice_sent_at + NOTICE_WAIT + (MAIL_EXTRA if facts.cpni_notice_mailed else timedelta(0))
    return at >= opens


def _rule_text(rule: Rule, outcome: Outcome, choices: Mapping[str, Choice]) -> str:
    choice = choices.get(rule.choice or "")
    name = f" ({choice.name})" if choice else ""
    texts = {
        Outcome.REQUIRED: "the policy allows this without a separate choice",
        Outcome.NEVER: "the policy says this is never done",
        Outcome.OPT_OUT_NOT_EXERCISED: f"allowed unless the person opts out, and they have not{name}",
        Outcome.OPTED_OUT: f"the person opted out{name}",
        Outcome.OPT_IN_GIVEN: f"the person opted in{name}",
        Outcome.OPT_IN_MISSING: f"allowed only with the person's opt-in, which is not on file{name}",
    }
    return f"rule {rule.id}: {texts[outcome]}"
