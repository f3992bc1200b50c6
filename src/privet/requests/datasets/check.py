"""`privet datasets check`: a declaration against the live database it describes.

The files can be right and the systems can have moved on: a renamed column, a `NOT NULL`
added to a column the declaration erases with null, a hash that no longer fits a shortened
`VARCHAR`. Each of these would make a deletion fail halfway or silently keep data, so they
are errors here, found before a request needs them. Lookups on unindexed columns and live
columns nobody declared are warnings: the first is slow, the second may be personal data
that requests would miss.
"""

from __future__ import annotations

from collections.abc import Callable

from privet.policy.load import LoadedDocument, PathKey, Problem, format_path
from privet.requests.connectors.base import ConnectorError, TableInfo
from privet.requests.datasets.graph import Node
from privet.requests.datasets.model import Strategy, Table
from privet.requests.datasets.registry import Registry

Report = Callable[[PathKey, str, str], None]


def lookup_columns(registry: Registry, node: Node) -> set[str]:
    """Columns a request queries by value in `node`: identities, and the ends of followed references."""
    cols = {name for name, col in registry.table(node).columns.items() if col.identity is not None}
    for edge in registry.graph.edges:
        if edge.child == node and edge.downward:
            cols.add(edge.child_col)
        if edge.parent == node and edge.upward:
            cols.add(edge.parent_col)
    return cols


def check_live(registry: Registry) -> list[Problem]:
    problems: list[Problem] = []
    for dataset, decl in registry.declarations.items():

        def report(path: PathKey, message: str, severity: str = "error", doc: LoadedDocument = decl.doc) -> None:
            problems.append(Problem(doc.file, doc.line_of(path), format_path(path), message, severity))

        try:
            connector = registry.connector(dataset)
            for tname, table in decl.dataset.tables.items():
                info = connector.describe(tname)
                if info is None:
                    report(("tables", tname), f"table '{tname}' does not exist in {dataset}'s database")
                    continue
                _check_table(registry, Node(dataset, tname), table, info, report)
        except ConnectorError as exc:
            report(("connection",), str(exc))
    return problems


def _check_table(registry: Registry, node: Node, table: Table, info: TableInfo, report: Report) -> None:
    base: PathKey = ("tables", node.table)
    for cname, column in table.columns.items():
        path: PathKey = (*base, "columns", cname)
        live = info.columns.get(cname)
        if live is None:
            report(path, f"column '{cname}' does not exist in {node}", "error")
            continue
        erase = column.erasure
        if erase.strategy is Strategy.NULL and not live.nullable and cname not in table.primary_key:
            report((*path, "erase"), f"{node}.{cname} is NOT NULL, so it cannot be erased with null", "error")
        if erase.strategy in (Strategy.HASH, Strategy.KEYED_HASH, Strategy.STRING):
            if not live.is_text:
                report(
                    (*path, "erase"),
                    f"{node}.{cname} is {live.type_name}, not text: a {erase.strategy.value} erasure cannot be stored",
                    "error",
                )
            elif live.length is not None and erase.width is not None and erase.width > live.length:
                report(
                    (*path, "erase"),
                    f"the erased value needs {erase.width} characters but {node}.{cname} holds {live.length}",
                    "error",
                )
    if info.primary_key and tuple(table.primary_key) != info.primary_key:
        report((*base, "primary_key"), f"the live primary key of {node} is ({', '.join(info.primary_key)})", "warning")
    for cname in sorted(lookup_columns(registry, node)):
        if cname in info.columns and cname not in info.indexed:
            report(
                (*base, "columns", cname), f"{node}.{cname} has no index: finding a person will scan the whole table", "warning"
            )
    for cname in sorted(set(info.columns) - set(table.columns)):
        report(
            (*base, "columns"),
            f"{node} has a column '{cname}' the declaration does not mention: declare it if it holds personal data",
            "warning",
        )
