"""Writing a batch's new rows without the ORM's per-object bookkeeping.

An intake batch makes thousands of rows nothing reads back before commit: notices, evidence,
cases, strikes, steps. They are held by the desk and written here with one executemany per
table, parents first (`store.bulk`), reading values straight from each instance's dictionary.
Outbox messages are not among them: the desk queues those through `UnitOfWork.send_many`, so
the outbox alone decides how its rows are validated and written.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from privet.store.bulk import insert_rows
from privet.store.db import Base


@functools.cache
def _keys(table: Table) -> tuple[str, ...]:
    return tuple(table.columns.keys())


def values(table: Table, row: Any) -> dict[str, Any]:
    """A new row's column values, read from the instance dict (no attribute instrumentation).

    An attribute never set is left out, so the column gets its default, as a flush would give it.
    """
    if isinstance(row, dict):
        return row
    state = row.__dict__
    return {key: state[key] for key in _keys(table) if key in state}


def insert_new(session: Session, rows: list[Any]) -> None:
    """Insert new rows (mapped instances, or `(table name, values)` pairs) table by table, parents first."""
    by_table: dict[str, list[Any]] = {}
    for row in rows:
        if isinstance(row, tuple):
            by_table.setdefault(row[0], []).append(row[1])
        else:
            by_table.setdefault(row.__table__.name, []).append(row)
    conn = session.connection()
    for table in Base.metadata.sorted_tables:
        pending = by_table.pop(table.name, [])
        if pending:
            insert_rows(conn, table, [values(table, r) for r in pending])
    if by_table:
        raise RuntimeError(f"no table order for {sorted(by_table)}")
