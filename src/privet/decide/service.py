"""Decisions about stored people: load their facts, decide, and put the decision in the audit log."""

from __future__ import annotations

from datetime import datetime

from privet.decide.decider import Decider
from privet.decide.engine import Request
from privet.decide.explain import Decision
from privet.decide.facts import load_facts
from privet.store.uow import UnitOfWork


def decide_for_person(
    uow: UnitOfWork, decider: Decider, person_id: int, request: Request, at: datetime | None = None, *, gpc: bool = False
) -> Decision:
    moment = at or uow.now()
    facts = load_facts(uow, person_id, moment, gpc=gpc)
    decision = decider.decide(request, facts, moment)
    uow.record(
        "decision.made",
        f"person:{person_id}",
        categories=list(request.categories),
        purpose=request.purpose,
        recipient=request.recipient,
        channel=request.channel,
        at=moment.isoformat(),
        allowed=decision.allowed,
        basis=decision.basis.value,
        policy_version=decision.policy_version,
        rule=decision.rule,
        regime_rules=list(decision.regime_rules),
    )
    return decision
