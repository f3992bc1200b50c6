"""The requests queue in the staff console: every data-subject request with its deadlines counting down, and each step.

The pages read with `requests:read`; verifying needs `requests:create` and acknowledging,
extending, denying, executing and the response package `requests:manage`, exactly as the
/v1/requests routes ask. Each step calls the requests lifecycle (`lifecycle`, `intake`,
`execute`) in its own unit of work, so deadlines, notices and the audit chain are the ones the
API produces. Days left are the lifecycle's own (calendar days to the date in force); where
the law counts a deadline in business days the page also shows the business days left on the
calendar the lifecycle used (California's for CCPA).

A step the lifecycle refuses (a second extension, an extension after the original answer date,
executing an unverified request) comes back on the request's page with the reason and a 409;
bad form values come back with a 422; nothing is written in either case.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from privet.access.masking import shown
from privet.access.permissions import Permission
from privet.api.deps import RowId, RuntimeDep
from privet.regimes.calendar import business_days_between
from privet.requests import lifecycle
from privet.requests.api import get_registry
from privet.requests.connectors.base import ConnectorError
from privet.requests.execute import SystemsNotDeclared, execute, regenerate_package
from privet.requests.fanout import fanouts_of, views
from privet.requests.intake import verify_request
from privet.requests.kinds import OPEN, RequestError, RequestKind, Status
from privet.requests.lifecycle import RequestNotFound
from privet.requests.report import render_html
from privet.requests.tables import DataRequest, RequestTask
from privet.requests.verification import DataPoint, Evidence
from privet.requests.views import request_view
from privet.runtime import Runtime
from privet.store.uow import UnitOfWork
from privet.subjects.tables import Person
from privet.web.common import SECURITY_HEADERS, page
from privet.web.console_abuse import Done, Refused, Sig, outcome_location, read_outcome
from privet.web.staff import (
    ConsoleCookie,
    Staff,
    context,
    form_staff,
    signin_redirect,
    staff_for_page,
)

router = APIRouter(prefix="/console/requests", tags=["console pages"], include_in_schema=False)

READ = Permission.REQUESTS_READ
CREATE = Permission.REQUESTS_CREATE
MANAGE = Permission.REQUESTS_MANAGE
Creator = Annotated[Staff, form_staff(CREATE)]  # who may post a request's verification
Manager = Annotated[Staff, form_staff(MANAGE)]  # who may post its other steps
STATES = ("open", "all", *(s.value for s in Status))
KINDS = ("all", *(k.value for k in RequestKind))
CA = "CA"
QUEUE_LIMIT = 200


def countdown(req: DataRequest, due: date, today: date) -> dict[str, Any]:
    """Days left to `due` as the lifecycle counts them, and business days where the law counts in business days."""
    days = (due - today).days
    calendar = CA if req.regime == "ccpa" else None
    business = business_days_between(today, due, calendar) if days >= 0 else -business_days_between(due, today, calendar)
    return {"due": due, "days": days, "business": business, "overdue": days < 0}


def _row(req: DataRequest, today: date, name: str | None) -> dict[str, Any]:
    is_open = req.status in {s.value for s in OPEN}
    ack = req.acknowledge_by if is_open and req.acknowledge_by and req.acknowledged_at is None else None
    return {
        "id": req.id,
        "kind": req.kind,
        "status": req.status,
        "regime": req.regime,
        "person_id": req.person_id,
        "name": name,
        "received_at": req.received_at,
        "open": is_open,
        "ack": countdown(req, ack, today) if ack else None,
        "answer": countdown(req, lifecycle.due_on(req), today) if is_open else None,
        "responded_at": req.responded_at,
    }


@router.get("", response_class=HTMLResponse, response_model=None)
def queue(
    runtime: RuntimeDep,
    state: Annotated[str, Query(max_length=30)] = "open",
    kind: Annotated[str, Query(max_length=30)] = "all",
    session: ConsoleCookie = None,
) -> Response:
    """Requests soonest-due first (open ones), filtered by state and kind; a filter the form never offers is a 422."""
    staff = staff_for_page(runtime, session, READ)
    if staff is None:
        return signin_redirect()
    error = ""
    if state not in STATES or kind not in KINDS:
        error = "Choose a state and a kind from the lists."
        state, kind = "open", "all"
    query = select(DataRequest).order_by(DataRequest.id.desc()).limit(QUEUE_LIMIT)
    if state == "open":
        query = query.where(DataRequest.status.in_([s.value for s in OPEN]))
    elif state != "all":
        query = query.where(DataRequest.status == state)
    if kind != "all":
        query = query.where(DataRequest.kind == kind)
    with runtime.uow(staff.principal.actor) as uow:
        today = uow.now().date()
        found = list(uow.session.scalars(query))
        names = _names(uow, {r.person_id for r in found})
        rows = [_row(r, today, shown(runtime.pack, staff.principal.role, "user.name", names.get(r.person_id))) for r in found]
    rows.sort(key=lambda r: (not r["open"], r["answer"]["due"] if r["answer"] else date.max, -r["id"]))
    return page(
        "console/requests.html",
        status_code=422 if error else 200,
        **context(runtime, staff, rows=rows, state=state, kind=kind, states=STATES, kinds=KINDS, today=today, error=error),
    )


def _names(uow: UnitOfWork, people: set[int]) -> dict[int, str]:
    if not people:
        return {}
    rows = uow.session.execute(select(Person.id, Person.full_name).where(Person.id.in_(people)))
    return {person_id: name for person_id, name in rows}


@router.get("/{request_id}", response_class=HTMLResponse, response_model=None)
def request_page(
    request_id: RowId, runtime: RuntimeDep, done: Done = None, sig: Sig = None, session: ConsoleCookie = None
) -> Response:
    staff = staff_for_page(runtime, session, READ)
    if staff is None:
        return signin_redirect()
    return _render(runtime, staff, request_id, outcome=read_outcome(staff, done, sig))


def _render(
    runtime: Runtime, staff: Staff, request_id: int, *, outcome: str = "", error: str = "", status_code: int = 200
) -> HTMLResponse:
    with runtime.uow(staff.principal.actor) as uow:
        try:
            req = lifecycle.get_request(uow, request_id)
        except RequestNotFound:
            raise HTTPException(404, f"no request with id {request_id}") from None
        today = uow.now().date()
        view = request_view(req, today)
        row = _row(
            req, today, shown(runtime.pack, staff.principal.role, "user.name", _names(uow, {req.person_id}).get(req.person_id))
        )
        tasks = list(
            uow.session.scalars(select(RequestTask).where(RequestTask.request_id == req.id).order_by(RequestTask.position))
        )
        datasets: dict[str, list[dict[str, Any]]] = {}
        for t in tasks:
            datasets.setdefault(t.dataset, []).append(
                {"table": t.table_name, "phase": t.phase, "erased": t.erased_rows, "kept": t.kept, "updated_at": t.updated_at}
            )
        progress = [
            {"dataset": name, "tables": tables, "done": sum(1 for t in tables if t["phase"] == "done"), "total": len(tables)}
            for name, tables in datasets.items()
        ]
        corrections = len(req.details.get("corrections", []))
        fanouts = views(uow, fanouts_of(uow, req.id))
    is_open = view.status in {s.value for s in OPEN}
    response = {k: v for k, v in view.response.items() if k not in ("notified", "recipients")}
    return page(
        "console/requests_detail.html",
        status_code=status_code,
        **context(
            runtime,
            staff,
            r=view,
            row=row,
            progress=progress,
            corrections=corrections,
            fanouts=fanouts,
            response_items=[(k, _summary(v)) for k, v in response.items()],
            is_open=is_open,
            can_verify=view.status == Status.RECEIVED.value and staff.may(CREATE),
            can_manage=is_open and staff.may(MANAGE),
            can_execute=view.status in (Status.VERIFIED.value, Status.IN_PROGRESS.value) and staff.may(MANAGE),
            has_package=view.kind == RequestKind.ACCESS.value and view.status == Status.COMPLETED.value and staff.may(MANAGE),
            points=[p.value for p in DataPoint],
            outcome=outcome,
            error=error,
        ),
    )


def _summary(value: Any) -> str:
    """One line for a response summary value (counts, lists, nested records) as the page shows it."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value) or "none"
    if isinstance(value, dict) and all(isinstance(v, int) for v in value.values()):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "none"
    return json.dumps(value, default=str)[:600]


