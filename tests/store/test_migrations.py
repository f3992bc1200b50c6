"""The migrations build exactly the schema the mapped tables declare, on both engines."""

from __future__ import annotations

import importlib
import pkgutil

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import privet
from privet.store.db import Base
from privet.store.migrate import is_current


def _all_tables() -> None:
    """Import every domain's tables, so the metadata holds the whole schema and not what this test happened to import."""

    def unimportable(name: str) -> None:
        raise ImportError(f"{name} could not be imported, so its tables would go unchecked")

    for module in pkgutil.walk_packages(privet.__path__, "privet.", onerror=unimportable):
        if module.name.endswith(".tables"):
            importlib.import_module(module.name)


def test_the_migrated_database_matches_the_models(engine: Engine) -> None:
    _all_tables()
    assert is_current(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
