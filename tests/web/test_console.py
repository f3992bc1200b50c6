"""The staff console: token sign-in, role-limited pages, masking, CSRF on sign-out."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from privet.access.masking import may_see
from privet.decide.engine import Request
from privet.decide.service import decide_for_person
from privet.runtime import Runtime
from privet.web.staff import COOKIE
from tests.conftest import POLICIES, add_person, make_runtime
from tests.web.conftest import token_for, web_app

EMAIL_MARKETING = Request(("user.contact.email",), "marketing.communications.email", "first-party", "email")


def _signed_in(web: TestClient, token: str) -> TestClient:
    client = TestClient(web.app, follow_redirects=False)
    response = client.post("/console/signin", data={"token": token})
    assert response.status_code == 303 and response.headers["location"] == "/console"
    return client


def test_sign_in_sets_a_strict_httponly_cookie_and_refuses_bad_tokens(web: TestClient, staff_token: Callable[[str], str]) -> None:
    assert web.get("/console").status_code == 303
    form = web.get("/console/signin")
    assert form.status_code == 200 and '<label for="token">' in form.text
    bad = web.post("/console/signin", data={"token": "pvt_nope"})
    assert bad.status_code == 401 and "unknown or revoked" in bad.text
    cross_site = web.post("/console/signin", data={"token": staff_token("admin")}, headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403
    good = web.post("/console/signin", data={"token": staff_token("privacy_officer")})
    cookie = good.headers["set-cookie"]
    assert COOKIE in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/console" in cookie


def test_today_shows_what_the_role_may_see(web: TestClient, staff_token: Callable[[str], str]) -> None:
    officer = _signed_in(web, staff_token("privacy_officer")).get("/console")
    assert officer.status_code == 200
    assert "Requests due" in officer.text and "Outbox" in officer.text and "Consent changes" in officer.text
    marketing = _signed_in(web, staff_token("marketing")).get("/console")
    assert marketing.status_code == 200
    assert "Requests due" not in marketing.text and "Outbox" not in marketing.text and "Subscribers" not in marketing.text


def test_the_subscriber_page_is_limited_and_masked_by_role(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    person = add_person(metronet, full_name="Ada <script>alert(1)</script> Lovelace", services=["broadband"])
    with metronet.uow("test") as uow:
        decide_for_person(uow, metronet.decider, person, EMAIL_MARKETING)
    officer = _signed_in(web, staff_token("privacy_officer")).get(f"/console/subjects/{person}")
    assert officer.status_code == 200
    assert "&lt;script&gt;" in officer.text and "<script>alert" not in officer.text
    assert "Current choices" in officer.text and "Recent decisions" in officer.text
    assert "marketing.communications.email" in officer.text and "broadband" in officer.text
    care = _signed_in(web, staff_token("care_rep")).get(f"/console/subjects/{person}")
    assert care.status_code == 200 and "Current choices" in care.text and "Recent decisions" not in care.text
    abuse = _signed_in(web, staff_token("abuse_desk")).get(f"/console/subjects/{person}")
    assert abuse.status_code == 200 and "Current choices" not in abuse.text
    assert _signed_in(web, staff_token("marketing")).get(f"/console/subjects/{person}").status_code == 403
    assert _signed_in(web, staff_token("admin")).get("/console/subjects/999999").status_code == 404
    found = _signed_in(web, staff_token("care_rep")).get("/console/subjects", params={"person": person})
    assert found.status_code == 303 and found.headers["location"] == f"/console/subjects/{person}"


def test_masked_roles_do_not_see_what_the_pack_hides(engine: Engine, factory: sessionmaker[Session]) -> None:
    metrofax = make_runtime(engine, factory, POLICIES / "002-metrofax")
    assert not may_see(metrofax.pack, "care_rep", "user.telecom.account_number")
    person = add_person(metrofax, account_number="MFX4455667")
    with TestClient(web_app(metrofax, "002-metrofax"), follow_redirects=False) as web:
        care = _signed_in(web, token_for(metrofax, "care_rep")).get(f"/console/subjects/{person}")
        assert care.status_code == 200 and "MFX4455667" not in care.text
        officer = _signed_in(web, token_for(metrofax, "privacy_officer")).get(f"/console/subjects/{person}")
        assert "MFX4455667" in officer.text


def test_the_policy_page_shows_the_notice_and_promise_counts(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    page = _signed_in(web, staff_token("marketing")).get("/console/policy")
    assert page.status_code == 200
    assert metronet.pack.pack.id in page.text and "Promise list" in page.text
    assert re.search(r"<li>(enforced|expressed|not_yet): \d+</li>", page.text)


def test_sign_out_needs_the_csrf_token(web: TestClient, staff_token: Callable[[str], str]) -> None:
    client = _signed_in(web, staff_token("legal"))
    page = client.get("/console").text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert csrf
    assert client.post("/console/signout", data={"csrf": "0" * 64}).status_code == 403
    assert client.get("/console").status_code == 200
    out = client.post("/console/signout", data={"csrf": csrf.group(1)})
    assert out.status_code == 303 and COOKIE in out.headers["set-cookie"]


def test_the_care_reps_cpni_screen_records_an_attempt(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    from sqlalchemy import select

    from privet.cpni.tables import Authentication

    person = add_person(metronet, phones=["(316) 555-0101"], services=["voice"])
    care = _signed_in(web, staff_token("care_rep"))
    subject_page = care.get(f"/console/subjects/{person}").text
    assert f'href="/console/cpni/{person}"' in subject_page
    form = care.get(f"/console/cpni/{person}")
    assert form.status_code == 200 and '<label for="secret">' in form.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text)
    assert csrf
    attempt = {"interaction_id": "call-1", "channel": "inbound_call", "method": "password", "secret": "wrong"}
    assert care.post(f"/console/cpni/{person}", data=attempt).status_code == 403
    sent = care.post(f"/console/cpni/{person}", data={**attempt, "csrf": csrf.group(1)})
    assert sent.status_code == 303
    result = care.get(sent.headers["location"])
    assert "Not authenticated" in result.text and "wrong" not in result.text
    with metronet.uow("test") as uow:
        rows = uow.session.scalars(select(Authentication).where(Authentication.person_id == person)).all()
        assert [(r.interaction_id, r.passed) for r in rows] == [("call-1", False)]
    legal = _signed_in(web, staff_token("legal"))
    assert legal.get(f"/console/cpni/{person}").status_code == 403
    assert f'href="/console/cpni/{person}"' not in legal.get(f"/console/subjects/{person}").text
