"""A privet over a real database (SQLite file or PostgreSQL schema) with the Metronet pack and the sample subscribers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from privet.access.tokens import create_token
from privet.api.app import create_app
from privet.decide.audience_api import router as audience_router
from privet.runtime import Runtime, register_policy_version
from privet.subjects.importing import parse_rows, read_file
from privet.subjects.service import import_records
from tests.conftest import ROOT
from tests.decide.gen import pack_at


@pytest.fixture
def runtime(engine: Engine, factory: sessionmaker[Session]) -> Runtime:
    pack = pack_at("000-metronet")
    version = register_policy_version(factory, pack, hashlib.sha256(b"test").hexdigest())
    rt = Runtime(engine, factory, pack, version)
    records, errors = parse_rows(read_file(ROOT / "tests" / "data" / "subscribers.csv"))
    assert not errors
    with rt.uow("test") as uow:
        import_records(uow, records, version)
    return rt


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(runtime)
    if not any(getattr(r, "path", None) == "/v1/audiences" for r in app.routes):
        app.include_router(audience_router)  # until the lead mounts it in privet.api.app
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def token_for(runtime: Runtime) -> Callable[[str], dict[str, str]]:
    def make(role: str) -> dict[str, str]:
        with runtime.uow("test") as uow:
            token, _ = create_token(uow, name=f"test {role}", role=role)
        return {"Authorization": f"Bearer {token}"}

    return make
