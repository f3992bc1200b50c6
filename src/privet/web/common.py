"""What both web interfaces share: the autoescaping template environment, CSRF tokens, static files."""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import cache
from importlib import resources
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from privet.keys import secret_key
from privet.policy.model import PolicyPack
from privet.policy.render import render

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("privet.web", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def csrf_token(secret_bound_to: str, purpose: str) -> str:
    """A token tied to one session (the cookie's value): forms carry it, and a cross-site POST cannot know it."""
    mac = hmac.new(secret_key(), f"csrf\x00{purpose}\x00{secret_bound_to}".encode(), hashlib.sha256)
    return mac.hexdigest()


def check_csrf(secret_bound_to: str, purpose: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(given.encode("utf-8"), csrf_token(secret_bound_to, purpose).encode("utf-8")):
        raise HTTPException(403, "the form's security token is missing or does not match; reload the page and try again")


def is_https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


@cache
def static_text(name: str) -> str:
    return resources.files("privet.web").joinpath("static", name).read_text(encoding="utf-8")


_NOTICES: dict[tuple[str, str], str] = {}


def notice_body(pack: PolicyPack) -> str:
    """The rendered notice's <main> content (already escaped by the policy renderer) for embedding in a page."""
    key = (pack.pack.id, str(pack.pack.version))
    if key not in _NOTICES:
        found = re.search(r"<main>(.*)</main>", render(pack, "html"), re.S)
        _NOTICES[key] = found.group(1) if found else ""
    return _NOTICES[key]
