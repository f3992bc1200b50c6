"""The SQLAlchemy connector: PostgreSQL and SQLite (and any dialect SQLAlchemy speaks).

Statements are built on lightweight `table()`/`column()` constructs, not reflected tables, so
a lookup costs one indexed query and no schema round trips, and values come back exactly as
the driver returns them. Lookups run on one autocommit connection per thread, so a walk over
ten tables is ten round trips rather than thirty (checkout ping, query, reset). Value lists are sent in chunks that stay under every backend's bound
parameter limit. Updates group rows that get the same values into one `UPDATE … WHERE key IN`.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from privet.requests.connectors.base import Change, ColumnInfo, ConnectorError, RowKey, TableInfo

CHUNK = 900  # below SQLite's historic limit of 999 bound parameters, far below PostgreSQL's 65535


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _hashable(values: dict[str, Any]) -> tuple[Any, ...] | None:
    try:
        key = tuple(sorted(values.items()))
        hash(key)
    except TypeError:
        return None
    return key


class SqlConnector:
    def __init__(self, url: str, schema: str | None = None) -> None:
        self.schema = schema
        try:
            if url.startswith("sqlite"):
                self.engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            else:
                self.engine = sa.create_engine(url, pool_pre_ping=True)
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            raise ConnectorError(f"cannot use database URL: {exc}") from exc
        self.where = self.engine.url.render_as_string(hide_password=True)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._readers: list[sa.Connection] = []

    def _table(self, name: str, columns: Sequence[str]) -> sa.TableClause:
        return sa.table(name, *(sa.column(c) for c in columns), schema=self.schema)

    def _fail(self, table: str, exc: SQLAlchemyError) -> ConnectorError:
        orig = getattr(exc, "orig", None)
        reason = str(orig) if orig is not None else str(exc)
        return ConnectorError(f"{self.where}: table {table}: {reason.splitlines()[0]}")

    def describe(self, table: str) -> TableInfo | None:
        try:
            inspector = sa.inspect(self.engine)
            if not inspector.has_table(table, schema=self.schema):
                return None
            columns = {}
            for col in inspector.get_columns(table, schema=self.schema):
                ctype = col["type"]
                is_text = isinstance(ctype, sa.String)
                length = getattr(ctype, "length", None) if is_text else None
                columns[col["name"]] = ColumnInfo(col["name"], str(ctype), bool(col.get("nullable", True)), is_text, length)
            pk = tuple(inspector.get_pk_constraint(table, schema=self.schema).get("constrained_columns") or ())
            leading = {ix["column_names"][0] for ix in inspector.get_indexes(table, schema=self.schema) if ix["column_names"]}
            leading |= {
                uq["column_names"][0] for uq in inspector.get_unique_constraints(table, schema=self.schema) if uq["column_names"]
            }
            if pk:
                leading.add(pk[0])
            return TableInfo(table, columns, pk, frozenset(c for c in leading if c))
        except SQLAlchemyError as exc:
            raise self._fail(table, exc) from exc

    def _reader(self) -> sa.Connection:
        """This thread's autocommit connection for lookups: one round trip per query, no pool checkout."""
        conn: sa.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._local.conn = conn
            with self._lock:
                self._readers.append(conn)
        return conn

    def fetch(self, table: str, columns: Sequence[str], where: str, values: Collection[Any]) -> list[dict[str, Any]]:
        t = self._table(table, list(dict.fromkeys([*columns, where])))
        queries = [
            sa.select(*(t.c[c] for c in columns)).where(t.c[where].in_(list(chunk)))
            for chunk in _chunks(sorted(values, key=repr))
        ]
        for attempt in (1, 2):
            try:
                conn = self._reader()
                return [dict(r._mapping) for query in queries for r in conn.execute(query)]
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:  # a dropped connection is retried once
                    raise self._fail(table, exc) from exc
            except SQLAlchemyError as exc:
                raise self._fail(table, exc) from exc
        raise AssertionError("unreachable")

    def update(self, table: str, key: Sequence[str], changes: Sequence[Change]) -> int:
        """One transaction: rows sharing the same new values go in one `UPDATE … WHERE key IN (…)`."""
        grouped: dict[tuple[Any, ...], list[RowKey]] = defaultdict(list)
        single: dict[tuple[str, ...], list[Change]] = defaultdict(list)
        for row_key, values in changes:
            hkey = _hashable(values) if values else None
            if hkey is not None:
                grouped[hkey].append(row_key)
            elif values:
                single[tuple(sorted(values))].append((row_key, values))
        same = {h: keys for h, keys in grouped.items() if len(keys) > 1}
        for hkey, keys in grouped.items():
            if len(keys) == 1:
                single[tuple(k for k, _ in hkey)].append((keys[0], dict(hkey)))
        count = 0
        try:
            with self.engine.begin() as conn:
                for hkey, keys in same.items():
                    values = dict(hkey)
                    t = self._table(table, [*key, *values])
                    target = t.c[key[0]] if len(key) == 1 else sa.tuple_(*(t.c[k] for k in key))
                    for chunk in _chunks(keys, CHUNK // len(key)):
                        items = [k[0] for k in chunk] if len(key) == 1 else list(chunk)
                        result = conn.execute(sa.update(t).where(target.in_(items)).values(**values))
                        count += result.rowcount or 0
                for cols, group in single.items():
                    t = self._table(table, [*key, *cols])
                    stmt = sa.update(t).where(*(t.c[k] == sa.bindparam(f"_k{i}") for i, k in enumerate(key)))
                    stmt = stmt.values({c: sa.bindparam(f"_v_{c}") for c in cols})
                    params = [
                        {**{f"_k{i}": v for i, v in enumerate(rk)}, **{f"_v_{c}": vals[c] for c in cols}} for rk, vals in group
                    ]
                    conn.execute(stmt, params)
                    count += len(params)
        except SQLAlchemyError as exc:
            raise self._fail(table, exc) from exc
        return count

    def close(self) -> None:
        with self._lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self.engine.dispose()
