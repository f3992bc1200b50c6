"""Inserting many new rows in one statement without SQLAlchemy's per-row parameter machinery.

A Core `insert(table)` executed with a list of rows rebuilds each row's parameters in Python
(`construct_params`, then every column's bind processor through generic code), which for a batch
of thousands of small rows (an abuse intake batch writes about ten rows a notice: the notice,
its evidence, strikes, steps, cases, outbox messages, audit entries) costs more than SQLite
spends storing them. Here the statement is compiled once per table and column set, each
column's bind processor (the same one SQLAlchemy would apply) is looked up once, and the rows
become driver-ready values in one pass, handed to the driver's `executemany` through
`Connection.exec_driver_sql`, so the transaction, events and logging stay SQLAlchemy's.

Rows are plain mappings of column key to value, with Core's meaning: a key given as None is
NULL, a column a row leaves out gets its Python-side default (scalar or callable, as the model
declares it) or NULL. Server defaults are not evaluated, so every table written here declares
its defaults in Python.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    """One table's INSERT for one set of columns, compiled for one dialect."""

    sql: str
    keys: tuple[str, ...]
    fills: tuple[Any, ...]
    processors: tuple[Processor, ...]
    positional: bool


def _fill(table: Table, key: str) -> Any:
    """The Python-side default a row that leaves `key` out gets: a scalar, a callable, or None."""
    default = table.columns[key].default
    if default is None:
        return None
    if getattr(default, "is_scalar", False) or getattr(default, "is_callable", False):
        return default.arg  # type: ignore[attr-defined]
    return None


def _default(fill: Any) -> Any:
    """A left-out column's value: a callable default is called per row (its context argument unused)."""
    return fill(None) if callable(fill) else fill


@functools.lru_cache(maxsize=512)
def _plan(table: Table, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
    order = tuple(compiled.positiontup or ()) if dialect.positional else keys
    if set(order) != set(keys):
        raise ValueError(f"{table.name}: bind names {sorted(order)} do not match columns {sorted(keys)}")
    types = {key: table.columns[key].type for key in keys}
    return _Plan(
        sql=str(compiled),
        keys=order,
        fills=tuple(_fill(table, key) for key in order),
        processors=tuple(types[key].dialect_impl(dialect).bind_processor(dialect) for key in order),
        positional=dialect.positional,
    )


def _columns(table: Table, rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The columns the statement names: every key any row gives, and every column with a Python default."""
    given: set[str] = set()
    for row in rows:
        given.update(row)
    unknown = given - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(sorted(unknown))}")
    return tuple(c.key for c in table.columns if c.key in given or _fill(table, c.key) is not None)


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` into `table` with one executemany in the connection's transaction."""
    if not rows:
        return
    plan = _plan(table, conn.dialect, _columns(table, rows))
    slots = tuple(zip(plan.keys, plan.fills, plan.processors, strict=True))
    prepared: list[Any] = []
    for row in rows:
        values = []
        for key, fill, process in slots:
            value = row[key] if key in row else _default(fill)
            values.append(value if process is None else process(value))
        prepared.append(tuple(values) if plan.positional else dict(zip(plan.keys, values, strict=True)))
    conn.exec_driver_sql(plan.sql, prepared)
