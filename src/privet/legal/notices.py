"""Notices to subscribers about demands for their data, held back while a non-disclosure order runs.

A notice is owed where the law requires it (a cable subscriber's data under a court order, before
release: CABLE-03), where privet's default for private litigants asks for it (civil discovery,
before release, so the subscriber can object), and where the pack's rule carries the obligation
`notify_subscriber` (after release). A non-disclosure order keeps every notice waiting until it
expires (SCA-06); an indefinite one until it is lifted. `send_due` queues what may now go, so a
scheduled run delivers notices the day the order lapses.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from privet.legal.process import LegalError
from privet.legal.tables import Demand, SubscriberNotice
from privet.outbox.tables import OutboxMessage
from privet.store.uow import UnitOfWork
from privet.subjects.service import get_person

PREFERENCE = ("email", "postal", "phone")
CHANNEL = {"email": "email", "postal": "mail", "phone": "sms"}


def gagged(demand: Demand, at: datetime) -> bool:
    """True while a non-disclosure order forbids telling the subscriber."""
    if demand.nondisclosure_indefinite:
        return True
    return demand.nondisclosure_until is not None and at.date() < demand.nondisclosure_until


def owe_notice(uow: UnitOfWork, demand: Demand, person_id: int, *, basis: str, before_release: bool) -> SubscriberNotice:
    existing = uow.session.scalars(
        select(SubscriberNotice).where(SubscriberNotice.demand_id == demand.id, SubscriberNotice.person_id == person_id)
    ).first()
    if existing is not None:
        return existing
    notice = SubscriberNotice(
        demand_id=demand.id,
        person_id=person_id,
        basis=basis,
        before_release=before_release,
        status="waiting",
        created_at=uow.now(),
    )
    uow.session.add(notice)
    uow.session.flush()
    uow.record("legal.notice_owed", f"person:{person_id}", demand=demand.id, basis=basis, before_release=before_release)
    _try_send(uow, demand, notice)
    return notice


def _try_send(uow: UnitOfWork, demand: Demand, notice: SubscriberNotice) -> bool:
    if notice.status != "waiting" or gagged(demand, uow.now()):
        return False
    person = get_person(uow, notice.person_id)
    live = sorted((c for c in person.contact_points if c.replaced_at is None), key=lambda c: PREFERENCE.index(c.kind))
    if not live:
        uow.record("legal.notice_undeliverable", f"person:{person.id}", demand=demand.id)
        return False
    what = demand.kind.replace("_", " ")
    body = (
        f"We received a {what} from {demand.issuer}"
        + (f" (reference {demand.reference})" if demand.reference else "")
        + " asking for information about your account.\n\n"
        + ("We will not release anything before you have had this notice. " if notice.before_release else "")
        + "If you wish to object, you or your lawyer should contact the issuer or the court promptly.\n"
    )
    message_id = uow.send(
        kind="legal.subscriber_notice",
        channel=CHANNEL[live[0].kind],
        recipient=live[0].value,
        subject="A legal demand concerning your account",
        body=body,
        related=f"demand:{demand.id}",
    )
    notice.status, notice.message_id = "queued", message_id
    uow.record("legal.notice_queued", f"person:{person.id}", demand=demand.id)
    return True


def mark_given(uow: UnitOfWork, notice_id: int, *, how: str) -> SubscriberNotice:
    """Record a notice given by post or in person (a queued email is given when the outbox delivers it)."""
    notice = uow.session.get(SubscriberNotice, notice_id)
    if notice is None:
        raise LegalError(f"no notice with id {notice_id}")
    demand = uow.session.get(Demand, notice.demand_id)
    assert demand is not None
    if gagged(demand, uow.now()):
        raise LegalError("a non-disclosure order forbids notifying the subscriber now")
    if how not in ("mail", "in_person"):
        raise LegalError("how: mail or in_person")
    notice.status, notice.given_at, notice.given_by = "given", uow.now(), how
    uow.record("legal.notice_given", f"person:{notice.person_id}", demand=demand.id, how=how)
    return notice


def is_given(uow: UnitOfWork, notice: SubscriberNotice) -> bool:
    """Given by hand, or delivered by the outbox (sent, not merely queued)."""
    if notice.status == "given":
        return True
    if notice.message_id is None:
        return False
    message = uow.session.get(OutboxMessage, notice.message_id)
    if message is not None and message.status == "sent":
        notice.status, notice.given_at, notice.given_by = "given", message.sent_at or uow.now(), "outbox"
        return True
    return False


def send_due(uow: UnitOfWork) -> int:
    """Queue every waiting notice whose non-disclosure order has ended; returns how many went."""
    rows = uow.session.execute(
        select(SubscriberNotice, Demand)
        .join(Demand, Demand.id == SubscriberNotice.demand_id)
        .where(SubscriberNotice.status == "waiting")
    ).all()
    return sum(1 for notice, demand in rows if _try_send(uow, demand, notice))
