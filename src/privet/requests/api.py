"""Request routes under /v1: intake, the deadline list, each step of a request, and the datasets.

Handlers stay thin: parse, open a unit of work, call the service, return a view. Expected
failures become problem details: an unknown person 404, an invalid step 409, a provider system
that cannot be reached 502, unusable dataset declarations 503.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from privet.access.permissions import Permission
from privet.access.tokens import Principal
from privet.api.deps import RowId, RuntimeDep, require
from privet.policy.load import Problem
from privet.requests import children, fanout, lifecycle
from privet.requests.connectors.base import ConnectorError
from privet.requests.datasets.check import check_live
from privet.requests.datasets.registry import DatasetError, Registry, registry_from_env
from privet.requests.execute import SystemsNotDeclared, execute, regenerate_package
from privet.requests.fanout import FanoutView
from privet.requests.intake import Submission, submit, verify_request
from privet.requests.kinds import RequestError, RequestKind, Status
from privet.requests.lifecycle import RequestNotFound
from privet.requests.report import render_html
from privet.requests.tables import DataRequest
from privet.requests.verification import Agent, Evidence
from privet.requests.views import DueView, RequestView, due_view, request_view
from privet.runtime import Runtime
from privet.store.uow import UnitOfWork

DATASETS_READ = Permission.DATASETS_READ
REQUESTS_CREATE = Permission.REQUESTS_CREATE
REQUESTS_MANAGE = Permission.REQUESTS_MANAGE
REQUESTS_READ = Permission.REQUESTS_READ

router = APIRouter(prefix="/v1", tags=["requests"])


def get_registry(request: Request, runtime: RuntimeDep) -> Registry | None:
    """The declared datasets: set on app.state by whoever builds the app, else from $PRIVET_DATASETS."""
    state = request.app.state
    if not hasattr(state, "datasets"):
        try:
            state.datasets = registry_from_env(runtime.pack)
        except DatasetError as exc:
            raise HTTPException(503, f"the dataset declarations are not usable: {exc.problems[0]}") from exc
    registry: Registry | None = state.datasets
    return registry


RegistryDep = Annotated[Registry | None, Depends(get_registry)]


class Verify(BaseModel):
    model_config = ConfigDict(extra="forbid")
    evidence: Evidence
    agent: Agent | None = None


class Extend(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=1000)


class Deny(BaseModel):
    model_config = ConfigDict(extra="forbid")
    basis: str = Field(min_length=1, max_length=200)
    explanation: str = Field(min_length=1, max_length=2000)


class Acknowledge(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by_email: bool = True


class Executed(BaseModel):
    request: RequestView
    package: dict[str, Any] | None = None


def _failed(exc: Exception) -> HTTPException:
    if isinstance(exc, RequestNotFound):
        return HTTPException(404, str(exc))
    if isinstance(exc, ConnectorError):
        return HTTPException(502, f"a provider system could not be used: {exc}")
    if isinstance(exc, SystemsNotDeclared):
        return HTTPException(503, str(exc))
    return HTTPException(409, str(exc))


def _view(runtime: Runtime, request_id: int, who: Principal) -> RequestView:
    with runtime.uow(who.actor) as uow:
        return request_view(lifecycle.get_request(uow, request_id), uow.now().date())


@router.post("/requests", response_model=RequestView, status_code=201)
def create(body: Submission, runtime: RuntimeDep, who: Annotated[Principal, Depends(require(REQUESTS_CREATE))]) -> RequestView:
    """Receive a request naming the person by any identity; deadlines are computed and shown at once."""
    try:
        with runtime.uow(who.actor) as uow:
            req = submit(uow, runtime.pack, body)
            return request_view(req, uow.now().date())
    except RequestError as exc:
        raise _failed(exc) from exc


@router.get("/requests", response_model=list[RequestView])
def list_requests(
    runtime: RuntimeDep,
    who: Annotated[Principal, Depends(require(REQUESTS_READ))],
    status: Annotated[Status | None, Query()] = None,
    kind: Annotated[RequestKind | None, Query()] = None,
    person_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RequestView]:
    query = select(DataRequest).order_by(DataRequest.id.desc()).limit(limit)
    if status is not None:
        query = query.where(DataRequest.status == status.value)
    if kind is not None:
        query = query.where(DataRequest.kind == kind.value)
    if person_id is not None:
        query = query.where(DataRequest.person_id == person_id)
    with runtime.uow(who.actor) as uow:
        today = uow.now().date()
        return [request_view(r, today) for r in uow.session.scalars(query)]


@router.get("/requests/due", response_model=list[DueView])
def due(runtime: RuntimeDep, who: Annotated[Principal, Depends(require(REQUESTS_READ))]) -> list[DueView]:
    """Every open deadline, most overdue first."""
    with runtime.uow(who.actor) as uow:
        return [due_view(i) for i in lifecycle.due(uow, uow.now().date())]


@router.post("/requests/children-sweep", response_model=list[RequestView])
def children_sweep(runtime: RuntimeDep, who: Annotated[Principal, Depends(require(REQUESTS_MANAGE))]) -> list[RequestView]:
    """Open a deletion for every person known to be a child without parental consent."""
    with runtime.uow(who.actor) as uow:
        today = uow.now().date()
        return [request_view(r, today) for r in children.sweep(uow, runtime.pack)]


@router.get("/requests/{request_id}", response_model=RequestView)
def read(request_id: RowId, runtime: RuntimeDep, who: Annotated[Principal, Depends(require(REQUESTS_READ))]) -> RequestView:
    try:
        return _view(runtime, request_id, who)
    except RequestError as exc:
        raise _failed(exc) from exc


def _step(runtime: Runtime, who: Principal, request_id: int, action: Callable[[UnitOfWork, DataRequest], object]) -> RequestView:
    """One step of a request's lifecycle in one unit of work: the request after it, or the refusal as a problem."""
    try:
        with runtime.uow(who.actor) as uow:
            req = lifecycle.get_request(uow, request_id)
            action(uow, req)
            return request_view(req, uow.now().date())
    except RequestError as exc:
        raise _failed(exc) from exc


