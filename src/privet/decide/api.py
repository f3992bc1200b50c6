"""`POST /v1/decisions`: may this purpose use this data of this person?"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from privet.access.permissions import Permission
from privet.access.tokens import Principal
from privet.api.deps import RuntimeDep, require
from privet.decide.engine import Request as UseRequest
from privet.decide.engine import UnknownRecipient
from privet.decide.service import decide_for_person
from privet.policy.check import known_categories, known_purposes
from privet.policy.model import PolicyPack
from privet.subjects.refs import PersonRef, resolve

router = APIRouter(prefix="/v1", tags=["decisions"])
Key = Annotated[str, Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=200)]


class DecisionBody(PersonRef):
    model_config = ConfigDict(extra="forbid")
    categories: list[Key] = Field(min_length=1, max_length=50)
    purpose: Key
    recipient: str = Field(min_length=1, max_length=120)
    channel: str | None = Field(default=None, max_length=40)
    at: datetime | None = Field(default=None, description="when the use would happen (default now); timezone required")


class UseFields(Protocol):
    """What a body says of a use: the data, the purpose, the recipient, the channel and when."""

    categories: list[str]
    purpose: str
    recipient: str
    channel: str | None
    at: datetime | None


def checked_use(body: UseFields, pack: PolicyPack) -> UseRequest:
    """The use a body describes, once its time has a zone and its categories and purpose are the pack's (else 422)."""
    if body.at is not None and body.at.tzinfo is None:
        raise HTTPException(422, "at: give a timezone (e.g. 2026-11-22T10:00:00Z)")
    unknown = [c for c in body.categories if c not in known_categories(pack)]
    if unknown:
        raise HTTPException(422, f"categories: unknown data category '{unknown[0]}'")
    if body.purpose not in known_purposes(pack):
        raise HTTPException(422, f"purpose: unknown purpose '{body.purpose}'")
    return UseRequest(tuple(body.categories), body.purpose, body.recipient, body.channel)


class ReasonView(BaseModel):
    source: str
    rule: str
    text: str
    citation: str
    allows: bool


class DecisionView(BaseModel):
    person_id: int
    allowed: bool
    basis: str
    policy_version: str
    rule: str | None
    regime_rules: list[str]
    reasons: list[ReasonView]
    obligations: list[str]


@router.post("/decisions", response_model=DecisionView)
def decide(
    body: DecisionBody,
    request: Request,
    runtime: RuntimeDep,
    who: Annotated[Principal, Depends(require(Permission.DECISIONS_CREATE))],
) -> DecisionView:
    """Decide one use against the policy, the person's choices and the law; the decision is audited."""
    use = checked_use(body, runtime.pack)
    with runtime.uow(who.actor) as uow:
        person_id = resolve(uow, body)
        try:
            decision = decide_for_person(uow, runtime.decider, person_id, use, body.at, gpc=request.headers.get("sec-gpc") == "1")
        except UnknownRecipient as exc:
            raise HTTPException(422, str(exc)) from None
    return DecisionView(person_id=person_id, **decision.as_dict())
