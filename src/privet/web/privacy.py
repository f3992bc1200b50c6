"""The subscribers' privacy center at /privacy: the notice, the preference center, requests, GPC and the cookie banner.

Public pages need no staff token. A subscriber signs in by following a signed link
(/privacy/session/{token}, tokens from `consent.links.make_session_token`), which sets an
HttpOnly cookie; every form carries a CSRF token bound to that session. Forms are plain HTML,
answered with POST-redirect-GET, so the pages work without JavaScript.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from privet.api.deps import RuntimeDep
from privet.consent import ledger
from privet.consent.ledger import ConsentError
from privet.consent.links import SESSION_VALIDITY, InvalidLink, read_session_token
from privet.consent.privacy_api import GPC_HONOURED, MyChoices, handle_signals, my_choices
from privet.policy.diff import changes_since_previous
from privet.policy.model import Choice, PolicyPack
from privet.policy.render import name_of
from privet.policy.taxonomy import Channel, RecipientKind
from privet.requests.intake import Correction, Submission, submit
from privet.requests.kinds import RequestError, RequestKind
from privet.runtime import Runtime
from privet.subjects.refs import PersonRef
from privet.web.common import SECURITY_HEADERS, check_csrf, csrf_token, is_https, notice_body, page, static_text

router = APIRouter(prefix="/privacy", tags=["privacy center pages"], include_in_schema=False)
COOKIE = "privet_privacy_session"
CSRF_PURPOSE = "privacy-center"
REQUEST_KINDS = {
    "access": (RequestKind.ACCESS, "Get a copy of my data"),
    "delete": (RequestKind.DELETE, "Delete my data"),
    "correct": (RequestKind.CORRECT, "Correct my data"),
    "opt_out": (RequestKind.OPT_OUT_OF_SALE, "Do not sell or share my data"),
}
CORRECTABLE = {
    "user.name": "Name",
    "user.contact.email": "Email address",
    "user.contact.phone_number": "Phone number",
    "user.contact.address": "Postal address",
}
SessionCookie = Annotated[str | None, Cookie(alias=COOKIE)]


def person_of(runtime: Runtime, token: str | None) -> int | None:
    """The person whose privacy-center session this cookie is, or None when it is missing, expired or forged."""
    if not token:
        return None
    try:
        with runtime.uow("privacy-center") as uow:
            return read_session_token(token, uow.now())
    except InvalidLink:
        return None


def _anonymous_gpc(runtime: Runtime, request: Request) -> str | None:
    """GPC from a visitor who is not signed in: this browser gets no sale or sharing; nothing to record against a person."""
    if request.headers.get("sec-gpc", "").strip() != "1":
        return None
    return GPC_HONOURED if runtime.pack.statements.gpc != "not_honoured" else None


def page_context(runtime: Runtime, request: Request, token: str | None, person_id: int | None) -> dict[str, Any]:
    """What every privacy-center page needs; for a signed-in person it also records the GPC and DNT signals seen."""
    if person_id is not None:
        gpc, dnt = handle_signals(runtime, request, person_id)
    else:
        gpc, dnt = _anonymous_gpc(runtime, request), None
    return {
        "pack": runtime.pack,
        "signed_in": person_id is not None,
        "csrf": csrf_token(token, CSRF_PURPOSE) if token and person_id is not None else "",
        "gpc": gpc,
        "dnt": dnt,
        "flash": request.query_params.get("done", ""),
    }


def _signed_in(runtime: Runtime, token: str | None) -> tuple[str, int]:
    person_id = person_of(runtime, token)
    if token is None or person_id is None:
        raise HTTPException(401, "sign in to the privacy center first, using the link we sent you")
    return token, person_id


@router.get("", response_class=HTMLResponse)
def home(request: Request, runtime: RuntimeDep, session: SessionCookie = None) -> HTMLResponse:
    ctx = page_context(runtime, request, session, person_of(runtime, session))
    previous, changes = changes_since_previous(runtime.pack, runtime.history)
    return page("privacy/home.html", notice=notice_body(runtime.pack), previous=previous, changes=changes, **ctx)


@router.get("/session/{token}")
def open_session(token: str, request: Request, runtime: RuntimeDep) -> Response:
    person_id = person_of(runtime, token)
    if person_id is None:
        return page("privacy/expired.html", status_code=401, pack=runtime.pack, signed_in=False, gpc=None, dnt=None, flash="")
    with runtime.uow(f"subject:{person_id}") as uow:
        uow.record("privacy_center.signed_in", f"person:{person_id}")
    response = RedirectResponse("/privacy/choices", status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_VALIDITY.total_seconds()),
        path="/privacy",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )
    return response


@router.post("/signout")
def sign_out(runtime: RuntimeDep, csrf: Annotated[str, Form()] = "", session: SessionCookie = None) -> Response:
    token, _ = _signed_in(runtime, session)
    check_csrf(token, CSRF_PURPOSE, csrf)
    response = RedirectResponse("/privacy", status_code=303)
    response.delete_cookie(COOKIE, path="/privacy")
    return response


@router.get("/choices", response_class=HTMLResponse)
def choices_page(request: Request, runtime: RuntimeDep, session: SessionCookie = None) -> HTMLResponse:
    person_id = person_of(runtime, session)
    ctx = page_context(runtime, request, session, person_id)
    if person_id is None:
        return page("privacy/signin_needed.html", status_code=401, **ctx)
    mine: MyChoices = my_choices(runtime, person_id, ctx["gpc"], ctx["dnt"])
    here = {c.id for c in runtime.pack.choices if c.kind != "opt_in" or _form_channel(c) in c.channels}
    return page("privacy/choices.html", choices=mine.choices, opt_in_here=here, **ctx)


def _form_channel(choice: Choice) -> str:
    """The channel a preference-center form records: the privacy center, or a web form where the choice names only that.

    An opt-in is taken only through the choice's own channels, so an opt-in offered elsewhere is shown but not settable here.
    """
    for channel in (Channel.PRIVACY_CENTER, Channel.WEB_FORM):
        if channel in choice.channels:
            return channel.value
    return Channel.PRIVACY_CENTER.value


@router.post("/choices")
async def choices_save(request: Request, runtime: RuntimeDep, session: SessionCookie = None) -> Response:
    token, person_id = _signed_in(runtime, session)
    form = await request.form()
    check_csrf(token, CSRF_PURPOSE, str(form.get("csrf", "")))
    current = {c.choice: c.value for c in my_choices(runtime, person_id, None, None).choices}
    try:
        with runtime.uow(f"subject:{person_id}") as uow:
            for choice in runtime.pack.choices:
                wanted = form.get(f"choice.{choice.id}")
                if wanted not in ("yes", "no") or (wanted == "yes") == current.get(choice.id):
                    continue
                ledger.record_choice(
                    uow,
                    runtime.pack,
                    person_id=person_id,
                    choice_id=choice.id,
                    value=wanted == "yes",
                    channel=_form_channel(choice),
                    evidence={"page": "/privacy/choices", "form": "preference-center"},
                )
    except ConsentError as exc:
        raise HTTPException(422, f"choice: {exc}") from None
    return RedirectResponse("/privacy/choices?done=saved", status_code=303)


@router.get("/request", response_class=HTMLResponse)
def request_page(request: Request, runtime: RuntimeDep, session: SessionCookie = None) -> HTMLResponse:
    person_id = person_of(runtime, session)
    ctx = page_context(runtime, request, session, person_id)
    if person_id is None:
        return page("privacy/signin_needed.html", status_code=401, **ctx)
    return page("privacy/request.html", kinds=REQUEST_KINDS, correctable=CORRECTABLE, error="", **ctx)


@router.post("/request", response_model=None)
def request_submit(
    request: Request,
    runtime: RuntimeDep,
    kind: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    session: SessionCookie = None,
) -> Response:
    token, person_id = _signed_in(runtime, session)
    check_csrf(token, CSRF_PURPOSE, csrf)
    error = ""
    if kind not in REQUEST_KINDS:
        error = "Choose what you would like us to do."
    else:
        try:
            corrections = [Correction(category=category, value=value)] if kind == "correct" else []
            sub = Submission(
                kind=REQUEST_KINDS[kind][0],
                person=PersonRef(person_id=person_id),
                channel=Channel.PRIVACY_CENTER,
                corrections=corrections,
            )
            with runtime.uow(f"subject:{person_id}") as uow:
                req = submit(uow, runtime.pack, sub)
                return RedirectResponse(f"/privacy/request?done=request-{req.id}", status_code=303)
        except ValidationError:
            error = "To correct your data, choose what to correct and give the accurate value."
        except RequestError as exc:
            error = str(exc)
    ctx = page_context(runtime, request, session, person_id)
    return page("privacy/request.html", status_code=422, kinds=REQUEST_KINDS, correctable=CORRECTABLE, error=error, **ctx)


@router.get("/static/{name}")
def static(name: str) -> Response:
    types = {"site.css": "text/css", "banner.js": "text/javascript"}
    if name not in types:
        raise HTTPException(404, "no such file")
    return Response(static_text(name), media_type=types[name], headers={"Cache-Control": "public, max-age=3600"})


@router.get("/banner.js")
def banner_script() -> Response:
    """The cookie banner a provider's site includes with <script src=".../privacy/banner.js" defer></script>."""
    return Response(static_text("banner.js"), media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"})


class CookieClasses(BaseModel):
    model_config = ConfigDict(extra="forbid")
    classes: dict[str, bool] = Field(max_length=50, description="cookie class (a choice offered on the cookie banner) → allowed")
    gpc: bool = Field(default=False, description="navigator.globalPrivacyControl as the page saw it")


def banner_classes(runtime: Runtime) -> list[dict[str, object]]:
    """Each cookie class the pack offers, with who sets its cookies and why.

    The setters are read from the rules the class's choice governs: the provider itself as the
    first party, every other recipient as a third party, each with the purposes it uses them for.
    So the list a visitor sees is the one the decision point enforces, not a separate inventory
    that could drift from it.
    """
    out: list[dict[str, object]] = []
    for c in runtime.pack.choices:
        if Channel.COOKIE_BANNER in c.channels or Channel.BROWSER_SETTINGS in c.channels:
            out.append(
                {
                    "id": c.id,
                    "name": c.name,
                    "description": c.description,
                    "default": c.default == "allowed",
                    "setters": cookie_setters(runtime.pack, c.id),
                }
            )
    return out


def cookie_setters(pack: PolicyPack, choice_id: str) -> list[dict[str, object]]:
    """Who places the cookies a choice governs (first party first) and the purposes each uses them for."""
    recipients = {r.id: r for r in pack.recipients}
    purposes: dict[str, set[str]] = {}
    for rule in pack.rules:
        if rule.choice == choice_id and rule.recipient:
            purposes.setdefault(rule.recipient, set()).add(name_of(rule.purpose, pack))
    setters: list[dict[str, object]] = []
    for rid, used_for in purposes.items():
        recipient = recipients.get(rid)
        first = recipient is not None and recipient.kind is RecipientKind.FIRST_PARTY
        setters.append(
            {
                "name": recipient.name if recipient else rid,
                "party": "first" if first else "third",
                "purposes": sorted(used_for),
            }
        )
    return sorted(setters, key=lambda s: (s["party"] != "first", str(s["name"])))


# --- CORS for the cookie banner: a provider's own site (another origin) calls the two banner endpoints ---

BANNER_ORIGINS_ENV = "PRIVET_BANNER_ORIGINS"
_ORIGIN = re.compile(
    r"^https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$"
)
_DEFAULT_PORTS = {"https": ":443", "http": ":80"}
_BANNER_METHODS = {"/banner/classes": "GET", "/banner/consent": "POST"}
_BANNER_HEADERS = frozenset({"content-type"})


def parse_origins(values: Iterable[str]) -> frozenset[str]:
    """The banner's allow-list from `--banner-origin` values or $PRIVET_BANNER_ORIGINS (commas or spaces between).

    An origin is exactly what a browser sends in `Origin`: scheme, host and a non-default port, no
    path. A wildcard is refused: the banner sends the visitor's privacy-center cookie, and a
    credentialed answer may only ever name one origin.
    """
    out: set[str] = set()
    for value in values:
        for item in re.split(r"[,\s]+", value.strip()):
            if not item:
                continue
            origin = item.lower().rstrip("/")
            if origin == "*" or "*" in origin:
                raise ValueError("banner origins are listed one by one; a wildcard cannot be used with the visitor's cookie")
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(f"'{item}' is not an origin like https://www.example.net (scheme, host, optional port)")
            scheme = origin.split(":", 1)[0]
            default = _DEFAULT_PORTS[scheme]
            out.add(origin[: -len(default)] if origin.endswith(default) else origin)
    return frozenset(out)


def banner_origins(request: Request) -> frozenset[str]:
    """The deployment's allow-list: set on the app by `privet serve --banner-origin`, else read from the environment."""
    configured = getattr(request.app.state, "banner_origins", None)
    if configured is not None:
        return frozenset(configured)
    try:
        return parse_origins([os.environ.get(BANNER_ORIGINS_ENV, "")])
    except ValueError:
        return frozenset()  # `privet serve` refuses a bad list at start; here nothing is allowed rather than guessing


def _cross_origin(request: Request) -> tuple[bool, str | None]:
    """(allowed, the origin to name in CORS headers). No Origin, or our own, needs no CORS; others must be listed."""
    origin = request.headers.get("origin")
    if origin is None or origin == f"{request.url.scheme}://{request.url.netloc}":
        return True, None
    if origin.lower() in banner_origins(request):
        return True, origin
    return False, None


def _cors(origin: str | None) -> dict[str, str]:
    """Headers for an allowed cross-origin answer: the one origin echoed (never *), with credentials, varying by Origin."""
    if origin is None:
        return {"Vary": "Origin"}
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true", "Vary": "Origin"}


def _refused_origin() -> JSONResponse:
    """A refusal with no CORS headers, so the browser also hides it from the page that tried."""
    return JSONResponse(
        {"detail": "this site is not allowed to use the cookie banner"}, status_code=403, headers={"Vary": "Origin"}
    )


@router.options("/banner/classes")
@router.options("/banner/consent")
def banner_preflight(request: Request) -> Response:
    """Answer the browser's CORS preflight for a listed origin; anything else gets 403 and no CORS headers."""
    allowed, origin = _cross_origin(request)
    path = request.url.path.removeprefix("/privacy")
    method = request.headers.get("access-control-request-method", "").upper()
    asked = {h.strip().lower() for h in request.headers.get("access-control-request-headers", "").split(",") if h.strip()}
    if not allowed or origin is None or method != _BANNER_METHODS.get(path) or not asked <= _BANNER_HEADERS:
        return _refused_origin()
    headers = {
        **_cors(origin),
        "Access-Control-Allow-Methods": method,
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    }
    return Response(status_code=204, headers=headers)


@router.get("/banner/classes")
def banner_config(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """The cookie classes the banner offers, and whether this browser's GPC signal is honoured."""
    allowed, origin = _cross_origin(request)
    if not allowed:
        return _refused_origin()
    gpc = _anonymous_gpc(runtime, request)
    return JSONResponse(
        {"provider": runtime.pack.provider.name, "gpc": gpc, "classes": banner_classes(runtime)}, headers=_cors(origin)
    )


@router.post("/banner/consent")
def banner_consent(body: CookieClasses, request: Request, runtime: RuntimeDep, session: SessionCookie = None) -> JSONResponse:
    """Record the banner's answer. GPC wins over any 'allow' for an opt-out class; a signed-in subscriber's ledger is updated.

    A page on an origin that is not listed is refused before anything is recorded: browsers send
    a cross-origin POST before CORS hides the answer, so the allow-list is enforced here too.
    """
    allowed, origin = _cross_origin(request)
    if not allowed:
        return _refused_origin()
    known = {str(c["id"]) for c in banner_classes(runtime)}
    unknown = sorted(set(body.classes) - known)
    if unknown:
        return JSONResponse({"detail": f"unknown cookie class: {', '.join(unknown)}"}, status_code=422, headers=_cors(origin))
    gpc = _anonymous_gpc(runtime, request) or (
        GPC_HONOURED if body.gpc and runtime.pack.statements.gpc != "not_honoured" else None
    )
    answers = {k: (False if gpc and _is_opt_out(runtime, k) else v) for k, v in body.classes.items()}
    person_id = person_of(runtime, session)
    site = {"origin": origin} if origin else {}
    with runtime.uow(f"subject:{person_id}" if person_id else "privacy-center:banner") as uow:
        if person_id is None:
            uow.record("privacy_center.cookie_consent", None, classes=answers, gpc=bool(gpc), **site)
        else:
            for choice_id, allowed in sorted(answers.items()):
                ledger.record_choice(
                    uow,
                    runtime.pack,
                    person_id=person_id,
                    choice_id=choice_id,
                    value=allowed,
                    channel=_banner_channel(runtime, choice_id),
                    evidence={"banner": True, "gpc": bool(gpc), **site},
                )
    return JSONResponse(
        {"recorded": answers, "gpc": gpc, "person": person_id is not None}, headers={**SECURITY_HEADERS, **_cors(origin)}
    )


def _is_opt_out(runtime: Runtime, choice_id: str) -> bool:
    return any(c.id == choice_id and c.kind == "opt_out" for c in runtime.pack.choices)


def _banner_channel(runtime: Runtime, choice_id: str) -> str:
    choice = runtime.pack.choice(choice_id)
    offered = choice.channels if choice else []
    return (Channel.COOKIE_BANNER if Channel.COOKIE_BANNER in offered else Channel.BROWSER_SETTINGS).value
