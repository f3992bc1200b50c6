"""The HTTP interface: intake by any identity, problem details, roles, and the whole flow to the package."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from privet.access.tokens import create_token
from privet.api.app import create_app
from privet.api.deps import unguarded_routes
from privet.requests.api import router
from tests.requests.conftest import ALICE_PROOF, Provider


@pytest.fixture
def provider(local_provider_for: Callable[[str], Provider]) -> Provider:
    return local_provider_for("county")


@pytest.fixture
def app(provider: Provider) -> FastAPI:
    app = create_app(provider.runtime)
    if not any(getattr(r, "path", "") == "/v1/requests" for r in app.routes):
        app.include_router(router)
    app.state.datasets = provider.registry
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def auth(provider: Provider) -> Callable[[str], dict[str, str]]:
    def make(role: str) -> dict[str, str]:
        with provider.runtime.uow("test") as uow:
            token, _ = create_token(uow, name=role, role=role)
        return {"Authorization": f"Bearer {token}"}

    return make


def _body(**extra: object) -> dict[str, object]:
    return {"kind": "access", "person": {"identity": {"kind": "phone", "value": "555.010.0111"}}, "channel": "phone", **extra}


def test_every_requests_route_checks_a_role(app: FastAPI) -> None:
    assert [r for r in unguarded_routes(app.routes) if "/requests" in r or "/datasets" in r] == []


def test_a_care_rep_takes_a_request_and_sees_its_deadlines(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    response = client.post("/v1/requests", json=_body(submitted_by="care_rep", evidence=ALICE_PROOF), headers=auth("care_rep"))
    assert response.status_code == 201, response.text
    view = response.json()
    assert view["status"] == "verified" and view["regime"] == "ccpa" and view["submitted_by"] == "care_rep"  # Alice lives in CA
    assert view["deadlines"]["days_left"] == 45 and view["deadlines"]["overdue"] is False
    assert client.get(f"/v1/requests/{view['id']}", headers=auth("care_rep")).json()["deadlines"] == view["deadlines"]
    due = client.get("/v1/requests/due", headers=auth("privacy_officer")).json()
    assert due[0]["request_id"] == view["id"] and due[0]["what"] == "response"


def test_bad_input_gets_problem_details(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    rep = auth("care_rep")
    unknown = client.post(
        "/v1/requests", json=_body(person={"identity": {"kind": "email", "value": "who@example.com"}}), headers=rep
    )
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
    assert "no person" in unknown.json()["detail"]
    malformed = client.post("/v1/requests", json=_body(person={"identity": {"kind": "phone", "value": "12"}}), headers=rep)
    assert malformed.status_code == 422
    invalid = client.post("/v1/requests", json=_body(kind="correct"), headers=rep)
    assert invalid.status_code == 422 and "corrections" in invalid.json()["detail"]
    wrong_field = client.post("/v1/requests", json=_body(channel="pigeon"), headers=rep)
    assert wrong_field.status_code == 422 and wrong_field.json()["field"] == "channel"
    assert client.get("/v1/requests/99999", headers=rep).status_code == 404


def test_roles_are_enforced(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    assert client.post("/v1/requests", json=_body()).status_code == 401
    assert client.post("/v1/requests", json=_body(), headers=auth("marketing")).status_code == 403
    made = client.post("/v1/requests", json=_body(evidence=ALICE_PROOF), headers=auth("care_rep")).json()
    assert client.post(f"/v1/requests/{made['id']}/execute", headers=auth("care_rep")).status_code == 403
    assert client.get("/v1/datasets", headers=auth("marketing")).status_code == 403


def test_the_whole_flow_to_the_readable_report(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    officer = auth("privacy_officer")
    made = client.post("/v1/requests", json=_body(), headers=auth("care_rep")).json()
    assert made["status"] == "received"
    early = client.post(f"/v1/requests/{made['id']}/execute", headers=officer)
    assert early.status_code == 409 and "not verified" in early.json()["detail"]
    verified = client.post(f"/v1/requests/{made['id']}/verify", json={"evidence": ALICE_PROOF}, headers=auth("care_rep"))
    assert verified.json()["status"] == "verified"
    done = client.post(f"/v1/requests/{made['id']}/execute", headers=officer)
    assert done.status_code == 200 and done.json()["request"]["status"] == "completed"
    assert any(r["table"] == "mailboxes" for r in done.json()["package"]["records"])
    html = client.get(f"/v1/requests/{made['id']}/package", params={"format": "html"}, headers=officer)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html") and "Alice Able" in html.text
    again = client.post(f"/v1/requests/{made['id']}/execute", headers=officer)
    assert again.status_code == 409
    extend = client.post(f"/v1/requests/{made['id']}/extend", json={"reason": "more time"}, headers=officer)
    assert extend.status_code == 409 and "answered" in extend.json()["detail"]


def test_extension_and_denial_through_the_api(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    officer = auth("privacy_officer")
    made = client.post("/v1/requests", json=_body(kind="delete"), headers=auth("care_rep")).json()
    extended = client.post(f"/v1/requests/{made['id']}/extend", json={"reason": "archives"}, headers=officer)
    assert extended.status_code == 200 and extended.json()["deadlines"]["days_left"] == 90
    assert client.post(f"/v1/requests/{made['id']}/extend", json={"reason": "again"}, headers=officer).status_code == 409
    denied = client.post(
        f"/v1/requests/{made['id']}/deny", json={"basis": "fraud", "explanation": "signs of fraud"}, headers=officer
    )
    assert denied.json()["status"] == "denied" and denied.json()["denial_basis"] == "fraud"


def test_datasets_and_their_live_check(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    officer = auth("privacy_officer")
    listed = client.get("/v1/datasets", headers=officer).json()
    assert {d["dataset"] for d in listed} == {"billing", "crm", "tickets", "mail", "network"}
    assert client.get("/v1/datasets/check", headers=officer).json() == []


def test_children_sweep_through_the_api(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    assert client.post("/v1/requests/children-sweep", headers=auth("privacy_officer")).json() == []


def test_execution_without_declared_systems_is_a_clear_refusal(app: FastAPI, auth: Callable[[str], dict[str, str]]) -> None:
    """An access answer built from privet's own records alone would look complete and not be: refuse, and say why."""
    app.state.datasets = None
    with TestClient(app, raise_server_exceptions=False) as client:
        made = client.post("/v1/requests", json=_body(), headers=auth("care_rep")).json()
        client.post(f"/v1/requests/{made['id']}/verify", json={"evidence": ALICE_PROOF}, headers=auth("care_rep"))
        refused = client.post(f"/v1/requests/{made['id']}/execute", headers=auth("privacy_officer"))
        assert refused.status_code == 503 and "no dataset declarations" in refused.json()["detail"]
        assert client.get(f"/v1/requests/{made['id']}", headers=auth("privacy_officer")).json()["status"] == "verified"