@router.post("/requests/{request_id}/verify", response_model=RequestView)
def verify(
    request_id: RowId, body: Verify, runtime: RuntimeDep, who: Annotated[Principal, Depends(require(REQUESTS_CREATE))]
) -> RequestView:
    return _step(runtime, who, request_id, lambda uow, req: verify_request(uow, runtime.pack, req, body.evidence, body.agent))


@router.post("/requests/{request_id}/acknowledge", response_model=RequestView)
def acknowledge(
    request_id: RowId, body: Acknowledge, runtime: RuntimeDep, who: Annotated[Principal, Depends(require(REQUESTS_MANAGE))]
) -> RequestView:
    return _step(runtime, who, request_id, lambda uow, req: lifecycle.acknowledge(uow, req, by_email=body.by_email))


@router.post("/requests/{request_id}/extend", response_model=RequestView)
def extend(
    request_id: RowId, body: Extend, runtime: RuntimeDep, who: Annotated[Principal, Depends(require(REQUESTS_MANAGE))]
) -> RequestView:
    """Extend once, with the reason the person is sent; refused after the original answer date."""
    return _step(runtime, who, request_id, lambda uow, req: lifecycle.extend(uow, req, body.reason))


@router.post("/requests/{request_id}/deny", response_model=RequestView)
def deny(
    request_id: RowId, body: Deny, runtime: RuntimeDep, who: Annotated[Principal, Depends(require(REQUESTS_MANAGE))]
) -> RequestView:
    return _step(runtime, who, request_id, lambda uow, req: lifecycle.deny(uow, req, body.basis, body.explanation))


@router.post("/requests/{request_id}/execute", response_model=Executed)
def run(
    request_id: RowId, runtime: RuntimeDep, registry: RegistryDep, who: Annotated[Principal, Depends(require(REQUESTS_MANAGE))]
) -> Executed:
    """Carry out a verified request (or resume an interrupted deletion) and answer it."""
    try:
        result = execute(lambda: runtime.uow(who.actor), runtime.pack, registry, request_id)
        return Executed(request=_view(runtime, request_id, who), package=result.package)
    except (RequestError, ConnectorError) as exc:
        raise _failed(exc) from exc


@router.get("/requests/{request_id}/package", response_model=None)
def package(
    request_id: RowId,
    runtime: RuntimeDep,
    registry: RegistryDep,
    who: Annotated[Principal, Depends(require(REQUESTS_MANAGE))],
    format: Annotated[Literal["json", "html"], Query()] = "json",
) -> dict[str, Any] | HTMLResponse:
    """The access package, regenerated from the systems: JSON, or the readable HTML report."""
    try:
        with runtime.uow(who.actor) as uow:
            req = lifecycle.get_request(uow, request_id)
            body = regenerate_package(uow, runtime.pack, registry, req)
            uow.record("request.package_generated", f"request:{req.id}", format=format)
    except (RequestError, ConnectorError) as exc:
        raise _failed(exc) from exc
    return HTMLResponse(render_html(body)) if format == "html" else body


