"""Signed links a person can use without logging in: RFC 8058 one-click unsubscribe.

A token carries (person, choice, issued) and an HMAC-SHA256 over them with the server secret.
It stays valid for 60 days, twice the 30 days CAN-SPAM requires an unsubscribe link to work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from privet.keys import secret_key

UNSUBSCRIBE_VALIDITY = timedelta(days=60)
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"


class InvalidLink(ValueError):
    pass


@dataclass(frozen=True)
class UnsubscribeClaim:
    person_id: int
    choice_id: str
    issued_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: bytes, purpose: str) -> str:
    return _b64(hmac.new(secret_key(), purpose.encode() + b"\x00" + payload, hashlib.sha256).digest())


def make_unsubscribe_token(person_id: int, choice_id: str, issued_at: datetime) -> str:
    payload = json.dumps({"p": person_id, "c": choice_id, "t": int(issued_at.timestamp())}, separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_sign(payload, 'unsubscribe')}"


def read_unsubscribe_token(token: str, now: datetime) -> UnsubscribeClaim:
    """The claim inside a token, or InvalidLink when it was altered, malformed or has expired."""
    try:
        body, signature = token.split(".", 1)
        payload = _unb64(body)
    except (ValueError, TypeError) as exc:
        raise InvalidLink("the link is malformed") from exc
    if not hmac.compare_digest(signature.encode("utf-8"), _sign(payload, "unsubscribe").encode("utf-8")):
        raise InvalidLink("the link's signature does not match")
    try:
        data = json.loads(payload)
        claim = UnsubscribeClaim(int(data["p"]), str(data["c"]), datetime.fromtimestamp(int(data["t"]), tz=now.tzinfo))
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidLink("the link is malformed") from exc
    if now - claim.issued_at > UNSUBSCRIBE_VALIDITY:
        raise InvalidLink("the link has expired; use the preference center instead")
    return claim


SESSION_VALIDITY = timedelta(hours=12)


def make_session_token(person_id: int, issued_at: datetime) -> str:
    """A privacy-center session for one subscriber, after they signed in or followed a verified link."""
    payload = json.dumps({"p": person_id, "t": int(issued_at.timestamp())}, separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_sign(payload, 'session')}"


def read_session_token(token: str, now: datetime) -> int:
    """The person a session token stands for, or InvalidLink."""
    try:
        body, signature = token.split(".", 1)
        payload = _unb64(body)
        valid = hmac.compare_digest(signature.encode("utf-8"), _sign(payload, "session").encode("utf-8"))
        data = json.loads(payload) if valid else {}
        person_id, issued = int(data["p"]), datetime.fromtimestamp(int(data["t"]), tz=now.tzinfo)
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidLink("the session is not valid; sign in again") from exc
    if not valid or now - issued > SESSION_VALIDITY:
        raise InvalidLink("the session is not valid; sign in again")
    return person_id


def list_unsubscribe_headers(base_url: str, token: str, mailto: str | None = None) -> dict[str, str]:
    """The RFC 2369 / RFC 8058 headers a marketing email carries."""
    url = f"{base_url.rstrip('/')}/unsubscribe/{token}"
    value = f"<{url}>" + (f", <mailto:{mailto}?subject=unsubscribe>" if mailto else "")
    return {"List-Unsubscribe": value, "List-Unsubscribe-Post": ONE_CLICK_BODY}
