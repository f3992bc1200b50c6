"""Connectors reach a provider's own databases; privet never copies them.

`base.Connector` is the whole interface (describe a table, fetch rows by column values, apply
updates in one transaction, close). PostgreSQL and SQLite share the SQLAlchemy implementation
in `sql.py`; another store is one more module registered in `base.CONNECTORS`.
"""

from privet.requests.connectors.base import Connector, ConnectorError, TableInfo, connect

__all__ = ["Connector", "ConnectorError", "TableInfo", "connect"]
