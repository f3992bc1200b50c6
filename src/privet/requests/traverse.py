"""Finding one person's rows in every declared system: identities, then references, to a fixpoint.

The walk starts from the identities privet knows for the person (emails, phones, usernames,
the accounts they hold) and looks them up in every identity column, converted to the format
that system stores. Found rows then lead along followed references to more rows, and the
stable identities found in them (another email in the CRM, a username in billing) are looked
up in turn, until a pass finds nothing new. IP addresses never widen the search: providers
reassign them, so the same address in a log may belong to someone else.

Every value is looked up at most once per column, so the walk issues one indexed query per
(table, column, batch of new values) and terminates on cyclic references.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from privet.requests.connectors.base import RowKey
from privet.requests.datasets.graph import Node
from privet.requests.datasets.model import IdentityKind
from privet.requests.datasets.registry import Registry
from privet.subjects.identities import InvalidIdentity, normalize

Seeds = dict[IdentityKind, set[str]]
EXPANDING = frozenset({IdentityKind.EMAIL, IdentityKind.PHONE, IdentityKind.ACCOUNT_NUMBER, IdentityKind.USERNAME})


def to_column(kind: IdentityKind, fmt: str, canonical: str) -> str:
    """A canonical identity as a system stores it (`+15550100199` as `5550100199` or `555-010-0199`)."""
    if kind is IdentityKind.PHONE and canonical.startswith("+1") and fmt != "e164":
        national = canonical[2:]
        return national if fmt == "digits" else f"{national[:3]}-{national[3:6]}-{national[6:]}"
    return canonical


def canonical(kind: IdentityKind, value: Any) -> str | None:
    """The canonical form of a value found in a system, or None when it is not a valid identity."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        if kind is IdentityKind.IP_ADDRESS:
            return str(ipaddress.ip_address(text))
        if kind is IdentityKind.ACCOUNT_NUMBER:
            return normalize(kind.value, re.sub(r"[^A-Za-z0-9]", "", text))
        return normalize(kind.value, text)
    except (InvalidIdentity, ValueError):
        return None


def row_key(row: dict[str, Any], key: list[str]) -> RowKey:
    return tuple(row[k] for k in key)


@dataclass
class Found:
    """The person's rows per table, keyed by primary key, and every identity met on the way."""

    rows: dict[Node, dict[RowKey, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    seeds: Seeds = field(default_factory=lambda: defaultdict(set))
    queries: int = 0

    def total(self) -> int:
        return sum(len(r) for r in self.rows.values())


def find_rows(registry: Registry, seeds: Seeds) -> Found:
    graph = registry.graph
    found = Found()
    for kind, values in seeds.items():
        found.seeds[kind] |= set(values)
    asked: dict[tuple[Node, str], set[Any]] = defaultdict(set)

    def lookup(node: Node, column: str, values: set[Any]) -> bool:
        fresh = {v for v in values if v is not None} - asked[(node, column)]
        if not fresh:
            return False
        asked[(node, column)] |= fresh
        table = registry.table(node)
        rows = registry.connector(node.dataset).fetch(node.table, list(table.columns), column, fresh)
        found.queries += 1
        before = len(found.rows[node])
        for row in rows:
            found.rows[node].setdefault(row_key(row, table.primary_key), row)
        return len(found.rows[node]) > before

    changed = True
    while changed:
        changed = False
        for node in graph.order:
            for name, col in graph.identities(node):
                assert col.identity is not None
                wanted: set[Any] = {to_column(col.identity, col.id_format, v) for v in found.seeds.get(col.identity, set())}
                changed |= lookup(node, name, wanted)
        for edge in graph.edges:
            if edge.downward and found.rows.get(edge.parent):
                linked = {r.get(edge.parent_col) for r in found.rows[edge.parent].values()}
                changed |= lookup(edge.child, edge.child_col, linked)
            if edge.upward and found.rows.get(edge.child):
                linked = {r.get(edge.child_col) for r in found.rows[edge.child].values()}
                changed |= lookup(edge.parent, edge.parent_col, linked)
        changed |= _expand(registry, found)
    return found


def _expand(registry: Registry, found: Found) -> bool:
    grew = False
    for node, rows in found.rows.items():
        for name, col in registry.graph.identities(node):
            if col.identity not in EXPANDING:
                continue
            for row in rows.values():
                value = canonical(col.identity, row.get(name))
                if value is not None and value not in found.seeds[col.identity]:
                    found.seeds[col.identity].add(value)
                    grew = True
    return grew
