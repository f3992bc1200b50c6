"""Abuse-desk routes under /v1/abuse: intake, review, attribution and assignments here; cases in `api_cases`.

`POST /v1/abuse/notices` takes the notice itself as the body (an RFC 5322 message, or a bare
ACNS XML or X-ARF JSON report), so a mail gateway can forward abuse@ with one HTTP call.
Mount with `app.include_router(privet.abuse.api.router)`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from privet.abuse import review
from privet.abuse.api_cases import router as cases_router
from privet.abuse.api_common import ContextDep, http_errors
from privet.abuse.assignments import KINDS, AssignmentsRejected, add_network, import_rows
from privet.abuse.attribution import lookup
from privet.abuse.kinds import VIOLATIONS
from privet.abuse.permissions import ABUSE_ASSIGNMENTS, ABUSE_INGEST, ABUSE_READ, ABUSE_WORK
from privet.abuse.service import AbuseContext
from privet.abuse.tables import AbuseEvidence, AbuseNotice
from privet.abuse.views import NoticeView
from privet.access.tokens import Principal
from privet.api.deps import RowId, require
from privet.api.problems import problem

router = APIRouter(prefix="/v1/abuse", tags=["abuse"])
router.include_router(cases_router)

ACCEPTED_TYPES = ("message/rfc822", "application/xml", "text/xml", "application/json", "text/plain", "application/octet-stream")


@router.post(
    "/notices",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in ACCEPTED_TYPES},
        }
    },
    responses={200: {"description": "already received (a duplicate)"}, 422: {"description": "refused; the refusal is recorded"}},
)
async def submit_notice(
    request: Request, ctx: ContextDep, who: Annotated[Principal, Depends(require(ABUSE_INGEST))]
) -> JSONResponse:
    """Ingest one notice, byte for byte: 201 with what became of it, 200 for a repeat, 422 when refused."""
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media not in ACCEPTED_TYPES:
        return problem(
            415, "Unsupported media type", f"send the notice as one of: {', '.join(ACCEPTED_TYPES)}", field="content-type"
        )
    raw = await request.body()
    (result,) = await run_in_threadpool(ctx.ingest, [(raw, "api")], who.actor)
    if result.status == "refused":
        return problem(422, "Notice refused", result.reason or "refused", field="body", notice_id=result.notice_id)
    return JSONResponse(result.as_dict(), status_code=200 if result.status == "duplicate" else 201)


@router.get("/notices", response_model=list[NoticeView])
def list_notices(
    ctx: ContextDep,
    who: Annotated[Principal, Depends(require(ABUSE_READ))],
    status: Annotated[str | None, Query(max_length=20, description="e.g. review, filed, deficient, refused")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[NoticeView]:
    from sqlalchemy import select

    with ctx.desk(who.actor) as desk:
        query = select(AbuseNotice).order_by(AbuseNotice.id.desc()).limit(limit)
        if status:
            query = query.where(AbuseNotice.status == status)
        return [NoticeView.model_validate(n) for n in desk.uow.session.scalars(query)]


def _notice(ctx: AbuseContext, actor: str, notice_id: int) -> NoticeView:
    with ctx.desk(actor) as desk:
        notice = desk.uow.session.get(AbuseNotice, notice_id)
        if notice is None:
            raise HTTPException(404, f"no notice {notice_id}")
        return NoticeView.model_validate(notice)


@router.get("/notices/{notice_id}", response_model=NoticeView)
def read_notice(notice_id: RowId, ctx: ContextDep, who: Annotated[Principal, Depends(require(ABUSE_READ))]) -> NoticeView:
    return _notice(ctx, who.actor, notice_id)


@router.get(
    "/notices/{notice_id}/evidence", response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}}
)
def read_evidence(notice_id: RowId, ctx: ContextDep, who: Annotated[Principal, Depends(require(ABUSE_READ))]) -> Response:
    """The notice exactly as it arrived (its SHA-256 is in the notice)."""
    with ctx.desk(who.actor) as desk:
        evidence = desk.uow.session.get(AbuseEvidence, notice_id)
        if evidence is None:
            raise HTTPException(404, f"no evidence kept for notice {notice_id}")
        desk.uow.record("abuse.evidence_read", f"abuse_notice:{notice_id}")
        return Response(bytes(evidence.raw), media_type="application/octet-stream")


class ConfirmBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=1000)
    source_ip: str | None = Field(default=None, max_length=45)
    source_port: int | None = Field(default=None, ge=1, le=65535)
    event_at: datetime | None = None
    violation: str | None = Field(default=None, pattern="^(" + "|".join(VIOLATIONS) + ")$")
    prohibition: str | None = Field(default=None, max_length=120, description="the pack prohibition broken, by id")
    account_number: str | None = Field(default=None, min_length=3, max_length=64)


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=1000)


@router.post("/notices/{notice_id}/confirm", response_model=NoticeView)
def confirm_notice(
    notice_id: RowId, body: ConfirmBody, ctx: ContextDep, who: Annotated[Principal, Depends(require(ABUSE_WORK))]
) -> NoticeView:
    """A person accepts a notice waiting for review (with corrections) and it is routed."""
    with http_errors(), ctx.desk(who.actor) as desk:
        review.confirm(desk, notice_id, **body.model_dump())
    return _notice(ctx, who.actor, notice_id)


@router.post("/notices/{notice_id}/dismiss", response_model=NoticeView)
def dismiss_notice(
    notice_id: RowId, body: ReasonBody, ctx: ContextDep, who: Annotated[Principal, Depends(require(ABUSE_WORK))]
) -> NoticeView:
    with http_errors(), ctx.desk(who.actor) as desk:
        review.dismiss(desk, notice_id, body.reason)
    return _notice(ctx, who.actor, notice_id)


class AssignmentsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(pattern="^(" + "|".join(KINDS) + ")$")
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=10_000)
    assume_utc: bool = False
    skip_bad: bool = False


@router.post("/assignments", status_code=201)
def import_assignments(
    body: AssignmentsBody, ctx: ContextDep, who: Annotated[Principal, Depends(require(ABUSE_ASSIGNMENTS))]
) -> JSONResponse:
    """Import DHCP, RADIUS, static or CGNAT records; any bad row refuses the whole batch unless `skip_bad`."""
    try:
        with ctx.desk(who.actor) as desk:
            report = import_rows(desk.uow, body.kind, body.rows, assume_utc=body.assume_utc, skip_bad=body.skip_bad)
    except AssignmentsRejected as exc:
        errors = [{"row": e.row, "field": e.field, "message": e.message} for e in exc.report.errors]
        return problem(422, "Import rejected", str(exc), errors=errors, field=errors[0]["field"] if errors else None)
    skipped = [{"row": e.row, "field": e.field, "message": e.message} for e in report.errors]
    return JSONResponse(
        {"kind": report.kind, "rows": report.rows, "inserted": report.inserted, "closed": report.closed, "skipped": skipped}, 201
    )


class NetworkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cidr: str = Field(min_length=2, max_length=60)
    description: str = Field(default="", max_length=300)
    shared: bool = False


@router.post("/networks", status_code=201)
def declare_network(
    body: NetworkBody, ctx: ContextDep, who: Annotated[Principal, Depends(require(ABUSE_ASSIGNMENTS))]
) -> dict[str, Any]:
    """Declare address space the provider holds, so "ours but unassigned" can be told from "not ours"."""
    try:
        with ctx.desk(who.actor) as desk:
            network = add_network(desk.uow, body.cidr, body.description, shared=body.shared)
            return {"id": network.id, "cidr": body.cidr, "shared": network.shared}
    except ValueError as exc:
        raise HTTPException(422, f"cidr: {exc}") from None


@router.get("/attribution")
def attribute(
    ctx: ContextDep,
    who: Annotated[Principal, Depends(require(ABUSE_READ))],
    address: Annotated[str, Query(min_length=2, max_length=45)],
    at: Annotated[datetime, Query(description="the event time, with a zone")],
    port: Annotated[int | None, Query(ge=1, le=65535)] = None,
) -> dict[str, Any]:
    """Who held `address` (and `port`) at `at`, within the configured clock-skew tolerance. The lookup is audited."""
    if at.tzinfo is None:
        raise HTTPException(422, "at: give the time with a zone (e.g. 2024-05-01T10:00:00Z)")
    with ctx.desk(who.actor) as desk:
        try:
            found = lookup(desk.uow.session, address, at, port=port, skew=desk.settings.skew)
        except ValueError:
            raise HTTPException(422, f"address: '{address}' is not an IP address") from None
        desk.uow.record(
            "abuse.attribution_looked_up", None, address=address, port=port, at=at.isoformat(), answer=found.answer.value
        )
        return found.as_dict()
