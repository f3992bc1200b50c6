"""Bad input gets a 4xx problem naming the field, and nothing is half-written."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from privet.runtime import Runtime
from privet.subjects.tables import Person

Headers = Callable[[str], dict[str, str]]
GOOD = {"account_number": "B-77", "person_id": "Q1", "full_name": "Sam Reed", "emails": ["sam@example.com"]}


def people(runtime: Runtime) -> int:
    with runtime.factory() as session:
        return int(session.scalar(select(func.count()).select_from(Person)) or 0)


def test_malformed_json_is_a_422_not_a_500(client: TestClient, token_for: Headers) -> None:
    headers = {**token_for("service_integration"), "content-type": "application/json"}
    response = client.post("/v1/subjects/import", content=b'{"records": [', headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_field_is_named(client: TestClient, token_for: Headers) -> None:
    response = client.post("/v1/subjects/import", headers=token_for("service_integration"), json={"records": [GOOD], "dry": True})
    assert response.status_code == 422
    assert response.json()["field"] == "dry"


def test_one_bad_row_rejects_the_whole_import(runtime: Runtime, client: TestClient, token_for: Headers) -> None:
    before = people(runtime)
    rows = [
        GOOD,
        {**GOOD, "person_id": "Q2", "emails": ["not-an-email"]},
        {**GOOD, "person_id": "Q3", "birth_date": "2001-02-30"},
    ]
    response = client.post("/v1/subjects/import", headers=token_for("service_integration"), json={"records": rows})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {(e["row"], e["field"]) for e in errors} == {(2, "emails"), (3, "birth_date")}
    assert people(runtime) == before


def test_identity_owned_by_someone_else_rejects_the_import(runtime: Runtime, client: TestClient, token_for: Headers) -> None:
    before = people(runtime)
    rows = [GOOD, {**GOOD, "person_id": "Q9", "emails": ["jordan.avery@example.net"]}]
    response = client.post("/v1/subjects/import", headers=token_for("service_integration"), json={"records": rows})
    assert response.status_code == 422
    assert "already belongs to person P1" in response.json()["errors"][0]["message"]
    assert people(runtime) == before


def test_wrong_types_and_future_dates(client: TestClient, token_for: Headers) -> None:
    headers = token_for("service_integration")
    wrong = client.post("/v1/subjects/import", headers=headers, json={"records": [{**GOOD, "services": "teleportation"}]})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"].startswith("services")
    future = client.post("/v1/subjects/import", headers=headers, json={"records": [{**GOOD, "birth_date": "2999-01-01"}]})
    assert future.status_code == 422 and "in the future" in future.json()["detail"] + str(future.json()["errors"])


def test_oversized_body_is_refused_before_reading(client: TestClient, token_for: Headers) -> None:
    big = b'{"records": [' + b'{"a": "' + b"x" * (2 * 1024 * 1024) + b'"}]}'
    response = client.post(
        "/v1/subjects/import", content=big, headers={**token_for("service_integration"), "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["title"] == "Payload too large"


def test_bad_identity_in_a_query_is_a_422(client: TestClient, token_for: Headers) -> None:
    response = client.get("/v1/subjects/lookup", params={"kind": "phone", "value": "12"}, headers=token_for("care_rep"))
    assert response.status_code == 422
    assert "phone" in response.json()["detail"]
    unknown_kind = client.get("/v1/subjects/lookup", params={"kind": "shoe_size", "value": "12"}, headers=token_for("care_rep"))
    assert unknown_kind.status_code == 422 and unknown_kind.json()["field"] == "kind"


def test_status_change_is_validated_audited_and_kept_in_history(client: TestClient, token_for: Headers) -> None:
    headers = token_for("abuse_desk")
    bad = client.post("/v1/accounts/A-1001/status", headers=headers, json={"status": "vaporised", "reason": "x"})
    assert bad.status_code == 422 and bad.json()["field"] == "status"
    ok = client.post("/v1/accounts/A-1001/status", headers=headers, json={"status": "suspended", "reason": "third strike"})
    assert ok.status_code == 200
    history = ok.json()["status_history"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [(None, "active"), ("active", "suspended")]
    assert history[-1]["actor"].startswith("token:")
    again = client.post("/v1/accounts/A-1001/status", headers=headers, json={"status": "suspended", "reason": "again"})
    assert again.status_code == 409
    missing = client.get("/v1/accounts/NOPE999", headers=headers)
    assert missing.status_code == 404
