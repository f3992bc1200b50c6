"""A child's data found without parental consent: a deletion opened by privet itself.

Seed 002 promises that information found to belong to a child under 13 is deleted, and most
packs say the same (`statements.children_found: delete`); COPPA forbids holding it without
verifiable parental consent (16 CFR 312.5, COPPA-01). So whenever privet learns a person is a
child without consent (at any request's intake, or in the sweep over all people), it opens a
deletion under the COPPA clock, already verified: there is no requester to verify, and the
deletion runs like any other, keeping what the law or a hold keeps.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from privet.policy.model import PolicyPack
from privet.requests.deadlines import schedule
from privet.requests.kinds import Regime, RequestKind, Status, SubmittedBy
from privet.requests.retention import add_months
from privet.requests.tables import DataRequest
from privet.store.uow import UnitOfWork
from privet.subjects.tables import Person

CHILD_BANDS = frozenset({"under_13"})


def is_child_without_consent(person: Person, min_age: int, today: date) -> bool:
    if person.parental_consent:
        return False
    if person.birth_date is not None:
        return add_months(person.birth_date, 12 * min_age) > today
    return person.age_band in CHILD_BANDS and min_age >= 13


def open_child_deletion(uow: UnitOfWork, pack: PolicyPack, person: Person) -> DataRequest | None:
    """Open the deletion if the person is a child without consent and none is open or done already."""
    if pack.statements.children_found != "delete":
        return None
    now = uow.now()
    if not is_child_without_consent(person, pack.statements.children_min_age, now.date()):
        return None
    existing = uow.session.scalars(
        select(DataRequest).where(
            DataRequest.person_id == person.id,
            DataRequest.kind == RequestKind.DELETE.value,
            DataRequest.regime == Regime.COPPA.value,
            DataRequest.status.in_([Status.VERIFIED.value, Status.IN_PROGRESS.value, Status.COMPLETED.value]),
        )
    ).first()
    if existing is not None:
        return None
    plan = schedule(Regime.COPPA, RequestKind.DELETE, now, None)
    reason = f"the person is under {pack.statements.children_min_age} and no parental consent is on record"
    req = DataRequest(
        kind=RequestKind.DELETE.value,
        status=Status.VERIFIED.value,
        regime=Regime.COPPA.value,
        right_id=None,
        person_id=person.id,
        channel="privet",
        submitted_by=SubmittedBy.SYSTEM.value,
        agent=None,
        received_at=now,
        acknowledge_by=None,
        respond_by=plan.respond_by,
        extension_days=None,
        verification_level="none",
        verification={"outcome": "not_required", "reason": reason},
        verified_at=now,
        details={"opened_because": reason, "statement": "statements.children_found"},
        response={},
        created_by=uow.actor,
    )
    uow.session.add(req)
    uow.session.flush()
    uow.record(
        "request.child_deletion_opened",
        f"request:{req.id}",
        person=person.id,
        reason=reason,
        respond_by=req.respond_by.isoformat(),
    )
    return req


def sweep(uow: UnitOfWork, pack: PolicyPack) -> list[DataRequest]:
    """Open a deletion for every child without consent that has none yet."""
    today = uow.now().date()
    cutoff = add_months(today, -12 * pack.statements.children_min_age)
    candidates = uow.session.scalars(
        select(Person)
        .where(Person.parental_consent.is_(False), or_(Person.age_band.in_(CHILD_BANDS), Person.birth_date > cutoff))
        .order_by(Person.id)
    )
    return [req for person in candidates if (req := open_child_deletion(uow, pack, person)) is not None]
