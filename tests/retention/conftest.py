"""Retention fixtures: privet's database and a provider's database (a second SQLite file, or a second PostgreSQL schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from privet.store.db import make_engine
from tests.conftest import _postgres_engine
from tests.cpni.fixtures import engine, module_world, world

__all__ = ["engine", "module_world", "provider", "world"]


@pytest.fixture(scope="module")
def provider(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The provider's own database, on the same backend as privet's but apart from it."""
    if engine.dialect.name == "sqlite":
        eng = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('provider')) / 'provider.db'}")
        yield eng
        eng.dispose()
        return
    gen = _postgres_engine()
    yield next(gen)
    gen.close()
