"""The declared datasets a running privet knows, with their connections and erasure keys.

Connections are opened lazily and kept for the life of the registry; URLs come from the
declaration or, preferably, from the environment variable it names, so credentials never sit
in a file or in privet's database. A relative SQLite path is taken from the declaration's folder.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from pathlib import Path

from privet.keys import secret_key
from privet.policy.model import PolicyPack
from privet.requests.connectors.base import Connector, ConnectorError, connect
from privet.requests.datasets.graph import Graph, Node, nodes_of
from privet.requests.datasets.load import DatasetError, Declaration, load_declarations
from privet.requests.datasets.model import Table

DATASETS_ENV = "PRIVET_DATASETS"


class Registry:
    def __init__(self, declarations: Sequence[Declaration]) -> None:
        self.declarations = {d.dataset.dataset: d for d in declarations}
        self.graph = Graph(nodes_of((d.dataset.dataset, d.dataset.tables) for d in declarations))
        self._connectors: dict[str, Connector] = {}

    @classmethod
    def load(cls, where: Path, pack: PolicyPack | None = None) -> Registry:
        """Load and cross-check every declaration; any error (not warning) raises DatasetError."""
        decls, problems = load_declarations(where, pack)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise DatasetError(errors)
        return cls(decls)

    def table(self, node: Node) -> Table:
        return self.graph.tables[node]

    def system(self, dataset: str) -> str:
        d = self.declarations[dataset].dataset
        return d.system or d.name

    def url(self, dataset: str) -> str:
        decl = self.declarations[dataset]
        conn = decl.dataset.connection
        if conn.url_env is not None:
            url = os.environ.get(conn.url_env)
            if not url:
                raise ConnectorError(f"dataset {dataset}: environment variable {conn.url_env} (its connection URL) is not set")
        else:
            assert conn.url is not None
            url = conn.url
        prefix, sep, rest = url.partition(":///")
        if prefix.startswith("sqlite") and sep and rest and rest != ":memory:" and not Path(rest).is_absolute():
            url = f"{prefix}:///{decl.path.parent.resolve() / rest}"
        return url

    def connector(self, dataset: str) -> Connector:
        if dataset not in self._connectors:
            schema = self.declarations[dataset].dataset.connection.db_schema
            self._connectors[dataset] = connect(self.url(dataset), schema)
        return self._connectors[dataset]

    def erasure_key(self, dataset: str) -> bytes:
        """The keyed-hash secret: from the variable the declaration names, else derived from privet's secret."""
        env = self.declarations[dataset].dataset.erasure_key_env
        if env is not None:
            value = os.environ.get(env)
            if not value:
                raise ConnectorError(f"dataset {dataset}: environment variable {env} (its erasure key) is not set")
            return value.encode("utf-8")
        return hmac.new(secret_key(), f"privet-erasure:{dataset}".encode(), hashlib.sha256).digest()

    def close(self) -> None:
        for conn in self._connectors.values():
            conn.close()
        self._connectors.clear()


def registry_from_env(pack: PolicyPack | None = None) -> Registry | None:
    """The registry named by $PRIVET_DATASETS, or None when it is not set."""
    where = os.environ.get(DATASETS_ENV)
    return Registry.load(Path(where), pack) if where else None


__all__ = ["DATASETS_ENV", "DatasetError", "Registry", "registry_from_env"]
