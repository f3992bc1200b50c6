"""Case routes: cases and strikes, disputes, immediate action, takedowns and counter-notices, reactivation, reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from privet.abuse import disputes, hosted, ladder, reports
from privet.abuse.api_common import ContextDep, http_errors
from privet.abuse.desk import Desk
from privet.abuse.permissions import ABUSE_REACTIVATE, ABUSE_READ, ABUSE_WORK
from privet.abuse.tables import AbuseCase
from privet.abuse.views import ActionView, CaseView, DisputeView, TakedownView, case_view, dispute_view, takedown_view
from privet.access.tokens import Principal
from privet.api.deps import RowId, require

router = APIRouter()
Reader = Annotated[Principal, Depends(require(ABUSE_READ))]
Worker = Annotated[Principal, Depends(require(ABUSE_WORK))]


def _case(desk: Desk, case_id: int) -> AbuseCase:
    case = desk.uow.session.get(AbuseCase, case_id)
    if case is None:
        raise HTTPException(404, f"no case {case_id}")
    return case


@router.get("/cases", response_model=list[CaseView])
def list_cases(
    ctx: ContextDep,
    who: Reader,
    account: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(max_length=30)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[CaseView]:
    with ctx.desk(who.actor) as desk:
        query = select(AbuseCase).order_by(AbuseCase.updated_at.desc(), AbuseCase.id.desc()).limit(limit)
        if account:
            query = query.where(AbuseCase.account_number == account.replace("-", "").replace(" ", "").upper())
        if kind:
            query = query.where(AbuseCase.kind == kind)
        return [case_view(desk.uow.session, c) for c in desk.uow.session.scalars(query)]


@router.get("/cases/{case_id}", response_model=CaseView)
def read_case(case_id: RowId, ctx: ContextDep, who: Reader) -> CaseView:
    with ctx.desk(who.actor) as desk:
        return case_view(desk.uow.session, _case(desk, case_id))


class ImmediateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ground: str = Field(min_length=1, max_length=200)
    action: Literal["suspend", "terminate"]
    reason: str = Field(min_length=1, max_length=500)


@router.post("/cases/{case_id}/immediate", response_model=ActionView, status_code=201)
def immediate_action(case_id: RowId, body: ImmediateBody, ctx: ContextDep, who: Worker) -> ActionView:
    """Suspend or terminate at once, on one of the pack's immediate grounds."""
    with http_errors(), ctx.desk(who.actor) as desk:
        case = _case(desk, case_id)
        action = ladder.immediate(desk, desk.need_account(case.account_number), case, body.ground, body.action, body.reason)
        action.role = who.role
        return ActionView.model_validate(action)


class DisputeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ground: Literal["misidentified", "fair_use", "owns_rights", "not_their_traffic"]
    statement: str = Field(min_length=1, max_length=20_000)


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uphold: bool
    reason: str = Field(min_length=1, max_length=1000)


@router.post("/strikes/{strike_id}/disputes", response_model=DisputeView, status_code=201)
def dispute_strike(strike_id: RowId, body: DisputeBody, ctx: ContextDep, who: Worker) -> DisputeView:
    with http_errors(), ctx.desk(who.actor) as desk:
        return dispute_view(disputes.open_dispute(desk, strike_id, body.ground, body.statement))


@router.post("/disputes/{dispute_id}/decision", response_model=DisputeView)
def decide_dispute(dispute_id: RowId, body: DecisionBody, ctx: ContextDep, who: Worker) -> DisputeView:
    with http_errors(), ctx.desk(who.actor) as desk:
        return dispute_view(disputes.decide(desk, dispute_id, uphold=body.uphold, reason=body.reason))


@router.post("/actions/{action_id}/acknowledge", response_model=ActionView)
def acknowledge(action_id: RowId, ctx: ContextDep, who: Worker) -> ActionView:
    with http_errors(), ctx.desk(who.actor) as desk:
        return ActionView.model_validate(ladder.acknowledge(desk, action_id))


