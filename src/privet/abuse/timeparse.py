"""Tolerant timestamps: what real complainants send is often not ISO 8601.

ACNS senders write `2015-09-04T13:19:53.000Z`, `2015-09-04 13:19:53`, `09/04/2015 13:19:53 UTC`
or `Fri Sep 04 13:19:53 UTC 2015`; ARF carries RFC 5322 dates with comments; people type
"Sep 4 2015 1:19 PM EST". Every result is timezone-aware UTC. A time given without a zone is
read as UTC and reported as `assumed_utc`, so the desk can see the attribution leaned on it.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

# US zone abbreviations complainants use; anything else unknown is treated as UTC (and flagged).
_ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0, "UT": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "CET": 1, "CEST": 2, "BST": 1,
}  # fmt: skip
_ZONE_SUFFIX = re.compile(r"\s*\(?\b(" + "|".join(_ZONES) + r")\)?\s*$", re.I)
_FORMATS = (
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%d.%m.%Y %H:%M:%S",
    "%d-%m-%Y %H:%M:%S",
    "%b %d %Y %H:%M:%S",
    "%b %d %Y %I:%M %p",
    "%b %d, %Y %H:%M:%S",
    "%b %d, %Y %I:%M %p",
    "%B %d, %Y %H:%M:%S",
    "%B %d, %Y %I:%M %p",
    "%d %b %Y %H:%M:%S",
    "%a %b %d %H:%M:%S %Y",
)
MIN_YEAR = 1990


@dataclass(frozen=True)
class ParsedTime:
    at: datetime
    assumed_utc: bool


def parse_time(text: str | None) -> ParsedTime | None:
    """The instant `text` names, or None when it names none this parser knows."""
    if text is None:
        return None
    raw = " ".join(text.split())
    if not raw or len(raw) > 80:
        return None
    found = _epoch(raw) or _iso(raw) or _rfc5322(raw) or _formats(raw)
    if found is None or found.at.year < MIN_YEAR:
        return None
    return found


def _aware(value: datetime, assumed: bool) -> ParsedTime:
    if value.tzinfo is None:
        return ParsedTime(value.replace(tzinfo=UTC), True)
    return ParsedTime(value.astimezone(UTC), assumed)


def _epoch(raw: str) -> ParsedTime | None:
    if not re.fullmatch(r"\d{9,13}", raw):
        return None
    seconds = int(raw) / (1000 if len(raw) == 13 else 1)
    return ParsedTime(datetime.fromtimestamp(seconds, UTC), False)


def _iso(raw: str) -> ParsedTime | None:
    candidate = re.sub(r"\s*(UTC|GMT)$", "+00:00", raw, flags=re.I)
    try:
        return _aware(datetime.fromisoformat(candidate), False)
    except ValueError:
        return None


def _rfc5322(raw: str) -> ParsedTime | None:
    if not re.search(r"[A-Za-z]{3}", raw) or re.search(r"\d\s*[AP]M\b", raw, re.I):
        return None  # no month name, or a 12-hour clock the RFC 5322 parser would misread
    try:
        value = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # "-0000" means "UTC, origin zone unknown" (RFC 5322 3.3): UTC, not an assumption.
    return ParsedTime(value.replace(tzinfo=UTC), False) if value.tzinfo is None else _aware(value, False)


def _formats(raw: str) -> ParsedTime | None:
    offset: timezone | None = None
    zone = _ZONE_SUFFIX.search(raw)
    body = raw
    if zone:
        offset = timezone(timedelta(hours=_ZONES[zone.group(1).upper()]))
        body = raw[: zone.start()].strip()
    body = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", body)
    for fmt in _FORMATS:
        try:
            value = datetime.strptime(body, fmt)
        except ValueError:
            continue
        if offset is not None:
            return ParsedTime(value.replace(tzinfo=offset).astimezone(UTC), False)
        return ParsedTime(value.replace(tzinfo=UTC), True)
    return None


def to_epoch(at: datetime) -> int:
    """Whole seconds since 1970 UTC: how the assignment index stores instants."""
    return int(at.astimezone(UTC).timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
