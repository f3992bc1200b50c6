"""The same decisions by Cedar (`cedarpy`): a pack translated into an equivalent Cedar policy, answers compared, speed compared.

The translation covers a campaign space (a set of request shapes) of one pack version:
- each request category becomes a `forbid` that holds when the pack's rules do not allow it:
  candidate rules in privet's order of specificity, the highest tier with a match wins, and
  every matching rule of that tier must allow (its basis, against the choice's value at the
  request's moment: on record and in effect, else the default, else no under GPC);
  (this mirrors the engine as it stands; the run fails loudly when the two disagree)
- each regime floor becomes a `forbid` too. Where a regime applies is compiled from privet's
  regime code by evaluating it on every class of the facts the regime declares it reads
  (`privet.decide.bulk_regimes`); what its floor then requires (opt-in, opt-out, the CPNI
  notice window, a parent's consent under 13, GPC, the rule's own choices standing in for the
  regime's) is written once, in Cedar, after `CompiledPolicy._floor_outcome`;
- one `permit` lets through whatever no `forbid` stops.
People are Cedar entities (subject kinds with their ancestors, so "within" is set membership;
choices as records of value and moment); the moment is `context.at`, a Cedar datetime.

    .venv/bin/python -m pip install cedarpy==4.12.2
    .venv/bin/python benchmarks/decide_cedar.py --requests 100000

Prints one JSON line: requests, disagreements (must be 0), and decisions per second for privet
(the engine's `Decider` on its first pass over the requests and again with its memo warm, and
`SignatureMemo`) and for Cedar (`is_authorized_batch` on parsed policies and entities; and the
same call with a single `permit`, which is what the Python binding itself costs), with ratios.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cedarpy

from privet.decide.bulk_population import facts_from_row
from privet.decide.bulk_regimes import reads_of
from privet.decide.bulk_synth import synthetic_population
from privet.decide.decider import Decider
from privet.decide.engine import Candidate, CompiledPolicy, Request, UnknownRecipient
from privet.policy.model import Basis, Conditions, Rule
from privet.policy.taxonomy import RegimeId
from privet.regimes.base import Floor, Requirement, SubjectFacts, Use
from privet.regimes.registry import REGIMES

ROOT = Path(__file__).resolve().parents[1]
AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
AGE_CLASSES = (None, 12, 14, 30)  # the regimes compare ages with 13 and 16 only


def lit(value: str) -> str:
    return json.dumps(value)


def strings(values: Iterable[str]) -> str:
    return "[" + ", ".join(lit(v) for v in sorted(values)) + "]"


def any_of(terms: list[str]) -> str:
    return "(" + " || ".join(terms) + ")" if terms else "false"


def all_of(terms: list[str]) -> str:
    return "(" + " && ".join(terms) + ")" if terms else "true"


def cedar_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Translator:
    """One compiled pack version and a campaign space, as Cedar policies, entities and requests."""

    def __init__(self, compiled: CompiledPolicy, campaigns: dict[str, Request]):
        self.compiled = compiled
        self.campaigns = campaigns

    # --- expressions ---

    def value(self, cid: str) -> str:
        """CompiledPolicy.choice_value: on record and in effect, else no under GPC for a GPC choice, else the default."""
        choice = self.compiled.choices.get(cid)
        default = "true" if choice is not None and choice.default == "allowed" else "false"
        fallback = f"(!principal.gpc && {default})" if cid in self.compiled.gpc_choices else default
        ref = f"principal.choices[{lit(cid)}]"
        return f"(if principal.choices has {lit(cid)} then (if {ref}.at <= context.at then {ref}.value else {fallback}) else {fallback})"

    @staticmethod
    def matches(when: Conditions) -> str:
        terms = []
        if when.jurisdictions:
            terms.append(f"{strings(when.jurisdictions)}.contains(principal.state)")
        if when.not_jurisdictions:
            terms.append(f"!{strings(when.not_jurisdictions)}.contains(principal.state)")
        if when.min_age is not None:
            terms.append(f"(principal.has_age && principal.age >= {when.min_age})")
        if when.max_age is not None:
            terms.append(f"(principal.has_age && principal.age <= {when.max_age})")
        if when.account_types:
            terms.append(f"{strings(t.value for t in when.account_types)}.contains(principal.account_type)")
        if when.account_statuses:
            terms.append(f"{strings(s.value for s in when.account_statuses)}.contains(principal.account_status)")
        if when.service_lines:
            terms.append(f"principal.lines.containsAny({strings(s.value for s in when.service_lines)})")
        if when.subjects:
            terms.append(f"principal.subject_keys.containsAny({strings(when.subjects)})")
        return all_of(terms)

    def allows(self, rule: Rule) -> str:
        if rule.basis is Basis.REQUIRED:
            return "true"
        if rule.basis is Basis.NEVER:
            return "false"
        return self.value(rule.choice or "")

    @staticmethod
    def tiers(candidates: tuple[Candidate, ...]) -> list[list[Candidate]]:
        return [list(group) for _, group in itertools.groupby(candidates, key=lambda c: c.specificity[:3])]

    def rules_deny(self, candidates: tuple[Candidate, ...]) -> str:
        """The highest tier with a matching rule decides, and all of its matching rules must allow; no match denies."""
        expr = "true"
        for tier in reversed(self.tiers(candidates)):
            matched = any_of([self.matches(c.rule.when) for c in tier])
            every = all_of([f"(!{self.matches(c.rule.when)} || {self.allows(c.rule)})" for c in tier])
            expr = f"(if {matched} then !{every} else {expr})"
        return expr

    def rule_choice_in_force(self, per_category: Iterable[tuple[str, tuple[Candidate, ...]]], cid: str) -> str:
        """Some winning rule of the request names this choice (the engine's `rule_choices`)."""
        terms = []
        for _, candidates in per_category:
            higher: list[str] = []
            for tier in self.tiers(candidates):
                for c in tier:
                    if c.rule.choice == cid:
                        terms.append(all_of([self.matches(c.rule.when), *(f"!{m}" for m in higher)]))
                higher.append(any_of([self.matches(c.rule.when) for c in tier]))
        return any_of(terms)

    # --- floors ---

    def floor_denies(self, floor: Floor, per_category: Any) -> str:
        """CompiledPolicy._floor_outcome, in Cedar: true when this floor refuses the use.

        Whose consent counts: the regime's own choices among the winning rules' choices, else
        the choices the pack offers for the regime, else (for opt-in only) the rules' choices;
        any opt-out among the rules' choices counts as well.
        """
        if floor.requirement is Requirement.NONE:
            return "false"
        if floor.requirement is Requirement.PROHIBITED:
            return "true"
        rule_ids = sorted({c.rule.choice for _, cands in per_category for c in cands if c.rule.choice in self.compiled.choices})
        in_force = {cid: self.rule_choice_in_force(per_category, cid) for cid in rule_ids}
        kind = {cid: self.compiled.choices[cid].kind for cid in rule_ids}
        own = [cid for cid in rule_ids if self.compiled.choices[cid].regime is floor.regime]
        offered = self.compiled.regime_choices.get(floor.regime, ())

        def dynamic(ids: list[str], wanted: str, negate: bool) -> tuple[str, str]:
            """(some of these is in force, the answer from those in force)."""
            chosen = [c for c in ids if kind[c] == wanted]
            value = (lambda c: f"!{self.value(c)}") if negate else self.value
            return any_of([in_force[c] for c in chosen]), any_of([f"({in_force[c]} && {value(c)})" for c in chosen])

        own_in, own_in_value = dynamic(own, "opt_in", negate=False)
        offered_in = [c.id for c in offered if c.kind == "opt_in"]
        rules_in = dynamic(rule_ids, "opt_in", negate=False)[1]
        fallback_in = any_of([self.value(c) for c in offered_in]) if offered_in else rules_in
        opted_in = f"(if {own_in} then {own_in_value} else {fallback_in})"
        if floor.regime in (RegimeId.CCPA, RegimeId.COPPA):
            opted_in = f"(if principal.has_age && principal.age < 13 then ({opted_in} && principal.parental) else {opted_in})"
        if floor.requirement is Requirement.OPT_IN:
            return f"!{opted_in}"
        own_out, own_out_value = dynamic(own, "opt_out", negate=True)
        offered_out = any_of([f"!{self.value(c.id)}" for c in offered if c.kind == "opt_out"])
        opted_out = [f"(if {own_out} then {own_out_value} else {offered_out})", dynamic(rule_ids, "opt_out", negate=True)[1]]
        if floor.regime is RegimeId.CCPA:
            opted_out.append("principal.gpc")
        deny = [any_of(opted_out)]
        if floor.opt_in_from is not None:
            opens = (
                'if principal.notice_mailed then principal.notice_at.offset(duration("792h")) '
                'else principal.notice_at.offset(duration("720h"))'
            )
            deny.append(f"(!{opted_in} && context.at < ({opens}))")
        elif floor.rule == "CPNI-03":
            deny.append(f"!{opted_in}")
        return any_of(deny)

    @staticmethod
    def point(reads: Any, facts: SubjectFacts) -> str:
        """The class of facts one probe stands for, as a Cedar condition."""
        terms = []
        if reads.states:
            terms.append(
                f"principal.state == {lit(facts.state)}" if facts.state else f"!{strings(reads.states)}.contains(principal.state)"
            )
        if reads.billing_states:
            if facts.billing_state is None:
                terms.append('principal.billing_state == ""')
            elif facts.billing_state in reads.billing_states:
                terms.append(f"principal.billing_state == {lit(facts.billing_state)}")
            else:
                terms.append(
                    f'(principal.billing_state != "" && !{strings(reads.billing_states)}.contains(principal.billing_state))'
                )
        if reads.age:
            terms.append(
                {
                    None: "!principal.has_age",
                    12: "(principal.has_age && principal.age < 13)",
                    14: "(principal.has_age && principal.age >= 13 && principal.age < 16)",
                    30: "(principal.has_age && principal.age >= 16)",
                }[facts.age]
            )
        for line in sorted(reads.lines):
            terms.append(("" if line in facts.service_lines else "!") + f"principal.lines.contains({lit(line)})")
        if reads.parental_consent:
            terms.append(("" if facts.parental_consent else "!") + "principal.parental")
        if reads.gpc:
            terms.append(("" if facts.gpc else "!") + "principal.gpc")
        if reads.cpni_notice:
            terms.append(("" if facts.cpni_notice_sent_at else "!") + "principal.has_notice")
        return all_of(terms)

    @staticmethod
    def probes(reads: Any) -> Iterable[SubjectFacts]:
        lines = sorted(reads.lines)
        for state, billing, age, n, parental, gpc, notice in itertools.product(
            [None, *sorted(reads.states)],
            [None, "__", *sorted(reads.billing_states)] if reads.billing_states else [None],
            AGE_CLASSES if reads.age else (None,),
            range(2 ** len(lines)),
            (False, True) if reads.parental_consent else (False,),
            (False, True) if reads.gpc else (False,),
            (None, AT - timedelta(days=400)) if reads.cpni_notice else (None,),
        ):
            chosen = frozenset(line for i, line in enumerate(lines) if n >> i & 1)
            yield SubjectFacts(
                state=state, billing_state=billing, age=age, service_lines=chosen,
                parental_consent=parental, gpc=gpc, cpni_notice_sent_at=notice,
            )  # fmt: skip

    def policies(self) -> str:
        out = ['permit(principal, action == Action::"use", resource);']
        for name, request in self.campaigns.items():
            plan = self.compiled.plan(request)
            target = f'forbid(principal, action == Action::"use", resource == Campaign::{lit(name)})'
            for _, candidates in plan.per_category:
                out.append(f"{target} when {{ {self.rules_deny(candidates)} }};")
            use = Use(plan.request.categories, plan.request.purpose, plan.recipient_kind, plan.request.channel, AT)
            for regime in REGIMES:
                reads = reads_of(regime)
                kinds: dict[tuple[Any, ...], tuple[Floor, list[str]]] = {}
                for probe in self.probes(reads):
                    for floor in regime.floors(use, probe):
                        key = (floor.requirement, floor.rule, floor.opt_in_from is not None)
                        kinds.setdefault(key, (floor, []))[1].append(self.point(reads, probe))
                for floor, points in kinds.values():
                    deny = self.floor_denies(floor, plan.per_category)
                    if deny != "false":
                        out.append(f"{target} when {{ {any_of(points)} && {deny} }};")
        return "\n".join(out)

    # --- data ---

    @staticmethod
    def entity(pid: int, facts: SubjectFacts) -> dict[str, Any]:
        keys = {".".join(s.split(".")[: i + 1]) for s in facts.subjects for i in range(s.count(".") + 1)}
        notice = facts.cpni_notice_sent_at
        return {
            "uid": {"type": "Person", "id": str(pid)},
            "parents": [],
            "attrs": {
                "state": facts.state or "",
                "billing_state": facts.billing_state or "",
                "has_age": facts.age is not None,
                "age": facts.age if facts.age is not None else 0,
                "account_type": facts.account_type or "",
                "account_status": facts.account_status or "",
                "lines": sorted(facts.service_lines),
                "subject_keys": sorted(keys),
                "parental": facts.parental_consent,
                "gpc": facts.gpc,
                "has_notice": notice is not None,
                "notice_at": {"__extn": {"fn": "datetime", "arg": cedar_time(notice or AT)}},
                "notice_mailed": facts.cpni_notice_mailed,
                "choices": {
                    cid: {"value": s.value, "at": {"__extn": {"fn": "datetime", "arg": cedar_time(s.effective_at)}}}
                    for cid, s in facts.choices.items()
                },
            },
        }


def campaign_space(compiled: CompiledPolicy, size: int, rng: random.Random) -> dict[str, Request]:
    shapes = []
    for rule in compiled.pack.rules:
        channel = "email" if "email" in rule.purpose else "sms" if "sms" in rule.purpose else None
        request = Request(tuple(rule.categories[:2]), rule.purpose, rule.recipient, channel)
        try:
            compiled.plan(request)
        except UnknownRecipient:
            continue
        shapes.append((rule.id, request))
    rng.shuffle(shapes)
    return dict(shapes[:size])


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, default=ROOT / "policies" / "001-mettel")
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--campaigns", type=int, default=24)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--write-policy", type=Path, help="also write the generated Cedar policy here")
    args = parser.parse_args()
    from privet.policy.load import load_pack_or_raise

    pack = load_pack_or_raise(args.pack)
    rng = random.Random(args.seed)
    decider = Decider(pack)
    compiled = decider.current
    campaigns = campaign_space(compiled, args.campaigns, rng)
    translator = Translator(compiled, campaigns)
    policy_text = translator.policies()
    if args.write_policy:
        args.write_policy.write_text(policy_text)
    frame = synthetic_population(
        args.people, seed=args.seed, choices=list(compiled.choices.values()), now=AT, current_version=pack.pack.version
    )
    people = [facts_from_row(row, AT) for row in frame.iter_rows(named=True)]
    entities = [translator.entity(i, f) for i, f in enumerate(people)]
    entities += [{"uid": {"type": "Campaign", "id": name}, "attrs": {}, "parents": []} for name in campaigns]
    pairs = [(rng.randrange(len(people)), rng.choice(list(campaigns))) for _ in range(args.requests)]
    context = {"at": {"__extn": {"fn": "datetime", "arg": cedar_time(AT)}}}
    requests = [
        {
            "principal": {"type": "Person", "id": str(i)},
            "action": 'Action::"use"',
            "resource": {"type": "Campaign", "id": c},
            "context": context,
        }
        for i, c in pairs
    ]
    policy_set = cedarpy.PolicySet.from_str(policy_text)
    entity_set = cedarpy.Entities.from_json_str(json.dumps(entities))

    cedar_s, results = timed(lambda: cedarpy.is_authorized_batch(requests, policy_set, entity_set))
    trivial = cedarpy.PolicySet.from_str('permit(principal, action == Action::"use", resource);')
    binding_s, _ = timed(lambda: cedarpy.is_authorized_batch(requests, trivial, entity_set))
    cedar_answers = [r.allowed for r in results]
    errors = sum(1 for r in results if r.diagnostics.errors)
    shaped = [(campaigns[c], people[i]) for i, c in pairs]
    privet_s, answers = timed(lambda: [decider.evaluate(r, f, AT).allowed for r, f in shaped])
    decider_warm_s, _ = timed(lambda: [decider.evaluate(r, f, AT).allowed for r, f in shaped])
    memo = Decider(pack)  # `decide` answers through the signature memo
    [memo.decide(r, f, AT) for r, f in shaped]
    memo_s, memo_answers = timed(lambda: [memo.decide(r, f, AT).allowed for r, f in shaped])
    disagree = sum(a != b for a, b in zip(answers, cedar_answers, strict=True))
    n = len(requests)
    print(
        json.dumps(
            {
                "pack": pack.pack.id, "campaigns": len(campaigns), "people": len(people), "requests": n,
                "cedar_policies": policy_text.count(";"), "cedar_policy_chars": len(policy_text),
                "disagreements": disagree, "memo_disagreements": sum(a != b for a, b in zip(memo_answers, answers, strict=True)),
                "cedar_errors": errors, "allowed_share": round(sum(answers) / n, 3),
                "cedar_per_second": round(n / cedar_s), "cedar_one_permit_per_second": round(n / binding_s),
                "privet_decider_first_pass_per_second": round(n / privet_s), "ratio_decider_first_pass_to_cedar": round(cedar_s / privet_s, 2),
                "privet_decider_warm_per_second": round(n / decider_warm_s), "privet_signature_memo_per_second": round(n / memo_s),
                "ratio_decider_warm_to_cedar": round(cedar_s / decider_warm_s, 2), "ratio_signature_memo_to_cedar": round(cedar_s / memo_s, 2),
            }
        )
    )  # fmt: skip
    if disagree:
        for (i, c), a, b in itertools.islice(
            ((p, a, b) for p, a, b in zip(pairs, answers, cedar_answers, strict=True) if a != b), 5
        ):
            d = decider.evaluate(campaigns[c], people[i], AT)
            print(json.dumps({"person": i, "campaign": c, "privet": a, "cedar": b, "reason": d.denial_reason}))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
