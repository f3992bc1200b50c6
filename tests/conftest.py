"""Shared fixtures: where the repository's packs and the shared seed documents are."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "policies"
SHARED = ROOT.parent / "shared"
SEED_PACKS = sorted(p for p in POLICIES.iterdir() if p.is_dir() and p.name[:3].isdigit() and (p / "pack.yaml").exists())


@pytest.fixture
def template_pack() -> Path:
    return POLICIES / "template"


def shared_path(*parts: str) -> Path:
    """A file under the shared folder beside the checkout; skip the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path.relative_to(SHARED.parent)} is not available beside this checkout")
    return path


# --- storage: every storage test runs on SQLite, and on PostgreSQL when PRIVET_TEST_DATABASE_URL is set ---

import os  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402

from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from privet.store.db import make_engine, session_factory  # noqa: E402
from privet.store.migrate import upgrade  # noqa: E402

BACKENDS = ["sqlite", "postgresql"]


def _postgres_engine() -> Iterator[Engine]:
    """An engine on a fresh schema of the test PostgreSQL, dropped afterwards."""
    url = os.environ.get("PRIVET_TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL tests need PRIVET_TEST_DATABASE_URL (set by .ci/run when a server answers)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    # The schema travels in the URL, so code that reconnects from engine.url (the CLI) lands in it too.
    separator = "&" if "?" in url else "?"
    engine = make_engine(f"{url}{separator}options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database: a real SQLite file, or a real PostgreSQL schema."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'privet.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
    else:
        gen = _postgres_engine()
        eng = next(gen)
        upgrade(eng)
        yield eng
        gen.close()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


# --- a running privet over a real database, for any bundled pack ---

import hashlib  # noqa: E402

from privet.policy.load import load_pack_or_raise  # noqa: E402
from privet.runtime import Runtime, register_policy_version  # noqa: E402


def make_runtime(engine: Engine, factory: sessionmaker[Session], pack_path: Path, history: tuple[Path, ...] = ()) -> Runtime:
    """A Runtime as `privet serve` builds it: the pack (and earlier versions) registered in the store."""
    older = tuple(load_pack_or_raise(p) for p in history)
    for path, old in zip(history, older, strict=True):
        register_policy_version(factory, old, hashlib.sha256(str(path).encode()).hexdigest())
    pack = load_pack_or_raise(pack_path)
    version = register_policy_version(factory, pack, hashlib.sha256(str(pack_path).encode()).hexdigest())
    return Runtime(engine, factory, pack, version, older)


def runtime_with_subscribers(engine: Engine, factory: sessionmaker[Session], pack_path: Path) -> Runtime:
    """A runtime on `pack_path` with the four sample subscribers of tests/data/subscribers.csv imported."""
    from privet.subjects.importing import parse_rows, read_file
    from privet.subjects.service import import_records

    runtime = make_runtime(engine, factory, pack_path)
    records, errors = parse_rows(read_file(ROOT / "tests" / "data" / "subscribers.csv"))
    assert not errors
    with runtime.uow("test") as uow:
        import_records(uow, records, runtime.policy_version_id)
    return runtime


def add_person(runtime: Runtime, **fields: object) -> int:
    """Import one subscriber record (defaults filled in) and return the person's id."""
    from privet.subjects.importing import parse_rows
    from privet.subjects.service import find_person, import_records

    n = uuid.uuid4().hex[:8]
    record = {
        "account_number": f"T{n}",
        "person_id": f"P{n}",
        "full_name": "Test Person",
        "emails": [f"p{n}@example.net"],
        **fields,
    }
    records, errors = parse_rows([record])
    assert not errors, errors
    with runtime.uow("test") as uow:
        import_records(uow, records, runtime.policy_version_id)
        person = find_person(uow, "account_number", str(record["account_number"]))
        assert person is not None
        return person.id
