"""Creating or changing a password, backup answer, online account or address of record (64.2010(e)-(f)).

Each change needs a passing authentication in the same interaction that unlocks credential
setup, and none of those methods asks for biographical or account data, so no password is ever
set up on the strength of a birth date (CPNI-19). A backup question that asks for such data is
refused, and so is an answer that *is* such data.

Every change queues an account-change notice at once, in the same transaction, to a contact
that was of record *before* the change and is not the new value, saying only what kind of thing
changed (CPNI-20). At service initiation no notice is due.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from privet.cpni.auth import current_credential, passing_authentication
from privet.cpni.contacts import CpniError, RecordContact, live_contacts, of_record, service_numbers
from privet.cpni.hashing import WeakSecret, check_password, hash_secret, normalise_answer
from privet.cpni.rules import OF_RECORD_AFTER, Scope, forbidden_topic, is_of_record
from privet.cpni.tables import Credential, Pin
from privet.store.uow import UnitOfWork
from privet.subjects.identities import IdentityKind, normalize
from privet.subjects.tables import Account, ContactPoint, Person

KINDS = ("password", "backup_answer", "online_password")
WHAT = {
    "password": "the account password",
    "backup_answer": "the backup authentication answer",
    "online_password": "the online account",
    "address_of_record": "an address of record",
}
PIN_TTL = timedelta(minutes=15)
NOTICE_ORDER = ("phone", "email", "postal")


def _authorised(uow: UnitOfWork, person: Person, interaction_id: str | None, service_initiation: bool) -> str:
    """The method that authorises this change, or a refusal naming what is missing."""
    if service_initiation:
        return "service_initiation"
    if not interaction_id:
        raise CpniError("interaction_id: a change needs a passing authentication in the same interaction")
    auth = passing_authentication(uow, interaction_id, person.id, Scope.CREDENTIAL_SETUP, uow.now())
    if auth is None:
        raise CpniError(
            "no passing authentication in this interaction allows setting up credentials "
            "(after a failed password and backup, only a PIN, a call back or a photo ID does)"
        )
    return auth.method


def _biographical_values(person: Person, account: Account) -> set[str]:
    values = {normalise_answer(account.number)}
    if person.birth_date is not None:
        d = person.birth_date
        values |= {
            d.isoformat(),
            f"{d.month}/{d.day}/{d.year}",
            f"{d.month:02d}/{d.day:02d}/{d.year}",
            f"{d.month:02d}{d.day:02d}{d.year}",
        }
    for c in person.contact_points:
        values.add(normalise_answer(c.value))
        if c.kind == "phone":
            values.add(c.value.removeprefix("+1"))
    return values


def set_credential(
    uow: UnitOfWork,
    person: Person,
    account: Account,
    *,
    kind: str,
    secret: str,
    question: str | None = None,
    interaction_id: str | None = None,
    service_initiation: bool = False,
) -> Credential:
    """Create or replace a credential, then notify the contact of record as it stood before."""
    if kind not in KINDS:
        raise CpniError(f"kind: '{kind}' is not one of {', '.join(KINDS)}")
    previous = current_credential(uow, account.id, person.id, kind)
    if service_initiation and previous is not None:
        raise CpniError("service_initiation: this account already has such a credential; a change is not an initiation")
    method = _authorised(uow, person, interaction_id, service_initiation)
    if kind == "backup_answer":
        if not question or not question.strip():
            raise CpniError("question: a backup answer needs the question it answers")
        topic = forbidden_topic(question)
        if topic:
            raise CpniError(f"question: a backup question may not ask for {topic} (47 CFR 64.2010(e))")
        stored = normalise_answer(secret)
        if not stored or len(stored) > 200:
            raise CpniError("secret: a backup answer has 1 to 200 characters")
        if stored in _biographical_values(person, account):
            raise CpniError("secret: the backup answer may not be the customer's biographical or account data")
    else:
        try:
            check_password(secret)
        except WeakSecret as exc:
            raise CpniError(f"secret: {exc}") from None
        stored = secret
    now = uow.now()
    if previous is not None:
        previous.replaced_at = now
    row = Credential(
        account_id=account.id,
        person_id=person.id,
        kind=kind,
        secret_hash=hash_secret(stored),
        question=question.strip() if question else None,
        setup_method=method,
        created_at=now,
        failures=0,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.record(
        "cpni.credential_set",
        f"person:{person.id}",
        account=account.number,
        kind=kind,
        change="changed" if previous else "created",
        authorised_by=method,
        interaction=interaction_id,
    )
    if not service_initiation:
        notify_change(uow, person, account, kind, exclude=None)
    return row


def change_address_of_record(
    uow: UnitOfWork, person: Person, account: Account, *, kind: str, value: str, interaction_id: str | None
) -> ContactPoint:
    """Replace the person's address (postal or email) or phone of record; the old one gets the notice."""
    if kind not in ("postal", "email", "phone"):
        raise CpniError("kind: an address of record is postal, email or phone")
    if kind == "postal":
        new_value = " ".join(value.split())
        if not 5 <= len(new_value) <= 500:
            raise CpniError("value: a postal address has 5 to 500 characters")
    else:
        new_value = normalize(IdentityKind.EMAIL if kind == "email" else IdentityKind.PHONE, value)
    _authorised(uow, person, interaction_id, False)
    now = uow.now()
    before = [c for c in person.contact_points if c.replaced_at is None and c.kind == kind]
    if any(c.value == new_value for c in before):
        raise CpniError(f"value: that {kind} is already of record")
    # Choose the recipients before the change, so the new value can never be one of them.
    targets = notice_targets(person, account, now.date(), exclude=new_value, prefer=kind)
    for c in before:
        c.replaced_at = now
    row = ContactPoint(
        kind=kind, purpose="contact", value=new_value, of_record_since=now.date(), policy_version_id=person.policy_version_id
    )
    person.contact_points.append(row)
    uow.session.flush()
    uow.record(
        "cpni.address_of_record_changed", f"person:{person.id}", account=account.number, kind=kind, interaction=interaction_id
    )
    _queue_notice(uow, person, account, "address_of_record", targets)
    return row


