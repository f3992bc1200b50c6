"""What the API and `--json` show of notices, cases, strikes, steps, disputes and takedowns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from privet.abuse.tables import AbuseAction, AbuseCase, AbuseCounterNotice, AbuseDispute, AbuseNotice, AbuseStrike, AbuseTakedown


class _View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class NoticeView(_View):
    id: int
    received_at: datetime
    channel: str
    format: str
    status: str
    reason: str | None
    violation: str | None
    kind: str | None
    prohibition: str | None
    complainant: str | None
    reply_to: str | None
    sender_case_id: str | None
    source_ip: str | None
    source_port: int | None
    source_number: str | None
    event_at: datetime | None
    material_url: str | None
    confidence: float
    attribution: str | None
    account_number: str | None
    case_id: int | None
    reply: str | None
    subscriber_notified_at: datetime | None
    size: int
    sha256: str
    facts: dict[str, Any]


class StrikeView(_View):
    id: int
    notice_id: int
    kind: str
    prohibition: str | None
    at: datetime
    expires_at: datetime | None
    removed_at: datetime | None
    removed_reason: str | None


class ActionView(_View):
    id: int
    step: str
    at_strikes: int
    at: datetime
    from_status: str | None
    to_status: str | None
    reason: str
    ground: str | None
    resume_at: datetime | None
    resumed_at: datetime | None
    revoked_at: datetime | None
    acknowledged_at: datetime | None
    role: str | None


class CaseView(_View):
    id: int
    account_number: str
    kind: str
    opened_at: datetime
    updated_at: datetime
    notice_count: int
    strike_count: int
    reminders: int
    notices: list[int] = []
    strikes: list[StrikeView] = []
    actions: list[ActionView] = []


class DisputeView(_View):
    id: int
    strike_id: int
    ground: str
    statement: str
    opened_at: datetime
    status: str
    decided_at: datetime | None
    decision_reason: str | None


class CounterNoticeView(_View):
    id: int
    received_at: datetime
    valid: bool
    missing: list[str]
    forwarded_message_id: str | None


class TakedownView(_View):
    id: int
    notice_id: int
    account_number: str
    material_url: str
    status: str
    disabled_at: datetime
    counter_received_at: datetime | None
    restore_not_before: date | None
    restore_by: date | None
    restored_at: datetime | None
    lawsuit_reported_at: datetime | None
    counter_notices: list[CounterNoticeView] = []


def case_view(session: Session, case: AbuseCase) -> CaseView:
    view = CaseView.model_validate(case)
    view.notices = list(session.scalars(select(AbuseNotice.id).where(AbuseNotice.case_id == case.id).order_by(AbuseNotice.id)))
    view.strikes = [
        StrikeView.model_validate(s)
        for s in session.scalars(select(AbuseStrike).where(AbuseStrike.case_id == case.id).order_by(AbuseStrike.id))
    ]
    actions = session.scalars(
        select(AbuseAction).where(AbuseAction.account_number == case.account_number).order_by(AbuseAction.id)
    )
    view.actions = [ActionView.model_validate(a) for a in actions]
    return view


def takedown_view(session: Session, takedown: AbuseTakedown) -> TakedownView:
    view = TakedownView.model_validate(takedown)
    counters = session.scalars(
        select(AbuseCounterNotice).where(AbuseCounterNotice.takedown_id == takedown.id).order_by(AbuseCounterNotice.id)
    )
    view.counter_notices = [CounterNoticeView.model_validate(c) for c in counters]
    return view


def dispute_view(dispute: AbuseDispute) -> DisputeView:
    return DisputeView.model_validate(dispute)
