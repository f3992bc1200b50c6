"""Retention fixtures: privet's database and a provider's database (a second SQLite file, or a second PostgreSQL schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from privet.store.db import make_engine
from tests.conftest import BACKENDS, _postgres_engine
from tests.cpni.support import Clock, World, module_engine


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    yield from module_engine(request, tmp_path_factory)


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


@pytest.fixture(scope="module")
def module_world(engine: Engine) -> World:
    return World(engine)


@pytest.fixture
def world(module_world: World) -> World:
    module_world.clock = Clock()
    return module_world
