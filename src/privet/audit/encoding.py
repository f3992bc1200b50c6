"""The byte-exact encodings the chain hashes: canonical JSON, canonical time, the entry hash.

A hash is only evidence if anyone can recompute it from the stored row years later, on any
backend. So every value is reduced to one text form before hashing: JSON with sorted keys and
no whitespace, times as ISO-8601 UTC with microseconds, and the fields of an entry framed by
length so that no two different entries share an encoding ("ab"+"c" is not "a"+"bc").
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

GENESIS_HASH = "0" * 64
"""The prev_hash of entry 1: there is nothing before it."""

HASH_DOMAIN = b"privet.audit.entry.v1\n"
"""Prefixed to every entry encoding, so an entry hash can never collide with another use of SHA-256."""


_TIME_TEXT = "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ"
_LENGTH = struct.Struct(">Q").pack  # a field's length: 8 bytes, big-endian


def canonical_time(value: datetime) -> str:
    """`2026-11-22T18:04:29.527974Z`: always UTC, always microseconds, so one instant has one text."""
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("audit times must be timezone-aware")
        value = value.astimezone(UTC)
    return _TIME_TEXT % (value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return canonical_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"audit data cannot hold a {type(value).__name__}: record plain JSON values")


def canonical_json(data: Mapping[str, Any]) -> str:
    """JSON text that is the same for equal data: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default)


def entry_hash(seq: int, at: datetime, actor: str, action: str, subject: str | None, data: str, prev_hash: str) -> str:
    """SHA-256 (hex) of one entry, binding its position (seq), its content and its predecessor.

    Each field is framed as a presence byte, an 8-byte big-endian length and its UTF-8 bytes,
    so None and "" differ and no field can borrow bytes from its neighbour.
    """
    parts = [HASH_DOMAIN]
    for field in (str(seq), canonical_time(at), actor, action, subject, data, prev_hash):
        if field is None:
            parts.append(b"\x00")
        else:
            raw = field.encode("utf-8")
            parts += (b"\x01", _LENGTH(len(raw)), raw)
    return hashlib.sha256(b"".join(parts)).hexdigest()
