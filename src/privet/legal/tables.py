"""Disclosure records and preservation holds.

Every release of personal data outside the provider is a `Disclosure`: what, to whom, why and
under which decision or legal demand (a `Demand`, with any `SubscriberNotice` it owes). Shine
the Light answers and transparency reports are drawn from these rows. A `Hold` keeps records
from deletion (requests and retention sweeps) while it is active.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privet.store.db import Base


class Disclosure(Base):
    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(120), index=True)
    recipient_kind: Mapped[str] = mapped_column(String(40), index=True)
    recipient_name: Mapped[str] = mapped_column(String(300))
    recipient_address: Mapped[str | None] = mapped_column(Text)
    categories: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    basis: Mapped[str] = mapped_column(String(40))
    policy_version: Mapped[str | None] = mapped_column(String(40))
    demand_id: Mapped[int | None] = mapped_column(Integer, index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Hold(Base):
    """A preservation or litigation hold. Scope: a person, an account, or everything of a table."""

    __tablename__ = "holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # preservation_2703f | litigation | csam_2258a | cable_551e | other
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    account_number: Mapped[str | None] = mapped_column(String(64), index=True)
    scope: Mapped[list[str]] = mapped_column(
        JSON, default=list
    )  # data categories or dataset tables; empty = everything of the subject
    reason: Mapped[str] = mapped_column(Text)
    demand_id: Mapped[int | None] = mapped_column(Integer, index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    renewals: Mapped[int] = mapped_column(Integer, default=0)
    released_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(200))


class Demand(Base):
    """A legal demand or other disclosure request: who asked, under what authority, for what, by when.

    `kind` decides what may be released (see `process.py`); the release itself still goes
    through the decision point and is logged as a `Disclosure` carrying this row's id.
    """

    __tablename__ = "legal_demands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    issuer: Mapped[str] = mapped_column(String(300))
    issuer_kind: Mapped[str] = mapped_column(String(20))  # government | private | psap | acquirer
    reference: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(index=True)
    deadline: Mapped[datetime | None]
    recipient: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    account_number: Mapped[str | None] = mapped_column(String(64), index=True)
    scope: Mapped[list[str]] = mapped_column(JSON, default=list)  # the data categories the demand asks for
    scope_details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    nondisclosure_until: Mapped[date | None] = mapped_column(Date)
    nondisclosure_indefinite: Mapped[bool] = mapped_column(default=False)
    good_faith_basis: Mapped[str | None] = mapped_column(Text)
    attestations: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), index=True)  # open | fulfilled | partial | rejected | withdrawn
    outcome_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(200))


class SubscriberNotice(Base):
    """A notice owed to a subscriber about a demand, held back while a non-disclosure order runs."""

    __tablename__ = "legal_subscriber_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("legal_demands.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    basis: Mapped[str] = mapped_column(String(60))  # CABLE-03 | policy:notify_subscriber | civil_process
    before_release: Mapped[bool]
    status: Mapped[str] = mapped_column(String(20))  # waiting | queued | given
    message_id: Mapped[str | None] = mapped_column(String(36))
    given_at: Mapped[datetime | None]
    given_by: Mapped[str | None] = mapped_column(String(40))  # outbox | mail | in_person
    created_at: Mapped[datetime]
