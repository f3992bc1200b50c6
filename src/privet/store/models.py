"""Imports every domain's tables so the metadata (and Alembic) sees the whole schema."""

from privet.abuse import tables as abuse_tables  # noqa: F401
from privet.access import tables as access_tables
from privet.audit import tables as audit_tables
from privet.consent import tables as consent_tables
from privet.cpni import tables as cpni_tables
from privet.legal import tables as legal_tables
from privet.outbox import tables as outbox_tables
from privet.requests import tables as requests_tables  # noqa: F401
from privet.store.db import Base
from privet.subjects import tables as subjects_tables

__all__ = [
    "Base",
    "access_tables",
    "audit_tables",
    "consent_tables",
    "cpni_tables",
    "legal_tables",
    "outbox_tables",
    "subjects_tables",
]
