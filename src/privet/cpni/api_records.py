"""CPNI record routes for the privacy officer: breaches and their dates, campaigns and approvals, complaints."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from privet.access.tokens import Principal
from privet.api.deps import RowId, RuntimeDep
from privet.cpni import breaches, campaigns, complaints
from privet.cpni.contacts import CpniError
from privet.cpni.routing import refusals, require_grant
from privet.store.uow import UnitOfWork

router = APIRouter(prefix="/v1/cpni", tags=["cpni records"])
Key = Annotated[str, Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=20_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BreachBody(Strict):
    discovered_on: date
    determined_on: date
    description: Text
    data_description: Text
    circumstances: Text
    intentional: bool = True
    affected_count: int | None = Field(default=None, ge=0, le=10**9)
    person_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(default_factory=list, max_length=100_000)
    harm: str | None = Field(default=None, pattern=r"^(no_harm_reasonably_likely|encrypted_only_key_safe)$")
    harm_rationale: str | None = Field(default=None, max_length=20_000)


class ReportBody(Strict):
    reported_on: date
    reference: str = Field(min_length=1, max_length=200)


class HoldBody(Strict):
    kind: str = Field(pattern=r"^(initial|extension|release)$")
    agency: str = Field(min_length=1, max_length=200)
    directed_on: date
    until: date | None = None
    reference: str = Field(min_length=1, max_length=300)


class NoticeBody(Strict):
    body: Text


class BreachView(BaseModel):
    id: int
    rule: str
    determined_on: date
    reported_on: date | None
    report_to: list[str]
    report_due: date
    report_is_annual_summary: bool
    customer_notice_required: bool
    earliest_customer_notice: date | None
    customer_notice_due: date | None
    hold_until: date | None
    customers_notified_on: date | None
    due_now: list[str]
    reasons: list[str]


class CampaignBody(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: Text
    cpni_used: list[Key] = Field(min_length=1, max_length=50)
    products_offered: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1, max_length=100)
    purpose: Key
    recipient: str = Field(default="first_party", min_length=1, max_length=120)
    channel: str | None = Field(default=None, max_length=40)
    outbound: bool = False
    asks_for_cpni_approval: bool = False


class ApprovalBody(Strict):
    note: str = Field(min_length=1, max_length=2000)


class LaunchBody(Strict):
    person_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(min_length=1, max_length=100_000)


class CampaignView(BaseModel):
    id: int
    name: str
    approved_by: str | None
    launched: bool
    audience: int
    reached: int
    refused: dict[str, int] = Field(default_factory=dict)


class ComplaintBody(Strict):
    received_on: date
    category: str = Field(pattern=r"^(employee_access|improper_disclosure|online_access|other)$")
    summary: Text
    person_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    resolution: str | None = Field(default=None, max_length=20_000)


class BrokerBody(Strict):
    taken_on: date
    broker: str = Field(min_length=1, max_length=300)
    action: Text


class Created(BaseModel):
    id: int


def _view(uow: UnitOfWork, breach_id: int) -> BreachView:
    st = breaches.status(uow, breaches.get_breach(uow, breach_id))
    b, d = st.breach, st.dates
    return BreachView(
        id=b.id,
        rule=b.rule,
        determined_on=b.determined_on,
        reported_on=b.reported_on,
        report_to=list(d.report_to),
        report_due=d.report_due,
        report_is_annual_summary=d.report_is_annual_summary,
        customer_notice_required=d.customer_notice_required,
        earliest_customer_notice=d.earliest_customer_notice,
        customer_notice_due=d.customer_notice_due,
        hold_until=st.hold_until,
        customers_notified_on=b.customers_notified_on,
        due_now=list(st.due_now),
        reasons=list(d.reasons),
    )


Breaches = Annotated[Principal, Depends(require_grant("cpni:breaches"))]
Records = Annotated[Principal, Depends(require_grant("cpni:records"))]


@router.post("/breaches", response_model=BreachView, status_code=201)
def record_breach(body: BreachBody, runtime: RuntimeDep, who: Breaches) -> BreachView:
    """Record a breach; the answer gives the report deadline and the first day customers may be told."""
    with runtime.uow(who.actor) as uow, refusals(CpniError):
        row = breaches.record_breach(uow, **body.model_dump())
        return _view(uow, row.id)


@router.get("/breaches", response_model=list[BreachView])
def open_breaches(runtime: RuntimeDep, who: Breaches) -> list[BreachView]:
    """Open breaches and what is due on each."""
    with runtime.uow(who.actor) as uow:
        return [_view(uow, st.breach.id) for st in breaches.open_breaches(uow)]


@router.get("/breaches/{breach_id}", response_model=BreachView)
def read_breach(breach_id: RowId, runtime: RuntimeDep, who: Breaches) -> BreachView:
    with runtime.uow(who.actor) as uow, refusals(CpniError):
        return _view(uow, breach_id)


@router.post("/breaches/{breach_id}/report", response_model=BreachView)
def report_breach(breach_id: RowId, body: ReportBody, runtime: RuntimeDep, who: Breaches) -> BreachView:
    """Record the report to law enforcement (and the FCC under the 2023 rule)."""
    with runtime.uow(who.actor) as uow, refusals(CpniError):
        breaches.record_report(uow, breach_id, reported_on=body.reported_on, reference=body.reference)
        return _view(uow, breach_id)


@router.post("/breaches/{breach_id}/holds", response_model=BreachView, status_code=201)
def hold_breach(breach_id: RowId, body: HoldBody, runtime: RuntimeDep, who: Breaches) -> BreachView:
    """Record an agency's written direction to delay customer notice, an extension, or its release."""
    with runtime.uow(who.actor) as uow, refusals(CpniError):
        breaches.add_hold(uow, breach_id, **body.model_dump())
        return _view(uow, breach_id)


