"""The CPNI breach workflow: record, report, hold, notify customers, and say what is due.

Each breach keeps the rule version it was recorded under, so switching the 2023 setting on later
does not rewrite the deadlines of a breach already under way. Customer notices go through the
outbox and are refused while the law forbids them (before the wait ends, while an agency hold
runs), so a rep cannot send one early by mistake. Records are kept at least two years (CPNI-26);
the retention sweep enforces that minimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from privet.cpni.breach_rules import NO_NOTICE_HARMS, BreachDates, BreachFacts, check_hold, compute, rules_2023_enabled
from privet.cpni.contacts import CpniError, live_contacts
from privet.cpni.tables import Breach, BreachHold
from privet.store.uow import UnitOfWork
from privet.subjects.service import get_person

NOTICE_PREFERENCE = ("email", "postal", "phone")


@dataclass(frozen=True)
class BreachStatus:
    breach: Breach
    dates: BreachDates
    hold_until: date | None
    due_now: tuple[str, ...]


def record_breach(
    uow: UnitOfWork,
    *,
    discovered_on: date,
    determined_on: date,
    description: str,
    data_description: str,
    circumstances: str,
    intentional: bool = True,
    affected_count: int | None = None,
    person_ids: list[int] | None = None,
    harm: str | None = None,
    harm_rationale: str | None = None,
    rule: str | None = None,
) -> Breach:
    chosen = rule or ("2023" if rules_2023_enabled() else "2007")
    if chosen not in ("2007", "2023"):
        raise CpniError("rule: 2007 (in force) or 2023 (the amendments)")
    if determined_on < discovered_on:
        raise CpniError("determined_on: a breach cannot be determined before it is discovered")
    if determined_on > uow.now().date():
        raise CpniError("determined_on: is in the future")
    for name, text in (("description", description), ("data_description", data_description), ("circumstances", circumstances)):
        if not text.strip():
            raise CpniError(f"{name}: the breach record must describe it (64.2011(d))")
    if harm is not None and harm not in NO_NOTICE_HARMS:
        raise CpniError(f"harm: one of {', '.join(NO_NOTICE_HARMS)}")
    if harm is not None and not (harm_rationale or "").strip():
        raise CpniError("harm_rationale: a no-harm determination must record its rationale")
    if chosen == "2007" and not intentional:
        raise CpniError("intentional: under the rule in force only intentional access, use or disclosure is a CPNI breach")
    ids = sorted({get_person(uow, pid).id for pid in person_ids or []})
    row = Breach(
        rule=chosen,
        discovered_on=discovered_on,
        determined_on=determined_on,
        description=description,
        data_description=data_description,
        circumstances=circumstances,
        intentional=intentional,
        affected_count=affected_count if affected_count is not None else (len(ids) or None),
        person_ids=ids,
        harm=harm,
        harm_rationale=harm_rationale,
        created_at=uow.now(),
        created_by=uow.actor,
        customers_notified=0,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.record(
        "cpni.breach_recorded",
        f"cpni_breach:{row.id}",
        rule=chosen,
        determined_on=determined_on.isoformat(),
        affected=row.affected_count,
    )
    return row


def get_breach(uow: UnitOfWork, breach_id: int) -> Breach:
    row = uow.session.get(Breach, breach_id)
    if row is None:
        raise CpniError(f"no breach with id {breach_id}")
    return row


def hold_until(uow: UnitOfWork, breach_id: int) -> date | None:
    """The day customers may be told under the agencies' written directions; None when none holds."""
    rows = list(uow.session.scalars(select(BreachHold).where(BreachHold.breach_id == breach_id).order_by(BreachHold.id)))
    until: date | None = None
    for h in rows:
        if h.kind == "release":
            until = h.directed_on if until is None or h.directed_on < until else until
        elif h.until is not None:
            until = h.until if until is None or h.until > until else until
    return until


def status(uow: UnitOfWork, breach: Breach) -> BreachStatus:
    held = hold_until(uow, breach.id)
    dates = compute(
        BreachFacts(
            breach.rule,
            breach.determined_on,
            breach.reported_on,
            breach.affected_count,
            breach.harm,
            breach.urgent_consulted_on,
            held,
            breach.customers_notified_on,
        )
    )
    due: list[str] = []
    if breach.reported_on is None:
        due.append(f"report to {', '.join(dates.report_to)} by {dates.report_due}")
    if dates.customer_notice_required and breach.customers_notified_on is None:
        when = f"from {dates.earliest_customer_notice}" + (
            f", by {dates.customer_notice_due}" if dates.customer_notice_due else ""
        )
        due.append(f"notify customers {when}")
    return BreachStatus(breach, dates, held, tuple(due))