def _act(runtime: Runtime, staff: Staff, request_id: int, work: Callable[[UnitOfWork, DataRequest], str]) -> Response:
    """One lifecycle step in one unit of work: 303 back with the outcome, or the page with the refusal (nothing written)."""
    try:
        with runtime.uow(staff.principal.actor) as uow:
            req = lifecycle.get_request(uow, request_id)
            message = work(uow, req)
    except RequestNotFound:
        raise HTTPException(404, f"no request with id {request_id}") from None
    except Refused as exc:
        return _render(runtime, staff, request_id, error=exc.reason, status_code=exc.status)
    except RequestError as exc:
        return _render(runtime, staff, request_id, error=str(exc), status_code=409)
    return RedirectResponse(outcome_location(f"/console/requests/{request_id}", staff, message), status_code=303)


def _reason(value: str, what: str, limit: int) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > limit:
        raise Refused(422, f"{what} is required (at most {limit} characters)")
    return cleaned


Point = Annotated[str, Form(max_length=300)]
Checked = Annotated[str, Form(max_length=3)]


@router.post("/{request_id}/verify", response_model=None)
def verify(
    request_id: RowId,
    runtime: RuntimeDep,
    staff: Creator,
    full_name: Point = "",
    email: Point = "",
    phone: Point = "",
    account_number: Point = "",
    username: Point = "",
    postal_address: Point = "",
    birth_date: Point = "",
    signed_declaration: Checked = "",
    authenticated_session: Checked = "",
    reauthenticated: Checked = "",
) -> Response:
    """Verify a received request from the points the person gave (a call back, a signed form); a failure closes it."""
    given = {
        DataPoint.FULL_NAME: full_name,
        DataPoint.EMAIL: email,
        DataPoint.PHONE: phone,
        DataPoint.ACCOUNT_NUMBER: account_number,
        DataPoint.USERNAME: username,
        DataPoint.POSTAL_ADDRESS: postal_address,
        DataPoint.BIRTH_DATE: birth_date,
    }
    evidence = Evidence(
        data_points={point: value.strip() for point, value in given.items() if value.strip()},
        signed_declaration=signed_declaration == "yes",
        authenticated_session=authenticated_session == "yes",
        reauthenticated=reauthenticated == "yes",
    )

    def work(uow: UnitOfWork, req: DataRequest) -> str:
        outcome = verify_request(uow, runtime.pack, req, evidence)
        if outcome.verified:
            return f"Verified: {outcome.reason}."
        return f"Not verified, and the request is closed: {outcome.reason}. The person is told."

    return _act(runtime, staff, request_id, work)


