"""Fixtures the CPNI, legal-process and retention suites share: a migrated database per module and
backend, one World (packs loaded and compiled once) per module with a fresh hand-set clock per
test, cheap scrypt, and an SMTP listener on loopback. Each suite's conftest imports the ones it uses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.conftest import BACKENDS
from tests.cpni.support import Clock, Inbox, World, module_engine, smtp_listener


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    yield from module_engine(request, tmp_path_factory)


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests hash many secrets; the production cost is pointless here (hashes carry their own cost)."""
    monkeypatch.setenv("PRIVET_SCRYPT_LOG2_N", "10")


@pytest.fixture(scope="module")
def module_world(engine: Engine) -> World:
    """Packs load and compile once per module; each test gets a fresh clock."""
    return World(engine)


@pytest.fixture
def world(module_world: World) -> World:
    module_world.clock = Clock()
    return module_world


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    yield from smtp_listener()
