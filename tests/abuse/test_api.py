"""The /v1/abuse routes over a real database: raw notices in, problem details out, every route guarded."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from privet.abuse.api import router
from privet.abuse.service import AbuseContext
from privet.access.tokens import create_token
from privet.api.app import create_app
from privet.runtime import Runtime
from tests.abuse.conftest import METROFAX, assign, audited, complaint, copyright_notice, lease, runtime_with, subscriber
from tests.abuse.test_dmca import COUNTER
from tests.abuse.test_parsers import BOMB

Headers = Callable[[str], dict[str, str]]


def _app(runtime: Runtime, ctx: AbuseContext) -> FastAPI:
    app = create_app(runtime)
    if not any(getattr(r, "original_router", None) is router for r in app.routes):
        app.include_router(router)  # where app.py does not mount it
    app.state.abuse_context = ctx
    return app


@pytest.fixture
def client(runtime: Runtime, ctx: AbuseContext) -> Iterator[TestClient]:
    with TestClient(_app(runtime, ctx), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def auth(runtime: Runtime) -> Headers:
    def make(role: str) -> dict[str, str]:
        with runtime.uow("test") as uow:
            token, _ = create_token(uow, name=f"test {role}", role=role)
        return {"Authorization": f"Bearer {token}"}

    return make


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, including those inside included routers (FastAPI keeps those as `_IncludedRouter`)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)


def _guarded(dependant: Any) -> bool:
    return any(hasattr(d.call, "__privet_permission__") or _guarded(d) for d in dependant.dependencies)


def test_every_abuse_route_is_guarded(client: TestClient) -> None:
    routes = list(_routes(router.routes))
    assert len(routes) >= 20 and [r.path for r in routes if not _guarded(r.dependant)] == []
    operations = [
        (m, p) for p, ops in client.get("/openapi.json").json()["paths"].items() if p.startswith("/v1/abuse") for m in ops
    ]
    assert len(operations) == sum(len(r.methods) for r in routes)
    for method, path in operations:
        response = client.request(method.upper(), re.sub(r"\{[^}]+\}", "1", path))
        assert response.status_code == 401, (method, path)


def test_notices_in_by_http(client: TestClient, auth: Headers, runtime: Runtime, ctx: AbuseContext) -> None:
    subscriber(runtime, "API-100")
    assign(ctx, "dhcp", [lease("192.0.2.10", "API-100", "2025-02-01T00:00:00Z", "2025-02-02T00:00:00Z")])
    desk = auth("abuse_desk")
    raw = copyright_notice("API1", "2025-02-01T10:00:00Z")
    assert (
        client.post("/v1/abuse/notices", content=raw, headers={**desk, "Content-Type": "message/rfc822"}).status_code
        == 401 - 401 + 201
    )
    again = client.post("/v1/abuse/notices", content=raw, headers={**desk, "Content-Type": "message/rfc822"})
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    refused = client.post("/v1/abuse/notices", content=BOMB, headers={**desk, "Content-Type": "application/xml"})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert "entities" in refused.json()["detail"] and refused.json()["notice_id"] > 0
    assert client.post("/v1/abuse/notices", content=b"x", headers={**desk, "Content-Type": "image/png"}).status_code == 415
    assert client.post("/v1/abuse/notices", content=raw, headers={"Content-Type": "message/rfc822"}).status_code == 401
    assert (
        client.post("/v1/abuse/notices", content=raw, headers={**auth("marketing"), "Content-Type": "message/rfc822"}).status_code
        == 403
    )
    too_big = client.post("/v1/abuse/notices", content=b"A" * (2 * 1024 * 1024), headers={**desk, "Content-Type": "text/plain"})
    assert too_big.status_code == 413
    listed = client.get("/v1/abuse/notices", headers=desk).json()
    filed = next(n for n in listed if n["status"] == "filed")
    assert client.get(f"/v1/abuse/notices/{filed['id']}/evidence", headers=desk).content == raw
    assert client.get("/v1/abuse/notices/999999", headers=desk).status_code == 404
    case = client.get(f"/v1/abuse/cases/{filed['case_id']}", headers=desk).json()
    assert case["strike_count"] == 1 and case["actions"][0]["step"] == "warning"


def test_review_attribution_and_assignments_by_http(
    client: TestClient, auth: Headers, runtime: Runtime, ctx: AbuseContext
) -> None:
    desk = auth("abuse_desk")
    subscriber(runtime, "API-200")
    bad = client.post(
        "/v1/abuse/assignments",
        json={"kind": "dhcp", "rows": [{"address": "x", "start": "2025-02-01T00:00:00Z", "account": "API-200"}]},
        headers=desk,
    )
    assert bad.status_code == 422 and bad.json()["errors"] == [
        {"row": 1, "field": "address", "message": bad.json()["errors"][0]["message"]}
    ]
    rows = [lease("203.0.113.50", "API-200", "2025-02-01T00:00:00Z", "2025-02-02T00:00:00Z")]
    assert client.post("/v1/abuse/assignments", json={"kind": "dhcp", "rows": rows}, headers=desk).status_code == 201
    assert client.post("/v1/abuse/assignments", json={"kind": "dhcp", "rows": rows}, headers=auth("marketing")).status_code == 403
    found = client.get("/v1/abuse/attribution", params={"address": "203.0.113.50", "at": "2025-02-01T10:00:00Z"}, headers=desk)
    assert found.json()["account_number"] == "API200" and audited(ctx, "abuse.attribution_looked_up")
    assert (
        client.get("/v1/abuse/attribution", params={"address": "nope", "at": "2025-02-01T10:00:00Z"}, headers=desk).status_code
        == 422
    )
    assert (
        client.get(
            "/v1/abuse/attribution", params={"address": "203.0.113.50", "at": "2025-02-01T10:00:00"}, headers=desk
        ).status_code
        == 422
    )
    text = complaint("Spam from 203.0.113.50 at 2025-02-01T10:00:00Z")
    pending = client.post("/v1/abuse/notices", content=text, headers={**desk, "Content-Type": "text/plain"}).json()
    assert pending["status"] == "review"
    bad_confirm = client.post(
        f"/v1/abuse/notices/{pending['notice_id']}/confirm", json={"note": "ok", "prohibition": "made-up"}, headers=desk
    )
    assert bad_confirm.status_code == 422 and "not a prohibition" in bad_confirm.json()["detail"]
    done = client.post(f"/v1/abuse/notices/{pending['notice_id']}/confirm", json={"note": "checked the headers"}, headers=desk)
    assert done.status_code == 200 and done.json()["status"] == "filed"
    assert client.post(f"/v1/abuse/notices/{pending['notice_id']}/dismiss", json={"reason": "x"}, headers=desk).status_code == 409


def test_disputes_takedowns_reactivation_and_reports_by_http(
    client: TestClient, auth: Headers, runtime: Runtime, ctx: AbuseContext
) -> None:
    desk, admin = auth("abuse_desk"), auth("admin")
    subscriber(runtime, "API-300")
    assign(ctx, "dhcp", [lease("192.0.2.30", "API-300", "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z")])
    results = [
        client.post(
            "/v1/abuse/notices",
            content=copyright_notice(f"AP3-{d}", f"2025-02-0{d}T10:00:00Z", ip="192.0.2.30"),
            headers={**desk, "Content-Type": "message/rfc822"},
        ).json()
        for d in (1, 2, 3)
    ]
    assert [r["step"] for r in results] == ["warning", "temporary_suspension", "termination"]
    dispute = client.post(
        f"/v1/abuse/strikes/{results[0]['strike_id']}/disputes",
        json={"ground": "fair_use", "statement": "a review quoting a clip"},
        headers=desk,
    )
    assert dispute.status_code == 201
    assert (
        client.post(
            f"/v1/abuse/strikes/{results[0]['strike_id']}/disputes", json={"ground": "because", "statement": "x"}, headers=desk
        ).status_code
        == 422
    )
    decided = client.post(
        f"/v1/abuse/disputes/{dispute.json()['id']}/decision", json={"uphold": True, "reason": "fair use"}, headers=desk
    )
    assert decided.json()["status"] == "upheld"
    assert (
        client.post(
            f"/v1/abuse/disputes/{dispute.json()['id']}/decision", json={"uphold": True, "reason": "again"}, headers=desk
        ).status_code
        == 409
    )
    denied = client.post("/v1/abuse/accounts/API-300/reactivate", json={"reason": "fair use upheld"}, headers=desk)
    assert denied.status_code == 403
    back = client.post("/v1/abuse/accounts/API-300/reactivate", json={"reason": "fair use upheld"}, headers=admin)
    assert back.status_code == 200 and back.json()["role"] == "admin"
    assert client.post("/v1/abuse/accounts/API-300/reactivate", json={"reason": "again"}, headers=admin).status_code == 409
    case_id = results[0]["case_id"]
    immediate = client.post(
        f"/v1/abuse/cases/{case_id}/immediate", json={"ground": "nope", "action": "suspend", "reason": "x"}, headers=desk
    )
    assert immediate.status_code == 422
    assert client.post("/v1/abuse/takedowns/9999/counter-notice", json={"text": COUNTER}, headers=desk).status_code == 404
    assert client.post("/v1/abuse/run-due", headers=desk).json() == {"restored_takedowns": [], "resumed_actions": []}
    report = client.get("/v1/abuse/reports/repeat-infringers", headers=desk).json()
    assert report[0]["account_number"] == "API300" and report[0]["strikes"] == 2 and report[0]["strikes_removed"] == 1
    volumes = client.get(
        "/v1/abuse/reports/volumes", params={"since": "2025-01-01T00:00:00Z", "until": "2025-12-31T00:00:00Z"}, headers=desk
    )
    assert volumes.json()[0]["complainant"] == "Northwind Pictures" and volumes.json()[0]["total"] == 3
    latency = client.get(
        "/v1/abuse/reports/latency", params={"since": "2025-01-01T00:00:00Z", "until": "2025-12-31T00:00:00Z"}, headers=desk
    )
    assert latency.json()[0]["kind"] == "copyright" and latency.json()[0]["notified"] == 3
    assert client.get("/v1/abuse/reports/latency", params={"since": "2025-01-01T00:00:00"}, headers=desk).status_code == 422


@pytest.mark.promise("002-P054")
def test_a_junk_fax_report_from_the_contact_page_is_recorded_for_review(
    engine: object, factory: object, settings: object, clock: object, auth: Headers
) -> None:
    runtime = runtime_with(engine, factory, METROFAX)  # type: ignore[arg-type]
    ctx = AbuseContext(runtime.factory, runtime.pack, settings, clock)  # type: ignore[arg-type]
    with TestClient(_app(runtime, ctx), raise_server_exceptions=False) as client:
        report = complaint(
            "I keep getting junk faxes advertising cruises from fax number 316-555-0142.", sender="office@clinic.example"
        )
        made = client.post(
            "/v1/abuse/notices", content=report, headers={**auth("service_integration"), "Content-Type": "text/plain"}
        )
    assert made.status_code == 201 and made.json()["status"] == "review"
    (received,) = audited(ctx, "abuse.notice_received")
    assert received["channel"] == "api"
