"""A `Dataset` over one SQL table: a provider's database (its own engine) or privet's store (the unit of work's session).

The declaration says which column holds which data category, which columns say whose the row
is and when things happened to it, and, for lock and release, which column records that. The
table is reflected once, so a misspelt column is an error when the sweep starts, not a silent
miss. Deleting (or releasing) a row removes it only when the rule covers every category the row
holds; otherwise the covered columns are emptied, so a rule about usernames never deletes the
mailbox beside them. Release sets `released_column` when the table has one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Engine, MetaData, Table, delete, false, func, or_, select, update
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import NoSuchTableError
from sqlalchemy.orm import Session

from privet.policy.taxonomy import is_within
from privet.retention.datasets import ACTIONS, DatasetError, Record

CHUNK = 500


@dataclass(frozen=True)
class TableSpec:
    name: str
    table: str
    key: str
    columns: Mapping[str, str] = field(default_factory=dict)  # column -> category it holds
    row_categories: tuple[str, ...] = ()  # categories of the row as a whole (a call record, a fax)
    person_column: str | None = None  # the provider's id for the person
    person_id_column: str | None = None  # privet's person id (privet's own tables)
    account_column: str | None = None
    times: Mapping[str, str] = field(default_factory=dict)  # trigger -> column
    purposes: tuple[str, ...] = ()
    record_type: str | None = None
    locked_column: str | None = None
    released_column: str | None = None
    schema: str | None = None
    children: tuple[tuple[str, str], ...] = ()  # (table, column referring to this key): deleted first


class SqlTable:
    """Implements `Dataset` for one table. Give `engine` for a provider database, `session` for privet's store."""

    def __init__(self, spec: TableSpec, *, engine: Engine | None = None, session: Session | None = None):
        if (engine is None) == (session is None):
            raise DatasetError(f"{spec.name}: give exactly one of an engine or a session")
        self.spec, self.engine, self.session = spec, engine, session
        self.table = self._reflect(spec.table)
        self._children = [self._reflect(t) for t, _ in spec.children]
        names = set(self.table.c.keys())
        wanted = [spec.key, *spec.columns, *spec.times.values()]
        wanted += [
            c
            for c in (spec.person_column, spec.person_id_column, spec.account_column, spec.locked_column, spec.released_column)
            if c
        ]
        missing = sorted(set(wanted) - names)
        if missing:
            raise DatasetError(f"{spec.name}: table {spec.table} has no column {', '.join(missing)}")
        if not spec.columns and not spec.row_categories:
            raise DatasetError(f"{spec.name}: declare the categories its columns or rows hold")

    def _reflect(self, name: str) -> Table:
        bind: Any = self.engine if self.engine is not None else self.session.connection() if self.session is not None else None
        try:
            return Table(name, MetaData(schema=self.spec.schema), autoload_with=bind)
        except NoSuchTableError:
            raise DatasetError(f"{self.spec.name}: no table {name}") from None

    # --- the Dataset protocol ---

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(self.spec.columns.values()) | frozenset(self.spec.row_categories)

    @property
    def purposes(self) -> frozenset[str]:
        return frozenset(self.spec.purposes)

    @property
    def record_type(self) -> str | None:
        return self.spec.record_type

    @property
    def triggers(self) -> frozenset[str]:
        return frozenset(self.spec.times)

    def due(self, trigger: str, before: datetime, *, action: str, categories: frozenset[str]) -> Iterator[Record]:
        if trigger not in self.spec.times:
            return iter(())
        col = self.table.c[self.spec.times[trigger]]
        query = select(self.table).where(col.is_not(None), col < self._bind_time(col, before))
        return self._rows(query.where(*self._pending(action, categories)))

    def of_subjects(
        self, *, person_refs: Collection[str], account_numbers: Collection[str], action: str, categories: frozenset[str]
    ) -> Iterator[Record]:
        conds = []
        if self.spec.person_column and person_refs:
            conds.append(self.table.c[self.spec.person_column].in_(list(person_refs)))
        if self.spec.account_column and account_numbers:
            # Compare as privet normalises account numbers, whatever form the provider stores them in.
            raw = self.table.c[self.spec.account_column]
            conds.append(func.upper(func.replace(func.replace(raw, "-", ""), " ", "")).in_(list(account_numbers)))
        if not conds:
            return iter(())
        return self._rows(select(self.table).where(or_(*conds), *self._pending(action, categories)))

    def apply(self, action: str, records: Sequence[Record], categories: frozenset[str]) -> int:
        if action not in ACTIONS:
            raise DatasetError(f"{self.name}: unknown action {action}")
        if not records:
            return 0
        keys = [self._key_value(r.key) for r in records]
        if self.session is not None:
            return self._apply(self.session.connection(), action, keys, categories)
        assert self.engine is not None
        with self.engine.begin() as conn:
            return self._apply(conn, action, keys, categories)

    # --- internals ---

    def covered(self, categories: frozenset[str]) -> tuple[list[str], bool]:
        """The columns a rule on `categories` covers, and whether it covers everything the row holds."""

        def inside(c: str) -> bool:
            return any(is_within(c, rc) for rc in categories)

        cols = [col for col, cat in self.spec.columns.items() if inside(cat)]
        whole = all(inside(c) for c in self.categories)
        return cols, whole

    def _pending(self, action: str, categories: frozenset[str]) -> list[Any]:
        cols, whole = self.covered(categories)
        if action == "lock":
            if not self.spec.locked_column:
                raise DatasetError(f"{self.name}: the lock action needs a locked_column")
            locked = self.table.c[self.spec.locked_column]
            return [or_(locked.is_(None), locked.is_(False)) if self._is_bool(self.spec.locked_column) else locked.is_(None)]
        if action == "release_for_reuse" and self.spec.released_column:
            return [self.table.c[self.spec.released_column].is_(None)]
        if action == "deidentify" or (action in ("delete", "release_for_reuse") and not whole):
            subject = [c for c in (self.spec.person_column, self.spec.account_column) if c] if action == "deidentify" else []
            targets = [*cols, *subject]
            return [or_(*[self.table.c[c].is_not(None) for c in targets])] if targets else [false()]
        return []

    def _apply(self, conn: Connection, action: str, keys: list[Any], categories: frozenset[str]) -> int:
        cols, whole = self.covered(categories)
        key = self.table.c[self.spec.key]
        changed = 0
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            if action == "lock":
                stmt: Any = (
                    update(self.table)
                    .where(key.in_(chunk))
                    .values({self.spec.locked_column: self._mark(self.spec.locked_column or "")})
                )
            elif action == "release_for_reuse" and self.spec.released_column:
                stmt = (
                    update(self.table)
                    .where(key.in_(chunk))
                    .values({self.spec.released_column: self._mark(self.spec.released_column)})
                )
            elif action in ("delete", "release_for_reuse") and whole:
                for child, (_, fk) in zip(self._children, self.spec.children, strict=True):
                    conn.execute(delete(child).where(child.c[fk].in_(chunk)))
                stmt = delete(self.table).where(key.in_(chunk))
            else:
                subject = [c for c in (self.spec.person_column, self.spec.account_column) if c] if action == "deidentify" else []
                targets = [*cols, *subject]
                self._check_nullable(targets)
                stmt = update(self.table).where(key.in_(chunk)).values({c: None for c in targets})
            changed += conn.execute(stmt).rowcount or 0
        return changed

    def _check_nullable(self, columns: list[str]) -> None:
        fixed = [c for c in columns if not self.table.c[c].nullable]
        if fixed:
            raise DatasetError(
                f"{self.name}: cannot empty NOT NULL column {', '.join(fixed)}; declare a delete or a lock instead"
            )

    def _is_bool(self, column: str) -> bool:
        return isinstance(self.table.c[column].type, Boolean)

    def _mark(self, column: str) -> Any:
        return True if self._is_bool(column) else self._bind_time(self.table.c[column], datetime.now(UTC))

    @staticmethod
    def _bind_time(col: Column[Any], moment: datetime) -> datetime:
        """Naive UTC for a column without time zone (SQLite, `timestamp`), aware otherwise."""
        if isinstance(col.type, DateTime) and not col.type.timezone:
            return moment.astimezone(UTC).replace(tzinfo=None)
        return moment

    def _key_value(self, key: str) -> Any:
        python = self.table.c[self.spec.key].type.python_type
        return int(key) if python is int else key

    def _rows(self, query: Any) -> Iterator[Record]:
        def read() -> Iterator[Record]:
            if self.session is not None:
                yield from (self._record(row._mapping) for row in self.session.execute(query))
                return
            assert self.engine is not None
            with self.engine.connect() as conn:
                yield from (self._record(row._mapping) for row in conn.execute(query))

        return read()

    def _record(self, row: RowMapping) -> Record:
        s = self.spec
        times = {t: _aware(row[c]) for t, c in s.times.items() if row[c] is not None}
        account = row[s.account_column] if s.account_column else None
        return Record(
            dataset=s.name,
            key=str(row[s.key]),
            categories=self.categories,
            person_ref=str(row[s.person_column]) if s.person_column and row[s.person_column] is not None else None,
            person_id=int(row[s.person_id_column]) if s.person_id_column and row[s.person_id_column] is not None else None,
            account_number=_account(account),
            times=times,
        )


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _account(value: Any) -> str | None:
    if value is None:
        return None
    return "".join(str(value).split()).replace("-", "").upper()
