"""The declared tables as a graph: nodes are tables, edges are references between columns.

Finding a person walks this graph from the tables that hold an identity; the dependency order
(referenced tables before the tables that reference them) fixes the order of traversal and,
reversed, of erasure, so a request always touches the systems in the same, explainable order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from privet.requests.datasets.model import Column, Follow, IdentityKind, Table


@dataclass(frozen=True, order=True)
class Node:
    dataset: str
    table: str

    def __str__(self) -> str:
        return f"{self.dataset}.{self.table}"


@dataclass(frozen=True)
class Edge:
    """`child.child_col` references `parent.parent_col`."""

    child: Node
    child_col: str
    parent: Node
    parent_col: str
    follow: Follow

    @property
    def downward(self) -> bool:
        return self.follow in (Follow.BOTH, Follow.TO_CHILD)

    @property
    def upward(self) -> bool:
        return self.follow in (Follow.BOTH, Follow.TO_PARENT)


class Graph:
    def __init__(self, tables: dict[Node, Table]) -> None:
        self.tables = tables
        self.edges: list[Edge] = []
        for node, table in tables.items():
            for name, column in table.columns.items():
                if column.references is None:
                    continue
                dataset, ptable, pcol = column.references.parts
                parent = Node(dataset or node.dataset, ptable)
                self.edges.append(Edge(node, name, parent, pcol, column.references.follow))
        self.order = self._dependency_order()

    def identities(self, node: Node) -> list[tuple[str, Column]]:
        return [(name, col) for name, col in self.tables[node].columns.items() if col.identity is not None]

    def identity_kinds(self) -> set[IdentityKind]:
        return {col.identity for table in self.tables.values() for col in table.columns.values() if col.identity}

    def _dependency_order(self) -> list[Node]:
        """Kahn's algorithm over parent -> child edges; tables in a cycle follow in name order."""
        incoming: dict[Node, set[Node]] = {n: set() for n in self.tables}
        for e in self.edges:
            if e.parent != e.child and e.parent in incoming:
                incoming[e.child].add(e.parent)
        order: list[Node] = []
        ready = sorted(n for n, parents in incoming.items() if not parents)
        while ready:
            node = ready.pop(0)
            order.append(node)
            for n, parents in incoming.items():
                if node in parents:
                    parents.discard(node)
                    if not parents and n not in order and n not in ready:
                        ready.append(n)
            ready.sort()
        order += sorted(n for n in self.tables if n not in order)
        return order


def nodes_of(pairs: Iterable[tuple[str, dict[str, Table]]]) -> dict[Node, Table]:
    return {Node(dataset, name): table for dataset, tables in pairs for name, table in tables.items()}
