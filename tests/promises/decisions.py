"""What the seed-promise suites ask of the decision point and the consent ledger, written once.

Each suite decides uses for a person at a fixed moment (`LATER`, one second after choices made
at `T0`) and checks the outcome with the rule and the reasons it cites.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from privet.consent import ledger
from privet.decide.engine import Request
from privet.decide.explain import Decision
from privet.decide.service import decide_for_person
from privet.runtime import Runtime

T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)
LATER = T0 + timedelta(seconds=1)
K = TypeVar("K")
Verdict = tuple[bool, str, str | None]


def decide_all(runtime: Runtime, person: int, requests: Mapping[K, Request], at: datetime | None = LATER) -> dict[K, Decision]:
    """Decide several uses for one person at one moment, in one unit of work; each decision is audited."""
    with runtime.uow("test") as uow:
        return {key: decide_for_person(uow, runtime.decider, person, request, at) for key, request in requests.items()}


def decide(runtime: Runtime, person: int, request: Request, at: datetime | None = LATER, *, gpc: bool = False) -> Decision:
    with runtime.uow("test") as uow:
        return decide_for_person(uow, runtime.decider, person, request, at, gpc=gpc)


def why(decision: Decision) -> set[str]:
    return {f"{r.source}:{r.rule}:{'allows' if r.allows else 'denies'}" for r in decision.reasons}


def verdict(decision: Decision) -> Verdict:
    return decision.allowed, decision.basis.value, decision.rule


def verdicts(runtime: Runtime, person: int, requests: Mapping[K, Request], at: datetime | None = LATER) -> dict[K, Verdict]:
    return {key: verdict(d) for key, d in decide_all(runtime, person, requests, at).items()}


def each(rules: Iterable[str], allowed: bool, basis: str) -> dict[str, Verdict]:
    """What `verdicts` returns when every use is decided by its own rule with this outcome."""
    return {rule: (allowed, basis, rule) for rule in rules}


def allowed(runtime: Runtime, person: int, request: Request, rule: str, at: datetime = LATER) -> Decision:
    d = decide(runtime, person, request, at)
    assert d.allowed, (request, d.basis, why(d))
    assert d.rule == rule and f"policy:{rule}:allows" in why(d), (request, d.rule, why(d))
    return d


def denied(runtime: Runtime, person: int, request: Request, basis: str, *cited: str, at: datetime = LATER) -> Decision:
    d = decide(runtime, person, request, at)
    assert not d.allowed, (request, why(d))
    assert d.basis.value == basis, (request, d.basis, why(d))
    assert set(cited) <= why(d), (request, why(d))
    return d


def choose(runtime: Runtime, person: int, choice: str, value: bool, channel: str, at: datetime = T0, **evidence: str) -> None:
    with runtime.uow("test") as uow:
        ledger.record_choice(
            uow,
            runtime.pack,
            person_id=person,
            choice_id=choice,
            value=value,
            channel=channel,
            evidence=evidence,
            received_at=at,
        )
