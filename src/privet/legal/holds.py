"""Preservation holds: while one is active, nothing it covers may be deleted (RET-02, SCA-04)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from privet.legal.tables import Hold
from privet.store.uow import UnitOfWork


def active_holds(uow: UnitOfWork, at: datetime, *, person_id: int | None = None, account_number: str | None = None) -> list[Hold]:
    """Holds in force at `at` covering the person or account given (or any subject when both are None)."""
    query = select(Hold).where(Hold.starts_at <= at, Hold.released_at.is_(None), or_(Hold.ends_at.is_(None), Hold.ends_at > at))
    subjects = []
    if person_id is not None:
        subjects.append(Hold.person_id == person_id)
    if account_number is not None:
        subjects.append(Hold.account_number == account_number)
    if subjects:
        query = query.where(or_(*subjects))
    return list(uow.session.scalars(query.order_by(Hold.id)))


def held_scope(holds: list[Hold]) -> set[str] | None:
    """The categories or tables the holds cover; None means everything of the subject."""
    scope: set[str] = set()
    for hold in holds:
        if not hold.scope:
            return None
        scope.update(hold.scope)
    return scope
