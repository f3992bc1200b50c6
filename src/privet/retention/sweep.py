"""Running the retention sweep, and erasing a person on request, with every change audited with its cause.

A sweep plans first (`plan.build_plan`), then applies each step in batches. Each batch is one
unit of work: holds are checked again in it (one placed since planning still wins), an audit
entry per record names the rule, the dataset and the action, and the change is applied. For
privet's own tables the change commits with its audit; for a provider's database the change
commits there first and the audit right after, so the only gap is privet's commit failing after
the provider's, which is logged with the keys for reconciliation. `--dry-run` builds the plan and
writes nothing.

`erase_subject` is the deletion a data-subject request needs: everything the declared datasets
hold about the person, except what a hold or a legal minimum keeps, each deletion audited with
the reason. (privet's own rows about the person are the request workflow's to remove.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from privet.policy.model import PolicyPack
from privet.retention.datasets import Dataset, Record
from privet.retention.guard import Guard
from privet.retention.plan import DESTRUCTIVE, Plan, Step, build_plan, pack_rules
from privet.retention.store import store_datasets, store_rules
from privet.store.uow import UnitOfWork
from privet.subjects.tables import Account, AccountMember, Person

log = logging.getLogger("privet.retention")
BATCH = 500
OpenUow = Callable[[], UnitOfWork]


@dataclass
class StepResult:
    rule: str
    source: str
    dataset: str
    action: str
    applied: int = 0
    held: int = 0
    kept: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class Report:
    at: datetime
    dry_run: bool
    steps: list[StepResult]
    manual: list[tuple[str, str]]

    @property
    def applied(self) -> int:
        return sum(s.applied for s in self.steps)


def _subject(guard: Guard, record: Record) -> str:
    person = guard.person_of(record)
    if person is not None:
        return f"person:{person}"
    return f"account:{record.account_number}" if record.account_number else f"dataset:{record.dataset}"


def _bound(uow: UnitOfWork, datasets: Sequence[Dataset], name: str) -> Dataset:
    """The dataset named `name`; privet's own tables are rebound to this unit of work's session."""
    for ds in [*datasets, *store_datasets(uow)]:
        if ds.name == name:
            return ds
    raise KeyError(name)


def plan_sweep(open_uow: OpenUow, pack: PolicyPack, datasets: Sequence[Dataset], at: datetime | None = None) -> Plan:
    with open_uow() as uow:
        moment = at or uow.now()
        return build_plan(uow, [*pack_rules(pack), *store_rules()], [*datasets, *store_datasets(uow)], moment, pack)


def sweep(
    open_uow: OpenUow, pack: PolicyPack, datasets: Sequence[Dataset], *, at: datetime | None = None, dry_run: bool = False
) -> Report:
    """Apply every rule that is due; with `dry_run`, only say what would happen."""
    plan = plan_sweep(open_uow, pack, datasets, at)
    report = Report(plan.at, dry_run, [], plan.manual)
    for step in plan.steps:
        result = StepResult(step.rule.id, step.rule.source, step.dataset, step.action, held=len(step.held), kept=len(step.kept))
        result.examples = [f"{r.key}: {b.reason}" for r, b in (step.held + step.kept)[:3]]
        if not dry_run:
            result.applied = _apply_step(open_uow, datasets, step, plan.at)
        else:
            result.applied = len(step.due)
        report.steps.append(result)
    return report


def _apply_step(open_uow: OpenUow, datasets: Sequence[Dataset], step: Step, at: datetime) -> int:
    applied = 0
    categories = frozenset(step.rule.categories)
    for start in range(0, len(step.due), BATCH):
        batch = step.due[start : start + BATCH]
        with open_uow() as uow:
            guard = Guard(uow, at)
            still = [r for r in batch if step.action not in DESTRUCTIVE or guard.hold(r) is None]
            for r in still:
                uow.record(
                    "retention.applied",
                    _subject(guard, r),
                    dataset=step.dataset,
                    key=r.key,
                    operation=step.action,
                    rule=step.rule.id,
                    rule_source=step.rule.source,
                    categories=sorted(categories),
                )
            uow.flush_audit()
            ds = _bound(uow, datasets, step.dataset)
            applied += ds.apply(step.action, still, categories)
            keys = [r.key for r in still]
        log.info("retention %s on %s: %d records under %s", step.action, step.dataset, len(keys), step.rule.id)
    return applied


@dataclass
class Erasure:
    person_id: int
    erased: dict[str, int]
    kept: list[tuple[str, str, str]]  # dataset, key, reason


def erase_subject(open_uow: OpenUow, datasets: Sequence[Dataset], person_id: int, *, reason: str) -> Erasure:
    """Delete what every dataset holds about a person (and the accounts they alone hold), except held or kept records."""
    result = Erasure(person_id, {}, [])
    with open_uow() as uow:
        person = uow.session.get(Person, person_id)
        if person is None:
            raise KeyError(f"no person with id {person_id}")
        refs = [person.external_id] if person.external_id else []
        accounts = _sole_accounts(uow, person_id)
        guard = Guard(uow, uow.now())
        for ds in datasets:
            records = list(
                ds.of_subjects(person_refs=refs, account_numbers=accounts, action="delete", categories=frozenset(ds.categories))
            )
            free: list[Record] = []
            for r in {r.key: r for r in records}.values():
                blockers = guard.blockers(r, record_type=ds.record_type)
                if blockers:
                    result.kept.append((ds.name, r.key, blockers[0].reason))
                else:
                    free.append(r)
            for r in free:
                uow.record("retention.erased", f"person:{person_id}", dataset=ds.name, key=r.key, reason=reason)
            if free:
                uow.flush_audit()
                result.erased[ds.name] = ds.apply("delete", free, frozenset(ds.categories))
    return result


def _sole_accounts(uow: UnitOfWork, person_id: int) -> list[str]:
    """Accounts this person holds with nobody else on them: their records are the person's alone."""
    held = uow.session.execute(
        select(Account.id, Account.number)
        .join(AccountMember, AccountMember.account_id == Account.id)
        .where(AccountMember.person_id == person_id, AccountMember.role == "holder")
    ).all()
    sole = []
    for account_id, number in held:
        members = uow.session.scalars(select(AccountMember.person_id).where(AccountMember.account_id == account_id)).all()
        if set(members) == {person_id}:
            sole.append(number)
    return sole
