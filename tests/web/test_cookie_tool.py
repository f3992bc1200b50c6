"""MetTel's cookie consent tool: every cookie class with who sets it and why, and preferences that the decision point obeys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from privet.decide.engine import Request
from privet.decide.service import decide_for_person
from privet.runtime import Runtime
from tests.conftest import add_person
from tests.web.conftest import session_for, web_app


@pytest.mark.promise("001-P028")
def test_the_tool_lists_first_and_third_party_cookies_with_their_purposes(mettel: Runtime) -> None:
    with TestClient(web_app(mettel, "001-mettel")) as client:
        classes = {c["id"]: c for c in client.get("/privacy/banner/classes").json()["classes"]}
        script = client.get("/privacy/banner.js").text
    assert {"cookies-analytics", "cookies-functional", "cookies-advertising"} <= set(classes)
    analytics = classes["cookies-analytics"]["setters"]
    assert analytics[0] == {"name": "MetTel", "party": "first", "purposes": analytics[0]["purposes"]}
    assert any(s["party"] == "third" and s["name"] == "Web analytics and ad-measurement service providers" for s in analytics)
    advertising = {s["name"]: s for s in classes["cookies-advertising"]["setters"]}
    assert advertising["Advertisers and advertising networks"]["party"] == "third"
    assert all(s["purposes"] for c in classes.values() for s in c["setters"])  # never a setter without its purpose
    # Every rule a cookie class governs is accounted for: the list cannot drift from what is enforced.
    for cid, c in classes.items():
        governed = {r.recipient for r in mettel.pack.rules if r.choice == cid}
        names = {r.id: r.name for r in mettel.pack.recipients}
        assert {s["name"] for s in c["setters"]} == {names[g] for g in governed if g}
    assert "Who sets these cookies and why" in script


@pytest.mark.promise("001-P052")
def test_cookie_preferences_set_in_the_tool_bind_the_decision_point(mettel: Runtime) -> None:
    person = add_person(mettel)
    rule = next(r for r in mettel.pack.rules if r.id == "targeted-ads-ad-networks")
    request = Request(tuple(rule.categories), rule.purpose, rule.recipient)
    with TestClient(web_app(mettel, "001-mettel")) as client:
        client.get(f"/privacy/session/{session_for(mettel, person)}")
        answer = client.post("/privacy/banner/consent", json={"classes": {"cookies-advertising": False}})
        assert answer.status_code == 200 and answer.json()["recorded"] == {"cookies-advertising": False}
    with mettel.uow("test") as uow:
        refused = decide_for_person(uow, mettel.decider, person, request, datetime.now(UTC))
    assert not refused.allowed
    with TestClient(web_app(mettel, "001-mettel")) as client:
        client.get(f"/privacy/session/{session_for(mettel, person)}")
        client.post("/privacy/banner/consent", json={"classes": {"cookies-advertising": True}})
    with mettel.uow("test") as uow:
        assert decide_for_person(uow, mettel.decider, person, request, datetime.now(UTC)).allowed
