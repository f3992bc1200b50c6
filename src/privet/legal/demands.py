"""Recording legal demands and other disclosure requests, closing them, and acting on court orders.

A demand is recorded before anything is released: its kind, issuer, reference, deadline, the
person or account and the data it asks for, any non-disclosure order, and for voluntary
disclosures the good-faith basis. A preservation request places its 90-day hold at once (SCA-04).
Closing records the outcome the transparency report counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select

from privet.legal.holds import place_hold
from privet.legal.process import ISSUERS, KINDS, DemandKind, LegalError
from privet.legal.tables import Demand
from privet.policy.taxonomy import is_within
from privet.store.uow import UnitOfWork
from privet.subjects.service import change_account_status, get_account, get_person

OUTCOMES = ("fulfilled", "partial", "rejected", "withdrawn")


def record_demand(
    uow: UnitOfWork,
    *,
    kind: DemandKind,
    issuer: str,
    issuer_kind: str | None = None,
    reference: str | None = None,
    deadline: datetime | None = None,
    person_id: int | None = None,
    account_number: str | None = None,
    scope: Sequence[str] = (),
    scope_details: dict[str, object] | None = None,
    recipient: str | None = None,
    purpose: str | None = None,
    nondisclosure_until: date | None = None,
    nondisclosure_indefinite: bool = False,
    good_faith_basis: str | None = None,
    attestations: Sequence[str] = (),
) -> Demand:
    spec = KINDS[kind]
    chosen_issuer = issuer_kind or (spec.issuer if spec.issuer != "any" else "government")
    if chosen_issuer not in ISSUERS:
        raise LegalError(f"issuer_kind: one of {', '.join(ISSUERS)}")
    if spec.issuer not in ("any", chosen_issuer):
        raise LegalError(f"issuer_kind: a {kind.value.replace('_', ' ')} comes from a {spec.issuer} issuer, not {chosen_issuer}")
    if not issuer.strip():
        raise LegalError("issuer: name who served or sent the demand")
    if person_id is None and account_number is None:
        raise LegalError("person_id: a demand names the person or the account it is about")
    if person_id is not None:
        get_person(uow, person_id)
    if account_number is not None:
        account_number = get_account(uow, account_number).number
    if kind is not DemandKind.PRESERVATION_REQUEST and not scope:
        raise LegalError("scope: list the data categories the demand asks for")
    chosen_purpose = purpose or spec.purposes[0]
    if not any(is_within(chosen_purpose, p) for p in spec.purposes):
        raise LegalError(f"purpose: a {kind.value.replace('_', ' ')} serves {', '.join(spec.purposes)}")
    if spec.needs_basis and not (good_faith_basis or "").strip():
        raise LegalError(
            "good_faith_basis: a voluntary disclosure needs a recorded good-faith belief (for an emergency, of imminent "
            "danger of death or serious physical injury: 18 U.S.C. 2702(b)(8), (c)(4))"
        )
    now = uow.now()
    if deadline is not None and deadline.tzinfo is None:
        raise LegalError("deadline: give a timezone")
    row = Demand(
        kind=kind.value,
        issuer=issuer.strip(),
        issuer_kind=chosen_issuer,
        reference=reference,
        received_at=now,
        deadline=deadline,
        recipient=recipient or spec.recipient,
        purpose=chosen_purpose,
        person_id=person_id,
        account_number=account_number,
        scope=list(scope),
        scope_details=dict(scope_details or {}),
        nondisclosure_until=nondisclosure_until,
        nondisclosure_indefinite=nondisclosure_indefinite,
        good_faith_basis=(good_faith_basis or "").strip() or None,
        attestations=list(attestations),
        status="open",
        created_by=uow.actor,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.record(
        "legal.demand_recorded",
        f"person:{person_id}" if person_id else f"account:{account_number}",
        demand=row.id,
        kind=kind.value,
        issuer_kind=chosen_issuer,
        scope=list(scope),
        nondisclosure=bool(nondisclosure_until or nondisclosure_indefinite),
    )
    if kind is DemandKind.PRESERVATION_REQUEST:
        place_hold(
            uow,
            kind="preservation_2703f",
            person_id=person_id,
            account_number=account_number,
            scope=list(scope),
            reason=f"preservation request {reference or row.id} from {issuer}",
            demand_id=row.id,
        )
    return row


def get_demand(uow: UnitOfWork, demand_id: int) -> Demand:
    row = uow.session.get(Demand, demand_id)
    if row is None:
        raise LegalError(f"no demand with id {demand_id}")
    return row


def close_demand(uow: UnitOfWork, demand_id: int, *, outcome: str, note: str | None = None) -> Demand:
    demand = get_demand(uow, demand_id)
    if outcome not in OUTCOMES:
        raise LegalError(f"outcome: one of {', '.join(OUTCOMES)}")
    if demand.status != "open":
        raise LegalError(f"demand {demand.id} is already {demand.status}")
    demand.status, demand.outcome_note, demand.closed_at = outcome, note, uow.now()
    uow.record("legal.demand_closed", f"demand:{demand.id}", outcome=outcome)
    return demand


def open_demands(uow: UnitOfWork) -> list[Demand]:
    return list(
        uow.session.scalars(
            select(Demand).where(Demand.status == "open").order_by(Demand.deadline.is_(None), Demand.deadline, Demand.id)
        )
    )


def suspend_for_order(uow: UnitOfWork, demand_id: int, account_number: str) -> None:
    """Suspend service at once, without notice to the subscriber, because a court order or government notice requires it."""
    demand = get_demand(uow, demand_id)
    if demand.kind not in (DemandKind.COURT_ORDER.value, DemandKind.SEARCH_WARRANT.value) and demand.issuer_kind != "government":
        raise LegalError("only a court order or a government notice justifies immediate suspension")
    account = get_account(uow, account_number)
    if demand.account_number not in (None, account.number):
        raise LegalError(f"demand {demand.id} is about account {demand.account_number}, not {account.number}")
    change_account_status(
        uow, account.number, "suspended", f"{demand.kind.replace('_', ' ')} {demand.reference or demand.id} requires it"
    )
    uow.record("legal.service_suspended", f"account:{account.number}", demand=demand.id)
