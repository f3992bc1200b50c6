"""Abuse-desk tables: notices and their evidence, address assignments, cases, strikes, steps, disputes, takedowns.

Notices keep the received bytes in `abuse_evidence`, apart from the searchable row, so listing
cases never drags megabytes of mail through memory. Assignment instants are whole epoch
seconds (UTC by definition): ten million rows index smaller and compare faster as integers
than as timestamps, and the lookup never needs sub-second precision.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from privet.store.db import Base


class AbuseNotice(Base):
    """One notice as received, what privet made of it, and where it went."""

    __tablename__ = "abuse_notices"
    __table_args__ = (Index("ix_abuse_notices_status_received", "status", "received_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(20))  # file | api | maildir | smtp | review
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    case_key: Mapped[str | None] = mapped_column(String(400), unique=True)
    format: Mapped[str] = mapped_column(String(20))  # acns | xarf3 | xarf4 | arf | text | unknown
    status: Mapped[str] = mapped_column(String(20))  # see intake.STATUSES
    reason: Mapped[str | None] = mapped_column(String(500))
    violation: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str | None] = mapped_column(String(30), index=True)
    prohibition: Mapped[str | None] = mapped_column(String(120))
    complainant: Mapped[str | None] = mapped_column(String(300), index=True)
    reply_to: Mapped[str | None] = mapped_column(String(320))
    sender_case_id: Mapped[str | None] = mapped_column(String(200))
    source_ip: Mapped[str | None] = mapped_column(String(45))
    source_port: Mapped[int | None] = mapped_column(Integer)
    source_number: Mapped[str | None] = mapped_column(String(20))
    event_at: Mapped[datetime | None]
    material_url: Mapped[str | None] = mapped_column(String(2000))
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    attribution: Mapped[str | None] = mapped_column(String(30))
    account_number: Mapped[str | None] = mapped_column(String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("abuse_cases.id"), index=True)
    reply: Mapped[str | None] = mapped_column(String(40))
    subscriber_notified_at: Mapped[datetime | None]
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # Declared so a flush writes parents first (ids are assigned before flush); never loaded.
    case: Mapped[AbuseCase | None] = relationship(lazy="raise")


class AbuseEvidence(Base):
    """The notice byte for byte, as it arrived (absent only for input refused as too large to keep)."""

    __tablename__ = "abuse_evidence"

    notice_id: Mapped[int] = mapped_column(ForeignKey("abuse_notices.id"), primary_key=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)

    notice: Mapped[AbuseNotice] = relationship(lazy="raise")


class AbuseNetwork(Base):
    """Address space the provider holds: an address inside it with no assignment is "ours, unassigned"."""

    __tablename__ = "abuse_networks"
    __table_args__ = (UniqueConstraint("family", "prefix_len", "network"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family: Mapped[int] = mapped_column(SmallInteger)
    prefix_len: Mapped[int] = mapped_column(SmallInteger)
    network: Mapped[bytes] = mapped_column(LargeBinary(16))
    description: Mapped[str] = mapped_column(String(300), default="")
    shared: Mapped[bool] = mapped_column(default=False)  # CGNAT pool: addresses are shared by port block


class AbuseAssignment(Base):
    """Who held a prefix (and port block) from `start_s` to `end_s`: a DHCP lease, a RADIUS session, a static, a CGNAT block.

    `tier` buckets the record by how long it lasted (attribution.TIERS), so an interval lookup is
    a bounded index range per tier instead of a scan of an address's whole history.
    """

    __tablename__ = "abuse_assignments"
    __table_args__ = (
        # end and ports ride in the key so rows that do not match are rejected in the index, not the table
        Index("ix_abuse_assignments_lookup", "family", "prefix_len", "network", "tier", "start_s", "end_s", "port_lo", "port_hi"),
        Index(
            "ix_abuse_assignments_session",
            "session_id",
            sqlite_where=text("session_id IS NOT NULL"),
            postgresql_where=text("session_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # dhcp | radius | static | cgnat
    family: Mapped[int] = mapped_column(SmallInteger)
    prefix_len: Mapped[int] = mapped_column(SmallInteger)
    network: Mapped[bytes] = mapped_column(LargeBinary(16))
    tier: Mapped[int] = mapped_column(SmallInteger)
    start_s: Mapped[int] = mapped_column(BigInteger)
    end_s: Mapped[int | None] = mapped_column(BigInteger)
    port_lo: Mapped[int | None] = mapped_column(Integer)
    port_hi: Mapped[int | None] = mapped_column(Integer)
    account_number: Mapped[str | None] = mapped_column(String(64))
    inside_address: Mapped[str | None] = mapped_column(String(45))
    session_id: Mapped[str | None] = mapped_column(String(128))


class AbusePrefixLength(Base):
    """The prefix lengths assignments use, per family: the lengths a lookup masks an address to."""

    __tablename__ = "abuse_prefix_lengths"

    family: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    prefix_len: Mapped[int] = mapped_column(SmallInteger, primary_key=True)


class AbuseCase(Base):
    """All notices of one kind about one subscriber: raw counts beside strikes."""

    __tablename__ = "abuse_cases"
    __table_args__ = (UniqueConstraint("account_number", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_number: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(30))
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    notice_count: Mapped[int] = mapped_column(Integer, default=0)
    strike_count: Mapped[int] = mapped_column(Integer, default=0)
    reminders: Mapped[int] = mapped_column(Integer, default=0)


class AbuseStrike(Base):
    __tablename__ = "abuse_strikes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("abuse_cases.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("abuse_notices.id"), unique=True)
    account_number: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    prohibition: Mapped[str | None] = mapped_column(String(120))
    at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]
    removed_reason: Mapped[str | None] = mapped_column(String(500))

    case: Mapped[AbuseCase] = relationship(lazy="raise")
    notice: Mapped[AbuseNotice] = relationship(lazy="raise")


class AbuseAction(Base):
    """A step taken against an account: a ladder step, an immediate action, a resumption, a reactivation."""

    __tablename__ = "abuse_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_number: Mapped[str] = mapped_column(String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("abuse_cases.id"), index=True)
    step: Mapped[str] = mapped_column(String(40))
    at_strikes: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime]
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500))
    ground: Mapped[str | None] = mapped_column(String(200))
    message_id: Mapped[str | None] = mapped_column(String(36))
    resume_at: Mapped[datetime | None]
    resumed_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(40))

    case: Mapped[AbuseCase | None] = relationship(lazy="raise")


class AbuseDispute(Base):
    __tablename__ = "abuse_disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    strike_id: Mapped[int] = mapped_column(ForeignKey("abuse_strikes.id"), index=True)
    ground: Mapped[str] = mapped_column(String(30))  # misidentified | fair_use | owns_rights | not_their_traffic
    statement: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime]
    opened_by: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))  # open | upheld | rejected
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(String(1000))

    strike: Mapped[AbuseStrike] = relationship(lazy="raise")


class AbuseTakedown(Base):
    """Hosted material disabled on a notice, and its way back under 512(g)."""

    __tablename__ = "abuse_takedowns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("abuse_notices.id"), unique=True)
    account_number: Mapped[str] = mapped_column(String(64), index=True)
    material_url: Mapped[str] = mapped_column(String(2000))
    complainant_email: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(20))  # disabled | counter_noticed | litigation | restored
    disabled_at: Mapped[datetime]
    counter_received_at: Mapped[datetime | None]
    restore_not_before: Mapped[date | None] = mapped_column(Date)
    restore_by: Mapped[date | None] = mapped_column(Date)
    restored_at: Mapped[datetime | None]
    lawsuit_reported_at: Mapped[datetime | None]

    notice: Mapped[AbuseNotice] = relationship(lazy="raise")


class AbuseCounterNotice(Base):
    __tablename__ = "abuse_counter_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    takedown_id: Mapped[int] = mapped_column(ForeignKey("abuse_takedowns.id"), index=True)
    received_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    valid: Mapped[bool]
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)
    forwarded_message_id: Mapped[str | None] = mapped_column(String(36))

    takedown: Mapped[AbuseTakedown] = relationship(lazy="raise")
