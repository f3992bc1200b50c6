"""How a request is shown, by the API and the command line alike: always with its deadlines.

Every view carries the acknowledgement date, the answer date, whether and until when an
extension may still be noticed, the date in force, and how many days are left (negative when
overdue), so nobody has to compute a legal deadline by hand to know where a request stands.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from privet.requests.kinds import OPEN
from privet.requests.lifecycle import DueItem, due_on
from privet.requests.tables import DataRequest


class Deadlines(BaseModel):
    acknowledge_by: date | None
    acknowledged_at: datetime | None
    respond_by: date
    extension_days: int | None
    extension_notice_by: date | None
    extended_to: date | None
    extension_reason: str | None
    due: date
    days_left: int | None
    overdue: bool


class Verification(BaseModel):
    level: str
    outcome: str | None
    matched: list[str]
    reason: str | None


class RequestView(BaseModel):
    id: int
    kind: str
    status: str
    regime: str
    right_id: str | None
    person_id: int
    channel: str
    submitted_by: str
    agent: str | None
    received_at: datetime
    deadlines: Deadlines
    verification: Verification
    response: dict[str, Any]
    denial_basis: str | None
    responded_at: datetime | None
    retain_until: date | None


class DueView(BaseModel):
    request_id: int
    kind: str
    regime: str
    status: str
    what: str
    due: date
    days_left: int
    overdue: bool


def request_view(req: DataRequest, today: date) -> RequestView:
    is_open = req.status in {s.value for s in OPEN}
    due = due_on(req)
    days_left = (due - today).days if is_open else None
    can_extend = is_open and req.extension_days is not None and req.extended_to is None
    return RequestView(
        id=req.id,
        kind=req.kind,
        status=req.status,
        regime=req.regime,
        right_id=req.right_id,
        person_id=req.person_id,
        channel=req.channel,
        submitted_by=req.submitted_by,
        agent=(req.agent or {}).get("name"),
        received_at=req.received_at,
        deadlines=Deadlines(
            acknowledge_by=req.acknowledge_by,
            acknowledged_at=req.acknowledged_at,
            respond_by=req.respond_by,
            extension_days=req.extension_days,
            extension_notice_by=req.respond_by if can_extend else None,
            extended_to=req.extended_to,
            extension_reason=req.extension_reason,
            due=due,
            days_left=days_left,
            overdue=days_left is not None and days_left < 0,
        ),
        verification=Verification(
            level=req.verification_level,
            outcome=req.verification.get("outcome"),
            matched=list(req.verification.get("matched", [])),
            reason=req.verification.get("reason"),
        ),
        response=dict(req.response),
        denial_basis=req.denial_basis,
        responded_at=req.responded_at,
        retain_until=req.retain_until,
    )


def due_view(item: DueItem) -> DueView:
    return DueView(
        request_id=item.request_id,
        kind=item.kind,
        regime=item.regime,
        status=item.status,
        what=item.what,
        due=item.due,
        days_left=item.days_left,
        overdue=item.overdue,
    )
