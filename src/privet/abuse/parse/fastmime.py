"""A fast path for well-formed MIME: split on boundaries with `bytes.find`, build stdlib `Message` objects.

The standard parser costs about a millisecond per notice on a modest core (it compiles a regular
expression for every boundary it meets), which alone would cap intake near a thousand notices a
second. Notices from real senders are almost always plain, well-formed MIME, so this module
splits them directly and hands the rest of privet the same `email.message.Message` tree the
standard parser would. Anything it does not recognise as plainly well formed (a header line
without a colon, a multipart without its boundary, RFC 2231 parameters) returns None, and the
caller falls back to the lenient standard parser, which copes with every defect.
"""

from __future__ import annotations

import itertools
from email.message import Message
from email.policy import compat32

from privet.abuse.parse.model import Refused
from privet.abuse.settings import AbuseSettings

_CONTAINERS = ("message/rfc822", "message/feedback-report", "message/global")


class _Unusual(Exception):
    """The message is not plainly well formed: let the standard parser have it."""


def parse(raw: bytes, settings: AbuseSettings) -> Message | None:
    try:
        counter = [0]
        return _message(raw, settings, 0, counter)
    except _Unusual:
        return None


def _split_head(raw: bytes) -> tuple[bytes, bytes]:
    lf, crlf = raw.find(b"\n\n"), raw.find(b"\r\n\r\n")
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return raw[:crlf], raw[crlf + 4 :]
    if lf >= 0:
        return raw[:lf], raw[lf + 2 :]
    return raw, b""


def _headers(head: bytes) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for line in head.decode("ascii", "surrogateescape").splitlines():
        if not line:
            continue
        if line[0] in " \t":
            if not fields:
                raise _Unusual
            name, value = fields[-1]
            fields[-1] = (name, f"{value}\n{line}")
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or len(name) > 76:
            raise _Unusual
        fields.append((name, value.strip()))
    return fields


def _content_type(fields: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    value = next((v for n, v in fields if n.lower() == "content-type"), "text/plain")
    kind, *params = value.replace("\n", " ").split(";")
    kind = kind.strip().lower()
    if "/" not in kind:
        raise _Unusual
    found: dict[str, str] = {}
    for param in params:
        if not param.strip():
            continue
        key, eq, val = param.partition("=")
        key = key.strip().lower()
        if not eq or key.endswith("*") or "*" in key:
            raise _Unusual
        val = val.strip()
        if val.startswith('"'):
            if not val.endswith('"') or len(val) < 2 or '"' in val[1:-1]:
                raise _Unusual
            val = val[1:-1]
        found[key] = val
    return kind, found


def _message(raw: bytes, settings: AbuseSettings, depth: int, counter: list[int]) -> Message:
    counter[0] += 1
    if counter[0] > settings.max_mime_parts:
        raise Refused(f"the message has more than {settings.max_mime_parts} MIME parts")
    if depth > settings.max_mime_depth:
        raise Refused(f"MIME parts are nested more than {settings.max_mime_depth} levels deep")
    head, body = _split_head(raw)
    fields = _headers(head)
    message = Message(policy=compat32)
    for name, value in fields:
        message[name] = value
    kind, params = _content_type(fields)
    if kind.startswith("multipart/"):
        boundary = params.get("boundary")
        if not boundary:
            raise _Unusual
        message.set_payload(
            [_message(part, settings, depth + 1, counter) for part in _parts(body, boundary.encode("ascii", "surrogateescape"))]
        )
    elif kind in _CONTAINERS:
        message.set_payload([_message(body, settings, depth + 1, counter)])
    else:
        message.set_payload(body.decode("ascii", "surrogateescape"))
    return message


def _parts(body: bytes, boundary: bytes) -> list[bytes]:
    marker = b"--" + boundary
    starts: list[int] = []
    at = 0
    closed = False
    while True:
        found = body.find(marker, at)
        if found < 0:
            break
        at = found + len(marker)
        if found and body[found - 1 : found] != b"\n":
            continue
        starts.append(found)
        if body[at : at + 2] == b"--":
            closed = True
            break
    if not starts:
        raise _Unusual
    if not closed:  # a missing closing delimiter (real ARF senders omit it) ends the last part at the end
        starts.append(len(body))
    parts = []
    for begin, end in itertools.pairwise(starts):
        line_end = body.find(b"\n", begin)
        if line_end < 0 or line_end > end:
            raise _Unusual
        chunk = body[line_end + 1 : end]
        if chunk.endswith(b"\r\n"):
            chunk = chunk[:-2]
        elif chunk.endswith(b"\n"):
            chunk = chunk[:-1]
        parts.append(chunk)
    return parts
