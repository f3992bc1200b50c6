"""Writing a batch's new rows without the ORM's per-object bookkeeping.

An intake batch makes thousands of rows nothing reads back before commit: notices, evidence,
cases, strikes, steps. They are held by the desk and inserted here with one multi-row INSERT
per table, parents first, reading values straight from each instance's dictionary. Outbox
messages are not among them: the desk queues those through `UnitOfWork.send_many`, so the
outbox alone decides how its rows are validated and written.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from privet.store.db import Base


@functools.cache
def _columns(table: Table) -> tuple[tuple[str, Any], ...]:
    """Each column's key and the scalar default a Core INSERT must supply when a new row left it unset."""
    specs = []
    for column in table.columns:
        default = column.default
        fill = default.arg if default is not None and getattr(default, "is_scalar", False) else None  # type: ignore[attr-defined]
        if default is not None and getattr(default, "is_callable", False):
            fill = default.arg  # type: ignore[attr-defined]  # a callable such as dict: called per row
        specs.append((column.key, fill))
    return tuple(specs)


def values(table: Table, row: Any) -> dict[str, Any]:
    """A new row's column values for a Core INSERT, read from the instance dict (no attribute instrumentation)."""
    if isinstance(row, dict):
        return row
    state = row.__dict__
    values = {}
    for key, fill in _columns(table):
        value = state.get(key)
        if value is None and fill is not None:
            value = fill(None) if callable(fill) else fill
        values[key] = value
    return values


def insert_new(session: Session, rows: list[Any]) -> None:
    """Insert new rows (mapped instances, or `(table name, values)` pairs) table by table, parents first."""
    by_table: dict[str, list[Any]] = {}
    for row in rows:
        if isinstance(row, tuple):
            by_table.setdefault(row[0], []).append(row[1])
        else:
            by_table.setdefault(row.__table__.name, []).append(row)
    for table in Base.metadata.sorted_tables:
        pending = by_table.pop(table.name, [])
        if pending:
            session.execute(insert(table), [values(table, r) for r in pending])
    if by_table:
        raise RuntimeError(f"no table order for {sorted(by_table)}")
