"""A provider with real systems (SQLite files or PostgreSQL schemas), a pack, and two people in privet.

Migrating privet's own schema is the slowest part of a storage test, so this package migrates
once per session (a SQLite template file, a PostgreSQL schema) and gives each test a fresh copy
(the file copied, the schema's tables emptied): the same empty,
migrated database the shared `engine` fixture gives, at a fraction of the cost.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from privet.policy.load import load_pack_or_raise
from privet.policy.model import PolicyPack
from privet.requests.datasets.registry import Registry
from privet.requests.deletion import Checkpoint
from privet.requests.execute import Result, execute
from privet.requests.intake import Submission, submit
from privet.requests.lifecycle import get_request
from privet.requests.tables import DataRequest
from privet.runtime import Runtime, register_policy_version
from privet.store.db import make_engine, session_factory
from privet.store.migrate import upgrade
from privet.store.models import Base
from tests.conftest import BACKENDS, POLICIES, add_person
from tests.requests.systems import ALICE, BOB, Systems, build, url_env

PACKS = {"county": "004-county-micro", "mettel": "001-mettel", "metrofax": "002-metrofax"}

# What Alice can prove about herself: with the identity naming her, enough for any request.
ALICE_PROOF = {
    "data_points": {"full_name": "Alice Able", "postal_address": "1 Alice Way, Springfield", "phone": "(555) 010-0111"},
    "signed_declaration": True,
}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "privet.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    eng.dispose()
    return path


@pytest.fixture(scope="session")
def sqlite_systems(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The SQLite systems built once; each test gets copies."""
    folder = tmp_path_factory.mktemp("systems")
    gen = build(folder, None)
    next(gen)
    yield folder
    gen.close()


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    url = os.environ.get("PRIVET_TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL tests need PRIVET_TEST_DATABASE_URL (set by .ci/run when a server answers)")
    admin = sa.create_engine(url)
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def pg_privet(pg_admin: Engine) -> Iterator[Engine]:
    schema = f"t_req_{uuid.uuid4().hex[:10]}"
    with pg_admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = pg_admin.url.render_as_string(hide_password=False)
    engine = make_engine(f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}")
    upgrade(engine)
    yield engine
    engine.dispose()
    with pg_admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))


def _fresh(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[Engine]:
    if backend == "sqlite":
        shutil.copy(request.getfixturevalue("sqlite_template"), tmp_path / "privet.db")
        eng = make_engine(f"sqlite:///{tmp_path / 'privet.db'}")
        yield eng
        eng.dispose()
        return
    eng = request.getfixturevalue("pg_privet")
    live = set(sa.inspect(eng).get_table_names()) - {"alembic_version"}
    ordered = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in live]
    with eng.begin() as conn:  # DELETE, children first: far faster than TRUNCATE on many small tables
        for name in ordered + sorted(live - set(ordered)):
            conn.execute(sa.text(f"DELETE FROM {name}"))
    yield eng


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty privet database: a real SQLite file, or a real PostgreSQL schema."""
    yield from _fresh(request, request.param, tmp_path)


@pytest.fixture
def sqlite_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The same, on SQLite only: for behaviour that does not depend on the backend."""
    yield from _fresh(request, "sqlite", tmp_path)


@dataclass
class Provider:
    runtime: Runtime
    registry: Registry
    systems: Systems
    alice: int
    bob: int

    def submit(self, kind: str, who: dict[str, Any] | None = None, **extra: Any) -> DataRequest:
        body = {
            "kind": kind,
            "person": who or {"identity": {"kind": "email", "value": ALICE["email"]}},
            "channel": "email",
            **extra,
        }
        with self.runtime.uow("test") as uow:
            return submit(uow, self.runtime.pack, Submission.model_validate(body))

    def execute(self, request_id: int, checkpoint: Checkpoint | None = None) -> Result:
        return execute(lambda: self.runtime.uow("test"), self.runtime.pack, self.registry, request_id, checkpoint)

    def request(self, request_id: int) -> DataRequest:
        with self.runtime.uow("test") as uow:
            return get_request(uow, request_id)


@functools.cache
def pack_named(name: str) -> PolicyPack:
    """Seed packs are read once per session: parsing a pack with its line map is slow, and packs are immutable."""
    return load_pack_or_raise(POLICIES / PACKS[name])


def runtime_with(engine: Engine, factory: sessionmaker[Session], name: str) -> Runtime:
    """What `make_runtime` builds, with the pack read once per session."""
    pack = pack_named(name)
    version = register_policy_version(factory, pack, hashlib.sha256(PACKS[name].encode()).hexdigest())
    return Runtime(engine, factory, pack, version)


def people(runtime: Runtime) -> tuple[int, int]:
    alice = add_person(
        runtime,
        account_number=ALICE["account"],
        full_name="Alice Able",
        emails=[ALICE["email"]],
        phones=[ALICE["phone"]],
        usernames=[ALICE["username"]],
        service_state="CA",
        postal_address="1 Alice Way, Springfield",
    )
    bob = add_person(
        runtime,
        account_number=BOB["account"],
        full_name="Bob Baker",
        emails=[BOB["email"]],
        phones=[BOB["phone"]],
        usernames=[BOB["username"]],
        service_state="NV",
        postal_address="2 Bob Road, Reno",
    )
    return alice, bob


def _providers(
    request: pytest.FixtureRequest, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], Provider]]:
    if engine.dialect.name == "sqlite":
        gen = build(tmp_path, None, request.getfixturevalue("sqlite_systems"))
    else:
        gen = build(tmp_path, request.getfixturevalue("pg_admin"))
    systems = next(gen)
    for system, url in systems.urls.items():
        monkeypatch.setenv(url_env(system), url)
    factory: sessionmaker[Session] = session_factory(engine)
    made: list[Registry] = []

    def make(pack: str) -> Provider:
        runtime = runtime_with(engine, factory, pack)
        registry = Registry.load(systems.folder, runtime.pack)
        made.append(registry)
        alice, bob = people(runtime)
        return Provider(runtime, registry, systems, alice, bob)

    yield make
    for registry in made:
        registry.close()
    gen.close()


@pytest.fixture
def provider_for(
    request: pytest.FixtureRequest, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], Provider]]:
    """A provider running one of the seed packs over its systems, on SQLite and on PostgreSQL.

    Alice (California) and Bob (Nevada) are its subscribers.
    """
    yield from _providers(request, engine, tmp_path, monkeypatch)


@pytest.fixture
def local_provider_for(
    request: pytest.FixtureRequest, sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], Provider]]:
    """The same provider on SQLite only, for rules that do not depend on the backend."""
    yield from _providers(request, sqlite_engine, tmp_path, monkeypatch)
