"""Receiving a request, from the API, the command line, or a care rep on behalf of a caller.

Intake finds the person from whatever identity the request names, picks the pack right that
serves it and the regime whose clock applies, computes the deadlines, and then settles what
can be settled at once: a request no right covers, or past its frequency limit, is recorded
and answered with the reason; verification runs on the evidence given; an opt-out of sale,
which needs no more, takes effect immediately. Everything is one unit of work.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from privet.policy.model import Key, PolicyPack, Right
from privet.policy.taxonomy import Channel
from privet.requests import notices
from privet.requests.deadlines import schedule
from privet.requests.frequency import frequency_denial
from privet.requests.kinds import SERVED_BY, Regime, RequestKind, Status, SubmittedBy
from privet.requests.lifecycle import apply_verification, deny, move
from privet.requests.tables import DataRequest
from privet.requests.verification import LEVEL_NAMES, Agent, DataPoint, Evidence, Level, Outcome, required_level
from privet.store.uow import UnitOfWork
from privet.subjects.refs import PersonRef, resolve
from privet.subjects.service import get_person
from privet.subjects.tables import Person


class Correction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: Key = Field(description="the data category to correct, e.g. user.contact.email")
    value: str = Field(min_length=1, max_length=500, description="the accurate value")
    old: str | None = Field(default=None, max_length=500, description="only replace this value (when the person has several)")


class Submission(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: RequestKind
    person: PersonRef
    channel: Channel
    submitted_by: SubmittedBy = SubmittedBy.SUBJECT
    agent: Agent | None = None
    evidence: Evidence | None = None
    corrections: list[Correction] = Field(default_factory=list, max_length=50)
    received_at: AwareDatetime | None = Field(default=None, description="when it arrived, if earlier than now (a letter)")

    @model_validator(mode="after")
    def _consistent(self) -> Submission:
        if self.submitted_by is SubmittedBy.SYSTEM:
            raise ValueError("submitted_by 'system' is reserved for requests privet opens itself")
        if (self.submitted_by is SubmittedBy.AGENT) != (self.agent is not None):
            raise ValueError("an agent's request names the agent (agent), and only an agent's request does")
        if (self.kind is RequestKind.CORRECT) != bool(self.corrections):
            raise ValueError("a correct request lists its corrections, and only a correct request does")
        return self


def _matches(right: Right, person: Person) -> bool:
    who = right.who
    if who.jurisdictions and person.state not in who.jurisdictions:
        return False
    if who.not_jurisdictions and person.state in who.not_jurisdictions:
        return False
    accounts = [role.account for role in person.roles]
    if who.account_types and not any(a.type in who.account_types for a in accounts):
        return False
    return not (who.account_statuses and not any(a.status in who.account_statuses for a in accounts))


def pick_right(pack: PolicyPack, kind: RequestKind, person: Person) -> Right | None:
    """The pack right that serves this kind of request for this person (its own kind first)."""
    for right_kind in SERVED_BY[kind]:
        for right in pack.rights:
            if right.kind.value == right_kind and _matches(right, person):
                return right
    return None


def regime_for(kind: RequestKind, person: Person, right: Right | None) -> Regime:
    """The law whose clock runs: by the person's state, or the state the right is offered in."""
    states = {person.state} | set(right.who.jurisdictions if right else [])
    if kind is RequestKind.SHINE_THE_LIGHT:
        return Regime.SHINE_THE_LIGHT if "CA" in states else Regime.POLICY
    if kind is RequestKind.OPT_OUT_OF_SALE and "NV" in states and "CA" not in states:
        return Regime.NEVADA
    return Regime.CCPA if "CA" in states else Regime.POLICY


def submit(uow: UnitOfWork, pack: PolicyPack, sub: Submission) -> DataRequest:
    from privet.requests.children import open_child_deletion
    from privet.requests.execute import opt_out_now

    person = get_person(uow, resolve(uow, sub.person))
    now = uow.now()
    received: datetime = min(sub.received_at or now, now)
    right = pick_right(pack, sub.kind, person)
    regime = regime_for(sub.kind, person, right)
    designated = right is None or sub.channel.value in right.channels
    plan = schedule(regime, sub.kind, received, right, designated=designated)
    level = required_level(sub.kind, regime, right.verification if right else None)
    req = DataRequest(
        kind=sub.kind.value,
        status=Status.RECEIVED.value,
        regime=regime.value,
        right_id=right.id if right else None,
        person_id=person.id,
        channel=sub.channel.value,
        submitted_by=sub.submitted_by.value,
        agent=sub.agent.model_dump(mode="json") if sub.agent else None,
        received_at=received,
        acknowledge_by=plan.acknowledge_by,
        respond_by=plan.respond_by,
        extension_days=plan.extension_days,
        verification_level=LEVEL_NAMES[level],
        verification={},
        details={
            "corrections": [c.model_dump() for c in sub.corrections],
            "designated_channel": designated,
            "named_by": sub.person.identity.kind.value if sub.person.identity else None,
        },
        response={},
        created_by=uow.actor,
    )
    uow.session.add(req)
    uow.session.flush()
    uow.record(
        "request.received",
        f"request:{req.id}",
        person=person.id,
        kind=req.kind,
        regime=req.regime,
        channel=req.channel,
        submitted_by=req.submitted_by,
        respond_by=req.respond_by.isoformat(),
    )
    open_child_deletion(uow, pack, person)
    if right is None and regime is Regime.POLICY:
        deny(uow, req, "no_right", f"policy {pack.pack.id} offers no {sub.kind.value.replace('_', ' ')} right to this person.")
        return req
    refused = frequency_denial(uow, req, right)
    if refused is not None:
        deny(uow, req, "frequency", refused)
        return req
    named_by = DataPoint(sub.person.identity.kind.value) if sub.person.identity else None
    if level is Level.NONE and sub.agent is None:
        req.verification = {"outcome": "not_required", "reason": "no verification is required for this request"}
        req.verified_at = now
        move(uow, req, Status.VERIFIED)
    elif sub.evidence is not None or level is Level.NONE:
        apply_verification(uow, req, sub.evidence or Evidence(), named_by, sub.agent)
    open_now = req.status in (Status.RECEIVED.value, Status.VERIFIED.value)
    if req.acknowledge_by is not None and open_now and notices.acknowledgement(uow, req):
        req.acknowledged_at = uow.now()
        uow.record("request.acknowledged", f"request:{req.id}", by_email=True)
    if req.kind == RequestKind.OPT_OUT_OF_SALE.value and req.status == Status.VERIFIED.value:
        opt_out_now(uow, pack, req)
    return req


def verify_request(
    uow: UnitOfWork, pack: PolicyPack, req: DataRequest, evidence: Evidence, agent: Agent | None = None
) -> Outcome:
    """Verify a received request from later evidence (a call back, a signed form); an opt-out then takes effect."""
    from privet.requests.execute import opt_out_now

    named = req.details.get("named_by")
    agent = agent or (Agent.model_validate(req.agent) if req.agent else None)
    outcome = apply_verification(uow, req, evidence, DataPoint(named) if named else None, agent)
    if req.kind == RequestKind.OPT_OUT_OF_SALE.value and req.status == Status.VERIFIED.value:
        opt_out_now(uow, pack, req)
    return outcome
