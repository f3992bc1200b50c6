"""ACNS 2 (`<Infringement>`) notices, as an attachment, inline between markers, or bare.

Real senders bend the schema: an `&` left unescaped in a title, timestamps that are not ISO
8601, the namespace missing or misspelt, the XML pasted into a PGP clear-signed body whose
dash-escaping turns `---Start ACNS XML` into `- - ---Start ACNS XML`. All of that is accepted.
What is refused is XML that declares a DTD or entities (billion-laughs and external-entity
attacks): `defusedxml` with `forbid_dtd=True`, since no ACNS notice needs a DTD.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]  # no stubs pinned; wrapped in load_xml
from defusedxml import DefusedXmlException

from privet.abuse.addresses import clean_ip
from privet.abuse.parse.model import ParsedNotice, Refused
from privet.abuse.timeparse import parse_time

_START = re.compile(r"^-*\s*start\s+acns\s+xml\s*-*\s*$", re.I | re.M)
_END = re.compile(r"^-*\s*end\s+acns\s+xml\s*-*\s*$", re.I | re.M)
_BARE = re.compile(r"(<\?xml[^>]{0,200}\?>\s*)?<(\w+:)?Infringement\b.*?</(\w+:)?Infringement\s*>", re.S)
_LONE_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});)")
_DECLARED = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]{1,40})[\"']")


def undash(text: str) -> str:
    """Undo PGP clear-signature dash-escaping (RFC 4880 7.1), however many times it was applied."""
    lines = []
    for line in text.splitlines():
        while line.startswith("- "):
            line = line[2:]
        lines.append(line)
    return "\n".join(lines)


def find_inline(text: str) -> str | None:
    """The ACNS XML in a letter: between Start/End markers, else the first `<Infringement>` element."""
    if "infringement" not in text.lower():
        return None
    plain = undash(text)
    start = _START.search(plain)
    if start:
        end = _END.search(plain, start.end())
        block = plain[start.end() : end.start() if end else len(plain)]
        if "<" in block:
            return block.strip()
    bare = _BARE.search(plain)
    return bare.group(0) if bare else None


def _to_text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    declared = _DECLARED.match(data)
    encoding = declared.group(1).decode() if declared else "utf-8"
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return data.decode("utf-8", errors="replace")


def load_xml(data: bytes | str) -> Element:
    """Parse with every XML attack refused; mend unescaped `&` once before giving up on well-formedness."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", _to_text(data).lstrip("\ufeff"), count=1)
    for attempt in (text, _LONE_AMP.sub("&amp;", text)):
        try:
            root: Element = SafeET.fromstring(attempt, forbid_dtd=True, forbid_entities=True, forbid_external=True)
            return root
        except DefusedXmlException as exc:
            raise Refused(
                f"the XML declares a DTD or entities ({exc.__class__.__name__}); refused as a possible entity attack"
            ) from None
        except ParseError as exc:
            error = str(exc)
        except RecursionError:
            raise Refused("the XML is nested too deeply to read") from None
    raise Refused(f"the XML is not well-formed: {error}")


@functools.lru_cache(maxsize=256)
def _local(tag: str) -> str:
    return tag.rpartition("}")[2].rpartition(":")[2].lower()


def _child(node: Element | None, *path: str) -> Element | None:
    for name in path:
        if node is None:
            return None
        wanted = name.lower()
        node = next((c for c in node if _local(c.tag) == wanted), None)
    return node


def _text(node: Element | None, *path: str) -> str | None:
    found = _child(node, *path)
    if found is None or found.text is None:
        return None
    value = " ".join(found.text.split())
    return value or None


def parse_acns(data: bytes | str) -> ParsedNotice:
    root = load_xml(data)
    name = root.tag.rpartition("}")[2]
    if _local(root.tag) != "infringement":
        raise Refused(f"ACNS <{name}> messages are not notices privet acts on (only <Infringement>)")
    notice = ParsedNotice(format="acns", violation="copyright")
    notice.sender_case_id = _text(root, "Case", "ID")
    notice.complainant = _text(root, "Complainant", "Entity")
    notice.complainant_email = _text(root, "Complainant", "Email")
    notice.complainant_phone = _text(root, "Complainant", "Phone")
    notice.complainant_address = _text(root, "Complainant", "Address")
    source = _child(root, "Source")
    notice.source_ip = clean_ip(_text(source, "IP_Address"))
    port = _text(source, "Port")
    notice.source_port = int(port) if port and port.isdigit() and int(port) <= 65535 else None
    stamp = _text(source, "TimeStamp")
    when = parse_time(stamp)
    if when:
        notice.event_at, notice.time_assumed_utc = when.at, when.assumed_utc
    items = [c for c in (_child(root, "Content") or []) if _local(c.tag) == "item"]
    first = items[0] if items else None
    notice.work_title = _text(first, "Title")
    url = _text(first, "URL")
    notice.material_url = url if url and "://" in url else None
    file_name = _text(first, "FileName")
    hash_node = _child(first, "Hash")
    digest = (hash_node.text or "").strip() if hash_node is not None else ""
    hash_label = f"{hash_node.get('Type') or 'hash'} {digest}" if hash_node is not None and digest else None
    notice.material = "; ".join(p for p in (file_name, hash_label) if p) or None
    kind = _child(root, "Type")
    notice.retraction = kind is not None and (kind.get("Retraction") or "").strip().lower() == "true"
    letters = [_text(root, "TextNotice"), _text(root, "Notes")]
    letters += [(n.text or "").strip() for n in (_child(root, "History") or []) if _local(n.tag) == "notice"]
    notice.letter = "\n\n".join(t for t in letters if t)
    details: dict[str, Any] = {
        "protocol": _text(source, "Type"),
        "dns_name": _text(source, "DNS_Name"),
        "items": len(items),
        "file_name": file_name,
        "file_size": _text(first, "FileSize"),
        "hash": digest or None,
        "timestamp_given": stamp,
        "namespace": root.tag.partition("}")[0].lstrip("{") if root.tag.startswith("{") else None,
    }
    notice.details = {k: v for k, v in details.items() if v not in (None, "")}
    if stamp and when is None:
        notice.flag(f"the ACNS TimeStamp {stamp!r} is not a time privet can read")
    return notice
