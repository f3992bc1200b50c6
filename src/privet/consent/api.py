"""Consent routes: record choices by any channel, read a person's choices and their history,
receive SMS replies, issue one-click unsubscribe links, and the public unsubscribe endpoint."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from privet.access.permissions import Permission
from privet.access.tokens import Principal
from privet.api.deps import RowId, RuntimeDep, require
from privet.consent import ledger
from privet.consent.channels import handle_inbound_sms, one_click_unsubscribe
from privet.consent.ledger import ConsentError
from privet.consent.links import (
    ONE_CLICK_BODY,
    InvalidLink,
    list_unsubscribe_headers,
    make_unsubscribe_token,
    read_unsubscribe_token,
)
from privet.policy.taxonomy import Channel
from privet.subjects.refs import PersonRef, resolve

router = APIRouter(prefix="/v1", tags=["consent"])
public = APIRouter(tags=["public"])
Reader = Annotated[Principal, Depends(require(Permission.CONSENT_READ))]
Writer = Annotated[Principal, Depends(require(Permission.CONSENT_WRITE))]


class ChoiceBody(PersonRef):
    model_config = ConfigDict(extra="forbid")
    choice: str = Field(min_length=1, max_length=120)
    value: bool = Field(description="true: opt in / allow; false: opt out / refuse")
    channel: Channel
    evidence: dict[str, Any] = Field(
        default_factory=dict, description="request id, form version, recording reference, care rep id…"
    )
    received_at: datetime | None = None


class RecordedView(BaseModel):
    event_id: int
    choice: str
    value: bool
    effective_at: datetime
    legal_deadline_at: datetime | None
    within_legal_deadline: bool | None


class ChoiceStateView(BaseModel):
    choice: str
    name: str
    kind: str
    value: bool
    source: str  # "default" or the channel of the last event
    effective_at: datetime | None


class EventView(BaseModel):
    id: int
    choice: str
    kind: str
    value: bool
    channel: str
    actor: str
    evidence: dict[str, Any]
    received_at: datetime
    effective_at: datetime
    legal_deadline_at: datetime | None


class ChoicesView(BaseModel):
    person_id: int
    current: list[ChoiceStateView]
    history: list[EventView]


class SmsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_number: str = Field(min_length=3, max_length=40, alias="from")
    body: str = Field(max_length=2000)


class SmsView(BaseModel):
    stop: bool
    person_id: int | None
    opted_out_of: list[str]
    confirmation_queued: bool


class LinkBody(PersonRef):
    model_config = ConfigDict(extra="forbid")
    choice: str = Field(min_length=1, max_length=120)
    base_url: str = Field(default="http://127.0.0.1:8000", max_length=300, pattern=r"^https?://")
    mailto: str | None = Field(default=None, max_length=320)


class LinkView(BaseModel):
    token: str
    url: str
    headers: dict[str, str]


def _recorded(r: ledger.Recorded) -> RecordedView:
    return RecordedView(
        event_id=r.event_id,
        choice=r.choice_id,
        value=r.value,
        effective_at=r.effective_at,
        legal_deadline_at=r.legal_deadline_at,
        within_legal_deadline=r.within_legal_deadline,
    )


@router.post("/consent/choices", response_model=RecordedView, status_code=201)
def record(body: ChoiceBody, runtime: RuntimeDep, who: Writer) -> RecordedView:
    """Record a choice said on the phone, written in a letter, made in a form…, with its evidence."""
    if body.received_at is not None and body.received_at.tzinfo is None:
        raise HTTPException(422, "received_at: give a timezone")
    evidence = {**body.evidence, "recorded_by_role": who.role}
    with runtime.uow(who.actor) as uow:
        person_id = resolve(uow, body)
        try:
            result = ledger.record_choice(
                uow,
                runtime.pack,
                person_id=person_id,
                choice_id=body.choice,
                value=body.value,
                channel=body.channel.value,
                evidence=evidence,
                received_at=body.received_at,
            )
        except ConsentError as exc:
            raise HTTPException(422, f"choice: {exc}") from None
    return _recorded(result)


@router.get("/persons/{person_id}/choices", response_model=ChoicesView)
def choices(person_id: RowId, runtime: RuntimeDep, who: Reader) -> ChoicesView:
    """Every choice the policy offers, its current value for this person, and the ledger behind it."""
    with runtime.uow(who.actor) as uow:
        states = ledger.current_choices(uow, person_id)
        events = ledger.history(uow, person_id)
        current = []
        for choice in runtime.pack.choices:
            state = states.get(choice.id)
            current.append(
                ChoiceStateView(
                    choice=choice.id,
                    name=choice.name,
                    kind=choice.kind,
                    value=state.value if state else choice.default == "allowed",
                    source=state.channel if state else "default",
                    effective_at=state.effective_at if state else None,
                )
            )
        uow.record("consent.read", f"person:{person_id}", role=who.role)
        return ChoicesView(
            person_id=person_id,
            current=current,
            history=[
                EventView(
                    id=e.id,
                    choice=e.choice_id,
                    kind=e.kind,
                    value=e.value,
                    channel=e.channel,
                    actor=e.actor,
                    evidence=e.evidence,
                    received_at=e.received_at,
                    effective_at=e.effective_at,
                    legal_deadline_at=e.legal_deadline_at,
                )
                for e in events
            ],
        )


@router.post("/consent/sms/inbound", response_model=SmsView)
def inbound_sms(body: SmsBody, runtime: RuntimeDep, who: Writer) -> SmsView:
    """An SMS gateway forwards replies here; STOP, QUIT, END, REVOKE, OPT OUT, CANCEL, UNSUBSCRIBE opt out."""
    with runtime.uow(who.actor) as uow:
        result = handle_inbound_sms(uow, runtime.pack, from_number=body.from_number, body=body.body)
    return SmsView(
        stop=result.stop,
        person_id=result.person_id,
        opted_out_of=[r.choice_id for r in result.recorded],
        confirmation_queued=result.confirmation_queued,
    )


@router.post("/consent/unsubscribe-links", response_model=LinkView, status_code=201)
def unsubscribe_link(body: LinkBody, runtime: RuntimeDep, who: Writer) -> LinkView:
    """A signed RFC 8058 one-click link and the headers to put on a marketing email."""
    if runtime.pack.choice(body.choice) is None:
        raise HTTPException(422, f"choice: '{body.choice}' is not offered by the policy")
    with runtime.uow(who.actor) as uow:
        person_id = resolve(uow, body)
        token = make_unsubscribe_token(person_id, body.choice, uow.now())
    headers = list_unsubscribe_headers(body.base_url, token, body.mailto)
    return LinkView(token=token, url=f"{body.base_url.rstrip('/')}/unsubscribe/{token}", headers=headers)


@public.post("/unsubscribe/{token}", response_class=HTMLResponse)
def one_click(
    token: str, runtime: RuntimeDep, list_unsubscribe: Annotated[str | None, Form(alias="List-Unsubscribe")] = None
) -> HTMLResponse:
    """RFC 8058 one-click unsubscribe: a mail client POSTs `List-Unsubscribe=One-Click`; no login needed."""
    try:
        with runtime.uow("unsubscribe-link") as uow:
            one_click_unsubscribe(uow, runtime.pack, token)
    except InvalidLink as exc:
        raise HTTPException(400, str(exc)) from None
    return HTMLResponse(_page("You are unsubscribed", "You will receive no more of these emails. Nothing else is needed."))


@public.get("/unsubscribe/{token}", response_class=HTMLResponse)
def landing(token: str, runtime: RuntimeDep) -> HTMLResponse:
    """The landing page for a person who clicks the link: one button, no login (a GET never unsubscribes)."""
    try:
        with runtime.uow("unsubscribe-link") as uow:
            claim = read_unsubscribe_token(token, uow.now())
    except InvalidLink as exc:
        raise HTTPException(400, str(exc)) from None
    choice = runtime.pack.choice(claim.choice_id)
    name = choice.name if choice else claim.choice_id
    form = (
        f'<form method="post" action="/unsubscribe/{token}">'
        f'<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        f'<button type="submit">Unsubscribe from {_escape(name)}</button></form>'
    )
    return HTMLResponse(_page(f"Unsubscribe from {name}?", form, raw=True))


def _escape(text: str) -> str:
    return escape(text, quote=True)


def _page(title: str, body: str, raw: bool = False) -> str:
    content = body if raw else f"<p>{_escape(body)}</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_escape(title)}</title></head><body><main><h1>{_escape(title)}</h1>{content}</main></body></html>"
    )


__all__ = ["ONE_CLICK_BODY", "public", "router"]
