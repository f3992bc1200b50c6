"""Subscriber operations. Each takes a UnitOfWork, so changes and their audit entries commit together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import inspect, select

from privet.store.uow import UnitOfWork
from privet.subjects.identities import IdentityKind, normalize
from privet.subjects.records import SubscriberRecord
from privet.subjects.tables import (
    Account,
    AccountMember,
    AccountStatusChange,
    ContactPoint,
    Identity,
    Person,
    ServiceLineRecord,
)

ACCOUNT_STATUSES = ("active", "suspended", "disconnected")


class SubjectError(ValueError):
    """A request about subscribers that cannot be carried out, with the reason in plain words."""


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ImportResult:
    accounts_created: int
    persons_created: int
    identities_added: int
    rows: int


def find_person(uow: UnitOfWork, kind: IdentityKind | str, value: str) -> Person | None:
    """The person an identity belongs to, whatever form the identity was given in."""
    canonical = normalize(kind, value)
    if IdentityKind(kind) is IdentityKind.ACCOUNT_NUMBER:
        account = uow.session.scalars(select(Account).where(Account.number == canonical)).one_or_none()
        if account is None:
            return None
        holders = [m.person for m in account.members if m.role == "holder"] or [m.person for m in account.members]
        return holders[0] if holders else None
    identity = uow.session.scalars(select(Identity).where(Identity.kind == str(kind), Identity.value == canonical)).one_or_none()
    return identity.person if identity else None


def get_person(uow: UnitOfWork, person_id: int) -> Person:
    person = uow.session.get(Person, person_id)
    if person is None:
        raise SubjectError(f"no person with id {person_id}")
    return person


def get_account(uow: UnitOfWork, number: str) -> Account:
    canonical = normalize(IdentityKind.ACCOUNT_NUMBER, number)
    account = uow.session.scalars(select(Account).where(Account.number == canonical)).one_or_none()
    if account is None:
        raise SubjectError(f"no account numbered {canonical}")
    return account


def change_account_status(uow: UnitOfWork, number: str, to_status: str, reason: str) -> Account:
    """Move an account between active, suspended and disconnected, keeping the history."""
    _check_status_change(to_status, reason)
    return set_account_status(uow, get_account(uow, number), to_status, reason)


def set_account_status(uow: UnitOfWork, account: Account, to_status: str, reason: str) -> Account:
    """`change_account_status` for an account the caller already holds in this unit of work.

    Batch callers (the abuse desk's ladder) load accounts, with their status history, once per
    batch; looking each one up again by number cost a query per change. The checks, the history
    row and the audit entry are the same. Rules that depend on who terminated an account (the
    abuse desk's reactivation) stay with their owners, which call this after checking them.
    """
    _check_status_change(to_status, reason)
    if inspect(account).session is not uow.session:
        # A detached or foreign account would take the change in memory and never write it,
        # while this unit of work audited it: refuse rather than record what did not happen.
        raise SubjectError(f"account {account.number} was not loaded in this unit of work")
    if account.status == to_status:
        raise SubjectError(f"account {account.number} is already {to_status}")
    change = AccountStatusChange(at=uow.now(), from_status=account.status, to_status=to_status, reason=reason, actor=uow.actor)
    account.status_history.append(change)
    uow.record(
        "account.status_changed", f"account:{account.number}", from_status=account.status, to_status=to_status, reason=reason
    )
    account.status = to_status
    return account


def _check_status_change(to_status: str, reason: str) -> None:
    """Refuse an unknown status or a blank reason before anything is looked up."""
    if to_status not in ACCOUNT_STATUSES:
        raise SubjectError(f"'{to_status}' is not an account status ({', '.join(ACCOUNT_STATUSES)})")
    if not reason.strip():
        raise SubjectError("a status change needs a reason")


def add_identity(uow: UnitOfWork, person_id: int, kind: IdentityKind | str, value: str) -> Identity:
    person = get_person(uow, person_id)
    canonical = normalize(kind, value)
    existing = uow.session.scalars(select(Identity).where(Identity.kind == str(kind), Identity.value == canonical)).one_or_none()
    if existing is not None:
        if existing.person_id == person.id:
            return existing
        raise SubjectError(f"{kind} {canonical} already belongs to another person")
    identity = Identity(kind=str(kind), value=canonical, created_at=uow.now())
    person.identities.append(identity)
    uow.record("identity.added", f"person:{person.id}", kind=str(kind))
    return identity


def import_records(uow: UnitOfWork, records: Sequence[SubscriberRecord], policy_version_id: int | None = None) -> ImportResult:
    """Apply validated records in this unit of work: all of them or, on any conflict, none.

    Conflicts that only show against the database (an email already belonging to someone
    else) are collected for every row first and raised together, so the caller rolls back.
    """
    importer = _Importer(uow, policy_version_id)
    for row, rec in enumerate(records, start=1):
        importer.apply(row, rec)
    if importer.errors:
        raise ImportRejected(importer.errors)
    uow.session.flush()
    result = ImportResult(importer.created_accounts, importer.created_persons, importer.added_identities, len(records))
    uow.record("subjects.imported", None, **result.__dict__)
    return result


class _Importer:
    """Upserts one record at a time, remembering what earlier rows of the same import created."""

    def __init__(self, uow: UnitOfWork, policy_version_id: int | None):
        self.uow = uow
        self.version = policy_version_id
        self.now = uow.now()
        self.errors: list[RowError] = []
        self.created_accounts = self.created_persons = self.added_identities = 0
        self.claimed: dict[tuple[str, str], str] = {}
        self.accounts: dict[str, Account] = {}
        self.persons: dict[str, Person] = {}

    def apply(self, row: int, rec: SubscriberRecord) -> None:
        person = self._person(rec)
        account = self._account(row, rec) if rec.account_number else None
        if account is not None:
            if not any(m.person is person and m.role == rec.role for m in account.members):
                account.members.append(AccountMember(person=person, role=rec.role))
            for kind_name in rec.services:
                if not any(s.kind == kind_name and s.ended_on is None for s in account.services):
                    account.services.append(
                        ServiceLineRecord(kind=kind_name, started_on=rec.service_started_on or self.now.date())
                    )
        self._identities(row, rec, person)
        _contact_points(person, rec, self.now.date(), self.version)

    def _account(self, row: int, rec: SubscriberRecord) -> Account:
        number = rec.account_number or ""
        account = (
            self.accounts.get(number) or self.uow.session.scalars(select(Account).where(Account.number == number)).one_or_none()
        )
        if account is None:
            account = Account(
                number=number,
                type=rec.account_type,
                status=rec.account_status,
                service_state=rec.service_state,
                billing_state=rec.billing_state,
                dedicated_rep=rec.dedicated_rep,
                cpni_contract=rec.cpni_contract,
                created_at=self.now,
                policy_version_id=self.version,
            )
            account.status_history.append(
                AccountStatusChange(
                    at=self.now, from_status=None, to_status=rec.account_status, reason="imported", actor=self.uow.actor
                )
            )
            self.uow.session.add(account)
            self.created_accounts += 1
        elif account.status != rec.account_status:
            message = f"account {account.number} is {account.status}; change it with a status change, not an import"
            self.errors.append(RowError(row, "account_status", message))
        self.accounts[number] = account
        return account

    def _person(self, rec: SubscriberRecord) -> Person:
        person = (
            self.persons.get(rec.person_id)
            or self.uow.session.scalars(select(Person).where(Person.external_id == rec.person_id)).one_or_none()
        )
        if person is None:
            person = Person(
                external_id=rec.person_id,
                full_name=rec.full_name,
                birth_date=rec.birth_date,
                age_band=rec.age_band,
                state=rec.service_state or rec.billing_state,
                parental_consent=rec.parental_consent,
                kinds=list(rec.subject_kinds),
                created_at=self.now,
                policy_version_id=self.version,
            )
            self.uow.session.add(person)
            self.created_persons += 1
        missing = [k for k in rec.subject_kinds if k not in (person.kinds or [])]
        if missing:
            person.kinds = [*(person.kinds or []), *missing]
        self.persons[rec.person_id] = person
        return person

    def _identities(self, row: int, rec: SubscriberRecord, person: Person) -> None:
        idents = [(IdentityKind.EMAIL, v) for v in rec.emails] + [(IdentityKind.PHONE, v) for v in rec.phones]
        idents += [(IdentityKind.USERNAME, v) for v in rec.usernames]
        for kind, value in idents:
            key = (kind.value, value)
            owner = self.claimed.get(key)
            if owner is None:
                found = self.uow.session.scalars(
                    select(Identity).where(Identity.kind == kind.value, Identity.value == value)
                ).one_or_none()
                if found is not None:
                    owner = found.person.external_id or f"#{found.person_id}"
                else:
                    person.identities.append(
                        Identity(kind=kind.value, value=value, created_at=self.now, policy_version_id=self.version)
                    )
                    self.added_identities += 1
                    owner = rec.person_id
                self.claimed[key] = owner
            if owner != rec.person_id:
                self.errors.append(RowError(row, f"{kind.value}s", f"{value} already belongs to person {owner}"))


def _contact_points(person: Person, rec: SubscriberRecord, today: date, policy_version_id: int | None) -> None:
    wanted: list[tuple[str, str, date]] = []
    if rec.postal_address:
        wanted.append(("postal", rec.postal_address, rec.address_of_record_since or today))
    if rec.phones:
        wanted.append(("phone", rec.phones[0], rec.phone_of_record_since or today))
    if rec.emails:
        wanted.append(("email", rec.emails[0], rec.email_of_record_since or today))
    for kind, value, since in wanted:
        if not any(c.kind == kind and c.value == value and c.replaced_at is None for c in person.contact_points):
            person.contact_points.append(
                ContactPoint(
                    kind=kind, purpose="contact", value=value, of_record_since=since, policy_version_id=policy_version_id
                )
            )


class ImportRejected(SubjectError):
    """An import refused as a whole; `errors` names every bad row."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s); nothing was imported")


def email_addresses(uow: UnitOfWork, person_ids: Sequence[int]) -> dict[int, str]:
    """Each person's email for a mailing, in two queries: the live email of record most recently of record
    (as `current_contact`), else their first email identity. People with neither are left out."""
    if not person_ids:
        return {}
    found: dict[int, tuple[date, str]] = {}
    for pid, value, since in uow.session.execute(
        select(ContactPoint.person_id, ContactPoint.value, ContactPoint.of_record_since).where(
            ContactPoint.person_id.in_(person_ids), ContactPoint.kind == "email", ContactPoint.replaced_at.is_(None)
        )
    ):
        if pid not in found or since > found[pid][0]:
            found[pid] = (since, value)
    emails = {pid: value for pid, (_, value) in found.items()}
    # The kind is checked here, not in SQL: given `kind = 'email'` SQLite walks the (kind, value) index instead.
    for pid, kind, value in uow.session.execute(
        select(Identity.person_id, Identity.kind, Identity.value).where(Identity.person_id.in_(person_ids)).order_by(Identity.id)
    ):
        if kind == "email":
            emails.setdefault(pid, value)
    return emails


def current_contact(person: Person, kind: str) -> ContactPoint | None:
    """The address or number of record of `kind` now in force."""
    live = [c for c in person.contact_points if c.kind == kind and c.replaced_at is None]
    return max(live, key=lambda c: c.of_record_since) if live else None
