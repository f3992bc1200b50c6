"""The sweep's plan: for each retention rule and each dataset it covers, what is due, what is held, what is kept.

Rules come from the pack (`retention:` and the acceptable-use mailbox rule), from privet's own
schedule for its store (`store.py`), and from the pack's statement on children's data. A rule
covers a dataset when every category of some column is within one of the rule's categories (and,
for a purpose-specific rule, when the dataset declares a purpose within it). A record is due
when its trigger happened at least the rule's period ago (no period: as soon as the trigger
happens). Disconnection is read from privet's account history when the dataset does not record
it. Rules with neither trigger nor period are left to people and listed as such. Locking
destroys nothing, so only deletion, de-identification and release are stopped by holds and
minimums.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from privet.decide.facts import age_on
from privet.policy.model import Period, PolicyPack
from privet.policy.taxonomy import is_within
from privet.retention.datasets import Dataset, Record
from privet.retention.guard import Blocker, Guard
from privet.retention.minimums import add_period
from privet.store.uow import UnitOfWork
from privet.subjects.tables import Account, AccountStatusChange, Person

DESTRUCTIVE = ("delete", "deidentify", "release_for_reuse")
ACCOUNT_TRIGGERS = ("disconnection", "account_closure")


@dataclass(frozen=True)
class SweepRule:
    id: str
    source: str  # pack | privet | statement
    categories: tuple[str, ...]
    action: str
    trigger: str | None
    period: Period | None
    purpose: str | None = None
    legal_minimum: Period | None = None
    legal_basis: str | None = None
    datasets: tuple[str, ...] = ()  # when set, only these datasets


@dataclass
class Step:
    rule: SweepRule
    dataset: str
    action: str
    due: list[Record] = field(default_factory=list)
    held: list[tuple[Record, Blocker]] = field(default_factory=list)
    kept: list[tuple[Record, Blocker]] = field(default_factory=list)


@dataclass
class Plan:
    at: datetime
    steps: list[Step]
    manual: list[tuple[str, str]]


def pack_rules(pack: PolicyPack) -> list[SweepRule]:
    rules = list(pack.retention)
    mailbox = pack.programs.acceptable_use.mailbox_on_disconnection if pack.programs.acceptable_use else None
    if mailbox is not None and all(r.id != mailbox.id for r in rules):
        rules.append(mailbox)
    return [
        SweepRule(
            r.id,
            "pack",
            tuple(r.categories),
            r.action.value,
            r.trigger.value if r.trigger else None,
            r.period,
            r.purpose,
            r.legal_minimum,
            r.legal_basis,
        )
        for r in rules
    ]


STORE_PREFIX = "privet."


def covers(rule: SweepRule, ds: Dataset) -> bool:
    """Pack rules govern the provider's datasets; privet's own tables follow privet's schedule only."""
    if rule.datasets and ds.name not in rule.datasets:
        return False
    if ds.name.startswith(STORE_PREFIX) != (rule.source == "privet"):
        return False
    if not any(any(is_within(c, rc) for rc in rule.categories) for c in ds.categories):
        return False
    return rule.purpose is None or any(is_within(p, rule.purpose) for p in ds.purposes)


def build_plan(
    uow: UnitOfWork, rules: Sequence[SweepRule], datasets: Sequence[Dataset], at: datetime, pack: PolicyPack | None = None
) -> Plan:
    guard = Guard(uow, at)
    plan = Plan(at, [], [])
    for rule in rules:
        if rule.trigger is None and rule.period is None:
            plan.manual.append((rule.id, "the rule names neither a trigger nor a period: left to routine procedures"))
            continue
        trigger = rule.trigger or "collection"
        period = rule.period or Period(count=0, unit="day")
        cutoff = add_period(at, period, -1)
        matched = [ds for ds in datasets if covers(rule, ds)]
        if not matched:
            plan.manual.append((rule.id, "no declared dataset holds its categories"))
        for ds in matched:
            records = _due(uow, ds, rule, trigger, cutoff)
            if records is None:
                plan.manual.append((rule.id, f"dataset {ds.name} does not record when {trigger.replace('_', ' ')} happens"))
                continue
            plan.steps.append(_classify(Step(rule, ds.name, rule.action), records, guard, ds.record_type))
    if pack is not None:
        plan.steps += children_steps(uow, pack, datasets, guard, at)
    return plan


def _due(uow: UnitOfWork, ds: Dataset, rule: SweepRule, trigger: str, cutoff: datetime) -> list[Record] | None:
    cats = frozenset(rule.categories)
    if trigger in ds.triggers:
        return list(ds.due(trigger, cutoff, action=rule.action, categories=cats))
    if trigger in ACCOUNT_TRIGGERS:
        accounts = disconnected_accounts(uow, cutoff)
        return (
            list(ds.of_subjects(person_refs=(), account_numbers=accounts, action=rule.action, categories=cats))
            if accounts
            else []
        )
    return None


def disconnected_accounts(uow: UnitOfWork, before: datetime) -> list[str]:
    """Accounts disconnected now whose latest disconnection happened at or before `before`."""
    rows = uow.session.execute(
        select(Account.number, AccountStatusChange.at)
        .join(AccountStatusChange, AccountStatusChange.account_id == Account.id)
        .where(Account.status == "disconnected", AccountStatusChange.to_status == "disconnected")
    ).all()
    latest: dict[str, datetime] = {}
    for number, at in rows:
        latest[number] = max(at, latest.get(number, at))
    return sorted(n for n, at in latest.items() if at <= before)


def _classify(step: Step, records: Iterable[Record], guard: Guard, record_type: str | None) -> Step:
    for record in records:
        if step.action not in DESTRUCTIVE:
            step.due.append(record)
            continue
        blockers = guard.blockers(
            record, record_type=record_type, rule_minimum=step.rule.legal_minimum, rule_basis=step.rule.legal_basis
        )
        hold = next((b for b in blockers if b.kind == "hold"), None)
        if hold is not None:
            step.held.append((record, hold))
        elif blockers:
            step.kept.append((record, blockers[0]))
        else:
            step.due.append(record)
    return step


def children_steps(uow: UnitOfWork, pack: PolicyPack, datasets: Sequence[Dataset], guard: Guard, at: datetime) -> list[Step]:
    """Erase what the datasets hold about children below the pack's age, when the pack promises to (seed 002)."""
    if pack.statements.children_found != "delete":
        return []
    minimum_age = pack.statements.children_min_age
    people = uow.session.scalars(
        select(Person).where(
            Person.parental_consent.is_(False), (Person.birth_date.is_not(None)) | (Person.age_band.is_not(None))
        )
    )
    refs = [
        p.external_id
        for p in people
        if p.external_id and (age := age_on(p.birth_date, p.age_band, at)) is not None and age < minimum_age
    ]
    if not refs:
        return []
    rule = SweepRule("statements.children_found", "statement", ("user",), "delete", None, None)
    steps = []
    for ds in (d for d in datasets if not d.name.startswith(STORE_PREFIX)):
        records = list(
            ds.of_subjects(person_refs=refs, account_numbers=(), action="delete", categories=frozenset(rule.categories))
        )
        if records:
            steps.append(_classify(Step(rule, ds.name, "delete"), records, guard, ds.record_type))
    return steps
