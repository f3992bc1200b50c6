"""An API over a real database (SQLite file or PostgreSQL schema) with the Metronet pack."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from privet.access.tokens import create_token
from privet.api.app import create_app
from privet.policy.load import load_pack_or_raise
from privet.runtime import Runtime, register_policy_version
from privet.subjects.importing import parse_rows, read_file
from privet.subjects.service import import_records
from tests.conftest import POLICIES, ROOT

PACK = POLICIES / "000-metronet"


@pytest.fixture
def runtime(engine: Engine, factory: sessionmaker[Session]) -> Runtime:
    pack = load_pack_or_raise(PACK)
    version = register_policy_version(factory, pack, hashlib.sha256(b"test").hexdigest())
    rt = Runtime(engine, factory, pack, version)
    records, errors = parse_rows(read_file(ROOT / "tests" / "data" / "subscribers.csv"))
    assert not errors
    with rt.uow("test") as uow:
        import_records(uow, records, version)
    return rt


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def token_for(runtime: Runtime) -> Callable[[str], dict[str, str]]:
    """Authorization headers for a fresh token of `role`."""

    def make(role: str) -> dict[str, str]:
        with runtime.uow("test") as uow:
            token, _ = create_token(uow, name=f"test {role}", role=role)
        return {"Authorization": f"Bearer {token}"}

    return make
