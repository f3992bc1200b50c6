"""The subscribers' privacy center: notice, sign-in link, preference center with CSRF, requests, GPC, cookie banner."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from privet.audit.tables import AuditEntry
from privet.consent import ledger
from privet.decide.engine import Request
from privet.decide.service import decide_for_person
from privet.requests.tables import DataRequest
from privet.runtime import Runtime
from privet.web.privacy import BANNER_ORIGINS_ENV, COOKIE, banner_classes, parse_origins
from tests.conftest import add_person
from tests.web.conftest import session_for, sign_in_privacy, web_app

SMS_MARKETING = Request(("user.contact.phone_number",), "marketing.communications.sms", "first-party", "sms")


def _decide_sms(runtime: Runtime, person: int) -> bool:
    with runtime.uow("test") as uow:
        return decide_for_person(uow, runtime.decider, person, SMS_MARKETING).allowed


def test_the_public_page_shows_the_notice_without_any_token(web: TestClient, metronet: Runtime) -> None:
    page = web.get("/privacy")
    assert page.status_code == 200
    assert '<meta name="viewport"' in page.text and '<html lang="en">' in page.text
    assert metronet.pack.provider.name in page.text
    assert "<h1" in page.text and "policy-notice" in page.text
    assert "Opt-Out Request Honored" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert web.get("/privacy/static/site.css").headers["content-type"].startswith("text/css")
    assert web.get("/privacy/static/nope.css").status_code == 404


def test_the_session_link_sets_an_httponly_cookie_and_a_bad_link_does_not(web: TestClient, metronet: Runtime) -> None:
    person = add_person(metronet)
    response = web.get(f"/privacy/session/{session_for(metronet, person)}")
    cookie = response.headers["set-cookie"]
    assert COOKIE in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/privacy" in cookie
    bad = TestClient(web.app, follow_redirects=False).get("/privacy/session/nope.nope")
    assert bad.status_code == 401 and "not valid" in bad.text and "set-cookie" not in bad.headers
    assert TestClient(web.app).get("/privacy/choices").status_code == 401


def test_the_preference_center_lists_every_choice_the_pack_offers(web: TestClient, metronet: Runtime) -> None:
    sign_in_privacy(web, metronet, add_person(metronet))
    page = web.get("/privacy/choices").text
    for choice in metronet.pack.choices:
        assert f'name="choice.{choice.id}"' in page
        assert f"<legend>{choice.name}</legend>" in page


def test_a_choice_changed_in_the_form_reaches_the_decision_point(web: TestClient, metronet: Runtime) -> None:
    person = add_person(metronet, phones=["(316) 555-0199"], services=["broadband", "voice"])
    csrf = sign_in_privacy(web, metronet, person)
    assert _decide_sms(metronet, person) is False
    saved = web.post("/privacy/choices", data={"csrf": csrf, "choice.marketing-sms": "yes"})
    assert saved.status_code == 303 and saved.headers["location"] == "/privacy/choices?done=saved"
    assert "Your choices were saved." in web.get(saved.headers["location"]).text
    assert _decide_sms(metronet, person) is True
    with metronet.uow("test") as uow:
        events = ledger.history(uow, person)
    assert [(e.choice_id, e.value, e.channel) for e in events] == [("marketing-sms", True, "web_form")]
    # resubmitting the same state records nothing new; turning it off revokes it
    web.post("/privacy/choices", data={"csrf": csrf, "choice.marketing-sms": "yes"})
    web.post("/privacy/choices", data={"csrf": csrf, "choice.marketing-sms": "no"})
    with metronet.uow("test") as uow:
        assert len(ledger.history(uow, person)) == 2
    assert _decide_sms(metronet, person) is False


def test_a_form_without_the_sessions_csrf_token_is_refused(web: TestClient, metronet: Runtime) -> None:
    person = add_person(metronet, phones=["(316) 555-0198"])
    sign_in_privacy(web, metronet, person)
    other = add_person(metronet)
    other_client = TestClient(web.app, follow_redirects=False)
    others_csrf = sign_in_privacy(other_client, metronet, other)
    for data in ({"choice.marketing-sms": "yes"}, {"csrf": "0" * 64, "choice.marketing-sms": "yes"}, {"csrf": others_csrf}):
        assert web.post("/privacy/choices", data=data).status_code == 403
        assert web.post("/privacy/request", data={**data, "kind": "access"}).status_code == 403
    with metronet.uow("test") as uow:
        assert ledger.history(uow, person) == []
    assert TestClient(web.app).post("/privacy/choices", data={"csrf": others_csrf}).status_code == 401


def test_the_request_form_reaches_request_intake(web: TestClient, metronet: Runtime) -> None:
    person = add_person(metronet)
    csrf = sign_in_privacy(web, metronet, person)
    assert 'value="access"' in web.get("/privacy/request").text
    sent = web.post("/privacy/request", data={"csrf": csrf, "kind": "access"})
    assert sent.status_code == 303
    assert "We received your request" in web.get(sent.headers["location"]).text
    missing = web.post("/privacy/request", data={"csrf": csrf, "kind": "correct", "category": "", "value": ""})
    assert missing.status_code == 422 and "accurate value" in missing.text
    fixed = web.post("/privacy/request", data={"csrf": csrf, "kind": "correct", "category": "user.name", "value": "Right Name"})
    assert fixed.status_code == 303
    assert web.post("/privacy/request", data={"csrf": csrf, "kind": "launch_rockets"}).status_code == 422
    with metronet.uow("test") as uow:
        rows = uow.session.scalars(select(DataRequest).where(DataRequest.person_id == person)).all()
        assert sorted(r.kind for r in rows) == ["access", "correct"]
        assert {r.channel for r in rows} == {"privacy_center"}


def test_a_gpc_browser_sees_the_opt_out_honoured_and_it_is_recorded(mettel: Runtime) -> None:
    californian = add_person(mettel, service_state="CA", billing_state="CA")
    with TestClient(web_app(mettel, "001-mettel"), follow_redirects=False) as client:
        anonymous = client.get("/privacy", headers={"Sec-GPC": "1"})
        assert "Opt-Out Request Honored" in anonymous.text
        sign_in_privacy(client, mettel, californian)
        page = client.get("/privacy/choices", headers={"Sec-GPC": "1"})
        assert "Opt-Out Request Honored" in page.text
        assert re.search(r'name="choice\.ccpa-sale" value="no"[^>]*checked', page.text)
    with mettel.uow("test") as uow:
        events = ledger.history(uow, californian)
    assert any(e.choice_id == "ccpa-sale" and e.value is False and e.channel == "gpc" for e in events)


def test_the_cookie_banner_records_consent_by_class_and_honours_gpc(mettel: Runtime) -> None:
    with TestClient(web_app(mettel, "001-mettel")) as client:
        script = client.get("/privacy/banner.js")
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
        assert "globalPrivacyControl" in script.text
        config = client.get("/privacy/banner/classes").json()
        classes = [c["id"] for c in config["classes"]]
        assert classes and config["gpc"] is None
        plain = client.post("/privacy/banner/consent", json={"classes": dict.fromkeys(classes, True)}).json()
        assert all(plain["recorded"].values()) and plain["gpc"] is None
        opt_outs = {c.id for c in mettel.pack.choices if c.kind == "opt_out" and c.id in classes}
        assert opt_outs
        with_gpc = client.post(
            "/privacy/banner/consent", json={"classes": dict.fromkeys(classes, True)}, headers={"Sec-GPC": "1"}
        )
        assert with_gpc.json()["gpc"] == "Opt-Out Request Honored"
        assert all(with_gpc.json()["recorded"][c] is False for c in opt_outs)
        assert client.post("/privacy/banner/consent", json={"classes": {"nope": True}}).status_code == 422
        # a signed-in subscriber's banner answer goes to their ledger
        person = add_person(mettel)
        client.get(f"/privacy/session/{session_for(mettel, person)}")
        choice = sorted(opt_outs)[0]
        client.post("/privacy/banner/consent", json={"classes": {choice: False}})
    with mettel.uow("test") as uow:
        assert [(e.choice_id, e.value) for e in ledger.history(uow, person)] == [(choice, False)]
        anonymous = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy_center.cookie_consent")).all()
        assert len(anonymous) == 2


# --- CORS for the cookie banner on a provider's own site ---

SITE = "https://www.mettel.example"
EVIL = "https://evil.example"


def _banner_client(runtime: Runtime, *origins: str) -> TestClient:
    app = web_app(runtime, "001-mettel")
    app.state.banner_origins = parse_origins(origins)
    return TestClient(app, follow_redirects=False)


def _classes(runtime: Runtime) -> list[str]:
    return [str(c["id"]) for c in banner_classes(runtime)]


def test_a_listed_site_may_read_the_classes_and_record_an_answer(mettel: Runtime) -> None:
    with _banner_client(mettel, SITE, "https://shop.mettel.example:8443") as client:
        config = client.get("/privacy/banner/classes", headers={"Origin": SITE})
        assert config.status_code == 200 and config.headers["access-control-allow-origin"] == SITE
        assert config.headers["access-control-allow-credentials"] == "true" and "Origin" in config.headers["vary"]
        answer = client.post(
            "/privacy/banner/consent", json={"classes": dict.fromkeys(_classes(mettel), False)}, headers={"Origin": SITE}
        )
        assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == SITE
        assert answer.headers["access-control-allow-credentials"] == "true"
        other_port = client.get("/privacy/banner/classes", headers={"Origin": "https://shop.mettel.example:8443"})
        assert other_port.headers["access-control-allow-origin"] == "https://shop.mettel.example:8443"
        unknown = client.post("/privacy/banner/consent", json={"classes": {"nope": True}}, headers={"Origin": SITE})
        assert unknown.status_code == 422 and unknown.headers["access-control-allow-origin"] == SITE
        # the privacy center's own pages, and callers sending no Origin, need no CORS
        own = client.get("/privacy/banner/classes", headers={"Origin": "http://testserver"})
        assert own.status_code == 200 and "access-control-allow-origin" not in own.headers
        assert "access-control-allow-origin" not in client.get("/privacy/banner/classes").headers
    with mettel.uow("test") as uow:
        rows = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy_center.cookie_consent")).all()
    assert len(rows) == 1 and json.loads(rows[0].data)["origin"] == SITE


def test_a_signed_in_visitors_cookie_carries_the_answer_to_their_ledger(mettel: Runtime) -> None:
    person = add_person(mettel)
    with _banner_client(mettel, SITE) as client:
        client.get(f"/privacy/session/{session_for(mettel, person)}")
        choice = _classes(mettel)[0]
        answer = client.post("/privacy/banner/consent", json={"classes": {choice: False}}, headers={"Origin": SITE})
        assert answer.status_code == 200 and answer.json()["person"] is True
    with mettel.uow("test") as uow:
        events = ledger.history(uow, person)
    assert [(e.choice_id, e.value, e.evidence.get("origin")) for e in events] == [(choice, False, SITE)]


def test_an_unlisted_site_is_refused_without_cors_headers_and_nothing_is_recorded(mettel: Runtime) -> None:
    with _banner_client(mettel, SITE) as client:
        for origin in (EVIL, "null", "https://www.mettel.example.evil.example", "http://www.mettel.example"):
            read = client.get("/privacy/banner/classes", headers={"Origin": origin})
            assert read.status_code == 403 and "access-control-allow-origin" not in read.headers, origin
            sent = client.post(
                "/privacy/banner/consent", json={"classes": dict.fromkeys(_classes(mettel), True)}, headers={"Origin": origin}
            )
            assert sent.status_code == 403 and "access-control-allow-origin" not in sent.headers
    with mettel.uow("test") as uow:
        assert not uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy_center.cookie_consent")).all()


def test_preflight_is_answered_for_listed_sites_only(mettel: Runtime) -> None:
    asking = {"Origin": SITE, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    with _banner_client(mettel, SITE) as client:
        ok = client.options("/privacy/banner/consent", headers=asking)
        assert ok.status_code == 204 and ok.headers["access-control-allow-origin"] == SITE
        assert (
            ok.headers["access-control-allow-methods"] == "POST" and ok.headers["access-control-allow-headers"] == "Content-Type"
        )
        assert ok.headers["access-control-allow-credentials"] == "true" and int(ok.headers["access-control-max-age"]) > 0
        classes = client.options("/privacy/banner/classes", headers={"Origin": SITE, "Access-Control-Request-Method": "GET"})
        assert classes.status_code == 204 and classes.headers["access-control-allow-methods"] == "GET"
        for refused in (
            {**asking, "Origin": EVIL},
            {**asking, "Access-Control-Request-Method": "DELETE"},
            {**asking, "Access-Control-Request-Headers": "content-type, x-token"},
            {"Origin": SITE},
        ):
            answer = client.options("/privacy/banner/consent", headers=refused)
            assert answer.status_code == 403 and "access-control-allow-origin" not in answer.headers, refused
        # CORS is only on the banner's endpoints: not the staff API, not the console, not the rest of the privacy center
        for path in ("/v1/policy", "/console/signin", "/privacy/choices"):
            assert "access-control-allow-origin" not in client.options(path, headers=asking).headers, path
            assert "access-control-allow-origin" not in client.get(path, headers={"Origin": SITE}).headers, path


def test_the_allow_list_comes_from_the_environment_when_serve_did_not_set_it(
    mettel: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BANNER_ORIGINS_ENV, f"{SITE}/, https://other.example:443")
    with TestClient(web_app(mettel, "001-mettel")) as client:
        assert client.get("/privacy/banner/classes", headers={"Origin": SITE}).headers["access-control-allow-origin"] == SITE
        other = client.get("/privacy/banner/classes", headers={"Origin": "https://other.example"})
        assert other.headers["access-control-allow-origin"] == "https://other.example"
        assert client.get("/privacy/banner/classes", headers={"Origin": EVIL}).status_code == 403
    monkeypatch.setenv(BANNER_ORIGINS_ENV, "*")
    with TestClient(web_app(mettel, "001-mettel")) as client:
        assert client.get("/privacy/banner/classes", headers={"Origin": SITE}).status_code == 403


def test_origins_are_parsed_strictly() -> None:
    assert parse_origins(["https://A.example/ http://b.example:80", "https://c.example:8443,"]) == {
        "https://a.example",
        "http://b.example",
        "https://c.example:8443",
    }
    assert parse_origins([""]) == frozenset()
    for bad in ("*", "https://*.example.net", "https://a.example/path", "a.example", "ftp://a.example", "https://a b"):
        with pytest.raises(ValueError):
            parse_origins([bad])


def test_serve_refuses_a_bad_banner_origin_before_starting() -> None:
    from typer.testing import CliRunner

    from privet.cli import app

    result = CliRunner().invoke(app, ["serve", "--banner-origin", "*"])
    assert result.exit_code == 2 and "banner-origin" in result.output
