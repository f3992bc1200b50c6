"""Request records and the execution state of deletions.

A `DataRequest` is the record CCPA 7101 asks for (date, nature, manner, response date, nature
of the response, basis of any denial) plus the deadlines privet counts for it. It is kept 24
months after the answer and used for nothing else; it holds no copy of the person's data:
correction values are cleared once applied and an access package is regenerated, not stored.

A `DeletionFanout` is one recipient's share of a deletion after privet's own systems are done:
every service provider, contractor or third party the person's data was disclosed to is told to
delete it (by email from the outbox, or by hand when the pack gives no email), or the reason that
is impossible is recorded (CCPA-15).

A `RequestTask` is one table's share of a deletion: the planned new values of each row to
erase (by primary key, grouped by identical values), then done, when the plan is cleared. Because each step is committed before the next starts, a deletion that
stops midway resumes at the first table not done and re-applies a stored plan rather than
erasing again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from privet.store.db import Base


class DataRequest(Base):
    __tablename__ = "data_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    status: Mapped[str] = mapped_column(String(30), index=True)
    regime: Mapped[str] = mapped_column(String(30))
    right_id: Mapped[str | None] = mapped_column(String(120))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    channel: Mapped[str] = mapped_column(String(40))
    submitted_by: Mapped[str] = mapped_column(String(20))  # subject | agent | care_rep | system
    agent: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(index=True)
    acknowledge_by: Mapped[date | None] = mapped_column(Date)
    acknowledged_at: Mapped[datetime | None]
    respond_by: Mapped[date] = mapped_column(Date)
    extension_days: Mapped[int | None] = mapped_column(Integer)
    extended_to: Mapped[date | None] = mapped_column(Date)
    extended_at: Mapped[datetime | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)
    verification_level: Mapped[str] = mapped_column(String(30))
    verification: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    verified_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    response: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    denial_basis: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None]
    retain_until: Mapped[date | None] = mapped_column(Date, index=True)
    created_by: Mapped[str] = mapped_column(String(200))


class RequestTask(Base):
    __tablename__ = "data_request_tasks"
    __table_args__ = (UniqueConstraint("request_id", "dataset", "table_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_requests.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    dataset: Mapped[str] = mapped_column(String(120))
    table_name: Mapped[str] = mapped_column(String(120))
    phase: Mapped[str] = mapped_column(String(20))  # found | planned | done
    plan: Mapped[list[Any] | None] = mapped_column(JSON)
    kept: Mapped[list[Any]] = mapped_column(JSON, default=list)
    erased_rows: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class DeletionFanout(Base):
    __tablename__ = "deletion_fanouts"
    __table_args__ = (UniqueConstraint("request_id", "recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_requests.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(120))  # the pack's recipient id, as the disclosures name it
    recipient_name: Mapped[str] = mapped_column(String(300))
    recipient_kind: Mapped[str] = mapped_column(String(40))
    disclosures: Mapped[list[int]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    channel: Mapped[str] = mapped_column(String(20))  # email | by_hand | none
    address: Mapped[str | None] = mapped_column(Text)  # the email asked, or the postal address to write to
    message_id: Mapped[str | None] = mapped_column(String(36))  # the outbox message, when emailed
    status: Mapped[str] = mapped_column(String(20), index=True)  # to_ask | asked | confirmed | impossible
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)  # how it was asked, the confirmation, or why it is impossible
    settled_by: Mapped[str | None] = mapped_column(String(200))
