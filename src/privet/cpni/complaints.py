"""Complaints about unauthorized release of CPNI, and actions taken against data brokers.

Both are reported each year in the officer's certification (64.2009(e), CPNI-14): the number of
complaints by category, and what was done against pretexters. The categories are the ones the
FCC's certification template asks carriers to break complaints down by.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from privet.cpni.contacts import CpniError
from privet.cpni.tables import BrokerAction, Complaint
from privet.store.uow import UnitOfWork
from privet.subjects.service import get_person

COMPLAINT_CATEGORIES = {
    "employee_access": "improper access by employees",
    "improper_disclosure": "improper disclosure to individuals not authorized to receive the information",
    "online_access": "improper access to online information by individuals not authorized to view it",
    "other": "other",
}


def record_complaint(
    uow: UnitOfWork,
    *,
    received_on: date,
    category: str,
    summary: str,
    person_id: int | None = None,
    resolution: str | None = None,
) -> Complaint:
    if category not in COMPLAINT_CATEGORIES:
        raise CpniError(f"category: one of {', '.join(COMPLAINT_CATEGORIES)}")
    if not summary.strip():
        raise CpniError("summary: say what the customer complained of")
    if received_on > uow.now().date():
        raise CpniError("received_on: is in the future")
    if person_id is not None:
        get_person(uow, person_id)
    row = Complaint(
        received_on=received_on,
        category=category,
        person_id=person_id,
        summary=summary,
        resolution=resolution,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.session.flush()
    uow.record("cpni.complaint_recorded", f"person:{person_id}" if person_id else None, complaint=row.id, category=category)
    return row


def record_broker_action(
    uow: UnitOfWork, *, taken_on: date, broker: str, action: str, details: dict[str, Any] | None = None
) -> BrokerAction:
    if not broker.strip() or not action.strip():
        raise CpniError("broker: name the data broker and the action taken")
    if taken_on > uow.now().date():
        raise CpniError("taken_on: is in the future")
    row = BrokerAction(
        taken_on=taken_on, broker=broker.strip(), action=action.strip(), details=details or {}, created_at=uow.now()
    )
    uow.session.add(row)
    uow.session.flush()
    uow.record("cpni.broker_action_recorded", None, action_id=row.id, broker=row.broker)
    return row
