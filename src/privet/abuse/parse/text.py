"""Plain-text complaints: find an address, a port and a time, say how sure we are, and ask a person.

People write "I got spam from 203.0.113.7 at 3:14pm EST on March 3" or paste firewall logs with
a dozen addresses. The extraction is a best guess with a `confidence` between 0 and 1, and a
text complaint always goes to review: no strike is ever taken on a regular expression's word.
"""

from __future__ import annotations

import ipaddress
import re

from privet.abuse.kinds import violation_from_text
from privet.abuse.parse.model import ParsedNotice
from privet.abuse.timeparse import parse_time
from privet.subjects.identities import InvalidIdentity, normalize_phone

_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?(?![\d.])")
_IPV6 = re.compile(r"(?<![0-9A-Fa-f:])\[?([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})\]?(?::(\d{1,5}))?")
_PORT = re.compile(r"\b(?:source\s+port|src[_ ]?port|sport|port)\s*[:=#]?\s*(\d{1,5})\b", re.I)
_TIMES = (
    re.compile(
        r"\b\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT|[ECMP][SD]T))?", re.I
    ),
    re.compile(
        r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+\d{1,2}\s+\w{3}\s+\d{4}\s+\d{2}:\d{2}(?::\d{2})?\s*(?:[+-]\d{4}|\w{2,4})?", re.I
    ),
    re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?(?:\s*(?:UTC|GMT|[ECMP][SD]T))?", re.I),
    re.compile(
        r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4},?\s+\d{1,2}:\d{2}"
        r"(?::\d{2})?(?:\s*[AP]M)?(?:\s*(?:UTC|GMT|[ECMP][SD]T))?",
        re.I,
    ),
)
_FAX = re.compile(
    r"\b(?:fax(?:ed)?\s+(?:from|number|no\.?|#)?|from\s+fax)\s*:?\s*(\+?1?[\s.\-(]*\d{3}[\s.\-)]*\d{3}[\s.\-]*\d{4})", re.I
)
_URL = re.compile(r"https?://[^\s<>\"')]{3,2000}", re.I)
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+")
MAX_SCAN = 64 * 1024


def _addresses(text: str) -> list[tuple[str, int | None]]:
    found: list[tuple[str, int | None]] = []
    for pattern in (_IPV4, _IPV6):
        for match in pattern.finditer(text):
            try:
                address = ipaddress.ip_address(match.group(1))
            except ValueError:
                continue
            if address.is_loopback or address.is_unspecified or address.is_multicast:
                continue
            port = int(match.group(2)) if match.group(2) and 0 < int(match.group(2)) <= 65535 else None
            found.append((str(address), port))
    return found


def parse_text(text: str, notice: ParsedNotice | None = None) -> ParsedNotice:
    """Fill `notice` (or a new one) from free text, with a confidence, and flag it for review."""
    notice = notice or ParsedNotice(format="text")
    notice.format = "text"
    body = text[:MAX_SCAN]
    notice.letter = notice.letter or body
    notice.violation = notice.violation or violation_from_text(f"{notice.subject or ''}\n{body}")
    confidence = 0.0
    addresses = _addresses(body)
    distinct = list(dict.fromkeys(a for a, _ in addresses))
    if distinct:
        notice.source_ip = distinct[0]
        confidence += 0.4 if len(distinct) == 1 else 0.15
        notice.details["addresses_seen"] = distinct[:20]
    port = next((p for a, p in addresses if a == notice.source_ip and p), None)
    explicit = _PORT.search(body)
    notice.source_port = port or (int(explicit.group(1)) if explicit and 0 < int(explicit.group(1)) <= 65535 else None)
    if notice.source_port:
        confidence += 0.1
    for pattern in _TIMES:
        match = pattern.search(body)
        when = parse_time(match.group(0)) if match else None
        if when:
            notice.event_at, notice.time_assumed_utc = when.at, when.assumed_utc
            confidence += 0.15 if when.assumed_utc else 0.25
            break
    url = _URL.search(body)
    if url:
        notice.material_url = notice.material_url or url.group(0).rstrip(".,;")
        confidence += 0.2 if not distinct else 0.0
    fax = _FAX.search(body)
    if fax:
        try:
            notice.source_number = normalize_phone(fax.group(1))
            confidence += 0.3 if not distinct else 0.0
        except InvalidIdentity:
            pass
    if notice.violation:
        confidence += 0.15
    if not notice.complainant_email:
        email = _EMAIL.search(body)
        notice.complainant_email = email.group(0) if email else None
    notice.confidence = round(min(confidence, 0.95), 2)
    notice.flag(f"a plain-text complaint (extraction confidence {notice.confidence:.2f}) needs a person to confirm it")
    return notice
