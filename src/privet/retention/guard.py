"""What stops a deletion: an active hold on the subject, or a legal minimum not yet reached.

Every deletion path asks here, the retention sweep and erasure on request alike, so a record
under a preservation or litigation hold survives both (RET-02), and toll records survive a
deletion request for 18 months (RET-01). Holds are loaded once per run and widened across the
account-person link: a hold on an account covers the records of the people on it, and a hold on
a person covers the records of their accounts, because a record may name either. Widening only
ever keeps more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from privet.legal.holds import active_holds, held_scope
from privet.legal.tables import Hold
from privet.policy.model import Period
from privet.policy.taxonomy import is_within
from privet.retention.datasets import Record
from privet.retention.minimums import kept_until, minimums_for
from privet.store.uow import UnitOfWork
from privet.subjects.tables import Account, AccountMember, Person


@dataclass(frozen=True)
class Blocker:
    kind: str  # hold | minimum
    rule: str
    reason: str
    until: datetime | None


class Guard:
    """Holds in force at `at`, indexed by person and account, and the minimums, for one run."""

    def __init__(self, uow: UnitOfWork, at: datetime):
        self.uow, self.at = uow, at
        self.by_person: dict[int, list[Hold]] = defaultdict(list)
        self.by_account: dict[str, list[Hold]] = defaultdict(list)
        self._refs: dict[str, int | None] = {}
        for hold in active_holds(uow, at):
            persons = {hold.person_id} if hold.person_id is not None else set()
            accounts = {hold.account_number} if hold.account_number else set()
            links = uow.session.execute(
                select(AccountMember.person_id, Account.number)
                .join(Account, Account.id == AccountMember.account_id)
                .where((AccountMember.person_id.in_(persons)) | (Account.number.in_(accounts)))
            ).all()
            for person_id, number in links:
                persons.add(person_id)
                accounts.add(number)
            for p in persons:
                self.by_person[p].append(hold)
            for a in accounts:
                self.by_account[a].append(hold)

    def person_of(self, record: Record) -> int | None:
        if record.person_id is not None or record.person_ref is None:
            return record.person_id
        if record.person_ref not in self._refs:
            self._refs[record.person_ref] = self.uow.session.scalar(
                select(Person.id).where(Person.external_id == record.person_ref)
            )
        return self._refs[record.person_ref]

    def hold(self, record: Record) -> Blocker | None:
        person = self.person_of(record)
        holds = {h.id: h for h in (self.by_person.get(person, []) if person is not None else [])}
        holds.update({h.id: h for h in self.by_account.get(record.account_number or "", [])})
        if not holds:
            return None
        scope = held_scope(list(holds.values()))
        if (
            scope is not None
            and record.dataset not in scope
            and not any(_overlap(c, s) for c in record.categories for s in scope)
        ):
            return None
        first = min(holds.values(), key=lambda h: h.id)
        until = max((h.ends_at for h in holds.values() if h.ends_at), default=None)
        return Blocker("hold", "RET-02", f"held by {first.kind} hold {first.id}: {first.reason}", until)

    def minimum(
        self, record: Record, rule_minimum: Period | None = None, rule_basis: str | None = None, record_type: str | None = None
    ) -> Blocker | None:
        made = record.times.get("collection") or min(record.times.values(), default=None)
        if made is None:
            return None
        found = kept_until(made, minimums_for(record.categories, record_type, rule_minimum, rule_basis))
        if found is None or found[0] <= self.at:
            return None
        until, minimum = found
        return Blocker("minimum", minimum.rule, f"kept until {until.date()} under {minimum.basis}", until)

    def blockers(
        self, record: Record, *, record_type: str | None, rule_minimum: Period | None = None, rule_basis: str | None = None
    ) -> list[Blocker]:
        found = [self.hold(record), self.minimum(record, rule_minimum, rule_basis, record_type)]
        return [b for b in found if b is not None]


def _overlap(a: str, b: str) -> bool:
    return is_within(a, b) or is_within(b, a)


def deletion_blockers(
    uow: UnitOfWork, record: Record, *, record_type: str | None = None, at: datetime | None = None
) -> list[Blocker]:
    """For one deletion outside a sweep (a data-subject request): the holds and minimums that forbid it now."""
    return Guard(uow, at or uow.now()).blockers(record, record_type=record_type)
