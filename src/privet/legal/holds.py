"""Preservation and litigation holds: while one is active, nothing it covers may be deleted (RET-02, SCA-04).

`active_holds` and `held_scope` are what every deletion path asks (data-subject requests and the
retention sweep alike); placing, renewing and releasing holds is here too, so the 2703(f) limits
(90 days, one 90-day renewal) are enforced in one place.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select

from privet.legal.tables import Demand, Hold
from privet.store.uow import UnitOfWork
from privet.subjects.service import get_account, get_person


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


PRESERVATION_DAYS = timedelta(days=90)
MAX_RENEWALS = {"preservation_2703f": 1}
KINDS = ("preservation_2703f", "litigation", "csam_2258a", "cable_551e", "other")
CSAM_DAYS = timedelta(days=365)


class HoldError(ValueError):
    """A hold operation refused, with the reason."""


def place_hold(
    uow: UnitOfWork,
    *,
    kind: str,
    reason: str,
    person_id: int | None = None,
    account_number: str | None = None,
    scope: list[str] | None = None,
    demand_id: int | None = None,
    ends_at: datetime | None = None,
) -> Hold:
    """Keep a person's or account's records from deletion; a 2703(f) preservation lasts 90 days (SCA-04)."""
    if kind not in KINDS:
        raise HoldError(f"kind: one of {', '.join(KINDS)}")
    if person_id is None and account_number is None:
        raise HoldError("person_id: a hold covers a person or an account")
    if not reason.strip():
        raise HoldError("reason: say why the records are held")
    if person_id is not None:
        get_person(uow, person_id)
    if account_number is not None:
        account_number = get_account(uow, account_number).number
    if demand_id is not None and uow.session.get(Demand, demand_id) is None:
        raise HoldError(f"no demand with id {demand_id}")
    now = uow.now()
    if kind == "preservation_2703f":
        ends_at = now + PRESERVATION_DAYS
    elif kind == "csam_2258a":
        ends_at = ends_at or now + CSAM_DAYS
    if ends_at is not None and ends_at <= now:
        raise HoldError("ends_at: a hold must end in the future")
    hold = Hold(
        kind=kind,
        person_id=person_id,
        account_number=account_number,
        scope=list(scope or []),
        reason=reason,
        demand_id=demand_id,
        starts_at=now,
        ends_at=ends_at,
        renewals=0,
        created_by=uow.actor,
    )
    uow.session.add(hold)
    uow.session.flush()
    uow.record("legal.hold_placed", _subject(hold), hold=hold.id, kind=kind, ends_at=ends_at.isoformat() if ends_at else None)
    return hold


def renew_hold(uow: UnitOfWork, hold_id: int) -> Hold:
    """Extend a preservation by 90 days, once; a further extension needs further process (SCA-04)."""
    hold = _get(uow, hold_id)
    now = uow.now()
    if hold.released_at is not None or (hold.ends_at is not None and hold.ends_at <= now):
        raise HoldError(f"hold {hold.id} is no longer in force; a renewal extends a running hold")
    limit = MAX_RENEWALS.get(hold.kind)
    if limit is not None and hold.renewals >= limit:
        raise HoldError(f"hold {hold.id} was already renewed; 2703(f) allows one 90-day renewal, then legal process is needed")
    if hold.ends_at is None:
        raise HoldError(f"hold {hold.id} has no end to extend")
    hold.ends_at = hold.ends_at + PRESERVATION_DAYS
    hold.renewals += 1
    uow.record("legal.hold_renewed", _subject(hold), hold=hold.id, ends_at=hold.ends_at.isoformat())
    return hold


def release_hold(uow: UnitOfWork, hold_id: int, *, reason: str) -> Hold:
    hold = _get(uow, hold_id)
    if hold.released_at is not None:
        raise HoldError(f"hold {hold.id} was already released")
    hold.released_at = uow.now()
    uow.record("legal.hold_released", _subject(hold), hold=hold.id, reason=reason)
    return hold


def _get(uow: UnitOfWork, hold_id: int) -> Hold:
    hold = uow.session.get(Hold, hold_id)
    if hold is None:
        raise HoldError(f"no hold with id {hold_id}")
    return hold


def _subject(hold: Hold) -> str:
    return f"person:{hold.person_id}" if hold.person_id else f"account:{hold.account_number}"
