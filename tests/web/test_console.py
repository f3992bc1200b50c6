"""The staff console: token sign-in, role-limited pages, masking, CSRF on sign-out."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from privet.access.masking import may_see
from privet.audit.tables import AuditEntry
from privet.decide.engine import Request
from privet.decide.service import decide_for_person
from privet.runtime import Runtime
from privet.subjects.service import find_person
from privet.subjects.tables import Account, AccountMember
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
        officer = _signed_in(web, token_for(metrofax, "legal")).get(f"/console/subjects/{person}")
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


# --- finding a subscriber by identity ---


def _csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/console/subjects").text)
    assert found
    return found.group(1)


def _search(client: TestClient, kind: str, value: str, csrf: str | None = None) -> Response:
    data = {"kind": kind, "value": value, "csrf": _csrf(client) if csrf is None else csrf}
    response: Response = client.post("/console/subjects", data=data)
    return response


def test_one_match_opens_the_subscriber_whatever_the_format(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    person = add_person(metronet, phones=["(316) 555-0142"], emails=["Ada@Example.net"], usernames=["ada.l"])
    care = _signed_in(web, staff_token("care_rep"))
    form = care.get("/console/subjects")
    assert form.status_code == 200 and '<label for="value">' in form.text and '<option value="phone"' in form.text
    for kind, value in (
        ("phone", "+1 316 555 0142"),
        ("phone", "316.555.0142"),
        ("email", " ada@EXAMPLE.net "),
        ("username", "ADA.L"),
    ):
        found = _search(care, kind, value)
        assert found.status_code == 303 and found.headers["location"] == f"/console/subjects/{person}", (kind, value)
    with metronet.uow("test") as uow:
        number = uow.session.scalars(select(Account.number).join(AccountMember).where(AccountMember.person_id == person)).one()
    found = _search(care, "account_number", number.lower())
    assert found.status_code == 303 and found.headers["location"] == f"/console/subjects/{person}"


def test_several_matches_are_listed_and_masked_for_the_role(engine: Engine, factory: sessionmaker[Session]) -> None:
    metrofax = make_runtime(engine, factory, POLICIES / "002-metrofax")
    holder = add_person(metrofax, account_number="MFX7788990", full_name="Grace Hopper")
    add_person(metrofax, account_number="MFX7788990", emails=["alan@example.net"], role="authorized_user")
    with metrofax.uow("test") as uow:
        found = find_person(uow, "email", "alan@example.net")
        assert found is not None and found.id != holder
        other = found.id
    with TestClient(web_app(metrofax, "002-metrofax"), follow_redirects=False) as web:
        care = _signed_in(web, token_for(metrofax, "care_rep"))
        listed = _search(care, "account_number", "mfx-7788-990")
        assert listed.status_code == 200 and "2 subscribers have that account number." in listed.text
        assert listed.text.index(f'href="/console/subjects/{holder}"') < listed.text.index(f'href="/console/subjects/{other}"')
        assert "MFX7788990" not in listed.text and "holder of" in listed.text
        officer = _signed_in(web, token_for(metrofax, "legal"))
        assert "MFX7788990" in _search(officer, "account_number", "MFX7788990").text


def test_no_match_bad_input_and_refusals(web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]) -> None:
    care = _signed_in(web, staff_token("care_rep"))
    none = _search(care, "email", "nobody@example.org")
    assert none.status_code == 200 and "No subscriber has that email address." in none.text
    malformed = _search(care, "phone", "555-01")
    assert malformed.status_code == 422 and "is not a 10-digit North American phone number" in malformed.text
    assert _search(care, "email", "not-an-email").status_code == 422
    empty = _search(care, "phone", "   ")
    assert empty.status_code == 422 and "Enter the phone number to search for." in empty.text
    assert _search(care, "ssn", "123").status_code == 422
    assert _search(care, "email", "a@example.org", csrf="0" * 64).status_code == 403
    assert TestClient(web.app).post("/console/subjects", data={"kind": "email", "value": "x@y.z"}).status_code == 401
    marketing = _signed_in(web, staff_token("marketing"))
    assert marketing.get("/console/subjects").status_code == 403
    assert _search(marketing, "email", "a@example.org", csrf=_staff_csrf(marketing)).status_code == 403
    bad_id = care.get("/console/subjects", params={"person": "12abc"})
    assert bad_id.status_code == 422 and "A person id is a whole number" in bad_id.text
    missing = care.get("/console/subjects", params={"person": "999999"})
    assert missing.status_code == 200 and "No subscriber has person id 999999." in missing.text


def _staff_csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/console").text)
    assert found
    return found.group(1)


def test_searches_are_audited_by_kind_never_by_value(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    person = add_person(metronet, emails=["secret.person@example.net"])
    care = _signed_in(web, staff_token("care_rep"))
    _search(care, "email", "secret.person@example.net")
    _search(care, "email", "ghost@example.net")
    care.get("/console/subjects", params={"person": str(person)})
    with metronet.uow("test") as uow:
        rows = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "console.subject_searched").order_by(AuditEntry.seq)
        ).all()
    assert [(r.subject, json.loads(r.data)["kind"], json.loads(r.data)["matches"]) for r in rows] == [
        (f"person:{person}", "email", 1),
        (None, "email", 0),
        (f"person:{person}", "person_id", 1),
    ]
    assert all("example.net" not in r.data and json.loads(r.data)["role"] == "care_rep" for r in rows)
    assert all(r.actor.startswith("token:") or "care_rep" in r.actor for r in rows)


# --- Today: deadlines across breaches, restorations, holds and the CPNI certification ---


def _deadline_fixtures(runtime: Runtime) -> dict[str, int]:
    from privet.abuse.tables import AbuseNotice, AbuseTakedown
    from privet.cpni import breaches
    from privet.legal import holds
    from privet.requests.intake import Submission, submit
    from privet.requests.tables import DeletionFanout

    person = add_person(runtime, account_number="TD55443322")
    with runtime.uow("test") as uow:
        now = uow.now()
        today = now.date()
        breach = breaches.record_breach(
            uow,
            discovered_on=today - timedelta(days=30),
            determined_on=today - timedelta(days=30),
            description="Call records of one account viewed by a pretexter",
            data_description="call detail",
            circumstances="social engineering at a store",
            person_ids=[person],
            rule="2007",
        )
        notice = AbuseNotice(
            received_at=now, channel="api", sha256="f" * 64, size=1, format="text", status="routed", confidence=1.0, facts={}
        )
        uow.session.add(notice)
        uow.session.flush()
        takedown = AbuseTakedown(
            notice_id=notice.id,
            account_number="TD55443322",
            material_url="https://pages.example.net/x",
            status="counter_noticed",
            disabled_at=now - timedelta(days=12),
            restore_not_before=today - timedelta(days=1),
            restore_by=today + timedelta(days=3),
        )
        uow.session.add(takedown)
        hold = holds.place_hold(uow, kind="litigation", reason="pending suit", person_id=person, ends_at=now + timedelta(days=5))
        far = holds.place_hold(uow, kind="litigation", reason="long suit", person_id=person, ends_at=now + timedelta(days=300))
        deletion = submit(
            uow, runtime.pack, Submission.model_validate({"kind": "delete", "person": {"person_id": person}, "channel": "email"})
        )
        fanout = DeletionFanout(
            request_id=deletion.id, recipient="vendors", recipient_name="Acme Billing", recipient_kind="processor",
            disclosures=[], categories=["user.contact.email"], channel="by_hand", address="1 Acme Way, Wichita, KS",
            status="to_ask", due_on=today + timedelta(days=6), created_at=now, updated_at=now,
        )  # fmt: skip
        uow.session.add(fanout)
        uow.session.flush()
        return {
            "person": person, "breach": breach.id, "takedown": takedown.id, "hold": hold.id, "far": far.id,
            "deletion": deletion.id, "fanout": fanout.id,
        }  # fmt: skip


def test_today_counts_down_deadlines_the_role_may_read(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    ids = _deadline_fixtures(metronet)
    officer = _signed_in(web, staff_token("privacy_officer")).get("/console").text
    assert "Deadlines: breaches, restorations, holds, certification, deletion fan-outs" in officer
    assert f"Breach {ids['breach']}: report to" in officer and "overdue by" in officer
    assert 'href="/docs#/cpni%20records/' in officer
    assert f"Takedown {ids['takedown']}: restore material" in officer and "TD55443322" in officer
    assert f"Hold {ids['hold']} (litigation) ends" in officer and f"Hold {ids['far']} " not in officer
    assert f'href="/console/subjects/{ids["person"]}"' in officer
    assert "Annual CPNI certification for" in officer and "privet cpni certify --year" in officer
    asks = re.search(
        rf"Deletion request {ids['deletion']}: ask Acme Billing to delete \(write to 1 Acme Way, Wichita, KS\)</td>\s*<td>[0-9-]+</td>\s*<td>(\d+)</td>",
        officer,
    )
    assert asks and asks.group(1) == "6" and f"privet requests fanout-letter {ids['fanout']}" in officer
    row = re.search(rf"Hold {ids['hold']} \(litigation\) ends</td>\s*<td>[0-9-]+</td>\s*<td>(\d+)</td>", officer)
    assert row and row.group(1) in ("4", "5")
    restore = re.search(rf"Takedown {ids['takedown']}.*?<td>[0-9-]+</td>\s*<td>(\d+)</td>", officer, re.S)
    assert restore and restore.group(1) == "3"
    abuse = _signed_in(web, staff_token("abuse_desk")).get("/console").text
    assert "Takedown" in abuse and "Breach" not in abuse and "Hold " not in abuse and "CPNI certification" not in abuse
    legal = _signed_in(web, staff_token("legal")).get("/console").text
    assert "Breach" in legal and "Hold " in legal and "CPNI certification" in legal and "Deletion request" not in legal
    care = _signed_in(web, staff_token("care_rep")).get("/console").text
    assert "Deadlines:" not in care and "Breach" not in care


def test_the_certification_counts_down_to_the_next_one_once_prepared(metronet: Runtime) -> None:
    from datetime import date

    from privet.web.console import _certification_deadline

    with metronet.uow("test") as uow:
        before = _certification_deadline(uow, date(2031, 2, 20))
        assert (before.what, before.due, before.days_left, before.overdue) == (
            "Annual CPNI certification for 2030",
            date(2031, 3, 1),
            9,
            False,
        )
        late = _certification_deadline(uow, date(2031, 3, 5))
        assert late.overdue and late.days_left == -4
        uow.record("cpni.certification_prepared", None, year=2030, officer="O. Fficer")
    with metronet.uow("test") as uow:
        done = _certification_deadline(uow, date(2031, 2, 27))
        assert done.done and not done.overdue and "(prepared)" in done.what
        after = _certification_deadline(uow, date(2031, 3, 5))
        assert after.what == "Annual CPNI certification for 2031" and after.due == date(2032, 3, 1) and not after.overdue
