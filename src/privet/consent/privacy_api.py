"""The subscriber-facing consent API behind the privacy center (no staff token; a signed session).

Every request honours browser signals: `Sec-GPC: 1` is recorded as an opt-out of sale and
sharing where CCPA applies, and the response says so (CCPA-07, CCPA-08); `DNT: 1` is recorded
and handled as the pack says.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from privet.access.permissions import Permission
from privet.access.tokens import Principal
from privet.api.deps import RuntimeDep, require
from privet.consent import ledger
from privet.consent.channels import apply_browser_signals
from privet.consent.ledger import ConsentError
from privet.consent.links import InvalidLink, make_session_token, read_session_token
from privet.runtime import Runtime
from privet.subjects.refs import PersonRef, resolve

router = APIRouter(prefix="/privacy/api", tags=["privacy center"])
staff = APIRouter(prefix="/v1", tags=["consent"])
GPC_HONOURED = "Opt-Out Request Honored"


class SessionView(BaseModel):
    token: str
    expires_in_seconds: int


class MyChoice(BaseModel):
    choice: str
    name: str
    description: str
    kind: str
    value: bool
    channels: list[str]
    effective_at: datetime | None


class MyChoices(BaseModel):
    person_id: int
    gpc: str | None = Field(description="'Opt-Out Request Honored' when a GPC signal was received and applied")
    do_not_track: str | None
    choices: list[MyChoice]


class SetChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    choice: str = Field(min_length=1, max_length=120)
    value: bool


def session_person(
    runtime: RuntimeDep,
    authorization: Annotated[str | None, Header()] = None,
    privet_session: Annotated[str | None, Header()] = None,
) -> int:
    token = (authorization or "").removeprefix("Session ").strip() or (privet_session or "")
    if not token:
        raise HTTPException(401, "sign in to the privacy center first")
    try:
        with runtime.uow("privacy-center") as uow:
            return read_session_token(token, uow.now())
    except InvalidLink as exc:
        raise HTTPException(401, str(exc)) from None


Person = Annotated[int, Depends(session_person)]


def handle_signals(runtime: Runtime, request: Request, person_id: int) -> tuple[str | None, str | None]:
    gpc = request.headers.get("sec-gpc", "").strip() == "1"
    dnt = request.headers.get("dnt", "").strip() == "1"
    if not (gpc or dnt):
        return None, None
    with runtime.uow(f"subject:{person_id}") as uow:
        result = apply_browser_signals(uow, runtime.pack, person_id=person_id, gpc=gpc, dnt=dnt, page=request.url.path)
    gpc_text = (GPC_HONOURED if result.gpc_honoured else "received; no sale or sharing applies to you") if gpc else None
    dnt_text = None
    if dnt:
        dnt_text = (
            "honoured"
            if runtime.pack.statements.do_not_track == "honoured"
            else "recorded; our policy does not respond to Do Not Track"
        )
    return gpc_text, dnt_text


def my_choices(runtime: Runtime, person_id: int, gpc: str | None, dnt: str | None) -> MyChoices:
    with runtime.uow(f"subject:{person_id}") as uow:
        states = ledger.current_choices(uow, person_id)
    return MyChoices(
        person_id=person_id,
        gpc=gpc,
        do_not_track=dnt,
        choices=[
            MyChoice(
                choice=c.id,
                name=c.name,
                description=c.description,
                kind=c.kind,
                value=states[c.id].value if c.id in states else c.default == "allowed",
                channels=[str(ch) for ch in c.channels],
                effective_at=states[c.id].effective_at if c.id in states else None,
            )
            for c in runtime.pack.choices
        ],
    )


@router.get("/me/choices", response_model=MyChoices)
def read_mine(request: Request, runtime: RuntimeDep, person_id: Person) -> MyChoices:
    gpc, dnt = handle_signals(runtime, request, person_id)
    return my_choices(runtime, person_id, gpc, dnt)


@router.post("/me/choices", response_model=MyChoices)
def set_mine(body: SetChoice, request: Request, runtime: RuntimeDep, person_id: Person) -> MyChoices:
    gpc, dnt = handle_signals(runtime, request, person_id)
    try:
        with runtime.uow(f"subject:{person_id}") as uow:
            ledger.record_choice(
                uow,
                runtime.pack,
                person_id=person_id,
                choice_id=body.choice,
                value=body.value,
                channel="privacy_center",
                evidence={"page": request.url.path},
            )
    except ConsentError as exc:
        raise HTTPException(422, f"choice: {exc}") from None
    return my_choices(runtime, person_id, gpc, dnt)


@staff.post("/consent/privacy-sessions", response_model=SessionView, status_code=201)
def open_session(
    body: PersonRef, runtime: RuntimeDep, who: Annotated[Principal, Depends(require(Permission.CONSENT_WRITE))]
) -> SessionView:
    """A privacy-center session for a subscriber the caller has already authenticated (e.g. the provider's portal)."""
    with runtime.uow(who.actor) as uow:
        person_id = resolve(uow, body)
        token = make_session_token(person_id, uow.now())
        uow.record("privacy_center.session_opened", f"person:{person_id}", by=who.role)
    return SessionView(token=token, expires_in_seconds=12 * 3600)
