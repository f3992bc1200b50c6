"""Hashing of CPNI passwords, backup answers and one-time PINs with scrypt.

scrypt is memory-hard, so a stolen table of hashes costs an attacker memory as well as time
per guess. Every hash carries its own parameters and salt (`scrypt$ln$r$p$salt$hash`), so the
cost can be raised later (`PRIVET_SCRYPT_LOG2_N`) without breaking stored hashes. Backup
answers are normalised first (case, spacing), because a customer who says "Rex" on the phone
should match "rex" typed at setup; passwords are not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata

DEFAULT_LOG2_N = 15  # N = 32768, r = 8: 32 MiB per hash
R, P = 8, 1
MIN_PASSWORD = 8
MAX_SECRET = 200


class WeakSecret(ValueError):
    """A password or answer privet will not store, with the reason."""


def _log2_n() -> int:
    raw = os.environ.get("PRIVET_SCRYPT_LOG2_N", "")
    value = int(raw) if raw.isdigit() else DEFAULT_LOG2_N
    return min(max(value, 10), 20)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _derive(secret: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    n = 1 << log2_n
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + (1 << 20), dklen=32)


def hash_secret(secret: str) -> str:
    """A self-describing scrypt hash of `secret` with a fresh random salt."""
    if not secret or len(secret) > MAX_SECRET:
        raise WeakSecret(f"a secret must be 1 to {MAX_SECRET} characters")
    log2_n = _log2_n()
    salt = os.urandom(16)
    return f"scrypt${log2_n}${R}${P}${_b64(salt)}${_b64(_derive(secret, salt, log2_n, R, P))}"


def verify_secret(secret: str, stored: str) -> bool:
    """True when `secret` hashes to `stored`; compared in constant time. A malformed hash never matches."""
    try:
        scheme, ln, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt" or len(secret) > MAX_SECRET:
            return False
        derived = _derive(secret, _unb64(salt), int(ln), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(derived, _unb64(digest))


def normalise_answer(answer: str) -> str:
    """A backup answer as compared: Unicode-normalised, case-folded, spacing collapsed."""
    folded = unicodedata.normalize("NFKC", answer).casefold()
    return re.sub(r"\s+", " ", folded).strip()


def check_password(password: str) -> None:
    """Refuse passwords too short to resist guessing over the phone or online."""
    if len(password) < MIN_PASSWORD:
        raise WeakSecret(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_SECRET:
        raise WeakSecret(f"a password may have at most {MAX_SECRET} characters")
    if len(set(password)) < 3:
        raise WeakSecret("a password must not repeat one or two characters")
