"""The context every abuse operation runs in: the unit of work, the pack in force, the settings, and a working set.

The working set is what makes batches fast. Rows get their ids from `add` (reserved in blocks
from the table's sequence on PostgreSQL, counted up from the highest id on SQLite, whose
`BEGIN IMMEDIATE` already holds the write lock), so nothing needs a flush to learn its id.
Accounts, cases, strike times and ladder steps are loaded once per account and kept current in
memory, so a thousand notices about a hundred subscribers cost a handful of queries, not
thousands. In `deferred` mode (intake batches) outbox messages are queued together at `settle`
by `UnitOfWork.send_many`, because each `UnitOfWork.send` builds an ORM object and flushes.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, or_, select, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import set_committed_value

from privet.abuse.batch import insert_new
from privet.abuse.settings import AbuseSettings
from privet.abuse.tables import AbuseAction, AbuseCase, AbuseStrike
from privet.outbox.queue import Outgoing
from privet.policy.model import PolicyPack
from privet.store.uow import UnitOfWork
from privet.subjects.identities import IdentityKind, InvalidIdentity, normalize
from privet.subjects.tables import Account, AccountMember, AccountStatusChange, ContactPoint, Identity

LADDER_STEPS = (
    "educational_notice",
    "warning",
    "acknowledgement_required",
    "temporary_suspension",
    "termination_review",
    "termination",
)
T = TypeVar("T")
ID_BLOCK = 256


@functools.cache
def _column_keys(mapper: Mapper[Any]) -> frozenset[str]:
    return frozenset(mapper.columns.keys())


class AbuseError(ValueError):
    """An abuse-desk request that cannot be carried out, in plain words (a 4xx, exit code 2)."""


class NotFound(AbuseError):
    """The thing named does not exist (404)."""


class Conflict(AbuseError):
    """The thing exists but is in a state that does not allow the request (409)."""


@dataclass
class _Standing:
    """One account's strikes and ladder position, as loaded at first use and kept current since."""

    active: int
    strike_times: dict[int, list[tuple[datetime, int]]]  # case id -> (time, strike id) of its active strikes
    actions: list[AbuseAction]


