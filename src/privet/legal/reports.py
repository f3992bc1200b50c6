"""Reports drawn from the disclosure log and the demand register.

The disclosure log groups every release by recipient kind, recipient and data category; it is
what a Shine the Light answer (which categories went to which third parties for their direct
marketing) and an auditor's question ("what left, to whom, under what") are answered from. The
transparency report counts demands received in a period by kind and outcome, with how many
carried a non-disclosure order and how many people and disclosures they touched; emergency
disclosures are counted apart, as 2702(d) reporting expects.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from privet.legal.disclosures import disclosures_between
from privet.legal.tables import Demand, Disclosure
from privet.store.uow import UnitOfWork


@dataclass(frozen=True)
class LogLine:
    recipient_kind: str
    recipient: str
    recipient_name: str
    category: str
    purpose: str
    disclosures: int
    persons: int


def disclosure_log(uow: UnitOfWork, start: datetime, end: datetime, *, recipient_kind: str | None = None) -> list[LogLine]:
    """Disclosures in [start, end) grouped by recipient and category, with how many people each touched."""
    rows = disclosures_between(uow, start, end)
    count: Counter[tuple[str, str, str, str, str]] = Counter()
    people: dict[tuple[str, str, str, str, str], set[int]] = defaultdict(set)
    for d in rows:
        if recipient_kind and d.recipient_kind != recipient_kind:
            continue
        for category in d.categories:
            key = (d.recipient_kind, d.recipient, d.recipient_name, category, d.purpose)
            count[key] += 1
            if d.person_id is not None:
                people[key].add(d.person_id)
    return [LogLine(*key, disclosures=n, persons=len(people[key])) for key, n in sorted(count.items())]


@dataclass
class KindLine:
    kind: str
    received: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    with_nondisclosure_order: int = 0
    disclosures: int = 0
    persons: int = 0


@dataclass(frozen=True)
class Transparency:
    start: datetime
    end: datetime
    kinds: list[KindLine]
    total: int
    emergency_disclosures: int


def transparency_report(uow: UnitOfWork, start: datetime, end: datetime) -> Transparency:
    """Demands received in [start, end): by kind, by outcome (open counts as pending)."""
    demands = list(
        uow.session.scalars(select(Demand).where(Demand.received_at >= start, Demand.received_at < end).order_by(Demand.id))
    )
    ids = [d.id for d in demands]
    released = list(uow.session.scalars(select(Disclosure).where(Disclosure.demand_id.in_(ids)))) if ids else []
    by_demand: dict[int, list[Disclosure]] = defaultdict(list)
    for r in released:
        if r.demand_id is not None:
            by_demand[r.demand_id].append(r)
    lines: dict[str, KindLine] = {}
    for d in demands:
        line = lines.setdefault(d.kind, KindLine(d.kind))
        line.received += 1
        outcome = "pending" if d.status == "open" else d.status
        line.outcomes[outcome] = line.outcomes.get(outcome, 0) + 1
        line.with_nondisclosure_order += int(bool(d.nondisclosure_until or d.nondisclosure_indefinite))
        line.disclosures += len(by_demand[d.id])
        line.persons += len({r.person_id for r in by_demand[d.id] if r.person_id is not None})
    emergency = sum(len(by_demand[d.id]) for d in demands if d.kind in ("emergency_request", "psap_911"))
    return Transparency(start, end, sorted(lines.values(), key=lambda k: k.kind), len(demands), emergency)
