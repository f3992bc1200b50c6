"""A provider's tables for retention tests: mailboxes, usernames, toll records, faxes, request logs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, String, Table, Text, insert, select

from privet.retention.sql import SqlTable, TableSpec


class Provider:
    """Creates uniquely named tables in the provider's database and declares them as datasets."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.suffix = uuid.uuid4().hex[:8]
        self.meta = MetaData()

    def table(self, name: str, *columns: Column[Any]) -> Table:
        t = Table(f"{name}_{self.suffix}", self.meta, Column("id", Integer, primary_key=True), *columns)
        t.create(self.engine)
        return t

    def rows(self, table: Table, *rows: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(table), [dict(r) for r in rows])

    def read(self, table: Table) -> dict[int, dict[str, Any]]:
        with self.engine.connect() as conn:
            return {r.id: dict(r._mapping) for r in conn.execute(select(table))}

    def dataset(self, table: Table, **spec: Any) -> SqlTable:
        return SqlTable(TableSpec(name=spec.pop("name", table.name), table=table.name, key="id", **spec), engine=self.engine)

    def mailboxes(self) -> Table:
        return self.table(
            "mailboxes",
            Column("account_number", String(64)),
            Column("username", String(64), nullable=True),
            Column("address", String(200), nullable=True),
            Column("content", Text, nullable=True),
            Column("created_at", DateTime),
            Column("closed_at", DateTime, nullable=True),
            Column("locked_at", DateTime, nullable=True),
        )

    def usernames(self) -> Table:
        return self.table(
            "usernames",
            Column("account_number", String(64)),
            Column("username", String(64)),
            Column("released_at", DateTime, nullable=True),
        )

    def records(self, name: str) -> Table:
        return self.table(
            name,
            Column("customer_ref", String(64), nullable=True),
            Column("account_number", String(64), nullable=True),
            Column("detail", Text, nullable=True),
            Column("created_at", DateTime),
            Column("done_at", DateTime, nullable=True),
        )


def naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def ids(rows: Sequence[dict[str, Any]]) -> list[int]:
    return [r["id"] for r in rows]
