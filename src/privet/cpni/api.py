"""CPNI routes for care reps and the portal: authenticate, ask before disclosing, change credentials.

`POST /v1/cpni/authentications` records one attempt in an interaction; `POST /v1/cpni/disclosures`
asks whether CPNI may be disclosed to the person in that interaction and is refused without a
passing authentication there. Secrets travel only in request bodies and are never echoed,
stored in the clear or audited.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from privet.access.tokens import Principal
from privet.api.deps import RuntimeDep
from privet.cpni import auth, changes, contacts
from privet.cpni.contacts import CpniError
from privet.cpni.disclosure import check_caller_disclosure
from privet.cpni.routing import refusals, require_grant
from privet.cpni.rules import Channel, Method, mask
from privet.decide.engine import UnknownRecipient
from privet.runtime import Runtime
from privet.store.uow import UnitOfWork
from privet.subjects.refs import PersonRef, resolve
from privet.subjects.service import get_person
from privet.subjects.tables import Account, Person

router = APIRouter(prefix="/v1/cpni", tags=["cpni"])
Key = Annotated[str, Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=200)]
Interaction = Annotated[str, Field(min_length=1, max_length=120, description="the CRM's id for this call, session or visit")]
Secret = Annotated[str, Field(min_length=1, max_length=200, description="never stored or echoed")]
AccountNo = Annotated[str | None, Field(default=None, min_length=3, max_length=64)]


class OnAccount(PersonRef):
    """A body naming a person and, optionally, the account they speak for (else the one they hold)."""

    account_number: AccountNo = None


class PhotoIdBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(min_length=1, max_length=40, description="drivers_license, passport, state_id, ...")
    expires_on: date
    name_on_id: str = Field(min_length=1, max_length=300)


class AuthenticationBody(OnAccount):
    interaction_id: Interaction
    channel: Channel
    method: Method
    secret: Secret | None = None
    photo_id: PhotoIdBody | None = None
    called_number: str | None = Field(default=None, max_length=40)
    contract_reference: str | None = Field(default=None, max_length=200)


class AuthenticationView(BaseModel):
    id: int
    interaction_id: str
    person_id: int
    passed: bool
    scopes: list[str]
    rule: str
    reason: str
    reset_required: bool
    expires_at: datetime
    alternatives: list[str]


class DisclosureBody(OnAccount):
    interaction_id: Interaction
    categories: list[Key] = Field(min_length=1, max_length=50)
    purpose: Key = "essential.service"


class ReasonView(BaseModel):
    source: str
    rule: str
    text: str
    citation: str
    allows: bool


class DisclosureView(BaseModel):
    person_id: int
    allowed: bool
    basis: str
    policy_version: str
    regime_rules: list[str]
    reasons: list[ReasonView]
    obligations: list[str]
    authentication_id: int | None
    alternatives: list[str]


class CredentialBody(OnAccount):
    kind: str = Field(pattern=r"^(password|backup_answer|online_password)$")
    secret: Secret
    question: str | None = Field(default=None, max_length=300)
    interaction_id: Interaction | None = None
    service_initiation: bool = False


class AddressBody(OnAccount):
    kind: str = Field(pattern=r"^(postal|email|phone)$")
    value: str = Field(min_length=1, max_length=500)
    interaction_id: Interaction


class PinBody(OnAccount):
    interaction_id: Interaction
    destination: str = Field(default="phone", pattern=r"^(phone|email)$")


class CallDetailBody(OnAccount):
    body: str = Field(min_length=1, max_length=200_000, description="the call detail, as the billing system rendered it")
    prefer: str = Field(default="email", pattern=r"^(email|postal)$")
    interaction_id: Interaction | None = None


class Accepted(BaseModel):
    person_id: int
    done: str
    sent_to: str | None = None


@contextmanager
def _subscriber(runtime: Runtime, who: Principal, body: OnAccount) -> Iterator[tuple[UnitOfWork, Person, Account]]:
    """The unit of work, the person the body names and the account in question; CPNI refusals become problems."""
    with runtime.uow(who.actor) as uow, refusals(CpniError):
        person = get_person(uow, resolve(uow, body))
        yield uow, person, auth.account_for(person, body.account_number)


@router.post("/authentications", response_model=AuthenticationView, status_code=201)
def authenticate(
    body: AuthenticationBody, runtime: RuntimeDep, who: Annotated[Principal, Depends(require_grant("cpni:authenticate"))]
) -> AuthenticationView:
    """Record one authentication attempt in an interaction; the answer says what it unlocks."""
    photo = auth.PhotoId(body.photo_id.kind, body.photo_id.expires_on, body.photo_id.name_on_id) if body.photo_id else None
    attempt = auth.Attempt(
        body.interaction_id, body.channel, body.method, body.secret, photo, body.called_number, body.contract_reference
    )
    with _subscriber(runtime, who, body) as (uow, person, account):
        outcome = auth.authenticate(uow, person, account, attempt)
    return AuthenticationView(
        id=outcome.authentication_id,
        interaction_id=outcome.interaction_id,
        person_id=person.id,
        passed=outcome.passed,
        scopes=list(outcome.scopes),
        rule=outcome.rule,
        reason=outcome.reason,
        reset_required=outcome.reset_required,
        expires_at=outcome.expires_at,
        alternatives=list(outcome.alternatives),
    )


@router.post("/disclosures", response_model=DisclosureView)
def disclose(
    body: DisclosureBody, runtime: RuntimeDep, who: Annotated[Principal, Depends(require_grant("cpni:disclose"))]
) -> DisclosureView:
    """May this CPNI be disclosed to the person in this interaction? Refused without a passing authentication."""
    with runtime.uow(who.actor) as uow, refusals(CpniError, UnknownRecipient):
        person_id = resolve(uow, body)
        result = check_caller_disclosure(
            uow,
            runtime.decider,
            interaction_id=body.interaction_id,
            person_id=person_id,
            categories=tuple(body.categories),
            account_number=body.account_number,
            purpose=body.purpose,
        )
    d = result.decision.as_dict()
    return DisclosureView(
        person_id=person_id,
        allowed=d["allowed"],
        basis=d["basis"],
        policy_version=d["policy_version"],
        regime_rules=d["regime_rules"],
        reasons=[ReasonView(**r) for r in d["reasons"]],
        obligations=d["obligations"],
        authentication_id=result.authentication_id,
        alternatives=list(result.alternatives),
    )


@router.post("/credentials", response_model=Accepted, status_code=201)
def set_credential(
    body: CredentialBody, runtime: RuntimeDep, who: Annotated[Principal, Depends(require_grant("cpni:credentials"))]
) -> Accepted:
    """Create or change a password, backup answer or online password; the change notice goes to the old contact."""
    with _subscriber(runtime, who, body) as (uow, person, account):
        changes.set_credential(
            uow,
            person,
            account,
            kind=body.kind,
            secret=body.secret,
            question=body.question,
            interaction_id=body.interaction_id,
            service_initiation=body.service_initiation,
        )
    return Accepted(person_id=person.id, done=f"{body.kind} set")


@router.post("/addresses-of-record", response_model=Accepted, status_code=201)
def change_address(
    body: AddressBody, runtime: RuntimeDep, who: Annotated[Principal, Depends(require_grant("cpni:credentials"))]
) -> Accepted:
    """Change an address or number of record; it counts as of record only after 30 days."""
    with _subscriber(runtime, who, body) as (uow, person, account):
        changes.change_address_of_record(
            uow, person, account, kind=body.kind, value=body.value, interaction_id=body.interaction_id
        )
    return Accepted(person_id=person.id, done=f"{body.kind} of record changed")


@router.post("/pins", response_model=Accepted, status_code=201)
def send_pin(
    body: PinBody, runtime: RuntimeDep, who: Annotated[Principal, Depends(require_grant("cpni:authenticate"))]
) -> Accepted:
    """Send a one-time PIN to a phone or email of record, to authenticate without biographical data."""
    with _subscriber(runtime, who, body) as (uow, person, account):
        target = changes.issue_pin(uow, person, account, interaction_id=body.interaction_id, destination=body.destination)
    return Accepted(person_id=person.id, done="PIN sent", sent_to=target.masked)


@router.post("/call-detail/deliveries", response_model=Accepted, status_code=202)
def send_call_detail(
    body: CallDetailBody, runtime: RuntimeDep, who: Annotated[Principal, Depends(require_grant("cpni:disclose"))]
) -> Accepted:
    """Send call detail to the address of record: the route for a caller who has no password."""
    with _subscriber(runtime, who, body) as (uow, person, account):
        target = contacts.send_call_detail_to_record(
            uow, person=person, account=account, body=body.body, prefer=body.prefer, interaction_id=body.interaction_id
        )
    return Accepted(person_id=person.id, done="call detail queued", sent_to=f"{target.kind} {mask(target.value)}")