def notice_targets(
    person: Person, account: Account, on: date, *, exclude: str | None, prefer: str | None = None
) -> list[RecordContact]:
    """Where a change notice goes, never to `exclude` and never to a value changed in the last 30 days.

    First a contact of record (30 days on the account); failing that, one replaced within the
    last 30 days (what the real customer had before a string of changes); failing that, one given
    when the account was opened.
    """
    candidates = [c for c in of_record(person, account, on) if c.value != exclude]
    if not candidates:
        recent = []
        for c in sorted(person.contact_points, key=lambda c: c.id, reverse=True):
            replaced = c.replaced_at.date() if c.replaced_at is not None else None
            if replaced is not None and on - replaced <= OF_RECORD_AFTER and is_of_record(c.of_record_since, replaced):
                recent.append(RecordContact(c.kind, c.value, c.of_record_since, c.id))
        candidates = recent
    if not candidates:
        opened = account.created_at.date()
        candidates = [c for c in service_numbers(account) + live_contacts(person) if c.since <= opened]
    candidates = [c for c in candidates if c.value != exclude]
    order = (prefer, *NOTICE_ORDER) if prefer else NOTICE_ORDER
    candidates.sort(key=lambda c: order.index(c.kind) if c.kind in order else len(order))
    return candidates[:1]


def notify_change(uow: UnitOfWork, person: Person, account: Account, what: str, *, exclude: str | None) -> None:
    _queue_notice(uow, person, account, what, notice_targets(person, account, uow.now().date(), exclude=exclude))


def _queue_notice(uow: UnitOfWork, person: Person, account: Account, what: str, targets: list[RecordContact]) -> None:
    """The notice names only the kind of change and when: never the new value, never the secret."""
    if not targets:
        uow.record("cpni.change_notice_impossible", f"person:{person.id}", account=account.number, change=what)
        return
    when = uow.now().strftime("%Y-%m-%d %H:%M UTC")
    body = (
        f"A change was made to {WHAT[what]} on your account on {when}.\n\n"
        "If you made this change, you need do nothing. If you did not, call us at the number on your bill: "
        "someone may be trying to reach your account information.\n\n"
        "For your security this message does not repeat what was changed."
    )
    for target in targets:
        uow.send(
            kind="cpni.account_change",
            channel=target.channel,
            recipient=target.value,
            subject="A change was made to your account",
            body=body,
            related=f"person:{person.id}",
        )
    uow.record(
        "cpni.change_notice_queued", f"person:{person.id}", account=account.number, change=what, to=[t.kind for t in targets]
    )


def issue_pin(
    uow: UnitOfWork, person: Person, account: Account, *, interaction_id: str, destination: str = "phone"
) -> RecordContact:
    """Send a one-time PIN to a contact of record; reading it back authenticates without biographical data."""
    if not interaction_id.strip():
        raise CpniError("interaction_id: name the call or session the PIN is for")
    now = uow.now()
    targets = [c for c in of_record(person, account, now.date()) if c.kind == destination and c.kind != "postal"]
    if not targets:
        raise CpniError(f"person {person.id} has no {destination} of record (30 days) to send a PIN to")
    code = f"{secrets.randbelow(10**6):06d}"
    uow.session.add(
        Pin(
            interaction_id=interaction_id,
            account_id=account.id,
            person_id=person.id,
            code_hash=hash_secret(code),
            destination_kind=destination,
            sent_at=now,
            expires_at=now + PIN_TTL,
        )
    )
    uow.send(
        kind="cpni.pin",
        channel=targets[0].channel,
        recipient=targets[0].value,
        subject="Your one-time code",
        body=f"Your one-time code is {code}. It expires in 15 minutes. We will never ask for it except on a call you started.",
        related=f"person:{person.id}",
    )
    uow.record("cpni.pin_sent", f"person:{person.id}", account=account.number, interaction=interaction_id, to=destination)
    return targets[0]
