"""Account-change notices go at once to the contact of record as it was before the change (64.2010(f)).

Delivery is real: the outbox worker sends over SMTP to an aiosmtpd listener on loopback, and the
test reads what arrived at each address.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from privet.cpni import auth, changes, contacts
from privet.cpni.contacts import CpniError
from privet.outbox.tables import OutboxMessage
from privet.subjects.service import get_person
from tests.cpni.support import Desk, Inbox, World, days_ago, deliver


def email_customer(world: World, *, of_record_days: int = 90) -> tuple[int, str]:
    n = random.randint(10**6, 10**7)
    email = f"old.{n}@example.net"
    pid = world.person(emails=[email], email_of_record_since=days_ago(of_record_days), services=["voice"])
    return pid, email


def interaction(world: World, person_id: int, name: str) -> None:
    """A passing in-store authentication, which unlocks changes."""
    from datetime import date, timedelta

    Desk(world).attempt(
        person_id,
        name,
        channel="in_store",
        method="photo_id",
        photo_id=auth.PhotoId("passport", date.today() + timedelta(days=99), "Test Person"),
    )


@pytest.mark.promise("000-P153")
def test_change_notices_go_to_the_old_address_never_the_new_and_reveal_nothing(world: World, inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    person_id, old = email_customer(world)
    new = old.replace("old.", "new.")
    interaction(world, person_id, "visit-1")
    with world.uow() as uow:
        person = get_person(uow, person_id)
        changes.change_address_of_record(
            uow, person, auth.account_for(person, None), kind="email", value=new, interaction_id="visit-1"
        )
    with world.uow() as uow:
        person = get_person(uow, person_id)
        changes.set_credential(
            uow, person, auth.account_for(person, None), kind="password", secret="fresh-start-11", interaction_id="visit-1"
        )
    deliver(world, port)

    at_old, at_new = handler.to(old), handler.to(new)
    assert len(at_old) == 2 and at_new == []
    for message in at_old:
        text = message.get_content()
        assert new not in text and "fresh-start-11" not in text and new.split("@")[0] not in text
        assert "change was made" in text
    # The new address is of record only after 30 days: call detail is not mailed to it meanwhile.
    with world.uow() as uow, pytest.raises(CpniError, match="not yet 30 days"):
        person = get_person(uow, person_id)
        contacts.send_call_detail_to_record(uow, person=person, account=auth.account_for(person, None), body="call list")


def test_a_phone_change_notifies_the_old_number_by_text(world: World) -> None:
    n = random.randint(2_000_000, 9_999_999)
    old_number, new_number = f"+1316{n}", f"+1620{n}"
    person_id = world.person(phones=[old_number], phone_of_record_since=days_ago(60), services=["voice"])
    interaction(world, person_id, "visit-2")
    with world.uow() as uow:
        person = get_person(uow, person_id)
        changes.change_address_of_record(
            uow, person, auth.account_for(person, None), kind="phone", value=new_number, interaction_id="visit-2"
        )
    with world.uow() as uow:
        sent = uow.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.related == f"person:{person_id}", OutboxMessage.kind == "cpni.account_change"
            )
        ).all()
    assert [(m.channel, m.recipient) for m in sent] == [("sms", old_number)]
    assert new_number not in sent[0].body and new_number[-4:] not in sent[0].body


def test_service_initiation_sends_no_notice_and_unauthenticated_changes_are_refused(world: World) -> None:
    person_id, _ = email_customer(world)
    desk = Desk(world)
    desk.set(person_id, "password", "first-pass-123", service_initiation=True)
    with world.uow() as uow:
        assert not uow.session.scalars(select(OutboxMessage).where(OutboxMessage.related == f"person:{person_id}")).all()
        person = get_person(uow, person_id)
        with pytest.raises(CpniError, match="no passing authentication"):
            changes.change_address_of_record(
                uow, person, auth.account_for(person, None), kind="email", value="thief@example.org", interaction_id="pretext"
            )
        with pytest.raises(CpniError, match="a postal address"):
            changes.change_address_of_record(
                uow, person, auth.account_for(person, None), kind="postal", value="x", interaction_id="pretext"
            )


def test_call_detail_without_a_password_goes_only_to_the_address_of_record(world: World, inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    person_id, old = email_customer(world, of_record_days=31)
    with world.uow() as uow:
        person = get_person(uow, person_id)
        target = contacts.send_call_detail_to_record(
            uow, person=person, account=auth.account_for(person, None), body="2026-01-05 +1 316 555 0199 4 min"
        )
    assert target.value == old
    deliver(world, port)
    assert "0199" in handler.to(old)[0].get_content()
    assert datetime.now(UTC).date() >= target.since


def _correct_email(world: World, person_id: int, new: str) -> None:
    """The person's own correction request, as the privacy center submits it, carried out by the requests desk."""
    from privet.policy.taxonomy import Channel
    from privet.requests.correction import apply_corrections
    from privet.requests.intake import Correction, Submission, submit
    from privet.requests.kinds import RequestKind
    from privet.subjects.refs import PersonRef

    pack = world.runtime().pack
    sub = Submission(
        kind=RequestKind.CORRECT,
        person=PersonRef(person_id=person_id),
        channel=Channel.PRIVACY_CENTER,
        corrections=[Correction(category="user.contact.email", value=new)],
    )
    with world.uow(f"subject:{person_id}") as uow:
        apply_corrections(uow, None, submit(uow, pack, sub))


def _change_notices(world: World, person_id: int) -> list[tuple[str, str]]:
    with world.uow() as uow:
        sent = uow.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.related == f"person:{person_id}", OutboxMessage.kind == "cpni.account_change"
            )
        ).all()
        return [(m.channel, m.recipient) for m in sent]


def test_a_corrected_email_of_record_is_announced_to_the_old_address_for_voice_customers(world: World) -> None:
    """A correction request is another way to change an address of record: the same notice, to the same place."""
    person_id, old = email_customer(world)
    new = old.replace("old.", "corrected.")
    _correct_email(world, person_id, new)
    assert _change_notices(world, person_id) == [("email", old)]
    with world.uow() as uow:
        current = [c.value for c in get_person(uow, person_id).contact_points if c.kind == "email" and c.replaced_at is None]
    assert current == [new]


def test_a_correction_for_a_customer_without_voice_service_sends_no_cpni_notice(world: World) -> None:
    n = random.randint(10**6, 10**7)
    old = f"old.{n}@example.net"
    person_id = world.person(emails=[old], email_of_record_since=days_ago(90), services=["broadband"])
    _correct_email(world, person_id, f"corrected.{n}@example.net")
    assert _change_notices(world, person_id) == []