@router.get("/takedowns/{takedown_id}", response_model=TakedownView)
def read_takedown(takedown_id: RowId, ctx: ContextDep, who: Reader) -> TakedownView:
    with http_errors(), ctx.desk(who.actor) as desk:
        return takedown_view(desk.uow.session, hosted.get(desk, takedown_id))


class CounterBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=200_000)


class LawsuitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    detail: str = Field(min_length=1, max_length=500)


@router.post("/takedowns/{takedown_id}/counter-notice", response_model=TakedownView, status_code=201)
def counter_notice(takedown_id: RowId, body: CounterBody, ctx: ContextDep, who: Worker) -> TakedownView:
    """Record a counter-notice: checked for the four 512(g)(3) elements, forwarded and scheduled when complete."""
    with http_errors(), ctx.desk(who.actor) as desk:
        hosted.counter_notice(desk, takedown_id, body.text)
        return takedown_view(desk.uow.session, hosted.get(desk, takedown_id))


@router.post("/takedowns/{takedown_id}/lawsuit", response_model=TakedownView)
def lawsuit(takedown_id: RowId, body: LawsuitBody, ctx: ContextDep, who: Worker) -> TakedownView:
    with http_errors(), ctx.desk(who.actor) as desk:
        return takedown_view(desk.uow.session, hosted.report_lawsuit(desk, takedown_id, body.detail))


@router.post("/run-due")
def run_due(ctx: ContextDep, who: Worker) -> dict[str, list[int]]:
    """Restore counter-noticed material whose day has come and end temporary suspensions that are over."""
    with ctx.desk(who.actor) as desk:
        restored = hosted.restore_due(desk)
        resumed = ladder.resume_due(desk)
        return {"restored_takedowns": [t.id for t in restored], "resumed_actions": [a.id for a in resumed]}


class ReactivateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


@router.post("/accounts/{number}/reactivate", response_model=ActionView)
def reactivate(
    number: Annotated[str, PathParam(min_length=3, max_length=64)],
    body: ReactivateBody,
    ctx: ContextDep,
    who: Annotated[Principal, Depends(require(ABUSE_REACTIVATE))],
) -> ActionView:
    """Reactivate an account the desk terminated; the reason and the caller's role are recorded."""
    with http_errors(), ctx.desk(who.actor) as desk:
        return ActionView.model_validate(ladder.reactivate(desk, desk.need_account(number), body.reason, who.role))


def _window(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    end = until or datetime.now(UTC)
    start = since or end - timedelta(days=30)
    if start.tzinfo is None or end.tzinfo is None:
        raise HTTPException(422, "since/until: give times with a zone")
    return start, end


@router.get("/reports/repeat-infringers")
def repeat_infringers(
    ctx: ContextDep,
    who: Reader,
    kind: Annotated[str | None, Query(max_length=30, description="a case kind; 'all' for every kind")] = "copyright",
    min_strikes: Annotated[int, Query(ge=0, le=1000)] = 1,
) -> list[dict[str, Any]]:
    with ctx.desk(who.actor) as desk:
        chosen = None if kind == "all" else kind
        return reports.repeat_infringers(desk.uow.session, kind=chosen, min_strikes=min_strikes, now=desk.now())


@router.get("/reports/volumes")
def volumes(ctx: ContextDep, who: Reader, since: datetime | None = None, until: datetime | None = None) -> list[dict[str, Any]]:
    start, end = _window(since, until)
    with ctx.desk(who.actor) as desk:
        return reports.volumes(desk.uow.session, since=start, until=end)


@router.get("/reports/latency")
def latency(ctx: ContextDep, who: Reader, since: datetime | None = None, until: datetime | None = None) -> list[dict[str, Any]]:
    start, end = _window(since, until)
    with ctx.desk(who.actor) as desk:
        return reports.latency(desk.uow.session, since=start, until=end)
