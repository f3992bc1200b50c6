"""Normalising identities so the same person is found whichever form they give.

"Jane@Example.COM " and "jane@example.com" are one email; "(555) 010-0199", "555.010.0199"
and "+1 555 010 0199" are one North American number.
"""

from __future__ import annotations

import re
from enum import StrEnum


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    ACCOUNT_NUMBER = "account_number"
    USERNAME = "username"


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_ACCOUNT_SEPARATORS = re.compile(r"[\s\-]")
_ACCOUNT = re.compile(r"[A-Z0-9]{3,64}")
_USERNAME = re.compile(r"[a-z0-9._\-]{1,64}")
_NON_DIGITS = re.compile(r"\D")


class InvalidIdentity(ValueError):
    pass


def normalize(kind: IdentityKind | str, value: str) -> str:
    """The canonical form of an identity, or InvalidIdentity saying why it is not one."""
    kind = IdentityKind(kind)
    raw = value.strip()
    if not raw:
        raise InvalidIdentity(f"an empty {kind.value} is not an identity")
    if kind is IdentityKind.EMAIL:
        email = raw.lower()
        if not _EMAIL.match(email) or len(email) > 320:
            raise InvalidIdentity(f"'{value}' is not an email address")
        return email
    if kind is IdentityKind.PHONE:
        return normalize_phone(raw)
    if kind is IdentityKind.ACCOUNT_NUMBER:
        number = _ACCOUNT_SEPARATORS.sub("", raw).upper()
        if not _ACCOUNT.fullmatch(number):
            raise InvalidIdentity(f"'{value}' is not an account number (letters and digits only)")
        return number
    username = raw.lower()
    if not _USERNAME.fullmatch(username):
        raise InvalidIdentity(f"'{value}' is not a username (letters, digits, '.', '_' and '-')")
    return username


def normalize_phone(value: str) -> str:
    """E.164 for North American numbers; other international numbers keep their country code."""
    digits = _NON_DIGITS.sub("", value)
    if value.strip().startswith("+") and not digits.startswith("1"):
        if 8 <= len(digits) <= 15:
            return "+" + digits
        raise InvalidIdentity(f"'{value}' is not a phone number")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01":
        raise InvalidIdentity(f"'{value}' is not a 10-digit North American phone number")
    return "+1" + digits
