"""Gather what a decision needs to know about a person from the store."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from privet.consent.ledger import CPNI_NOTICE, POLICY_ACCEPTANCE_PREFIX, current_choices
from privet.consent.tables import ConsentEvent
from privet.regimes.base import SubjectFacts
from privet.store.uow import UnitOfWork
from privet.subjects.service import get_person
from privet.subjects.tables import PolicyVersion

AGE_BAND_AGE = {"under_13": 12, "13_15": 14, "16_17": 16, "adult": 30}


def age_on(birth: date | None, band: str | None, at: datetime) -> int | None:
    """Exact age from a birth date, else a representative age for the band, else unknown."""
    if birth is not None:
        day = at.date()
        return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    return AGE_BAND_AGE.get(band or "")


def load_facts(uow: UnitOfWork, person_id: int, at: datetime, *, gpc: bool = False) -> SubjectFacts:
    person = get_person(uow, person_id)
    accounts = [m.account for m in person.roles]
    primary = next((m.account for m in person.roles if m.role == "holder"), accounts[0] if accounts else None)
    lines = frozenset(s.kind for a in accounts for s in a.services if s.ended_on is None or s.ended_on >= at.date())
    choices = current_choices(uow, person.id)
    notice = choices.pop(CPNI_NOTICE, None)
    mailed = False
    if notice is not None:
        event = uow.session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.person_id == person.id, ConsentEvent.choice_id == CPNI_NOTICE)
            .order_by(ConsentEvent.id.desc())
        ).first()
        mailed = bool(event and event.evidence.get("mailed"))
    accepted = frozenset(k.removeprefix(POLICY_ACCEPTANCE_PREFIX) for k in choices if k.startswith(POLICY_ACCEPTANCE_PREFIX))
    collected_under = None
    if person.policy_version_id is not None:
        version = uow.session.get(PolicyVersion, person.policy_version_id)
        collected_under = version.version if version else None
    subjects = set(person.kinds or [])
    if primary is not None:
        subjects.add("customer")
        subjects.add(f"customer.{primary.type}" if primary.type in ("residential", "business") else "customer")
        if primary.status == "disconnected":
            subjects.add("former_customer")
    age = age_on(person.birth_date, person.age_band, at)
    if age is not None and age < 13:
        subjects.add("child")
    return SubjectFacts(
        person_id=person.id,
        state=(primary.service_state if primary and primary.service_state else person.state),
        billing_state=primary.billing_state if primary else None,
        age=age,
        account_type=primary.type if primary else None,
        account_status=primary.status if primary else None,
        service_lines=lines,
        subjects=frozenset(subjects),
        choices={k: v for k, v in choices.items() if ":" not in k},
        parental_consent=person.parental_consent,
        cpni_notice_sent_at=notice.effective_at if notice else None,
        cpni_notice_mailed=mailed,
        collected_under=collected_under,
        accepted_versions=accepted,
        gpc=gpc,
    )
