"""A Metronet (000) and a MetTel (001) runtime over a real database, with an API client."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from privet.access.tokens import create_token
from privet.api.app import create_app
from privet.runtime import Runtime
from tests.conftest import POLICIES, make_runtime


@pytest.fixture
def metronet(engine: Engine, factory: sessionmaker[Session]) -> Runtime:
    return make_runtime(engine, factory, POLICIES / "000-metronet")


@pytest.fixture
def mettel(engine: Engine, factory: sessionmaker[Session]) -> Runtime:
    return make_runtime(engine, factory, POLICIES / "001-mettel")


@pytest.fixture
def api(metronet: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(metronet), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def auth(metronet: Runtime) -> Callable[[str], dict[str, str]]:
    def make(role: str) -> dict[str, str]:
        with metronet.uow("test") as uow:
            token, _ = create_token(uow, name=role, role=role)
        return {"Authorization": f"Bearer {token}"}

    return make
