"""The CPNI authentication rules as data (47 CFR 64.2010; rules CPNI-15 to CPNI-21). Pure, no I/O.

Which method may authenticate on which channel, and what a passing authentication lets the rep
disclose (its scopes): call detail only after a password on a customer-initiated call, a call
back to the number of record, a password online, or a matching photo ID in a store (CPNI-15,
-17, -18). A backup answer or a one-time PIN authenticates for other CPNI and for setting a new
password, never for call detail by phone. Business accounts with a dedicated representative and
a contract addressing CPNI may use the contract's method (CPNI-21).

Biographical and account prompts are named here once, so that backup questions, setup and
every authentication path refuse the same list (CPNI-19).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum

OF_RECORD_AFTER = timedelta(days=30)
RESET_AFTER_FAILURES = 5


class Channel(StrEnum):
    INBOUND_CALL = "inbound_call"
    CALL_BACK = "call_back"
    ONLINE = "online"
    IN_STORE = "in_store"


class Method(StrEnum):
    PASSWORD = "password"
    BACKUP_ANSWER = "backup_answer"
    PIN = "pin"
    NUMBER_OF_RECORD = "number_of_record"
    PHOTO_ID = "photo_id"
    BUSINESS_CONTRACT = "business_contract"


class Scope(StrEnum):
    CALL_DETAIL = "call_detail"
    CPNI = "cpni"
    CREDENTIAL_SETUP = "credential_setup"


ALL = frozenset(Scope)
NO_CALL_DETAIL = frozenset({Scope.CPNI, Scope.CREDENTIAL_SETUP})

SCOPES: dict[Channel, dict[Method, frozenset[Scope]]] = {
    Channel.INBOUND_CALL: {
        Method.PASSWORD: ALL,
        Method.BACKUP_ANSWER: NO_CALL_DETAIL,
        Method.PIN: NO_CALL_DETAIL,
        Method.BUSINESS_CONTRACT: ALL,
    },
    Channel.CALL_BACK: {Method.NUMBER_OF_RECORD: ALL, Method.BUSINESS_CONTRACT: ALL},
    Channel.ONLINE: {
        Method.PASSWORD: ALL,
        Method.BACKUP_ANSWER: frozenset({Scope.CREDENTIAL_SETUP}),
        Method.PIN: frozenset({Scope.CREDENTIAL_SETUP}),
    },
    Channel.IN_STORE: {Method.PHOTO_ID: ALL, Method.BUSINESS_CONTRACT: ALL},
}

RULE_FOR_CHANNEL = {
    Channel.INBOUND_CALL: "CPNI-15",
    Channel.CALL_BACK: "CPNI-15",
    Channel.ONLINE: "CPNI-17",
    Channel.IN_STORE: "CPNI-18",
}

SESSION = {
    Channel.INBOUND_CALL: timedelta(hours=2),
    Channel.CALL_BACK: timedelta(hours=2),
    Channel.ONLINE: timedelta(minutes=30),
    Channel.IN_STORE: timedelta(hours=2),
}

# Methods whose passing authentication may establish a password (64.2010(e)): none asks for
# biographical or account data. A password set up any other way never unlocks call detail.
CLEAN_SETUP = frozenset({m.value for m in Method} | {"service_initiation"})
# After a failed password and backup, a new password is set up only through one of these.
RESET_METHODS = frozenset({Method.PIN, Method.NUMBER_OF_RECORD, Method.PHOTO_ID, Method.BUSINESS_CONTRACT})

PHOTO_IDS = frozenset(
    {"drivers_license", "state_id", "passport", "passport_card", "military_id", "tribal_id", "permanent_resident_card"}
)

FORBIDDEN_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("social security number", re.compile(r"social\s*security|\bssn\b|last\s*(4|four)\b|\btax\s*id")),
    ("date of birth", re.compile(r"\bbirth|\bborn\b|\bdob\b|\bbirthday")),
    ("mother's maiden name", re.compile(r"maiden")),
    ("home address", re.compile(r"home\s*address|\bstreet\b|where\s+do\s+you\s+live|\bzip\b|postal\s*code|\baddress\b")),
    ("account number", re.compile(r"account\s*(number|no\b|#)|\bacct\b")),
    ("telephone number", re.compile(r"(phone|telephone|mobile|cell)\s*number")),
    ("bill amount", re.compile(r"\bbill(ed|ing)?\b|amount\s+due|last\s+payment|\binvoice")),
)


def scopes_for(channel: Channel, method: Method) -> frozenset[Scope] | None:
    """What a pass by `method` on `channel` allows; None when the method is not allowed there."""
    return SCOPES[channel].get(method)


def forbidden_topic(prompt: str) -> str | None:
    """The biographical or account topic a question asks about, or None when it asks about neither."""
    text = prompt.casefold()
    return next((name for name, pattern in FORBIDDEN_TOPICS if pattern.search(text)), None)


def is_of_record(since: date, on: date) -> bool:
    """An address or number counts as of record once it has been on the account 30 days (CPNI-16)."""
    return on - since >= OF_RECORD_AFTER


def needed_scope(categories: tuple[str, ...]) -> Scope | None:
    """The scope a disclosure of these categories needs: call detail (and call location), other CPNI, or none."""
    from privet.policy.taxonomy import is_within

    def touches(key: str) -> bool:
        return any(is_within(c, key) or is_within(key, c) for c in categories)

    if touches("user.telecom.cpni.call_detail") or touches("user.telecom.cpni.location"):
        return Scope.CALL_DETAIL
    return Scope.CPNI if touches("user.telecom.cpni") else None


def same_name(a: str, b: str) -> bool:
    """Names compared as a rep would: case, punctuation and spacing ignored."""

    def norm(s: str) -> str:
        return " ".join(re.sub(r"[^\w\s]", " ", s.casefold()).split())

    return bool(norm(a)) and norm(a) == norm(b)


def mask(value: str) -> str:
    """Enough of an address or number for the rep to name it, not enough to disclose it."""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 7 and len(digits) >= len(value) // 2:
        return f"***-{digits[-4:]}"
    words = value.split()
    return f"{words[0]} ***" if words else "***"