def open_breaches(uow: UnitOfWork) -> list[BreachStatus]:
    rows = uow.session.scalars(select(Breach).where(Breach.closed_at.is_(None)).order_by(Breach.determined_on, Breach.id))
    return [status(uow, b) for b in rows]


def record_report(uow: UnitOfWork, breach_id: int, *, reported_on: date, reference: str, urgent_need: bool = False) -> Breach:
    breach = get_breach(uow, breach_id)
    if breach.reported_on is not None:
        raise CpniError(f"breach {breach.id} was already reported on {breach.reported_on}")
    if reported_on < breach.determined_on or reported_on > uow.now().date():
        raise CpniError("reported_on: must fall between the determination and today")
    if not reference.strip():
        raise CpniError("reference: the central reporting facility's confirmation number is part of the record")
    breach.reported_on = reported_on
    breach.report_reference = reference
    uow.record("cpni.breach_reported", f"cpni_breach:{breach.id}", reported_on=reported_on.isoformat(), urgent_need=urgent_need)
    return breach


def record_urgent_consultation(uow: UnitOfWork, breach_id: int, *, consulted_on: date, agency: str) -> Breach:
    breach = get_breach(uow, breach_id)
    if breach.reported_on is None or consulted_on < breach.reported_on:
        raise CpniError("consulted_on: the urgent-need consultation follows the report that flagged it (64.2011(b)(2))")
    breach.urgent_consulted_on, breach.urgent_agency = consulted_on, agency
    uow.record("cpni.breach_urgent_consulted", f"cpni_breach:{breach.id}", consulted_on=consulted_on.isoformat(), agency=agency)
    return breach


def add_hold(
    uow: UnitOfWork, breach_id: int, *, kind: str, agency: str, directed_on: date, until: date | None, reference: str
) -> BreachHold:
    """Record an agency's written direction: initial (at most 30 days), extension, or release."""
    breach = get_breach(uow, breach_id)
    if kind not in ("initial", "extension", "release"):
        raise CpniError("kind: initial, extension or release")
    if not reference.strip() or not agency.strip():
        raise CpniError("reference: holds, extensions and releases are in writing; name the agency and the document")
    if kind != "release":
        if until is None:
            raise CpniError("until: a hold needs the date customers may be told")
        try:
            check_hold(directed_on, until, kind)
        except ValueError as exc:
            raise CpniError(str(exc)) from None
        current = hold_until(uow, breach.id)
        if kind == "extension" and (current is None or until <= current):
            raise CpniError("until: an extension must follow a hold and end later than it")
    row = BreachHold(
        breach_id=breach.id,
        kind=kind,
        agency=agency,
        directed_on=directed_on,
        until=until,
        reference=reference,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.session.flush()
    uow.record(
        "cpni.breach_hold", f"cpni_breach:{breach.id}", kind=kind, agency=agency, until=until.isoformat() if until else None
    )
    return row


def notify_customers(uow: UnitOfWork, breach_id: int, *, body: str) -> int:
    """Queue the customer notice to every affected person, if the law lets customers be told today."""
    breach = get_breach(uow, breach_id)
    st = status(uow, breach)
    today = uow.now().date()
    if breach.rule == "2007" and breach.reported_on is None:
        raise CpniError("customers may not be told before the USSS and FBI are (64.2011(b))")
    if breach.rule == "2023" and breach.reported_on is None and not st.dates.report_is_annual_summary:
        raise CpniError("customers are told after the FCC, USSS and FBI")
    earliest = st.dates.earliest_customer_notice
    if earliest is not None and today < earliest:
        raise CpniError(f"customers may not be told before {earliest}: {'; '.join(st.dates.reasons[1:])}")
    if not body.strip():
        raise CpniError("body: the notice text is empty")
    sent = 0
    for pid in breach.person_ids:
        person = get_person(uow, pid)
        contacts = sorted(live_contacts(person), key=lambda c: NOTICE_PREFERENCE.index(c.kind))
        if not contacts:
            uow.record("cpni.breach_notice_impossible", f"person:{pid}", breach=breach.id)
            continue
        c = contacts[0]
        uow.send(
            kind="cpni.breach_notice",
            channel=c.channel,
            recipient=c.value,
            subject="Notice of a data security incident",
            body=body,
            related=f"cpni_breach:{breach.id}",
        )
        sent += 1
    breach.customers_notified_on, breach.customers_notified = today, sent
    uow.record("cpni.breach_customers_notified", f"cpni_breach:{breach.id}", notified=sent, on=today.isoformat())
    return sent


def close_breach(uow: UnitOfWork, breach_id: int) -> Breach:
    breach = get_breach(uow, breach_id)
    breach.closed_at = uow.now()
    uow.record("cpni.breach_closed", f"cpni_breach:{breach.id}")
    return breach
