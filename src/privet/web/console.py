"""The staff console at /console: server-rendered pages over the same services and permission table as the API.

Sign-in takes a bearer token pasted into a form and keeps it in an HttpOnly, SameSite=Strict
cookie scoped to /console. Every page checks the role's permissions (`access.permissions`) and
shows subscriber data only through the masking views, so a page never shows more than the API would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from privet.access.permissions import Permission
from privet.api.deps import RuntimeDep
from privet.audit.tables import AuditEntry
from privet.consent import ledger
from privet.outbox.tables import OutboxMessage
from privet.policy.promises import load_promises, promises_path, status_counts
from privet.subjects.service import SubjectError, get_person
from privet.subjects.views import account_view, person_view
from privet.web.common import check_csrf, is_https, notice_body, page
from privet.web.staff import COOKIE, CSRF_PURPOSE, ConsoleCookie, Staff, context, require, signed_in, signin_redirect

router = APIRouter(prefix="/console", tags=["console pages"], include_in_schema=False)


@router.get("/signin", response_class=HTMLResponse)
def signin_page(runtime: RuntimeDep) -> HTMLResponse:
    return page("console/signin.html", pack=runtime.pack, staff=None, error="")


@router.post("/signin", response_model=None)
def signin(request: Request, runtime: RuntimeDep, token: Annotated[str, Form(max_length=200)] = "") -> Response:
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise HTTPException(403, "sign-in must come from the console's own page")
    staff = signed_in(runtime, token.strip())
    if staff is None:
        return page(
            "console/signin.html", status_code=401, pack=runtime.pack, staff=None, error="That token is unknown or revoked."
        )
    with runtime.uow(staff.principal.actor) as uow:
        uow.record("console.signed_in", f"token:{staff.principal.token_id}", role=staff.principal.role)
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(
        COOKIE, staff.token, max_age=8 * 3600, path="/console", httponly=True, samesite="strict", secure=is_https(request)
    )
    return response


@router.post("/signout")
def signout(runtime: RuntimeDep, csrf: Annotated[str, Form()] = "", session: ConsoleCookie = None) -> Response:
    staff = signed_in(runtime, session)
    if staff is not None:
        check_csrf(staff.token, CSRF_PURPOSE, csrf)
    response = signin_redirect()
    response.delete_cookie(COOKIE, path="/console")
    return response


@router.get("", response_class=HTMLResponse, response_model=None)
def today(runtime: RuntimeDep, session: ConsoleCookie = None) -> Response:
    staff = signed_in(runtime, session)
    if staff is None:
        return signin_redirect()
    due: list[Any] = []
    outbox: list[OutboxMessage] = []
    consent_items: list[dict[str, Any]] = []
    with runtime.uow(staff.principal.actor) as uow:
        today_date = uow.now().date()
        if staff.may(Permission.SUBJECTS_READ):
            due = _requests_due(uow, today_date)
        if staff.may(Permission.OUTBOX_READ):
            outbox = list(
                uow.session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.status != "sent")
                    .order_by(OutboxMessage.created_at.desc())
                    .limit(20)
                )
            )
            outbox_rows = [{"kind": m.kind, "channel": m.channel, "status": m.status, "created_at": m.created_at} for m in outbox]
        else:
            outbox_rows = []
        if staff.may(Permission.CONSENT_READ):
            consent_items = _pending_consent(uow)
    return page(
        "console/today.html",
        **context(runtime, staff, due=due, outbox=outbox_rows, consent_items=consent_items, today=today_date),
    )


def _requests_due(uow: Any, today_date: Any) -> list[Any]:
    try:
        from privet.requests import lifecycle
        from privet.requests.views import due_view
    except ImportError:  # the requests package is optional for the console
        return []
    return [due_view(i) for i in lifecycle.due(uow, today_date)][:50]


def _pending_consent(uow: Any) -> list[dict[str, Any]]:
    """Consent changes whose legal effective date is still ahead (e.g. a CAN-SPAM opt-out within its 10 business days)."""
    from privet.consent.tables import ConsentEvent

    now = uow.now()
    rows = uow.session.scalars(
        select(ConsentEvent).where(ConsentEvent.effective_at > now).order_by(ConsentEvent.effective_at).limit(50)
    )
    return [{"person_id": e.person_id, "choice": e.choice_id, "value": e.value, "effective_at": e.effective_at} for e in rows]


@router.get("/subjects", response_class=HTMLResponse, response_model=None)
def find_subject(runtime: RuntimeDep, person: int | None = None, session: ConsoleCookie = None) -> Response:
    staff = signed_in(runtime, session)
    if staff is None:
        return signin_redirect()
    require(staff, Permission.SUBJECTS_READ)
    if person is not None:
        return RedirectResponse(f"/console/subjects/{person}", status_code=303)
    return page("console/find.html", **context(runtime, staff))


@router.get("/subjects/{person_id}", response_class=HTMLResponse, response_model=None)
def subject(person_id: int, runtime: RuntimeDep, session: ConsoleCookie = None) -> Response:
    staff = signed_in(runtime, session)
    if staff is None:
        return signin_redirect()
    require(staff, Permission.SUBJECTS_READ)
    role = staff.principal.role
    with runtime.uow(staff.principal.actor) as uow:
        try:
            person = get_person(uow, person_id)
        except SubjectError:
            raise HTTPException(404, f"no person with id {person_id}") from None
        view = person_view(person, runtime.pack, role)
        accounts = [account_view(m.account, runtime.pack, role) for m in person.roles]
        choices: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        if staff.may(Permission.CONSENT_READ):
            states = ledger.current_choices(uow, person_id)
            for c in runtime.pack.choices:
                state = states.get(c.id)
                choices.append(
                    {
                        "name": c.name,
                        "id": c.id,
                        "value": state.value if state else c.default == "allowed",
                        "since": state.effective_at if state else None,
                        "set": state is not None,
                    }
                )
            events = [
                {"choice": e.choice_id, "value": e.value, "channel": e.channel, "actor": e.actor, "effective_at": e.effective_at}
                for e in ledger.history(uow, person_id)
            ]
        decisions: list[dict[str, Any]] = []
        if staff.may(Permission.AUDIT_READ):
            rows = uow.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject == f"person:{person_id}", AuditEntry.action == "decision.made")
                .order_by(AuditEntry.seq.desc())
                .limit(20)
            )
            for row in rows:
                data = json.loads(row.data)
                decisions.append(
                    {
                        "at": row.at,
                        "actor": row.actor,
                        **{k: data.get(k) for k in ("purpose", "channel", "allowed", "basis", "rule")},
                    }
                )
        uow.record("console.subject_viewed", f"person:{person_id}", role=role)
    return page(
        "console/subject.html",
        **context(
            runtime,
            staff,
            person=view,
            accounts=accounts,
            choices=choices,
            events=events,
            decisions=decisions,
            may_cpni=_may_authenticate_cpni(staff),
        ),
    )


@router.get("/policy", response_class=HTMLResponse, response_model=None)
def policy(request: Request, runtime: RuntimeDep, session: ConsoleCookie = None) -> Response:
    staff = signed_in(runtime, session)
    if staff is None:
        return signin_redirect()
    require(staff, Permission.POLICY_READ)
    promises: dict[str, int] = {}
    promise_rows: list[Any] = []
    pack_path: Path | None = getattr(request.app.state, "policy_path", None)
    if pack_path is not None and promises_path(Path(pack_path)).exists():
        plist, _, _ = load_promises(promises_path(Path(pack_path)))
        if plist is not None:
            promises = status_counts(plist)
            promise_rows = plist.promises
    return page(
        "console/policy.html",
        **context(runtime, staff, notice=notice_body(runtime.pack), promises=promises, promise_rows=promise_rows),
    )


# --- the care rep's CPNI screen: authenticate a caller before discussing call detail (64.2010) ---

CPNI_CHANNELS = ("inbound_call", "call_back", "in_store")
CPNI_METHODS = ("password", "backup_answer", "pin", "number_of_record")


def _may_authenticate_cpni(staff: Staff) -> bool:
    from privet.cpni.routing import PROPOSED

    central = {p.value: p for p in Permission}
    if "cpni:authenticate" in central:
        return staff.may(central["cpni:authenticate"])
    return staff.principal.role in PROPOSED.get("cpni:authenticate", frozenset())


@router.get("/cpni/{person_id}", response_class=HTMLResponse, response_model=None)
def cpni_screen(person_id: int, runtime: RuntimeDep, result: int | None = None, session: ConsoleCookie = None) -> Response:
    from privet.cpni.auth import account_for, lawful_alternatives
    from privet.cpni.contacts import CpniError
    from privet.cpni.tables import Authentication

    staff = signed_in(runtime, session)
    if staff is None:
        return signin_redirect()
    if not _may_authenticate_cpni(staff):
        raise HTTPException(403, f"the {staff.principal.role} role may not authenticate callers for CPNI")
    outcome: dict[str, Any] | None = None
    with runtime.uow(staff.principal.actor) as uow:
        try:
            person = get_person(uow, person_id)
        except SubjectError:
            raise HTTPException(404, f"no person with id {person_id}") from None
        view = person_view(person, runtime.pack, staff.principal.role)
        row = uow.session.get(Authentication, result) if result is not None else None
        if row is not None and row.person_id == person_id:
            alternatives: tuple[str, ...] = ()
            if "call_detail" not in row.scopes:
                try:
                    alternatives = lawful_alternatives(person, account_for(person, None), uow.now().date())
                except CpniError:
                    alternatives = ()
            outcome = {
                "passed": row.passed,
                "scopes": row.scopes,
                "reason": row.reason,
                "rule": row.rule,
                "interaction": row.interaction_id,
                "expires_at": row.expires_at,
                "alternatives": alternatives,
            }
    return page(
        "console/cpni.html",
        **context(runtime, staff, person=view, outcome=outcome, channels=CPNI_CHANNELS, methods=CPNI_METHODS, error=""),
    )


@router.post("/cpni/{person_id}", response_model=None)
def cpni_authenticate(
    person_id: int,
    runtime: RuntimeDep,
    interaction_id: Annotated[str, Form(max_length=120)] = "",
    channel: Annotated[str, Form()] = "inbound_call",
    method: Annotated[str, Form()] = "password",
    secret: Annotated[str, Form(max_length=200)] = "",
    called_number: Annotated[str, Form(max_length=40)] = "",
    csrf: Annotated[str, Form()] = "",
    session: ConsoleCookie = None,
) -> Response:
    from privet.cpni import auth
    from privet.cpni.contacts import CpniError
    from privet.cpni.rules import Channel as CpniChannel
    from privet.cpni.rules import Method

    staff = signed_in(runtime, session)
    if staff is None:
        raise HTTPException(401, "sign in to the console first")
    check_csrf(staff.token, CSRF_PURPOSE, csrf)
    if not _may_authenticate_cpni(staff):
        raise HTTPException(403, f"the {staff.principal.role} role may not authenticate callers for CPNI")
    if channel not in CPNI_CHANNELS or method not in CPNI_METHODS:
        raise HTTPException(422, "choose a channel and a method from the form")
    attempt = auth.Attempt(
        interaction_id.strip(), CpniChannel(channel), Method(method), secret or None, None, called_number or None, None
    )
    try:
        with runtime.uow(staff.principal.actor) as uow:
            person = get_person(uow, person_id)
            outcome = auth.authenticate(uow, person, auth.account_for(person, None), attempt)
    except SubjectError:
        raise HTTPException(404, f"no person with id {person_id}") from None
    except CpniError as exc:
        with runtime.uow(staff.principal.actor) as uow:
            view = person_view(get_person(uow, person_id), runtime.pack, staff.principal.role)
        return page(
            "console/cpni.html",
            status_code=422,
            **context(runtime, staff, person=view, outcome=None, channels=CPNI_CHANNELS, methods=CPNI_METHODS, error=str(exc)),
        )
    return RedirectResponse(f"/console/cpni/{person_id}?result={outcome.authentication_id}", status_code=303)
