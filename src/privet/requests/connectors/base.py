"""The connector interface, and the registry that picks one from a database URL.

Three operations (and `close`) are all a request needs from a system: describe a table (for
`datasets check`), fetch rows whose column value is in a set (finding a person, following a
reference), and apply per-row updates in one transaction (masking, correcting).
Keeping the interface this small is what makes a new kind of store one module.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

RowKey = tuple[Any, ...]
Change = tuple[RowKey, dict[str, Any]]


class ConnectorError(RuntimeError):
    """A system could not be reached or refused an operation; the message says which and why."""


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type_name: str
    nullable: bool
    is_text: bool
    length: int | None


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: dict[str, ColumnInfo]
    primary_key: tuple[str, ...]
    indexed: frozenset[str]  # columns that lead an index (or the primary key): lookups on them do not scan


class Connector(Protocol):
    def describe(self, table: str) -> TableInfo | None:
        """The live table, or None when it does not exist."""

    def fetch(self, table: str, columns: Sequence[str], where: str, values: Collection[Any]) -> list[dict[str, Any]]:
        """Rows of `table` (only `columns`) whose `where` column holds one of `values`."""

    def update(self, table: str, key: Sequence[str], changes: Sequence[Change]) -> int:
        """Apply every change (row key, new column values) in one transaction; the rows changed."""

    def close(self) -> None: ...


Factory = Callable[[str, str | None], Connector]


def _sql(url: str, schema: str | None) -> Connector:
    from privet.requests.connectors.sql import SqlConnector

    return SqlConnector(url, schema)


# URL scheme (before any '+driver') to the factory that connects to it.
CONNECTORS: dict[str, Factory] = {"sqlite": _sql, "postgresql": _sql}


def connect(url: str, schema: str | None = None) -> Connector:
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    factory = CONNECTORS.get(scheme)
    if factory is None:
        raise ConnectorError(f"no connector for '{scheme}' databases (known: {', '.join(sorted(CONNECTORS))})")
    return factory(url, schema)
