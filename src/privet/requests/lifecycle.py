"""Moving a request through its states: verify, acknowledge, extend, deny, answer, purge.

Every step checks the transition table, writes an audit entry and, where the person must be
told, queues the notice in the same unit of work. Answering a request starts its 24-month
retention (CCPA 7101); `purge` removes records past it, except those a legal hold covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from privet.legal.holds import active_holds
from privet.requests import notices
from privet.requests.deadlines import extended_date
from privet.requests.kinds import OPEN, RequestError, Status, check_transition
from privet.requests.retention import add_months
from privet.requests.tables import DataRequest, DeletionFanout, RequestTask
from privet.requests.verification import Agent, DataPoint, Evidence, Level, Outcome, evaluate, held_points
from privet.store.uow import UnitOfWork
from privet.subjects.service import get_person

RETAIN_MONTHS = 24


class RequestNotFound(RequestError):
    pass


def get_request(uow: UnitOfWork, request_id: int, *, lock: bool = False) -> DataRequest:
    """The request; `lock` holds its row until commit (PostgreSQL), so two runs cannot both plan it."""
    req = uow.session.get(DataRequest, request_id, with_for_update=lock or None)
    if req is None:
        raise RequestNotFound(f"no request with id {request_id}")
    return req


def move(uow: UnitOfWork, req: DataRequest, target: Status, **data: Any) -> None:
    check_transition(req.status, target)
    uow.record(f"request.{target.value}", f"request:{req.id}", person=req.person_id, kind=req.kind, was=req.status, **data)
    req.status = target.value


def close(
    uow: UnitOfWork, req: DataRequest, status: Status, *, response: dict[str, Any], text: str, denial: str | None = None
) -> None:
    """Answer the request: the final state, the response summary, the notice, and the retention clock."""
    move(uow, req, status, denial=denial)
    now = uow.now()
    req.denial_basis = denial
    req.responded_at = now
    req.retain_until = add_months(now.date(), RETAIN_MONTHS)
    req.response = {**response, "notified": notices.answer(uow, req, text)}


def require_open(req: DataRequest) -> None:
    if req.status not in OPEN:
        raise RequestError(f"request {req.id} is {req.status}; it was answered on {req.responded_at:%Y-%m-%d}")


def acknowledge(uow: UnitOfWork, req: DataRequest, *, by_email: bool = True) -> None:
    """Confirm receipt: by email now, or record that a letter or call confirmed it."""
    require_open(req)
    if req.acknowledged_at is not None:
        raise RequestError(f"request {req.id} was already acknowledged on {req.acknowledged_at:%Y-%m-%d}")
    sent = notices.acknowledgement(uow, req) if by_email else False
    if by_email and not sent:
        raise RequestError(
            "privet holds no email for this person: acknowledge by letter or call, then record it with by_email false"
        )
    req.acknowledged_at = uow.now()
    uow.record(
        "request.acknowledged",
        f"request:{req.id}",
        by_email=by_email,
        due=req.acknowledge_by.isoformat() if req.acknowledge_by else None,
    )


def extend(uow: UnitOfWork, req: DataRequest, reason: str) -> None:
    require_open(req)
    if not reason.strip():
        raise RequestError("an extension needs the reason the person is given")
    req.extended_to = extended_date(req.received_at, req.respond_by, req.extension_days, uow.now(), req.extended_to)
    req.extended_at = uow.now()
    req.extension_reason = reason.strip()
    notified = notices.extension(uow, req)
    uow.record("request.extended", f"request:{req.id}", extended_to=req.extended_to.isoformat(), notified=notified)


def deny(uow: UnitOfWork, req: DataRequest, basis: str, explanation: str) -> None:
    require_open(req)
    if not basis.strip():
        raise RequestError("a denial needs its basis")
    close(
        uow,
        req,
        Status.DENIED,
        response={"outcome": "denied"},
        text=f"We cannot act on your request {req.id}: {explanation}",
        denial=basis,
    )


def apply_verification(
    uow: UnitOfWork, req: DataRequest, evidence: Evidence, named_by: DataPoint | None = None, agent: Agent | None = None
) -> Outcome:
    """Verify against what privet holds; a failure is recorded and answered at once."""
    if req.status != Status.RECEIVED.value:
        raise RequestError(f"request {req.id} is {req.status}; only a received request is verified")
    person = get_person(uow, req.person_id)
    outcome = evaluate(Level[_level_name(req.verification_level)], held_points(person), evidence, named_by, agent)
    req.verification = {
        "outcome": "verified" if outcome.verified else "failed",
        "matched": list(outcome.matched),
        "mismatched": list(outcome.mismatched),
        "signed_declaration": evidence.signed_declaration,
        "authenticated_session": evidence.authenticated_session,
        "reason": outcome.reason,
        **({"agent": agent.model_dump(mode="json")} if agent else {}),
    }
    if outcome.verified:
        req.verified_at = uow.now()
        move(uow, req, Status.VERIFIED, matched=list(outcome.matched))
    else:
        text = (
            f"We could not confirm your identity for request {req.id}: {outcome.reason}. "
            "You may send a new request with details that match our records."
        )
        close(uow, req, Status.VERIFICATION_FAILED, response={"outcome": "verification_failed"}, text=text, denial=outcome.reason)
    return outcome


def _level_name(stored: str) -> str:
    return {"none": "NONE", "matching_data_points": "MATCHING", "high": "HIGH"}[stored]


def due_on(req: DataRequest) -> date:
    return req.extended_to or req.respond_by


@dataclass(frozen=True)
class DueItem:
    request_id: int
    kind: str
    regime: str
    status: str
    what: str  # acknowledgement | response
    due: date
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def due(uow: UnitOfWork, today: date) -> list[DueItem]:
    """Every deadline of every open request, soonest (most overdue) first."""
    items: list[DueItem] = []
    for req in uow.session.scalars(select(DataRequest).where(DataRequest.status.in_([s.value for s in OPEN]))):
        if req.acknowledge_by is not None and req.acknowledged_at is None:
            items.append(
                DueItem(
                    req.id,
                    req.kind,
                    req.regime,
                    req.status,
                    "acknowledgement",
                    req.acknowledge_by,
                    (req.acknowledge_by - today).days,
                )
            )
        when = due_on(req)
        items.append(DueItem(req.id, req.kind, req.regime, req.status, "response", when, (when - today).days))
    return sorted(items, key=lambda i: (i.due, i.request_id, i.what))


def purge(uow: UnitOfWork, today: date) -> int:
    """Delete request records (with their deletion tasks and fan-outs) past their 24 months, unless a legal hold on
    the person keeps them."""
    expired = uow.session.scalars(
        select(DataRequest).where(DataRequest.retain_until.is_not(None), DataRequest.retain_until < today)
    )
    count = 0
    for req in list(expired):
        if active_holds(uow, uow.now(), person_id=req.person_id):
            continue
        for task in uow.session.scalars(select(RequestTask).where(RequestTask.request_id == req.id)):
            uow.session.delete(task)
        for fanout in uow.session.scalars(select(DeletionFanout).where(DeletionFanout.request_id == req.id)):
            uow.session.delete(fanout)
        uow.session.flush()
        uow.session.delete(req)
        uow.record(
            "request.purged", f"request:{req.id}", retained_until=req.retain_until.isoformat() if req.retain_until else None
        )
        count += 1
    return count
