"""Authenticating a customer in one interaction before any CPNI is discussed or shown (64.2010).

A care rep (or the online portal, or a store) records each attempt; privet decides whether it
passes and what it unlocks (`rules.SCOPES`), and keeps the outcome per interaction, so the
disclosure check can refuse call detail to a caller who has not passed in *this* call. Secrets
are checked against scrypt hashes and never stored or audited.

Failed passwords count; five in a row, or a failed password followed by a failed backup
answer, require a new password, which can then be set up only through a method that asks for
nothing biographical (a PIN to a contact of record, a call back, a photo ID) (CPNI-19).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from privet.cpni.contacts import CpniError, numbers_of_record, of_record
from privet.cpni.hashing import normalise_answer, verify_secret
from privet.cpni.rules import (
    CLEAN_SETUP,
    PHOTO_IDS,
    RESET_AFTER_FAILURES,
    RESET_METHODS,
    RULE_FOR_CHANNEL,
    SCOPES,
    SESSION,
    Channel,
    Method,
    Scope,
    mask,
    same_name,
    scopes_for,
)
from privet.cpni.tables import Authentication, Credential, Pin
from privet.store.uow import UnitOfWork
from privet.subjects.identities import InvalidIdentity, normalize_phone
from privet.subjects.tables import Account, Person

CARE_ROLES = ("holder", "authorized_user")


@dataclass(frozen=True)
class PhotoId:
    kind: str
    expires_on: date
    name_on_id: str


@dataclass(frozen=True)
class Attempt:
    """What the rep or portal presents; exactly the field the method needs is used."""

    interaction_id: str
    channel: Channel
    method: Method
    secret: str | None = None
    photo_id: PhotoId | None = None
    called_number: str | None = None
    contract_reference: str | None = None


@dataclass(frozen=True)
class Outcome:
    authentication_id: int
    interaction_id: str
    passed: bool
    scopes: tuple[str, ...]
    rule: str
    reason: str
    reset_required: bool
    expires_at: datetime
    alternatives: tuple[str, ...] = field(default=())


def current_credential(uow: UnitOfWork, account_id: int, person_id: int, kind: str) -> Credential | None:
    return uow.session.scalars(
        select(Credential).where(
            Credential.account_id == account_id,
            Credential.person_id == person_id,
            Credential.kind == kind,
            Credential.replaced_at.is_(None),
        )
    ).first()


def account_for(person: Person, account_number: str | None) -> Account:
    """The account the caller speaks for: the one named, else the one they hold."""
    memberships = [m for m in person.roles if account_number is None or m.account.number == account_number]
    if not memberships:
        raise CpniError(f"person {person.id} is not on account {account_number}")
    chosen = next((m for m in memberships if m.role == "holder"), memberships[0])
    return chosen.account


def lawful_alternatives(person: Person, account: Account, on: date) -> tuple[str, ...]:
    found = of_record(person, account, on)
    out = [f"send call detail to the address of record ({c.masked})" for c in found if c.kind in ("email", "postal")]
    out += [f"call back the number of record {mask(c.value)}" for c in found if c.kind == "phone"]
    return tuple(out)


def authenticate(uow: UnitOfWork, person: Person, account: Account, attempt: Attempt) -> Outcome:
    """Check one attempt, record it for the interaction, and say what it unlocks."""
    if not attempt.interaction_id.strip():
        raise CpniError("interaction_id: name the call, session or visit this authentication belongs to")
    allowed = scopes_for(attempt.channel, attempt.method)
    if allowed is None:
        methods = ", ".join(m.value for m in SCOPES[attempt.channel])
        raise CpniError(f"method: {attempt.method.value} cannot authenticate on {attempt.channel.value} (allowed: {methods})")
    role = next((m.role for m in person.roles if m.account_id == account.id), None)
    now = uow.now()
    if attempt.method is Method.BUSINESS_CONTRACT:
        passed, rule, reason = _business(account, attempt)
    elif role not in CARE_ROLES:
        passed, rule, reason = (
            False,
            "CPNI-15",
            f"a {role} of the account may not receive CPNI; only the holder or an authorized user",
        )
    else:
        passed, rule, reason = _check(uow, person, account, attempt, now)
    rule = rule or RULE_FOR_CHANNEL[attempt.channel]
    password = current_credential(
        uow, account.id, person.id, "online_password" if attempt.channel is Channel.ONLINE else "password"
    )
    reset = password is not None and password.reset_required_at is not None
    scopes = tuple(sorted(s.value for s in allowed)) if passed else ()
    if passed and reset and attempt.method not in RESET_METHODS:
        scopes = tuple(s for s in scopes if s != Scope.CREDENTIAL_SETUP.value)
    row = Authentication(
        interaction_id=attempt.interaction_id,
        account_id=account.id,
        person_id=person.id,
        channel=attempt.channel.value,
        method=attempt.method.value,
        passed=passed,
        scopes=list(scopes),
        reason=reason,
        rule=rule,
        at=now,
        expires_at=now + SESSION[attempt.channel],
        actor=uow.actor,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.record(
        "cpni.authenticated",
        f"person:{person.id}",
        account=account.number,
        interaction=attempt.interaction_id,
        channel=attempt.channel.value,
        method=attempt.method.value,
        passed=passed,
        rule=rule,
        scopes=list(scopes),
    )
    alternatives = () if Scope.CALL_DETAIL.value in scopes else lawful_alternatives(person, account, now.date())
    return Outcome(row.id, row.interaction_id, passed, scopes, rule, reason, reset, row.expires_at, alternatives)


def _business(account: Account, attempt: Attempt) -> tuple[bool, str, str]:
    if not (account.type == "business" and account.dedicated_rep and account.cpni_contract):
        return (
            False,
            "CPNI-21",
            "only a business account with a dedicated representative and a contract addressing CPNI may use its contract's method",
        )
    if not (attempt.contract_reference or "").strip():
        return False, "CPNI-21", "name the contract clause whose authentication method was followed"
    return True, "CPNI-21", f"authenticated under the account's CPNI contract ({attempt.contract_reference})"


def _check(uow: UnitOfWork, person: Person, account: Account, attempt: Attempt, now: datetime) -> tuple[bool, str, str]:
    method = attempt.method
    if method is Method.PASSWORD:
        kind = "online_password" if attempt.channel is Channel.ONLINE else "password"
        return _secret(uow, account, person, kind, attempt.secret, now)
    if method is Method.BACKUP_ANSWER:
        return _backup(uow, account, person, attempt, now)
    if method is Method.PIN:
        return _pin(uow, account, person, attempt, now)
    if method is Method.NUMBER_OF_RECORD:
        return _number(person, account, attempt.called_number, now.date())
    return _photo(person, attempt.photo_id, now.date())


def _secret(
    uow: UnitOfWork, account: Account, person: Person, kind: str, secret: str | None, now: datetime
) -> tuple[bool, str, str]:
    rule = "CPNI-17" if kind == "online_password" else "CPNI-15"
    if not secret:
        raise CpniError("secret: the password is required for this method")
    cred = current_credential(uow, account.id, person.id, kind)
    if cred is None:
        return (
            False,
            rule,
            f"no {kind.replace('_', ' ')} is set up; use a PIN to a contact of record, a call back, or send to the address of record",
        )
    if cred.reset_required_at is not None:
        return (
            False,
            "CPNI-19",
            "password and backup failed earlier: a new password must be set up first (PIN, call back or photo ID)",
        )
    if cred.setup_method not in CLEAN_SETUP:
        return False, "CPNI-19", "this password was set up with biographical or account prompts and cannot unlock CPNI"
    if verify_secret(secret, cred.secret_hash):
        cred.failures = 0
        return True, rule, "password verified"
    cred.failures += 1
    if cred.failures >= RESET_AFTER_FAILURES:
        cred.reset_required_at = now
        return False, "CPNI-19", f"{cred.failures} failed attempts: a new password must be set up"
    return False, rule, "the password does not match"


def _backup(uow: UnitOfWork, account: Account, person: Person, attempt: Attempt, now: datetime) -> tuple[bool, str, str]:
    if not attempt.secret:
        raise CpniError("secret: the backup answer is required for this method")
    password = current_credential(uow, account.id, person.id, "password")
    if password is not None and password.reset_required_at is not None:
        return (
            False,
            "CPNI-19",
            "password and backup failed earlier: a new password must be set up first (PIN, call back or photo ID)",
        )
    cred = current_credential(uow, account.id, person.id, "backup_answer")
    if cred is None:
        return False, "CPNI-19", "no backup answer is set up"
    if verify_secret(normalise_answer(attempt.secret), cred.secret_hash):
        cred.failures = 0
        return True, "CPNI-19", "backup answer verified"
    cred.failures += 1
    failed_password = uow.session.scalars(
        select(Authentication.id).where(
            Authentication.interaction_id == attempt.interaction_id,
            Authentication.person_id == person.id,
            Authentication.method == Method.PASSWORD.value,
            Authentication.passed.is_(False),
        )
    ).first()
    if password is not None and (failed_password is not None or password.failures > 0):
        password.reset_required_at = now
        return False, "CPNI-19", "password and backup answer both failed: a new password must be set up"
    return False, "CPNI-19", "the backup answer does not match"


def _pin(uow: UnitOfWork, account: Account, person: Person, attempt: Attempt, now: datetime) -> tuple[bool, str, str]:
    if not attempt.secret:
        raise CpniError("secret: the PIN is required for this method")
    pin = uow.session.scalars(
        select(Pin)
        .where(Pin.interaction_id == attempt.interaction_id, Pin.account_id == account.id, Pin.person_id == person.id)
        .order_by(Pin.id.desc())
    ).first()
    if pin is None or pin.used_at is not None or pin.expires_at <= now:
        return False, "CPNI-19", "no unused, unexpired PIN was sent in this interaction"
    if not verify_secret(attempt.secret.strip(), pin.code_hash):
        return False, "CPNI-19", "the PIN does not match"
    pin.used_at = now
    return True, "CPNI-19", f"PIN sent to the {pin.destination_kind} of record was read back"


def _number(person: Person, account: Account, called: str | None, on: date) -> tuple[bool, str, str]:
    if not called:
        raise CpniError("called_number: give the number the rep called back")
    try:
        number = normalize_phone(called)
    except InvalidIdentity as exc:
        raise CpniError(f"called_number: {exc}") from None
    if number in numbers_of_record(person, account, on):
        return True, "CPNI-15", "called back the telephone number of record"
    return False, "CPNI-16", "that number is not a number of record (or has been on the account fewer than 30 days)"


def _photo(person: Person, photo: PhotoId | None, on: date) -> tuple[bool, str, str]:
    if photo is None:
        raise CpniError("photo_id: describe the photo ID presented")
    if photo.kind not in PHOTO_IDS:
        return False, "CPNI-18", f"{photo.kind} is not a government-issued photo ID ({', '.join(sorted(PHOTO_IDS))})"
    if photo.expires_on < on:
        return False, "CPNI-18", "the photo ID has expired"
    if not same_name(photo.name_on_id, person.full_name):
        return False, "CPNI-18", "the name on the photo ID does not match the account"
    return True, "CPNI-18", "valid photo ID matching the account"


def passing_authentication(
    uow: UnitOfWork, interaction_id: str, person_id: int, scope: Scope, at: datetime
) -> Authentication | None:
    """The latest pass in this interaction, for this person, that unlocks `scope` and has not expired."""
    rows = uow.session.scalars(
        select(Authentication)
        .where(
            Authentication.interaction_id == interaction_id,
            Authentication.person_id == person_id,
            Authentication.passed.is_(True),
            Authentication.expires_at > at,
            Authentication.at <= at,
        )
        .order_by(Authentication.id.desc())
    )
    return next((a for a in rows if scope.value in a.scopes), None)
