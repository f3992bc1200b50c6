"""Turning raw bytes into a `ParsedNotice`, whatever form they arrived in.

Bare XML is ACNS, a bare JSON object is X-ARF, anything with header fields is an email whose
parts are searched in order of how much they can be trusted: an ARF feedback report, an ACNS
attachment, ACNS inline in the letter (PGP-signed or not), an X-ARF attachment, and finally the
letter itself as a plain-text complaint. Everything that fails is `Refused` with a reason.
"""

from __future__ import annotations

from email.message import Message

from privet.abuse.addresses import clean_ip
from privet.abuse.parse import acns, arf, mime, text, xarf
from privet.abuse.parse.model import ParsedNotice, Refused
from privet.abuse.settings import AbuseSettings

__all__ = ["ParsedNotice", "Refused", "parse_notice"]

_XML_TYPES = ("application/xml", "text/xml", "application/acns+xml")
_JSON_TYPES = ("application/json", "application/x-xarf+json", "application/xarf+json")


def parse_notice(raw: bytes, settings: AbuseSettings) -> ParsedNotice:
    if len(raw) > settings.max_message_bytes:
        raise Refused(f"the notice is {len(raw)} bytes, more than the {settings.max_message_bytes} allowed")
    if not raw.strip():
        raise Refused("the notice is empty")
    body = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body.startswith(b"<"):
        return acns.parse_acns(body)
    if body.startswith((b"{", b"[")):
        return xarf.parse_xarf(body)
    if b"\x00" in raw[:4096]:
        raise Refused("the notice is binary data, not an email, XML or JSON report")
    if mime.looks_like_email(raw):
        return _parse_email(mime.read_message(raw, settings), settings)
    return text.parse_text(raw.decode("utf-8", errors="replace"))


def _parse_email(message: Message, settings: AbuseSettings) -> ParsedNotice:
    notice = arf.parse_arf(message, settings) if arf.is_arf(message) else _from_parts(message, settings)
    _envelope(notice, message)
    return notice


def _from_parts(message: Message, settings: AbuseSettings) -> ParsedNotice:
    xml_parts: list[bytes] = []
    json_parts: list[bytes] = []
    letters: list[str] = []
    for part in mime.walk(message, settings):
        if part.is_multipart():
            continue
        kind, name = part.get_content_type(), mime.filename(part)
        if kind in _XML_TYPES or name.endswith(".xml"):
            xml_parts.append(mime.part_bytes(part))
        elif kind in _JSON_TYPES or name.endswith(".json"):
            json_parts.append(mime.part_bytes(part))
        elif part.get_content_maintype() in ("text", "multipart") and not name:  # a multipart without parts is broken text
            letters.append(mime.part_text(part))
    letter = "\n\n".join(letters)
    notice = _structured(xml_parts, json_parts, letter)
    if notice is None:
        return text.parse_text(letter, ParsedNotice(format="text", subject=mime.header(message, "Subject")))
    notice.letter = "\n\n".join(t for t in (letter, notice.letter) if t)
    return notice


def _structured(xml_parts: list[bytes], json_parts: list[bytes], letter: str) -> ParsedNotice | None:
    for data in xml_parts:
        if b"nfringement" in data:
            return acns.parse_acns(data)
    inline = acns.find_inline(letter)
    if inline:
        return acns.parse_acns(inline)
    for data in json_parts:
        return xarf.parse_xarf(data)
    stripped = letter.lstrip()
    if stripped.startswith("{") and xarf.is_xarf(xarf.load_json(stripped)):
        return xarf.parse_xarf(stripped)
    return None


def _envelope(notice: ParsedNotice, message: Message) -> None:
    """Facts from the email itself: Message-ID, subject, and where a reply should go."""
    notice.message_id = mime.header(message, "Message-ID", 300)
    notice.subject = notice.subject or mime.header(message, "Subject", 500)
    sender = _address(mime.header(message, "Reply-To")) or _address(mime.header(message, "From"))
    notice.reply_to = notice.reply_to or notice.complainant_email or sender
    notice.complainant_email = notice.complainant_email or sender
    if notice.complainant is None:
        notice.complainant = _display_name(mime.header(message, "From")) or notice.sender_key
    if notice.source_ip is not None:
        notice.source_ip = clean_ip(notice.source_ip)


def _address(value: str | None) -> str | None:
    from email.utils import parseaddr

    if not value:
        return None
    _, address = parseaddr(value)
    return address.lower() if "@" in address and len(address) <= 320 else None


def _display_name(value: str | None) -> str | None:
    from email.utils import parseaddr

    if not value:
        return None
    name, _ = parseaddr(value)
    return name.strip() or None