@dataclass
class Desk:
    uow: UnitOfWork
    pack: PolicyPack
    settings: AbuseSettings = field(default_factory=AbuseSettings)
    deferred: bool = False
    _accounts: dict[str, Account | None] = field(default_factory=dict)
    _cases: dict[tuple[str, str], AbuseCase] = field(default_factory=dict)
    _cases_loaded: set[str] = field(default_factory=set)
    _standing: dict[str, _Standing] = field(default_factory=dict)
    _ids: dict[str, list[int]] = field(default_factory=dict)
    _high: dict[str, int] = field(default_factory=dict)
    _outgoing: list[tuple[dict[str, Any], Callable[[str], None] | None]] = field(default_factory=list)
    _new: list[Any] = field(default_factory=list)
    _contacts: dict[str, tuple[str, str] | None] = field(default_factory=dict)
    prefix_lengths: dict[int, list[int]] = field(default_factory=dict)
    hosted: dict[str, Account | None] = field(default_factory=dict)  # URL key -> hosting account (`hosted.preload_hosted`)

    def now(self) -> datetime:
        return self.uow.now()

    # --- ids and writes -------------------------------------------------------------------

    def add(self, row: T) -> T:
        """Give `row` the next id of its table; add it to the session, or in deferred mode hold it for `settle`."""
        table = row.__table__.name  # type: ignore[attr-defined]
        pool = self._ids.get(table)
        if not pool:
            pool = self._ids[table] = self._reserve(table)
        row.id = pool.pop(0)  # type: ignore[attr-defined]
        if self.deferred:
            self._new.append(row)
        else:
            self.uow.session.add(row)
        return row

    def new(self, model: type[T], **values: Any) -> T:
        """A new `model` row from column values, with the next id of its table (see `add`).

        Built the way the ORM builds a row it loads (`new_instance`, values straight into the
        instance's dictionary) instead of through the constructor, whose change event per
        attribute costs more than everything else about making a row in a batch. The names are
        checked against the mapped columns all the same.
        """
        mapper = sa_inspect(model)
        unknown = values.keys() - _column_keys(mapper)
        if unknown:
            raise TypeError(f"{model.__name__} has no column {', '.join(sorted(unknown))}")
        row: T = mapper.class_manager.new_instance()
        row.__dict__.update(values)
        return self.add(row)

    def put(self, model: type[Any], **values: Any) -> None:
        """Insert a row that carries its own key (evidence): through the session, or in deferred mode as plain
        values at `settle` (no object is built for a row nothing reads back)."""
        if self.deferred:
            self._new.append((model.__tablename__, values))
        else:
            self.uow.session.add(model(**values))

    def _reserve(self, table: str) -> list[int]:
        session = self.uow.session
        if session.get_bind().dialect.name == "postgresql":
            query = text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, {ID_BLOCK})")
            return [int(r[0]) for r in session.execute(query)]
        if table not in self._high:
            self._high[table] = int(session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one())
        start = self._high[table]
        self._high[table] = start + ID_BLOCK
        return list(range(start + 1, start + ID_BLOCK + 1))

    def send(self, on_sent: Callable[[str], None] | None = None, **message: Any) -> None:
        """Queue an outbox message now, or at `settle` in deferred mode; `on_sent` receives its id."""
        if not self.deferred:
            message_id = self.uow.send(**message)
            if on_sent is not None:
                on_sent(message_id)
            return
        self._outgoing.append((message, on_sent))

    def settle(self) -> None:
        """Write what the batch made: changed rows by one flush, new rows by one INSERT per table (see `batch`).

        Deferred messages are queued here by `UnitOfWork.send_many`: validated and audited each
        exactly as `UnitOfWork.send` would, inserted together without an ORM object each.
        """
        outgoing, self._outgoing = self._outgoing, []
        self.uow.session.flush()
        ids = self.uow.send_many([Outgoing(**message) for message, _ in outgoing])
        for (_, on_sent), message_id in zip(outgoing, ids, strict=True):
            if on_sent is not None:
                on_sent(message_id)
        new, self._new = self._new, []
        insert_new(self.uow.session, new)

    # --- accounts, cases, standing ----------------------------------------------------------

    def account(self, number: str) -> Account | None:
        try:
            canonical = normalize(IdentityKind.ACCOUNT_NUMBER, number)
        except InvalidIdentity:
            return None
        if canonical not in self._accounts:
            self.preload([canonical])
        return self._accounts[canonical]

    def need_account(self, number: str) -> Account:
        account = self.account(number)
        if account is None:
            raise NotFound(f"no account numbered {number}")
        return account

    def preload(self, numbers: Iterable[str]) -> None:
        """Load accounts, their holders' contacts, cases, strikes and ladder steps for these accounts at once.

        `numbers` may repeat (one per notice); an account that may change status in this batch (its
        strikes plus its notices here reach a step that sets a status) also gets its status history,
        which the subscriber service appends to, so that is not loaded one account at a time.
        """
        counted = Counter(numbers)
        wanted = sorted(n for n in counted if n not in self._accounts)
        if not wanted:
            return
        session = self.uow.session
        found = {a.number: a for a in session.scalars(select(Account).where(Account.number.in_(wanted)))}
        for number in wanted:
            self._accounts[number] = found.get(number)
        present = [n for n in wanted if found.get(n) is not None]
        self._load_contacts(present)
        self._load_cases(present)
        self._load_standing(present)
        steps = [
            s.at_strikes
            for s in (self.pack.programs.acceptable_use.ladder if self.pack.programs.acceptable_use else [])
            if s.account_status
        ]
        moving = [
            found[n] for n in present if any(self._standing[n].active < t <= self._standing[n].active + counted[n] for t in steps)
        ]
        if moving:
            history: dict[int, list[AccountStatusChange]] = {a.id: [] for a in moving}
            query = (
                select(AccountStatusChange).where(AccountStatusChange.account_id.in_(history)).order_by(AccountStatusChange.at)
            )
            for change in session.scalars(query):
                history[change.account_id].append(change)
            for account in moving:
                set_committed_value(account, "status_history", history[account.id])

    def _load_contacts(self, numbers: list[str]) -> None:
        """How to reach each account's holder, in two queries instead of an object graph per account.

        The same rule as `messages.contact_of`: the holder (else the first member), their email of
        record (the live one most recently of record), else any email identity, else SMS to the phone.
        """
        if not numbers:
            return
        session = self.uow.session
        members = session.execute(
            select(Account.number, AccountMember.role, AccountMember.person_id)
            .join(AccountMember, AccountMember.account_id == Account.id)
            .where(Account.number.in_(numbers))
            .order_by(AccountMember.id)
        ).all()
        roles: dict[str, list[tuple[str, int]]] = {}
        for number, role, person_id in members:
            roles.setdefault(number, []).append((role, person_id))
        chosen = {n: next((p for r, p in rs if r == "holder"), rs[0][1]) for n, rs in roles.items()}
        people = set(chosen.values())
        points: dict[int, dict[str, tuple[Any, str]]] = {}
        for person_id, kind, value, since in session.execute(
            select(ContactPoint.person_id, ContactPoint.kind, ContactPoint.value, ContactPoint.of_record_since).where(
                ContactPoint.person_id.in_(people), ContactPoint.replaced_at.is_(None), ContactPoint.kind.in_(("email", "phone"))
            )
        ):
            best = points.setdefault(person_id, {}).get(kind)
            if best is None or since > best[0]:
                points[person_id][kind] = (since, value)
        emails: dict[int, str] = {}
        # The kind is checked here, not in SQL: given `kind = 'email'`, SQLite walks the (kind, value)
        # index through every email identity there is instead of probing each person's few.
        for person_id, kind, value in session.execute(
            select(Identity.person_id, Identity.kind, Identity.value).where(Identity.person_id.in_(people)).order_by(Identity.id)
        ):
            if kind == "email":
                emails.setdefault(person_id, value)
        for number in numbers:
            person = chosen.get(number)
            mine = points.get(person, {}) if person is not None else {}
            if "email" in mine:
                self._contacts[number] = ("email", mine["email"][1])
            elif person is not None and person in emails:
                self._contacts[number] = ("email", emails[person])
            elif "phone" in mine:
                self._contacts[number] = ("sms", mine["phone"][1])
            else:
                self._contacts[number] = None

    def contact(self, number: str) -> tuple[str, str] | None:
        """The loaded (channel, recipient) of an account's holder; None when it has none. See `knows_contact`."""
        return self._contacts.get(number)

    def knows_contact(self, number: str) -> bool:
        return number in self._contacts

    def _load_cases(self, numbers: list[str]) -> None:
        fresh = [n for n in numbers if n not in self._cases_loaded]
        if not fresh:
            return
        for case in self.uow.session.scalars(select(AbuseCase).where(AbuseCase.account_number.in_(fresh))):
            self._cases.setdefault((case.account_number, case.kind), case)
        self._cases_loaded.update(fresh)

    def _load_standing(self, numbers: list[str]) -> None:
        fresh = [n for n in numbers if n not in self._standing]
        if not fresh:
            return
        session, now = self.uow.session, self.now()
        live = (AbuseStrike.removed_at.is_(None), or_(AbuseStrike.expires_at.is_(None), AbuseStrike.expires_at > now))
        counts = dict(
            session.execute(
                select(AbuseStrike.account_number, func.count(AbuseStrike.id))
                .where(AbuseStrike.account_number.in_(fresh), *live)
                .group_by(AbuseStrike.account_number)
            ).all()
        )
        times: dict[str, dict[int, list[tuple[datetime, int]]]] = {n: {} for n in fresh}
        for number, case_id, at, strike_id in session.execute(
            select(AbuseStrike.account_number, AbuseStrike.case_id, AbuseStrike.at, AbuseStrike.id).where(
                AbuseStrike.account_number.in_(fresh), AbuseStrike.removed_at.is_(None)
            )
        ):
            times[number].setdefault(case_id, []).append((at, strike_id))
        actions: dict[str, list[AbuseAction]] = {n: [] for n in fresh}
        query = (
            select(AbuseAction)
            .where(AbuseAction.account_number.in_(fresh), AbuseAction.revoked_at.is_(None), AbuseAction.step.in_(LADDER_STEPS))
            .order_by(AbuseAction.id)
        )
        for action in session.scalars(query):
            actions[action.account_number].append(action)
        for number in fresh:
            self._standing[number] = _Standing(int(counts.get(number, 0)), times[number], actions[number])

    def standing(self, number: str) -> _Standing:
        if number not in self._standing:
            self._load_standing([number])
        return self._standing[number]

    def case(self, account_number: str, kind: str) -> AbuseCase:
        """The subscriber's case of this kind, opened on first use."""
        self._load_cases([account_number])
        key = (account_number, kind)
        case = self._cases.get(key)
        if case is None:
            now = self.now()
            case = self.new(
                AbuseCase,
                account_number=account_number,
                kind=kind,
                opened_at=now,
                updated_at=now,
                notice_count=0,
                strike_count=0,
                reminders=0,
            )
            self.uow.record("abuse.case_opened", f"abuse_case:{case.id}", account=account_number, kind=kind)
            self._cases[key] = case
        return case
