"""CPNI safeguard tables: credentials, authentications, campaigns, breaches, complaints.

Secrets (passwords, backup answers, one-time PINs) are stored only as scrypt hashes with their
parameters, never in the clear, so a copy of the database cannot be used to pass an
authentication. Authentications are kept per interaction (one call, one online session, one
store visit): the disclosure check asks whether *this* interaction passed, never whether the
customer passed once.

Campaign, breach and complaint rows are the records the FCC rules require and the annual
certification is written from (64.2009(c)-(e), 64.2011(d)); the retention sweep keeps them for
their legal minimum.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privet.store.db import Base


class Credential(Base):
    """A password, backup answer or online password of one person on one account; history kept."""

    __tablename__ = "cpni_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # password | backup_answer | online_password
    secret_hash: Mapped[str] = mapped_column(String(300))
    question: Mapped[str | None] = mapped_column(String(300))
    setup_method: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]
    replaced_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)
    reset_required_at: Mapped[datetime | None]


class Authentication(Base):
    """One authentication attempt in one interaction, and what it lets the rep disclose."""

    __tablename__ = "cpni_authentications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interaction_id: Mapped[str] = mapped_column(String(120), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # inbound_call | call_back | online | in_store
    method: Mapped[str] = mapped_column(String(30))
    passed: Mapped[bool]
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)  # call_detail | cpni
    reason: Mapped[str] = mapped_column(String(500))
    rule: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(index=True)
    expires_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))


class Pin(Base):
    """A one-time code sent to an address or number of record, to authenticate without biographical data."""

    __tablename__ = "cpni_pins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interaction_id: Mapped[str] = mapped_column(String(120), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(300))
    destination_kind: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Campaign(Base):
    """A sales or marketing campaign that uses CPNI (64.2009(c)), with its supervisory approval (64.2009(d))."""

    __tablename__ = "cpni_campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    cpni_used: Mapped[list[str]] = mapped_column(JSON)
    products_offered: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str | None] = mapped_column(String(40))
    outbound: Mapped[bool]
    asks_for_cpni_approval: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None]
    approval_note: Mapped[str | None] = mapped_column(Text)
    launched_at: Mapped[datetime | None]
    audience: Mapped[int] = mapped_column(Integer, default=0)
    reached: Mapped[int] = mapped_column(Integer, default=0)


class Breach(Base):
    """A CPNI breach and the dates its notices depend on (64.2011); `rule` is the version applied."""

    __tablename__ = "cpni_breaches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(10))  # 2007 | 2023
    discovered_on: Mapped[date] = mapped_column(Date)
    determined_on: Mapped[date] = mapped_column(Date, index=True)
    description: Mapped[str] = mapped_column(Text)
    data_description: Mapped[str] = mapped_column(Text)
    circumstances: Mapped[str] = mapped_column(Text)
    intentional: Mapped[bool]
    affected_count: Mapped[int | None] = mapped_column(Integer)
    person_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    harm: Mapped[str | None] = mapped_column(String(40))  # no_harm_reasonably_likely | encrypted_only_key_safe
    harm_rationale: Mapped[str | None] = mapped_column(Text)
    reported_on: Mapped[date | None] = mapped_column(Date)
    report_reference: Mapped[str | None] = mapped_column(String(200))
    urgent_consulted_on: Mapped[date | None] = mapped_column(Date)
    urgent_agency: Mapped[str | None] = mapped_column(String(200))
    customers_notified_on: Mapped[date | None] = mapped_column(Date)
    customers_notified: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime | None]


class BreachHold(Base):
    """A written agency direction not to notify customers yet (64.2011(b)(3)), an extension, or its release."""

    __tablename__ = "cpni_breach_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    breach_id: Mapped[int] = mapped_column(ForeignKey("cpni_breaches.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # initial | extension | release
    agency: Mapped[str] = mapped_column(String(200))
    directed_on: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]


class Complaint(Base):
    """A customer complaint about unauthorized release of CPNI, summarised in the annual certification."""

    __tablename__ = "cpni_complaints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    category: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class BrokerAction(Base):
    """An action taken against a data broker (pretexter), reported in the annual certification."""

    __tablename__ = "cpni_broker_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    taken_on: Mapped[date] = mapped_column(Date, index=True)
    broker: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