@router.post("/{request_id}/acknowledge", response_model=None)
def acknowledge(
    request_id: RowId,
    runtime: RuntimeDep,
    staff: Manager,
    how: Annotated[str, Form(max_length=10)] = "email",
) -> Response:
    """Confirm receipt by email now, or record that a letter or a call confirmed it."""

    def work(uow: UnitOfWork, req: DataRequest) -> str:
        if how not in ("email", "other"):
            raise Refused(422, "choose how receipt was confirmed")
        lifecycle.acknowledge(uow, req, by_email=how == "email")
        return "Receipt confirmed by email." if how == "email" else "Receipt confirmed by letter or call, recorded."

    return _act(runtime, staff, request_id, work)


@router.post("/{request_id}/extend", response_model=None)
def extend(
    request_id: RowId,
    runtime: RuntimeDep,
    staff: Manager,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Extend once, with the reason the person is sent; the lifecycle refuses a late or second extension."""

    def work(uow: UnitOfWork, req: DataRequest) -> str:
        lifecycle.extend(uow, req, _reason(reason, "the reason the person is given", 1000))
        assert req.extended_to is not None
        return f"Extended to {req.extended_to.isoformat()}; the person is told why."

    return _act(runtime, staff, request_id, work)


@router.post("/{request_id}/deny", response_model=None)
def deny(
    request_id: RowId,
    runtime: RuntimeDep,
    staff: Manager,
    basis: Annotated[str, Form()] = "",
    explanation: Annotated[str, Form()] = "",
) -> Response:
    """Deny with the basis (kept in the record) and the explanation the person is sent."""

    def work(uow: UnitOfWork, req: DataRequest) -> str:
        lifecycle.deny(uow, req, _reason(basis, "the basis", 200), _reason(explanation, "the explanation", 2000))
        return "Denied; the person is told why."

    return _act(runtime, staff, request_id, work)


@router.post("/{request_id}/execute", response_model=None)
def run(
    request_id: RowId,
    request: Request,
    runtime: RuntimeDep,
    staff: Manager,
) -> Response:
    """Carry out a verified request (or resume an interrupted deletion) against the declared systems, and answer it."""
    registry = get_registry(request, runtime)
    try:
        result = execute(lambda: runtime.uow(staff.principal.actor), runtime.pack, registry, request_id)
    except RequestNotFound:
        raise HTTPException(404, f"no request with id {request_id}") from None
    except SystemsNotDeclared as exc:
        return _render(runtime, staff, request_id, error=str(exc), status_code=503)
    except RequestError as exc:
        return _render(runtime, staff, request_id, error=str(exc), status_code=409)
    except ConnectorError as exc:
        return _render(runtime, staff, request_id, error=f"a provider system could not be used: {exc}", status_code=502)
    message = f"Executed: the request is {result.status}"
    outcome = result.response.get("outcome")
    return RedirectResponse(
        outcome_location(f"/console/requests/{request_id}", staff, message + (f" ({outcome})." if outcome else ".")),
        status_code=303,
    )


@router.get("/{request_id}/package", response_model=None)
def package(
    request_id: RowId,
    request: Request,
    runtime: RuntimeDep,
    format: Annotated[str, Query(pattern="^(html|json)$")] = "html",
    session: ConsoleCookie = None,
) -> Response:
    """The response package, regenerated from the systems (as the API's), downloaded as a file; the download is audited."""
    staff = staff_for_page(runtime, session, MANAGE)
    if staff is None:
        return signin_redirect()
    registry = get_registry(request, runtime)
    try:
        with runtime.uow(staff.principal.actor) as uow:
            req = lifecycle.get_request(uow, request_id)
            body = regenerate_package(uow, runtime.pack, registry, req)
            uow.record("request.package_generated", f"request:{req.id}", format=format, via="console")
    except RequestNotFound:
        raise HTTPException(404, f"no request with id {request_id}") from None
    except RequestError as exc:
        return _render(runtime, staff, request_id, error=str(exc), status_code=409)
    except ConnectorError as exc:
        return _render(runtime, staff, request_id, error=f"a provider system could not be used: {exc}", status_code=502)
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="request-{request_id}.{format}"',
    }
    if format == "json":
        return Response(json.dumps(body, indent=2, default=str), media_type="application/json", headers=headers)
    return HTMLResponse(render_html(body), headers=headers)
