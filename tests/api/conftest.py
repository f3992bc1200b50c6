"""An API over a real database (SQLite file or PostgreSQL schema) with the Metronet pack."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from privet.access.tokens import create_token
from privet.api.app import create_app
from privet.runtime import Runtime
from tests.conftest import POLICIES, runtime_with_subscribers

PACK = POLICIES / "000-metronet"


@pytest.fixture
def runtime(engine: Engine, factory: sessionmaker[Session]) -> Runtime:
    return runtime_with_subscribers(engine, factory, PACK)


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
