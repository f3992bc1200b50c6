"""Consent tables: the append-only ledger and the projection of each person's current choices.

The projection (`consent_state`) is derived data: `rebuild` recreates it from the ledger and
a test proves the two agree, so the ledger alone is the record of what people chose.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from privet.store.db import Base


class ConsentEvent(Base):
    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    choice_id: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # opt_in | opt_out | withdrawal | policy_acceptance | signal | notice
    value: Mapped[bool]
    channel: Mapped[str] = mapped_column(String(40))
    identity_kind: Mapped[str | None] = mapped_column(String(20))
    identity_value: Mapped[str | None] = mapped_column(String(320))
    actor: Mapped[str] = mapped_column(String(200))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime]
    effective_at: Mapped[datetime]
    legal_deadline_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    policy_version: Mapped[str | None] = mapped_column(String(40))


class ConsentState(Base):
    __tablename__ = "consent_state"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    choice_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[bool]
    effective_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[int] = mapped_column(ForeignKey("consent_events.id"))
    expires_at: Mapped[datetime | None]


class PolicyAnnouncement(Base):
    """One person told of one material policy change (`consent.announcements`): each is told once per version."""

    __tablename__ = "policy_announcements"
    __table_args__ = (UniqueConstraint("version", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(40), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[str] = mapped_column(String(36))
    sent_at: Mapped[datetime]
