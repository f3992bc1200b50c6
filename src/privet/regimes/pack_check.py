"""Find rules of a pack that promise less than the law.

For each allowing rule, privet probes the regimes with people the rule applies to and the law
covers (a Californian, a Maine broadband customer, a voice customer, a child…). Where a floor
is stricter than the rule's basis, `privet policy check` warns and names the regime: the
decision point will apply the law anyway, but the published notice under-promises.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from privet.policy.model import Basis, PolicyPack, Rule
from privet.regimes.base import Requirement, SubjectFacts, Use
from privet.regimes.registry import floors_for


def probes(pack: PolicyPack) -> list[tuple[str, SubjectFacts]]:
    """People the provider may actually serve whom a regime covers, from what the pack says of itself."""
    lines = {s.value for s in pack.provider.service_lines}
    states = set(pack.provider.states)
    found = [
        ("a California consumer", SubjectFacts(state="CA", billing_state="CA", age=40, service_lines=frozenset(lines))),
        ("a California consumer aged 14", SubjectFacts(state="CA", billing_state="CA", age=14, service_lines=frozenset(lines))),
        ("a Nevada consumer", SubjectFacts(state="NV", age=40, service_lines=frozenset(lines))),
    ]
    if lines & {"voice", "voip", "wireless"}:
        found.append(("a voice customer", SubjectFacts(state="KS", service_lines=frozenset(lines), age=40)))
    if "broadband" in lines and (not states or "ME" in states):
        found.append(
            (
                "a Maine broadband customer",
                SubjectFacts(state="ME", billing_state="ME", age=40, service_lines=frozenset({"broadband"})),
            )
        )
    if "cable" in lines:
        found.append(("a cable subscriber", SubjectFacts(state="KS", age=40, service_lines=frozenset({"cable"}))))
    if pack.statements.children_min_age < 13:
        found.append(("a child under 13", SubjectFacts(state="KS", age=10, service_lines=frozenset(lines))))
    return found


BASIS_REQUIREMENT = {
    Basis.REQUIRED: Requirement.NONE,
    Basis.UNLESS_OPTED_OUT: Requirement.OPT_OUT,
    Basis.ONLY_WITH_OPT_IN: Requirement.OPT_IN,
}
PROBE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Shortfall:
    rule_index: int
    rule_id: str
    regime: str
    regulation: str
    message: str


def _admits(rule: Rule, facts: SubjectFacts) -> bool:
    w = rule.when
    if w.jurisdictions and facts.state not in w.jurisdictions:
        return False
    if w.not_jurisdictions and facts.state in w.not_jurisdictions:
        return False
    if w.min_age is not None and (facts.age is None or facts.age < w.min_age):
        return False
    if w.max_age is not None and (facts.age is None or facts.age > w.max_age):
        return False
    return not (w.service_lines and facts.service_lines and not ({s.value for s in w.service_lines} & facts.service_lines))


def shortfalls(pack: PolicyPack) -> list[Shortfall]:
    kinds = {r.id: r.kind for r in pack.recipients}
    found: dict[tuple[str, str], Shortfall] = {}
    people = probes(pack)
    for index, rule in enumerate(pack.rules):
        if rule.basis is Basis.NEVER or rule.recipient not in kinds:
            continue
        have = BASIS_REQUIREMENT[rule.basis]
        use = Use(tuple(rule.categories), rule.purpose, kinds[rule.recipient], None, PROBE_TIME)
        for who, facts in people:
            if not _admits(rule, facts):
                continue
            for floor in floors_for(use, facts):
                if floor.requirement > have and (rule.id, floor.rule) not in found:
                    need = floor.requirement.name.lower().replace("_", "-")
                    found[(rule.id, floor.rule)] = Shortfall(
                        index,
                        rule.id,
                        floor.regime.value,
                        floor.rule,
                        f"rule '{rule.id}' is '{rule.basis.value}' but for {who} {floor.regime.value.upper()} ({floor.rule}, {floor.citation}) "
                        f"requires {need}: {floor.reason}; the decision point applies the law's floor",
                    )
    return list(found.values())
