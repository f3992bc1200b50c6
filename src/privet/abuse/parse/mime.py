"""Reading email defensively: bounded size, bounded nesting, headers that may be malformed.

The standard library parser is used in its lenient `compat32` mode, which records defects
instead of raising, but two attacks still need a guard before and around it: a message nested
hundreds of levels deep (the parser recurses; we count nesting declarations first and catch
`RecursionError` anyway) and a message with thousands of parts (we walk iteratively and stop
at `max_mime_parts`). Nothing is ever decompressed, so there is no archive bomb to defuse.
"""

from __future__ import annotations

import contextlib
import email
import re
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import Message
from email.policy import compat32

from privet.abuse.parse import fastmime
from privet.abuse.parse.model import Refused
from privet.abuse.settings import AbuseSettings

_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:", re.M)
_NESTING = re.compile(rb"^content-type:\s*(multipart|message)/", re.I | re.M)
_TAGS = re.compile(r"<[^>]{0,2000}>")
MAX_TEXT = 512 * 1024


def looks_like_email(raw: bytes) -> bool:
    """True when the bytes start with header fields (`Name: value` lines)."""
    head = raw[:2048].lstrip(b"\r\n")
    return bool(_HEADER_LINE.match(head))


def read_message(raw: bytes, settings: AbuseSettings) -> Message:
    head_end = raw.find(b"\n\n")
    head_end_crlf = raw.find(b"\r\n\r\n")
    ends = [e for e in (head_end, head_end_crlf) if e >= 0]
    header_size = min(ends) if ends else len(raw)
    if header_size > settings.max_header_bytes:
        raise Refused(f"the header section is {header_size} bytes, more than the {settings.max_header_bytes} allowed")
    declared = len(_NESTING.findall(raw))
    if declared > settings.max_mime_parts:
        raise Refused(f"the message declares {declared} nested MIME containers, more than the {settings.max_mime_parts} allowed")
    fast = fastmime.parse(raw, settings)
    if fast is not None:
        return fast
    try:
        return email.message_from_bytes(raw, policy=compat32)
    except RecursionError:
        raise Refused("the MIME structure is nested too deeply to read") from None
    except Exception as exc:  # the lenient parser should not raise; refuse if it does
        raise Refused(f"the message cannot be read as MIME: {exc.__class__.__name__}") from None


def walk(message: Message, settings: AbuseSettings) -> Iterator[Message]:
    """Every leaf and container part, depth first, refusing deeper than `max_mime_depth` or more than `max_mime_parts`."""
    stack: list[tuple[Message, int]] = [(message, 0)]
    seen = 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > settings.max_mime_parts:
            raise Refused(f"the message has more than {settings.max_mime_parts} MIME parts")
        if depth > settings.max_mime_depth:
            raise Refused(f"MIME parts are nested more than {settings.max_mime_depth} levels deep")
        yield part
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend((child, depth + 1) for child in reversed(payload) if isinstance(child, Message))


def header(message: Message, name: str, limit: int = 998) -> str | None:
    """A header decoded to one line of text (RFC 2047 words decoded), or None when absent or unreadable."""
    try:
        value = message.get(name)
    except Exception:
        return None
    if value is None:
        return None
    text = str(value)
    if "=?" in text:  # RFC 2047 encoded words; decoding them is slow, so only when present
        with contextlib.suppress(Exception):
            text = str(make_header(decode_header(text)))
    text = " ".join(text.split())
    return text[:limit] or None


def part_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        return b""
    return payload if isinstance(payload, bytes) else b""


def part_text(part: Message) -> str:
    """A leaf part's text in its declared charset (UTF-8, then Latin-1, when that is unknown or wrong)."""
    data = part_bytes(part)[:MAX_TEXT]
    charset = part.get_content_charset() or "utf-8"
    try:
        text = data.decode(charset)
    except (LookupError, UnicodeDecodeError):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    if part.get_content_subtype() == "html":
        text = _TAGS.sub(" ", text)
    return text


def filename(part: Message) -> str:
    try:
        return (part.get_filename() or "").lower()
    except Exception:
        return ""
