"""Addresses and numbers of record, and the one safe route for call detail without a password.

An address or number is "of record" only after 30 days on the account (64.2003(b), CPNI-16):
a pretexter who has just changed the address cannot then ask for call detail to be mailed to
it. The telephone number of record is the number of the underlying voice service, or a phone
contact that has been of record 30 days. Call detail for a caller who has no password goes
only to one of these (64.2010(b)), queued through the outbox in the same transaction as its
audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from privet.cpni.rules import is_of_record, mask
from privet.store.uow import UnitOfWork
from privet.subjects.identities import InvalidIdentity, normalize_phone
from privet.subjects.tables import Account, Person

VOICE_LINES = ("voice", "voip", "wireless")
CHANNEL_FOR_KIND = {"email": "email", "phone": "sms", "postal": "mail"}


class CpniError(ValueError):
    """A CPNI operation refused, in words the rep can act on."""


@dataclass(frozen=True)
class RecordContact:
    """A contact point of record: where privet may send CPNI or an account-change notice."""

    kind: str  # email | phone | postal
    value: str
    since: date
    contact_id: int | None  # None for a service line's number

    @property
    def channel(self) -> str:
        return CHANNEL_FOR_KIND[self.kind]

    @property
    def masked(self) -> str:
        return f"{self.kind} {mask(self.value)}"


def live_contacts(person: Person) -> list[RecordContact]:
    """Every contact point in force now, however new."""
    return [
        RecordContact(c.kind, c.value, c.of_record_since, c.id)
        for c in sorted(person.contact_points, key=lambda c: c.id)
        if c.replaced_at is None
    ]


def service_numbers(account: Account) -> list[RecordContact]:
    """The telephone numbers of the account's voice lines, of record since the line started."""
    found = []
    for line in account.services:
        if line.kind in VOICE_LINES and line.ended_on is None and line.identifier:
            try:
                found.append(RecordContact("phone", normalize_phone(line.identifier), line.started_on, None))
            except InvalidIdentity:
                continue
    return found


def of_record(person: Person, account: Account | None, on: date, kind: str | None = None) -> list[RecordContact]:
    """Contacts of record on `on` (at least 30 days old), service numbers first."""
    candidates = (service_numbers(account) if account is not None else []) + live_contacts(person)
    seen: set[tuple[str, str]] = set()
    result = []
    for c in candidates:
        if (c.kind, c.value) in seen or not is_of_record(c.since, on) or (kind and c.kind != kind):
            continue
        seen.add((c.kind, c.value))
        result.append(c)
    return result


def numbers_of_record(person: Person, account: Account | None, on: date) -> set[str]:
    return {c.value for c in of_record(person, account, on, "phone")}


def send_call_detail_to_record(
    uow: UnitOfWork, *, person: Person, account: Account, body: str, prefer: str = "email", interaction_id: str | None = None
) -> RecordContact:
    """Queue call detail to the email or postal address of record; refuse when there is none of record.

    This is the route for a caller without a password (64.2010(b)): the detail goes where only
    the real customer receives it, never to an address given on the call or changed recently.
    """
    if not body.strip():
        raise CpniError("body: the call detail to send is empty")
    on = uow.now().date()
    addresses = [c for c in of_record(person, account, on) if c.kind in ("email", "postal")]
    addresses.sort(key=lambda c: c.kind != prefer)
    if not addresses:
        newer = [c.masked for c in live_contacts(person) if c.kind in ("email", "postal")]
        hint = f" ({', '.join(newer)} not yet 30 days on the account)" if newer else ""
        raise CpniError(
            f"person {person.id} has no address of record to send call detail to{hint}; call back the number of record"
        )
    target = addresses[0]
    uow.send(
        kind="cpni.call_detail",
        channel=target.channel,
        recipient=target.value,
        subject="The call detail you asked for",
        body=body,
        related=f"person:{person.id}",
    )
    uow.record(
        "cpni.call_detail_sent_to_record",
        f"person:{person.id}",
        account=account.number,
        to=target.kind,
        interaction=interaction_id,
    )
    return target
