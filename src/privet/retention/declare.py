"""Reading a retention declaration: which provider tables hold what, and when things happen to their rows.

A small YAML file (see docs/cpni-legal-retention.md) lists SQL tables as datasets. Database URLs
come from environment variables named in the file (`url_env`), so credentials stay out of it;
a literal `url` is accepted for a local SQLite file. Every field is checked and every problem
is reported with the dataset and field it concerns. The data-subject-request declarations can
be adapted to `TableSpec` the same way, so one declaration can serve both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import Engine

from privet.retention.datasets import DatasetError
from privet.retention.sql import SqlTable, TableSpec
from privet.store.db import make_engine

Key = Annotated[str, Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=200)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=120)]
TRIGGERS = ("collection", "disconnection", "last_activity", "purpose_fulfilled", "account_closure", "request_closed")


class Declared(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=120)]
    url: str | None = None
    url_env: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")] | None = None
    table: Name
    schema_name: Name | None = Field(default=None, alias="schema")
    key: Name
    columns: dict[Name, Key] = Field(default_factory=dict)
    row_categories: list[Key] = Field(default_factory=list)
    person_column: Name | None = None
    account_column: Name | None = None
    times: dict[str, Name] = Field(default_factory=dict)
    purposes: list[Key] = Field(default_factory=list)
    record_type: str | None = None
    locked_column: Name | None = None
    released_column: Name | None = None

    @model_validator(mode="after")
    def _check(self) -> Declared:
        if self.name.startswith("privet."):
            raise ValueError("name: names starting with 'privet.' are reserved for privet's own tables")
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of url or url_env")
        unknown = sorted(set(self.times) - set(TRIGGERS))
        if unknown:
            raise ValueError(f"times: unknown trigger {', '.join(unknown)} (known: {', '.join(TRIGGERS)})")
        if not self.columns and not self.row_categories:
            raise ValueError("declare the categories the table holds (columns or row_categories)")
        return self

    def spec(self) -> TableSpec:
        return TableSpec(
            name=self.name,
            table=self.table,
            key=self.key,
            columns=self.columns,
            row_categories=tuple(self.row_categories),
            person_column=self.person_column,
            account_column=self.account_column,
            times=self.times,
            purposes=tuple(self.purposes),
            record_type=self.record_type,
            locked_column=self.locked_column,
            released_column=self.released_column,
            schema=self.schema_name,
        )


class Declaration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    datasets: list[Declared] = Field(min_length=1)


def load(path: Path, env: dict[str, str] | None = None) -> list[SqlTable]:
    """Datasets from a declaration file, connected and checked against their tables."""
    environ = dict(os.environ) if env is None else env
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DatasetError(f"{path}: {exc}") from None
    try:
        declaration = Declaration.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DatasetError(f"{path}: {where}: {first['msg'].removeprefix('Value error, ')}") from None
    names = [d.name for d in declaration.datasets]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise DatasetError(f"{path}: dataset {duplicates[0]} is declared twice")
    engines: dict[str, Engine] = {}
    tables = []
    for d in declaration.datasets:
        url = d.url or environ.get(d.url_env or "")
        if not url:
            raise DatasetError(f"{path}: {d.name}: environment variable {d.url_env} is not set")
        engine = engines.setdefault(url, make_engine(url))
        tables.append(SqlTable(d.spec(), engine=engine))
    return tables
