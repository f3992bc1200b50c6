"""MetroFax: only staff whose job needs identifying data see it (seed 002, security section)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from privet.access.tokens import create_token
from privet.api.app import create_app
from privet.runtime import Runtime
from tests.conftest import POLICIES, runtime_with_subscribers

LOOKUP = {"kind": "email", "value": "jordan.avery@example.net"}


@pytest.fixture
def client(engine: Engine, factory: sessionmaker[Session]) -> Iterator[tuple[TestClient, Runtime]]:
    runtime = runtime_with_subscribers(engine, factory, POLICIES / "002-metrofax")
    with TestClient(create_app(runtime), raise_server_exceptions=False) as c:
        yield c, runtime


def _as(client: tuple[TestClient, Runtime], role: str) -> dict[str, str]:
    with client[1].uow("test") as uow:
        token, _ = create_token(uow, name=f"test {role}", role=role)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.promise("002-P086")
@pytest.mark.parametrize("role", ["care_rep", "billing"])
def test_billing_clerks_and_customer_service_see_identifying_data(client: tuple[TestClient, Runtime], role: str) -> None:
    response = client[0].get("/v1/subjects/lookup", params=LOOKUP, headers=_as(client, role))
    assert response.status_code == 200
    body = response.json()
    assert body["full_name"] == "Jordan Avery"
    assert {"kind": "email", "value": "jordan.avery@example.net", "verified": False} in body["identities"]


@pytest.mark.promise("002-P086")
def test_the_administrator_manages_the_system_but_sees_no_customer_data(client: tuple[TestClient, Runtime]) -> None:
    response = client[0].get("/v1/subjects/lookup", params=LOOKUP, headers=_as(client, "admin"))
    assert response.status_code == 200
    body = response.json()
    assert body["masked"] is True and body["full_name"] == "•••"
    assert all(i["value"] != "jordan.avery@example.net" for i in body["identities"])


@pytest.mark.promise("002-P086")
def test_the_fax_platform_sees_the_delivery_email_but_not_the_name(client: tuple[TestClient, Runtime]) -> None:
    body = client[0].get("/v1/subjects/lookup", params=LOOKUP, headers=_as(client, "service_integration")).json()
    assert body["full_name"] == "•••"
    assert {"kind": "email", "value": "jordan.avery@example.net", "verified": False} in body["identities"]


@pytest.mark.promise("002-P086")
def test_marketing_cannot_look_subscribers_up(client: tuple[TestClient, Runtime]) -> None:
    assert client[0].get("/v1/subjects/lookup", params=LOOKUP, headers=_as(client, "marketing")).status_code == 403