@router.post("/breaches/{breach_id}/customer-notices", response_model=BreachView, status_code=201)
def notify_customers(breach_id: RowId, body: NoticeBody, runtime: RuntimeDep, who: Breaches) -> BreachView:
    """Queue the customer notice; refused before the law allows customers to be told."""
    with runtime.uow(who.actor) as uow, refusals(CpniError):
        breaches.notify_customers(uow, breach_id, body=body.body)
        return _view(uow, breach_id)


@router.post("/campaigns", response_model=CampaignView, status_code=201)
def record_campaign(body: CampaignBody, runtime: RuntimeDep, who: Records) -> CampaignView:
    with runtime.uow(who.actor) as uow, refusals(CpniError):
        c = campaigns.record_campaign(uow, **body.model_dump())
        return CampaignView(id=c.id, name=c.name, approved_by=None, launched=False, audience=0, reached=0)


@router.post("/campaigns/{campaign_id}/approval", response_model=CampaignView)
def approve_campaign(
    campaign_id: RowId, body: ApprovalBody, runtime: RuntimeDep, who: Annotated[Principal, Depends(require_grant("cpni:approve"))]
) -> CampaignView:
    """A supervisor approves an outbound campaign that will ask customers for CPNI approval."""
    with runtime.uow(who.actor) as uow, refusals(CpniError):
        c = campaigns.approve_campaign(uow, campaign_id, note=body.note)
        return CampaignView(id=c.id, name=c.name, approved_by=c.approved_by, launched=False, audience=0, reached=0)


@router.post("/campaigns/{campaign_id}/launch", response_model=CampaignView)
def launch_campaign(campaign_id: RowId, body: LaunchBody, runtime: RuntimeDep, who: Records) -> CampaignView:
    """Start a campaign: each person is decided, and the record keeps how many it reached."""
    with runtime.uow(who.actor) as uow, refusals(CpniError):
        launch = campaigns.launch_campaign(uow, runtime.decider, campaign_id, body.person_ids)
        c = campaigns.get_campaign(uow, campaign_id)
        return CampaignView(
            id=c.id,
            name=c.name,
            approved_by=c.approved_by,
            launched=True,
            audience=launch.audience,
            reached=len(launch.allowed),
            refused=launch.refused,
        )


@router.post("/complaints", response_model=Created, status_code=201)
def record_complaint(body: ComplaintBody, runtime: RuntimeDep, who: Breaches) -> Created:
    with runtime.uow(who.actor) as uow, refusals(CpniError):
        return Created(id=complaints.record_complaint(uow, **body.model_dump()).id)


@router.post("/broker-actions", response_model=Created, status_code=201)
def record_broker_action(body: BrokerBody, runtime: RuntimeDep, who: Breaches) -> Created:
    with runtime.uow(who.actor) as uow, refusals(CpniError):
        return Created(id=complaints.record_broker_action(uow, **body.model_dump()).id)