class FanoutNote(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: str = Field(
        min_length=1, max_length=4000, description="how it was asked, what the recipient said, or why it is impossible"
    )


@router.get("/requests/{request_id}/fanouts", response_model=list[FanoutView])
def request_fanouts(
    request_id: RowId, runtime: RuntimeDep, who: Annotated[Principal, Depends(require(REQUESTS_READ))]
) -> list[FanoutView]:
    """The recipients a deletion was passed on to, and where each stands (CCPA-15)."""
    try:
        with runtime.uow(who.actor) as uow:
            lifecycle.get_request(uow, request_id)
            return fanout.views(uow, fanout.fanouts_of(uow, request_id))
    except RequestError as exc:
        raise _failed(exc) from exc


@router.get("/deletion-fanouts", response_model=list[FanoutView])
def open_fanouts(runtime: RuntimeDep, who: Annotated[Principal, Depends(require(REQUESTS_READ))]) -> list[FanoutView]:
    """Recipients still to be asked by hand or to confirm a deletion, soonest due first."""
    with runtime.uow(who.actor) as uow:
        return fanout.views(uow, fanout.open_fanouts(uow))


class FanoutLetter(BaseModel):
    subject: str
    body: str
    post_to: str | None = Field(description="the recipient's postal address, when the pack gives one")


@router.get("/deletion-fanouts/{fanout_id}/letter", response_model=FanoutLetter)
def fanout_letter(
    fanout_id: RowId, runtime: RuntimeDep, who: Annotated[Principal, Depends(require(REQUESTS_MANAGE))]
) -> FanoutLetter:
    """The request to delete, as emailed or to be sent by hand to a recipient without an email."""
    try:
        with runtime.uow(who.actor) as uow:
            made = fanout.letter_for(uow, runtime.pack, fanout_id)
    except RequestError as exc:
        raise _failed(exc) from exc
    return FanoutLetter(subject=made.subject, body=made.body, post_to=made.post_to)


@router.post("/deletion-fanouts/{fanout_id}/{outcome}", response_model=FanoutView)
def settle_fanout(
    fanout_id: RowId,
    outcome: Literal["asked", "confirmed", "impossible"],
    body: FanoutNote,
    runtime: RuntimeDep,
    who: Annotated[Principal, Depends(require(REQUESTS_MANAGE))],
) -> FanoutView:
    """Record that a recipient was asked by hand, that it confirmed, or in detail why it cannot be asked."""
    try:
        with runtime.uow(who.actor) as uow:
            return fanout.views(uow, [fanout.settle(uow, fanout_id, outcome, body.note)])[0]
    except RequestError as exc:
        raise _failed(exc) from exc


class DatasetSummary(BaseModel):
    dataset: str
    name: str
    system: str
    tables: dict[str, list[str]]


class ProblemView(BaseModel):
    file: str
    line: int
    path: str
    severity: str
    message: str


@router.get("/datasets", response_model=list[DatasetSummary])
def datasets(registry: RegistryDep, who: Annotated[Principal, Depends(require(DATASETS_READ))]) -> list[DatasetSummary]:
    """The declared datasets and, per table, the columns that hold personal data."""
    if registry is None:
        return []
    return [
        DatasetSummary(
            dataset=d.dataset.dataset,
            name=d.dataset.name,
            system=registry.system(d.dataset.dataset),
            tables={t: [c for c, col in spec.columns.items() if col.category] for t, spec in d.dataset.tables.items()},
        )
        for d in registry.declarations.values()
    ]


@router.get("/datasets/check", response_model=list[ProblemView])
def check(registry: RegistryDep, who: Annotated[Principal, Depends(require(DATASETS_READ))]) -> list[ProblemView]:
    """Each declaration against its live database: missing tables and columns, erasures that cannot work."""
    problems: list[Problem] = check_live(registry) if registry is not None else []
    return [ProblemView(file=p.file, line=p.line, path=p.path, severity=p.severity, message=p.message) for p in problems]
