"""How often a person may make a request: the limits the law and the pack allow a provider to set.

Shine the Light is answered once per customer per calendar year (1798.83, STL-02); CCPA
requests to know (categories or specific pieces) twice in any 12 months (1798.130(b),
CCPA-12); a pack may state either limit for its own rights. Deletion and opt-out are never
capped. Only requests that were actually answered or are still open count: a request denied
for failed verification did not use up the person's turn.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from privet.policy.model import Right
from privet.requests.kinds import Regime, RequestKind, Status
from privet.requests.tables import DataRequest
from privet.store.uow import UnitOfWork

NOT_COUNTED = (Status.DENIED.value, Status.VERIFICATION_FAILED.value)


def frequency_denial(uow: UnitOfWork, req: DataRequest, right: Right | None) -> str | None:
    """Why this request exceeds its frequency limit, or None when it does not."""
    kind = RequestKind(req.kind)
    frequency = right.frequency if right else None
    prior = list(
        uow.session.scalars(
            select(DataRequest).where(DataRequest.person_id == req.person_id, DataRequest.id != req.id).order_by(DataRequest.id)
        )
    )
    if kind is RequestKind.SHINE_THE_LIGHT or frequency == "once_per_calendar_year":
        year = req.received_at.year
        for other in prior:
            if other.kind == req.kind and other.status == Status.COMPLETED.value and other.received_at.year == year:
                when = other.responded_at.date().isoformat() if other.responded_at else "earlier"
                return (
                    f"this request is answered once per calendar year; we answered your request {other.id} for {year} on {when}."
                )
    counted = {RequestKind.ACCESS.value, RequestKind.KNOW.value} if req.regime == Regime.CCPA.value else {req.kind}
    twice = (req.regime == Regime.CCPA.value and kind in (RequestKind.ACCESS, RequestKind.KNOW)) or frequency == "twice_per_year"
    if twice:
        since = req.received_at - timedelta(days=365)
        recent = [o for o in prior if o.kind in counted and o.received_at > since and o.status not in NOT_COUNTED]
        if len(recent) >= 2:
            return (
                "a business need not answer more than two requests to know in 12 months "
                f"(Cal. Civ. Code 1798.130(b)); we have requests {', '.join(str(o.id) for o in recent)} from you in that time."
            )
    return None
