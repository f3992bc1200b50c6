"""A Metronet (000) and a MetTel (001) runtime with the web routers mounted, and helpers for sessions and tokens."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from privet.access.tokens import create_token
from privet.api.app import create_app
from privet.consent.links import make_session_token
from privet.runtime import Runtime
from privet.web import console_router, privacy_center_router
from tests.conftest import POLICIES, make_runtime


def web_app(runtime: Runtime, policy_dir: str = "000-metronet") -> FastAPI:
    """The API app with the console and privacy center, whether or not app.py mounts them yet."""
    app = create_app(runtime)
    paths = {getattr(r, "path", "") for r in app.routes}
    for router in (console_router, privacy_center_router):
        if not any(getattr(r, "path", "") in paths for r in router.routes):
            app.include_router(router)
    app.state.policy_path = POLICIES / policy_dir
    return app


@pytest.fixture
def metronet(engine: Engine, factory: sessionmaker[Session]) -> Runtime:
    return make_runtime(engine, factory, POLICIES / "000-metronet")


@pytest.fixture
def mettel(engine: Engine, factory: sessionmaker[Session]) -> Runtime:
    return make_runtime(engine, factory, POLICIES / "001-mettel")


@pytest.fixture
def web(metronet: Runtime) -> Iterator[TestClient]:
    with TestClient(web_app(metronet), raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


def session_for(runtime: Runtime, person_id: int) -> str:
    with runtime.uow("test") as uow:
        return make_session_token(person_id, uow.now())


def sign_in_privacy(client: TestClient, runtime: Runtime, person: int) -> str:
    """Follow a subscriber's signed link into the privacy center; the CSRF token of their session."""
    response = client.get(f"/privacy/session/{session_for(runtime, person)}")
    assert response.status_code == 303 and response.headers["location"] == "/privacy/choices"
    page = client.get("/privacy/choices")
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found
    return found.group(1)


def console_client(web: TestClient, token: str) -> TestClient:
    """A browser-like client of the same app, signed in to the console with `token`."""
    client = TestClient(web.app, raise_server_exceptions=False, follow_redirects=False)
    response = client.post("/console/signin", data={"token": token})
    assert response.status_code == 303 and response.headers["location"] == "/console"
    return client


def token_for(runtime: Runtime, role: str) -> str:
    with runtime.uow("test") as uow:
        token, _ = create_token(uow, name=f"{role}-user", role=role)
    return token


@pytest.fixture
def staff_token(metronet: Runtime) -> Callable[[str], str]:
    return lambda role: token_for(metronet, role)
