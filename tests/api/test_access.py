"""Deny by default: no route answers without a valid token, and each role sees only what it may."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from privet.access.tables import ApiToken
from privet.api.app import create_app
from privet.api.deps import unguarded_routes, v1_routes
from privet.runtime import Runtime

Headers = Callable[[str], dict[str, str]]


def _v1_operations(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    ops = []
    for path, item in spec["paths"].items():
        if not path.startswith("/v1"):
            continue
        for method in item:
            concrete = path.replace("{person_id}", "1").replace("{number}", "A1001").replace("{token_id}", "1")
            ops.append((method.upper(), concrete))
    return ops


def test_every_v1_route_declares_a_permission(runtime: Runtime) -> None:
    app = create_app(runtime)
    assert unguarded_routes(app.routes) == []
    assert len(v1_routes(app.routes)) >= 15, "the walk must reach the routes inside included routers"


def test_no_route_answers_without_a_valid_token(client: TestClient) -> None:
    operations = _v1_operations(client)
    assert len(operations) >= 8
    for method, path in operations:
        for headers in ({}, {"Authorization": "Bearer pvt_not-a-real-token"}, {"Authorization": "Basic YWRtaW46YWRtaW4="}):
            response = client.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["status"] == 401


def test_revoked_token_is_refused(client: TestClient, token_for: Headers) -> None:
    admin = token_for("admin")
    other = token_for("care_rep")
    assert client.get("/v1/policy", headers=other).status_code == 200
    tokens = client.get("/v1/tokens", headers=admin).json()
    care = next(t for t in tokens if t["role"] == "care_rep")
    assert client.delete(f"/v1/tokens/{care['id']}", headers=admin).status_code == 204
    assert client.get("/v1/policy", headers=other).status_code == 401


def test_tokens_are_stored_hashed(runtime: Runtime, client: TestClient, token_for: Headers) -> None:
    admin = token_for("admin")
    created = client.post("/v1/tokens", headers=admin, json={"name": "billing sync", "role": "service_integration"}).json()
    plain = created["token"]
    with runtime.factory() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.id == created["id"])).one()
        dumped = " ".join(str(v) for v in session.execute(text("SELECT * FROM api_tokens")).all())
    assert row.token_hash != plain and plain not in dumped
    assert client.get("/v1/policy", headers={"Authorization": f"Bearer {plain}"}).status_code == 200


def test_only_admin_manages_tokens(client: TestClient, token_for: Headers) -> None:
    for role in ("care_rep", "privacy_officer", "marketing", "abuse_desk", "legal", "service_integration"):
        response = client.post("/v1/tokens", headers=token_for(role), json={"name": "x", "role": "admin"})
        assert response.status_code == 403, role
        assert role in response.json()["detail"]


def test_token_role_must_be_one_of_the_policy_roles(client: TestClient, token_for: Headers) -> None:
    response = client.post("/v1/tokens", headers=token_for("admin"), json={"name": "x", "role": "janitor"})
    assert response.status_code == 422
    assert "janitor" in response.json()["detail"]


def test_care_rep_sees_contact_details_but_not_birth_date_or_username(client: TestClient, token_for: Headers) -> None:
    person = client.get(
        "/v1/subjects/lookup", params={"kind": "email", "value": "Jordan.Avery@Example.net"}, headers=token_for("care_rep")
    )
    assert person.status_code == 200
    body = person.json()
    assert body["full_name"] == "Jordan Avery"
    assert {"kind": "email", "value": "jordan.avery@example.net", "verified": False} in body["identities"]
    assert body["birth_date"] == "•••"
    usernames = [i["value"] for i in body["identities"] if i["kind"] == "username"]
    assert usernames == ["•••"]


def test_privacy_officer_sees_everything(client: TestClient, token_for: Headers) -> None:
    body = client.get(
        "/v1/subjects/lookup", params={"kind": "phone", "value": "316.555.0101"}, headers=token_for("privacy_officer")
    ).json()
    assert body["birth_date"] == "1980-04-02" and not body["masked"]


def test_integration_without_grants_sees_masked_values(client: TestClient, token_for: Headers) -> None:
    body = client.get(
        "/v1/subjects/lookup", params={"kind": "account_number", "value": "a-1001"}, headers=token_for("service_integration")
    ).json()
    assert body["masked"] is True
    assert body["full_name"] == "•••"
    email = next(i["value"] for i in body["identities"] if i["kind"] == "email")
    assert email == "j•••@example.net"


def test_marketing_cannot_read_subscribers(client: TestClient, token_for: Headers) -> None:
    response = client.get("/v1/persons/1", headers=token_for("marketing"))
    assert response.status_code == 403
    assert client.get("/v1/policy", headers=token_for("marketing")).status_code == 200


def test_care_rep_cannot_change_account_status(client: TestClient, token_for: Headers) -> None:
    response = client.post(
        "/v1/accounts/A-1001/status", headers=token_for("care_rep"), json={"status": "suspended", "reason": "x"}
    )
    assert response.status_code == 403
