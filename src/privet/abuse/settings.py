"""Abuse-desk settings that are operational rather than promises, read from `PRIVET_ABUSE_*`.

The policy pack says *what* counts (prohibitions, ladder, copyright program); these say how the
desk runs: how much clock skew to allow between a complainant's clock and ours, how big a
notice may be, how old a notice may be before we answer "too old", how far apart two notices
must be to count as separate strikes, and how long a temporary suspension lasts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import timedelta

MiB = 1024 * 1024


@dataclass(frozen=True)
class AbuseSettings:
    skew: timedelta = timedelta(seconds=120)
    max_message_bytes: int = 10 * MiB
    max_mime_parts: int = 200
    max_mime_depth: int = 8
    max_header_bytes: int = 256 * 1024
    max_notice_age: timedelta = timedelta(days=365)
    strike_spacing: timedelta = timedelta(hours=24)
    suspension: timedelta = timedelta(days=7)
    reminder_first_kinds: frozenset[str] = field(default_factory=lambda: frozenset({"open_wifi"}))
    no_reply_formats: frozenset[str] = field(default_factory=lambda: frozenset({"arf"}))

    @classmethod
    def from_env(cls) -> AbuseSettings:
        """Defaults overridden by `PRIVET_ABUSE_SKEW_SECONDS`, `..._MAX_MESSAGE_BYTES`, `..._MAX_NOTICE_AGE_DAYS`,
        `..._STRIKE_SPACING_HOURS` and `..._SUSPENSION_DAYS`; a bad value is an error, never ignored."""
        base = cls()
        changes: dict[str, object] = {}
        for name, attr, unit in (
            ("SKEW_SECONDS", "skew", "seconds"),
            ("MAX_NOTICE_AGE_DAYS", "max_notice_age", "days"),
            ("STRIKE_SPACING_HOURS", "strike_spacing", "hours"),
            ("SUSPENSION_DAYS", "suspension", "days"),
        ):
            raw = os.environ.get(f"PRIVET_ABUSE_{name}")
            if raw:
                changes[attr] = timedelta(**{unit: _non_negative(name, raw)})
        raw = os.environ.get("PRIVET_ABUSE_MAX_MESSAGE_BYTES")
        if raw:
            changes["max_message_bytes"] = int(_non_negative("MAX_MESSAGE_BYTES", raw))
        return replace(base, **changes)  # type: ignore[arg-type]


def _non_negative(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"PRIVET_ABUSE_{name} must be a number, not {raw!r}") from None
    if value < 0:
        raise ValueError(f"PRIVET_ABUSE_{name} must not be negative")
    return value
