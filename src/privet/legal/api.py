"""Legal-process routes: record demands, release under them, hold records, and report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from privet.access.tokens import Principal
from privet.api.deps import RowId, RuntimeDep
from privet.cpni.routing import refusals, require_grant
from privet.legal import demands, holds, notices, reports
from privet.legal.process import DemandKind, LegalError
from privet.legal.releases import release
from privet.legal.tables import Demand

router = APIRouter(prefix="/v1/legal", tags=["legal"])
Key = Annotated[str, Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=200)]
PersonId = Annotated[int, Field(ge=1, le=2**31 - 1)]
Reader = Annotated[Principal, Depends(require_grant("legal:read"))]
Writer = Annotated[Principal, Depends(require_grant("legal:write"))]
Releaser = Annotated[Principal, Depends(require_grant("legal:release"))]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DemandBody(Strict):
    kind: DemandKind
    issuer: str = Field(min_length=1, max_length=300)
    issuer_kind: str | None = Field(default=None, pattern=r"^(government|private|psap|acquirer)$")
    reference: str | None = Field(default=None, max_length=200)
    deadline: datetime | None = None
    person_id: PersonId | None = None
    account_number: str | None = Field(default=None, min_length=3, max_length=64)
    scope: list[Key] = Field(default_factory=list, max_length=100)
    scope_details: dict[str, Any] = Field(default_factory=dict)
    recipient: str | None = Field(default=None, min_length=1, max_length=120)
    purpose: Key | None = None
    nondisclosure_until: date | None = None
    nondisclosure_indefinite: bool = False
    good_faith_basis: str | None = Field(default=None, max_length=5000)
    attestations: list[Annotated[str, Field(min_length=1, max_length=120)]] = Field(default_factory=list, max_length=50)


class DemandView(BaseModel):
    id: int
    kind: str
    issuer: str
    issuer_kind: str
    reference: str | None
    received_at: datetime
    deadline: datetime | None
    person_id: int | None
    account_number: str | None
    scope: list[str]
    recipient: str
    purpose: str
    nondisclosure_until: date | None
    nondisclosure_indefinite: bool
    status: str


class ReleaseBody(Strict):
    person_id: PersonId
    categories: list[Key] = Field(min_length=1, max_length=50)
    details: dict[str, Any] = Field(default_factory=dict)


class ReleaseView(BaseModel):
    disclosure_id: int
    demand_id: int
    person_id: int | None
    recipient: str
    categories: list[str]
    purpose: str
    basis: str


class CloseBody(Strict):
    outcome: str = Field(pattern=r"^(fulfilled|partial|rejected|withdrawn)$")
    note: str | None = Field(default=None, max_length=5000)


class HoldBody(Strict):
    kind: str = Field(pattern=r"^(preservation_2703f|litigation|csam_2258a|cable_551e|other)$")
    person_id: PersonId | None = None
    account_number: str | None = Field(default=None, min_length=3, max_length=64)
    scope: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(default_factory=list, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)
    demand_id: PersonId | None = None
    ends_at: datetime | None = None


class HoldView(BaseModel):
    id: int
    kind: str
    starts_at: datetime
    ends_at: datetime | None
    renewals: int
    released_at: datetime | None


class ReasonBody(Strict):
    reason: str = Field(min_length=1, max_length=2000)


def _demand(d: Demand) -> DemandView:
    return DemandView.model_validate(d, from_attributes=True)


@router.post("/demands", response_model=DemandView, status_code=201)
def record_demand(body: DemandBody, runtime: RuntimeDep, who: Writer) -> DemandView:
    """Record a demand before anything is released; a preservation request places its 90-day hold."""
    with runtime.uow(who.actor) as uow, refusals(LegalError, holds.HoldError):
        return _demand(demands.record_demand(uow, **body.model_dump()))


@router.get("/demands", response_model=list[DemandView])
def open_demands(runtime: RuntimeDep, who: Reader) -> list[DemandView]:
    """Open demands, soonest deadline first."""
    with runtime.uow(who.actor) as uow:
        return [_demand(d) for d in demands.open_demands(uow)]


@router.get("/demands/{demand_id}", response_model=DemandView)
def read_demand(demand_id: RowId, runtime: RuntimeDep, who: Reader) -> DemandView:
    with runtime.uow(who.actor) as uow, refusals(LegalError):
        return _demand(demands.get_demand(uow, demand_id))


@router.post("/demands/{demand_id}/releases", response_model=ReleaseView, status_code=201)
def release_under(demand_id: RowId, body: ReleaseBody, runtime: RuntimeDep, who: Releaser) -> ReleaseView:
    """Release data under a demand; refused (409, with the rule) when the demand, the law or the policy does not allow it."""
    with runtime.uow(who.actor) as uow, refusals(LegalError):
        result = release(
            uow,
            runtime.decider,
            runtime.pack,
            demand_id,
            person_id=body.person_id,
            categories=body.categories,
            details=body.details,
        )
    if result.refusal is not None or result.disclosure is None:
        rule = result.refusal.rule if result.refusal else "policy"
        raise HTTPException(409, f"refused under {rule}: {result.refusal}")
    d = result.disclosure
    return ReleaseView(
        disclosure_id=d.id,
        demand_id=demand_id,
        person_id=d.person_id,
        recipient=d.recipient,
        categories=d.categories,
        purpose=d.purpose,
        basis=d.basis,
    )


@router.post("/demands/{demand_id}/close", response_model=DemandView)
def close_demand(demand_id: RowId, body: CloseBody, runtime: RuntimeDep, who: Writer) -> DemandView:
    with runtime.uow(who.actor) as uow, refusals(LegalError):
        return _demand(demands.close_demand(uow, demand_id, outcome=body.outcome, note=body.note))


@router.post("/holds", response_model=HoldView, status_code=201)
def place_hold(body: HoldBody, runtime: RuntimeDep, who: Writer) -> HoldView:
    """Hold a person's or account's records from deletion (requests and retention alike)."""
    with runtime.uow(who.actor) as uow, refusals(holds.HoldError):
        return HoldView.model_validate(holds.place_hold(uow, **body.model_dump()), from_attributes=True)


@router.post("/holds/{hold_id}/renewal", response_model=HoldView)
def renew_hold(hold_id: RowId, runtime: RuntimeDep, who: Writer) -> HoldView:
    """Renew a preservation by 90 days; allowed once."""
    with runtime.uow(who.actor) as uow, refusals(holds.HoldError):
        return HoldView.model_validate(holds.renew_hold(uow, hold_id), from_attributes=True)


@router.post("/holds/{hold_id}/release", response_model=HoldView)
def release_hold(hold_id: RowId, body: ReasonBody, runtime: RuntimeDep, who: Writer) -> HoldView:
    with runtime.uow(who.actor) as uow, refusals(holds.HoldError):
        return HoldView.model_validate(holds.release_hold(uow, hold_id, reason=body.reason), from_attributes=True)


@router.post("/notices/due", response_model=dict[str, int])
def send_due_notices(runtime: RuntimeDep, who: Writer) -> dict[str, int]:
    """Queue every subscriber notice whose non-disclosure order has ended."""
    with runtime.uow(who.actor) as uow:
        return {"queued": notices.send_due(uow)}


Start = Annotated[datetime, Query(description="period start (inclusive), with timezone")]
End = Annotated[datetime, Query(description="period end (exclusive), with timezone")]


def _period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise HTTPException(422, "start: give timezones on start and end")
    if end <= start:
        raise HTTPException(422, "end: must be after start")


@router.get("/reports/disclosures", response_model=list[dict[str, Any]])
def disclosure_log(
    start: Start, end: End, runtime: RuntimeDep, who: Reader, recipient_kind: str | None = None
) -> list[dict[str, Any]]:
    """Disclosures by recipient kind, recipient and category (the source of Shine the Light answers)."""
    _period(start, end)
    with runtime.uow(who.actor) as uow:
        return [line.__dict__ for line in reports.disclosure_log(uow, start, end, recipient_kind=recipient_kind)]


@router.get("/reports/transparency", response_model=dict[str, Any])
def transparency(start: Start, end: End, runtime: RuntimeDep, who: Reader) -> dict[str, Any]:
    """Demands received in the period by kind and outcome."""
    _period(start, end)
    with runtime.uow(who.actor) as uow:
        report = reports.transparency_report(uow, start, end)
    return {
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "total": report.total,
        "emergency_disclosures": report.emergency_disclosures,
        "kinds": [k.__dict__ for k in report.kinds],
    }
