"""Subscriber tables.

A person may hold several roles on several accounts and be reached by many identities (an
email, a phone number, an account number, a username); requests and notices arrive by any of
them, so identities are normalised and unique. Addresses and numbers of record carry the date
they became of record, because CPNI rules count 30 days from it. Every piece of data keeps the
policy version it was collected under.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from privet.store.db import Base


class PolicyVersion(Base):
    """A pack version privet has run under; data points at the one it was collected under."""

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("pack_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pack_id: Mapped[str] = mapped_column(String(120))
    version: Mapped[str] = mapped_column(String(40))
    effective: Mapped[date] = mapped_column(Date)
    material_change: Mapped[bool]
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime]


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(20))  # residential | business | government
    status: Mapped[str] = mapped_column(String(20))  # active | suspended | disconnected
    service_state: Mapped[str | None] = mapped_column(String(2))
    billing_state: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime]
    policy_version_id: Mapped[int | None] = mapped_column(ForeignKey("policy_versions.id"))
    dedicated_rep: Mapped[bool] = mapped_column(default=False)
    cpni_contract: Mapped[bool] = mapped_column(default=False)

    members: Mapped[list[AccountMember]] = relationship(back_populates="account", cascade="all, delete-orphan")
    services: Mapped[list[ServiceLineRecord]] = relationship(back_populates="account", cascade="all, delete-orphan")
    status_history: Mapped[list[AccountStatusChange]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="AccountStatusChange.at"
    )


class AccountStatusChange(Base):
    __tablename__ = "account_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    at: Mapped[datetime]
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(200))

    account: Mapped[Account] = relationship(back_populates="status_history")


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(300))
    birth_date: Mapped[date | None] = mapped_column(Date)
    age_band: Mapped[str | None] = mapped_column(String(20))  # under_13 | 13_15 | 16_17 | adult
    state: Mapped[str | None] = mapped_column(String(2))
    parental_consent: Mapped[bool] = mapped_column(default=False)
    kinds: Mapped[list[str]] = mapped_column(
        JSON, default=list
    )  # data-subject kinds beyond the account: prospect, referred_friend…
    created_at: Mapped[datetime]
    policy_version_id: Mapped[int | None] = mapped_column(ForeignKey("policy_versions.id"))

    roles: Mapped[list[AccountMember]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="AccountMember.id"
    )  # ordered, so "the first holder" is the same on every database
    identities: Mapped[list[Identity]] = relationship(back_populates="person", cascade="all, delete-orphan")
    contact_points: Mapped[list[ContactPoint]] = relationship(back_populates="person", cascade="all, delete-orphan")


class AccountMember(Base):
    __tablename__ = "account_members"
    __table_args__ = (UniqueConstraint("account_id", "person_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))  # holder | authorized_user | billing_contact | technical_contact

    account: Mapped[Account] = relationship(back_populates="members")
    person: Mapped[Person] = relationship(back_populates="roles")


class Identity(Base):
    """A way to recognise a person. `value` is normalised so the same identity always matches."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # email | phone | account_number | username
    value: Mapped[str] = mapped_column(String(320))
    verified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    policy_version_id: Mapped[int | None] = mapped_column(ForeignKey("policy_versions.id"))

    person: Mapped[Person] = relationship(back_populates="identities")


class ContactPoint(Base):
    """An address or number of record; `of_record_since` starts the CPNI 30-day clock."""

    __tablename__ = "contact_points"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # postal | phone | email
    purpose: Mapped[str] = mapped_column(String(20))  # service | billing | contact
    value: Mapped[str] = mapped_column(String(500))
    of_record_since: Mapped[date] = mapped_column(Date)
    replaced_at: Mapped[datetime | None]
    policy_version_id: Mapped[int | None] = mapped_column(ForeignKey("policy_versions.id"))

    person: Mapped[Person] = relationship(back_populates="contact_points")


class ServiceLineRecord(Base):
    __tablename__ = "service_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # broadband | voice | voip | wireless | fax | cable | email | hosting
    identifier: Mapped[str | None] = mapped_column(String(100))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)

    account: Mapped[Account] = relationship(back_populates="services")
