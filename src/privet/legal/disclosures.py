"""Recording disclosures, and reading them back for Shine the Light and transparency reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from privet.decide.explain import Decision
from privet.legal.tables import Disclosure
from privet.policy.model import PolicyPack, Recipient
from privet.store.uow import UnitOfWork


class DisclosureRefused(ValueError):
    """A disclosure the decision point did not allow; nothing is released or recorded as released."""


def record_disclosure(
    uow: UnitOfWork,
    pack: PolicyPack,
    *,
    person_id: int | None,
    recipient: str,
    categories: Sequence[str],
    purpose: str,
    decision: Decision,
    demand_id: int | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Disclosure:
    """Log a release of personal data that `decision` allowed; refuse one it did not."""
    if not decision.allowed:
        raise DisclosureRefused(f"the decision point refused this disclosure ({decision.basis.value})")
    spec = pack.recipient(recipient)
    row = Disclosure(
        person_id=person_id,
        recipient=recipient,
        recipient_kind=spec.kind.value if spec else recipient,
        recipient_name=spec.name if spec else recipient,
        recipient_address=_address(spec),
        categories=list(categories),
        purpose=purpose,
        at=at or uow.now(),
        basis=decision.basis.value,
        policy_version=decision.policy_version,
        demand_id=demand_id,
        details=details or {},
    )
    uow.session.add(row)
    uow.session.flush()
    uow.record(
        "disclosure.recorded",
        f"person:{person_id}" if person_id else None,
        disclosure=row.id,
        recipient=recipient,
        categories=list(categories),
        purpose=purpose,
        demand=demand_id,
    )
    return row


def _address(spec: Recipient | None) -> str | None:
    """The recipient's postal address as the pack gives it (Shine the Light lists it); None when it gives none."""
    return spec.contact.postal() if spec is not None and spec.contact is not None else None


def disclosures_between(uow: UnitOfWork, start: datetime, end: datetime, person_id: int | None = None) -> list[Disclosure]:
    query = select(Disclosure).where(Disclosure.at >= start, Disclosure.at < end)
    if person_id is not None:
        query = query.where(Disclosure.person_id == person_id)
    return list(uow.session.scalars(query.order_by(Disclosure.at)))
