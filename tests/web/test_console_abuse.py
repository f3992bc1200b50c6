"""The console's abuse desk: review queue, cases by ladder stage, the case page and its one-click actions.

Notices come in through the abuse service itself (`AbuseContext.ingest`), as the mail gateway
would send them, against a DHCP lease imported the same way; every action is checked in the
database, not only on the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from privet.abuse import ladder
from privet.abuse.assignments import import_rows
from privet.abuse.intake import IntakeResult
from privet.abuse.service import AbuseContext
from privet.abuse.tables import AbuseAction, AbuseCase, AbuseDispute, AbuseNotice, AbuseStrike
from privet.policy.model import LadderStep
from privet.runtime import Runtime
from privet.subjects.tables import Account
from tests.conftest import POLICIES, add_person, make_runtime
from tests.web.conftest import token_for, web_app

IP = "198.51.100.20"
STATEMENTS = (
    "In good faith we believe this use of the listed works is not authorized by the rights holder, its agent, or the law.\n\n"
    "The information in this notification is accurate, and under penalty of perjury, we are authorized to act on behalf "
    "of the holder of the rights said to be infringed."
)


def signed_in(web: TestClient, token: str) -> TestClient:
    client = TestClient(web.app, raise_server_exceptions=False, follow_redirects=False)
    assert client.post("/console/signin", data={"token": token}).status_code == 303
    return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "the page has no form token"
    return found.group(1)


def alert(html: str) -> str:
    found = re.search(r'role="alert">(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


def status_line(html: str) -> str:
    found = re.search(r'role="status">(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


def subscriber(runtime: Runtime, account: str = "ABU-100", ip: str = IP) -> str:
    """A residential subscriber holding `ip` on a lease around now; returns the account number as stored."""
    add_person(runtime, account_number=account, account_type="residential", full_name="Ann Example", emails=["ann@example.net"])
    now = datetime.now(UTC)
    lease = {
        "address": ip,
        "account": account,
        "start": (now - timedelta(days=300)).isoformat(),
        "end": (now + timedelta(days=30)).isoformat(),
    }
    with AbuseContext.of(runtime).desk("test") as desk:
        import_rows(desk.uow, "dhcp", [lease])
    return account.replace("-", "").upper()


def copyright_notice(runtime: Runtime, case: str, hours_ago: float, ip: str = IP) -> IntakeResult:
    """A complete (all six 512(c)(3) elements) ACNS notice in a letter, ingested through the abuse service."""
    when = (datetime.now(UTC) - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Infringement xmlns="http://www.acns.net/ACNS">'
        f"<Case><ID>{case}</ID><Status>Open</Status></Case>"
        "<Complainant><Entity>Northwind Pictures</Entity><Email>notices@northwind.example</Email></Complainant>"
        f"<Source><TimeStamp>{when}</TimeStamp><IP_Address>{ip}</IP_Address><Port>51413</Port><Type>BitTorrent</Type></Source>"
        "<Content><Item><Title>The Long Harbour</Title><FileName>The.Long.Harbour.1080p</FileName></Item></Content></Infringement>"
    )
    message = EmailMessage()
    message["From"] = "Northwind Pictures <notices@northwind.example>"
    message["To"] = "abuse@metronet.example"
    message["Subject"] = "Notice of claimed infringement"
    message["Message-ID"] = f"<{case}@northwind.example>"
    message.set_content(f"Dear Sir or Madam,\n\nSee the attached report.\n\n{STATEMENTS}\n\n/s/ Alex Rivera\nRights Agent")
    message.add_attachment(xml.encode(), maintype="application", subtype="xml", filename="notice.xml")
    (result,) = AbuseContext.of(runtime).ingest([(bytes(message), "api")], "test")
    return result


def complaint(runtime: Runtime, text: str) -> IntakeResult:
    """A plain-text complaint: it always waits for a person."""
    raw = f"From: Pat <pat@victim.example>\nSubject: abuse report\n\n{text}\n".encode()
    (result,) = AbuseContext.of(runtime).ingest([(raw, "api")], "test")
    assert result.status == "review", result
    return result


def scan_complaint(runtime: Runtime, port: int = 22) -> IntakeResult:
    at = (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M UTC")
    return complaint(runtime, f"Your customer at {IP} port {port} scanned our network on {at}.")


def account_status(runtime: Runtime, number: str) -> str:
    with runtime.factory() as session:
        return session.scalars(select(Account.status).where(Account.number == number)).one()


def actions(runtime: Runtime, number: str) -> list[tuple[str, bool]]:
    with runtime.factory() as session:
        rows = session.scalars(select(AbuseAction).where(AbuseAction.account_number == number).order_by(AbuseAction.id))
        return [(a.step, a.revoked_at is None) for a in rows]


def test_the_queue_shows_notices_for_review_and_cases_by_ladder_stage(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    subscriber(metronet)
    filed = copyright_notice(metronet, "Q1", hours_ago=5)
    assert filed.step == "warning" and filed.case_id is not None
    pending = scan_complaint(metronet)
    desk = signed_in(web, staff_token("abuse_desk"))
    page = desk.get("/console/abuse")
    assert page.status_code == 200 and 'href="/console/abuse"' in page.text
    assert "Notices waiting for review (1)" in page.text
    assert f"Notice {pending.notice_id}" in page.text and IP in page.text and "port 22" in page.text
    assert "75%" in page.text and "scanned our network" in page.text
    assert f'action="/console/abuse/notices/{pending.notice_id}/confirm"' in page.text
    assert f'action="/console/abuse/notices/{pending.notice_id}/dismiss"' in page.text
    assert '<label for="note-' in page.text and '<label for="reason-' in page.text
    warning = page.text.index('id="stage-warning-h"')
    assert page.text.index(f'href="/console/abuse/cases/{filed.case_id}"') > warning
    assert "Warning (1)" in page.text and "Terminated (0)" in page.text and "Temporary suspension (0)" in page.text
    assert "1 strike / 1 notice" in page.text and "temporary suspension at 2" in page.text and "ABU100" in page.text
    assert 'href="/console/abuse/reports/repeat-infringers"' in page.text
    report = desk.get("/console/abuse/reports/repeat-infringers")
    assert report.status_code == 200 and "ABU100" in report.text and "warning (" in report.text
    assert desk.get("/console/abuse/reports/repeat-infringers", params={"kind": "all"}).status_code == 200


def test_roles_without_the_abuse_permissions_are_refused(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    subscriber(metronet)
    filed = copyright_notice(metronet, "R1", hours_ago=5)
    pending = scan_complaint(metronet)
    assert web.get("/console/abuse").status_code == 303  # not signed in: to the sign-in page
    care = signed_in(web, staff_token("care_rep"))
    assert 'href="/console/abuse"' not in care.get("/console").text
    for path in ("/console/abuse", f"/console/abuse/cases/{filed.case_id}", "/console/abuse/reports/repeat-infringers"):
        assert care.get(path).status_code == 403
    csrf = csrf_of(care.get("/console").text)
    assert care.post(f"/console/abuse/notices/{pending.notice_id}/dismiss", data={"csrf": csrf, "reason": "x"}).status_code == 403
    legal = signed_in(web, staff_token("legal"))  # abuse:read without abuse:work: sees, cannot act
    page = legal.get(f"/console/abuse/cases/{filed.case_id}")
    assert page.status_code == 200 and "Act on this case" not in page.text and "/immediate" not in page.text
    queue = legal.get("/console/abuse")
    assert "Confirm notice" not in queue.text
    refused = legal.post(
        f"/console/abuse/cases/{filed.case_id}/immediate",
        data={"csrf": csrf_of(queue.text), "ground": "violation_of_law", "action": "suspend", "reason": "x"},
    )
    assert refused.status_code == 403
    assert account_status(metronet, "ABU100") == "active"


def test_every_abuse_form_needs_the_session_csrf_token(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    subscriber(metronet)
    filed = copyright_notice(metronet, "X1", hours_ago=5)
    pending = scan_complaint(metronet)
    desk = signed_in(web, staff_token("abuse_desk"))
    other = csrf_of(signed_in(web, staff_token("abuse_desk")).get("/console/abuse").text)  # another session's token
    for csrf in ("", "0" * 64, other):
        data = {"csrf": csrf, "note": "checked"} if csrf else {"note": "checked"}
        assert desk.post(f"/console/abuse/notices/{pending.notice_id}/confirm", data=data).status_code == 403
        body = {"csrf": csrf, "ground": "violation_of_law", "action": "suspend", "reason": "x"}
        assert desk.post(f"/console/abuse/cases/{filed.case_id}/immediate", data=body).status_code == 403
    with metronet.factory() as session:
        notice = session.get(AbuseNotice, pending.notice_id)
        assert notice is not None and notice.status == "review"
    assert account_status(metronet, "ABU100") == "active"


def test_confirm_and_dismiss_settle_notices_waiting_for_review(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    subscriber(metronet)
    first, second = scan_complaint(metronet, 22), scan_complaint(metronet, 23)
    desk = signed_in(web, staff_token("abuse_desk"))
    csrf = csrf_of(desk.get("/console/abuse").text)
    confirmed = desk.post(
        f"/console/abuse/notices/{first.notice_id}/confirm",
        data={"csrf": csrf, "note": "Checked the firewall logs.", "prohibition": "network-interference"},
    )
    assert confirmed.status_code == 303 and confirmed.headers["location"].startswith("/console/abuse?done=")
    shown = desk.get(confirmed.headers["location"])
    assert f"Notice {first.notice_id} confirmed: filed" in status_line(shown.text) and "warning" in status_line(shown.text)
    dismissed = desk.post(
        f"/console/abuse/notices/{second.notice_id}/dismiss", data={"csrf": csrf, "reason": "Duplicate report."}
    )
    assert dismissed.status_code == 303
    assert "dismissed" in status_line(desk.get(dismissed.headers["location"]).text)
    with metronet.factory() as session:
        one, two = session.get(AbuseNotice, first.notice_id), session.get(AbuseNotice, second.notice_id)
        assert one is not None and one.status == "filed" and one.case_id is not None and one.prohibition == "network-interference"
        assert two is not None and two.status == "dismissed" and two.reason == "Duplicate report."
    assert actions(metronet, "ABU100") == [("warning", True)]
    tampered = confirmed.headers["location"].replace("confirmed", "CONFIRMED")
    assert status_line(desk.get(tampered).text) == ""  # a forged outcome message is not shown
    again = desk.post(f"/console/abuse/notices/{second.notice_id}/confirm", data={"csrf": csrf, "note": "again"})
    assert again.status_code == 409 and "not waiting for review" in alert(again.text)


def test_the_case_page_shows_the_case_and_refuses_a_step_the_ladder_does_not_allow(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    subscriber(metronet)
    filed = copyright_notice(metronet, "P1", hours_ago=5)
    burst = copyright_notice(metronet, "P2", hours_ago=4)  # the same incident: counted once
    assert burst.strike_id is None
    desk = signed_in(web, staff_token("abuse_desk"))
    page = desk.get(f"/console/abuse/cases/{filed.case_id}")
    assert page.status_code == 200
    assert re.search(r'id="stage">Warning<', page.text) and re.search(r'id="account-status">active<', page.text)
    assert f"Strike {filed.strike_id}" in page.text and page.text.count("(acns)") == 2
    assert "1 strike in this case from 2 notices" in page.text and "counted once" in page.text
    assert "Northwind Pictures" in page.text and f"{IP}:51413" in page.text
    assert '<label for="ground">' in page.text and "harm_to_metronet_or_interconnected_networks" in page.text
    refused = desk.post(f"/console/abuse/cases/{filed.case_id}/next-step", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 409
    assert "temporary suspension needs 2 active strike(s); the account has 1" in alert(refused.text)
    assert actions(metronet, "ABU100") == [("warning", True)]


def test_immediate_suspension_on_a_ground_from_the_pack(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    subscriber(metronet)
    filed = copyright_notice(metronet, "I1", hours_ago=5)
    desk = signed_in(web, staff_token("abuse_desk"))
    csrf = csrf_of(desk.get(f"/console/abuse/cases/{filed.case_id}").text)
    path = f"/console/abuse/cases/{filed.case_id}/immediate"
    bad_ground = desk.post(path, data={"csrf": csrf, "ground": "we felt like it", "action": "suspend", "reason": "x"})
    assert bad_ground.status_code == 422 and "is not a ground for immediate action" in alert(bad_ground.text)
    bad_action = desk.post(path, data={"csrf": csrf, "ground": "violation_of_law", "action": "explode", "reason": "x"})
    assert bad_action.status_code == 422 and "suspend or terminate" in alert(bad_action.text)
    no_reason = desk.post(path, data={"csrf": csrf, "ground": "violation_of_law", "action": "suspend", "reason": "  "})
    assert no_reason.status_code == 422
    assert account_status(metronet, "ABU100") == "active" and actions(metronet, "ABU100") == [("warning", True)]
    done = desk.post(path, data={"csrf": csrf, "ground": "violation_of_law", "action": "suspend", "reason": "Court order 24-17."})
    assert done.status_code == 303
    page = desk.get(done.headers["location"])
    assert "Immediate suspension on ground" in status_line(page.text) and re.search(r'id="stage">Suspended at once<', page.text)
    assert account_status(metronet, "ABU100") == "suspended"
    assert actions(metronet, "ABU100") == [("warning", True), ("immediate_suspension", True)]
    with metronet.factory() as session:
        action = session.scalars(select(AbuseAction).where(AbuseAction.step == "immediate_suspension")).one()
        assert action.ground == "violation_of_law" and action.role == "abuse_desk" and "Court order 24-17." in action.reason
    assert "Suspended at once (1)" in desk.get("/console/abuse").text


def test_a_dispute_is_recorded_and_upholding_it_lifts_the_suspension(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    subscriber(metronet)
    copyright_notice(metronet, "D1", hours_ago=60)
    second = copyright_notice(metronet, "D2", hours_ago=5)
    assert second.step == "temporary_suspension" and account_status(metronet, "ABU100") == "suspended"
    desk = signed_in(web, staff_token("abuse_desk"))
    page = desk.get(f"/console/abuse/cases/{second.case_id}")
    csrf = csrf_of(page.text)
    assert re.search(r'id="stage">Temporary suspension<', page.text)
    base = f"/console/abuse/cases/{second.case_id}/disputes"
    assert desk.post(base, data={"csrf": csrf, "strike_id": "abc", "ground": "fair_use", "statement": "x"}).status_code == 422
    bad_ground = desk.post(base, data={"csrf": csrf, "strike_id": str(second.strike_id), "ground": "vibes", "statement": "x"})
    assert bad_ground.status_code == 422 and "is not a ground for a dispute" in alert(bad_ground.text)
    opened = desk.post(
        base, data={"csrf": csrf, "strike_id": str(second.strike_id), "ground": "misidentified", "statement": "Router was off."}
    )
    assert opened.status_code == 303
    with metronet.factory() as session:
        dispute = session.scalars(select(AbuseDispute)).one()
    page = desk.get(opened.headers["location"])
    assert f"Dispute {dispute.id} of strike {second.strike_id} recorded" in status_line(page.text)
    assert "Router was off." in page.text and f"/disputes/{dispute.id}/decision" in page.text
    decision = f"{base}/{dispute.id}/decision"
    assert desk.post(decision, data={"csrf": csrf, "decision": "maybe", "reason": "x"}).status_code == 422
    assert desk.post(f"{base}/999999/decision", data={"csrf": csrf, "decision": "uphold", "reason": "x"}).status_code == 404
    upheld = desk.post(decision, data={"csrf": csrf, "decision": "uphold", "reason": "The lease log was an hour off."})
    assert upheld.status_code == 303
    page = desk.get(upheld.headers["location"])
    assert f"Dispute {dispute.id} upheld" in status_line(page.text) and re.search(r'id="stage">Warning<', page.text)
    with metronet.factory() as session:
        strike = session.get(AbuseStrike, second.strike_id)
        assert strike is not None and strike.removed_at is not None
        assert session.get(AbuseDispute, dispute.id).status == "upheld"  # type: ignore[union-attr]
    assert account_status(metronet, "ABU100") == "active"
    assert actions(metronet, "ABU100") == [("warning", True), ("temporary_suspension", False)]
    twice = desk.post(decision, data={"csrf": csrf, "decision": "reject", "reason": "x"})
    assert twice.status_code == 409 and "already decided" in alert(twice.text)


def test_after_reactivation_the_desk_walks_the_ladder_again_one_step_at_a_time(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    subscriber(metronet)
    for n, hours in enumerate((100, 70, 40)):
        result = copyright_notice(metronet, f"T{n}", hours_ago=hours)
    assert result.step == "termination" and account_status(metronet, "ABU100") == "disconnected"
    case = result.case_id
    desk = signed_in(web, staff_token("abuse_desk"))
    page = desk.get(f"/console/abuse/cases/{case}")
    assert re.search(r'id="stage">Terminated<', page.text) and "/reactivate" not in page.text
    assert (
        desk.post(f"/console/abuse/cases/{case}/reactivate", data={"csrf": csrf_of(page.text), "reason": "x"}).status_code == 403
    )
    admin = signed_in(web, staff_token("admin"))
    csrf = csrf_of(admin.get(f"/console/abuse/cases/{case}").text)
    assert admin.post(f"/console/abuse/cases/{case}/reactivate", data={"csrf": csrf, "reason": ""}).status_code == 422
    back = admin.post(f"/console/abuse/cases/{case}/reactivate", data={"csrf": csrf, "reason": "Appeal granted by counsel."})
    assert back.status_code == 303 and account_status(metronet, "ABU100") == "active"
    page = desk.get(f"/console/abuse/cases/{case}")
    assert re.search(r'id="stage">No step taken yet<', page.text) and "Take next step: warning" in page.text
    csrf = csrf_of(page.text)
    stale = desk.post(f"/console/abuse/cases/{case}/next-step", data={"csrf": csrf, "step": "termination"})
    assert stale.status_code == 409 and "out of date" in alert(stale.text)
    taken = desk.post(f"/console/abuse/cases/{case}/next-step", data={"csrf": csrf, "step": "warning"})
    assert taken.status_code == 303
    page = desk.get(taken.headers["location"])
    assert "Step taken: warning at 3 strike(s)" in status_line(page.text) and re.search(r'id="stage">Warning<', page.text)
    assert actions(metronet, "ABU100")[-2:] == [("reactivation", True), ("warning", True)]
    assert "Take next step: temporary suspension" in page.text


def test_recording_an_acknowledgement(web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]) -> None:
    number = subscriber(metronet)
    filed = copyright_notice(metronet, "A1", hours_ago=5)
    with AbuseContext.of(metronet).desk("test") as desk:  # a pack step Metronet's ladder lacks, taken through the service
        account, case = desk.need_account(number), desk.uow.session.get(AbuseCase, filed.case_id)
        step = LadderStep(step="acknowledgement_required", at_strikes=1, description="Acknowledge to keep service.")
        needed = ladder.take(desk, account, case, step, 1, None).id
    with metronet.factory() as session:
        warning = session.scalars(select(AbuseAction.id).where(AbuseAction.step == "warning")).one()
    desk_client = signed_in(web, staff_token("abuse_desk"))
    page = desk_client.get(f"/console/abuse/cases/{filed.case_id}")
    assert f"/actions/{needed}/acknowledge" in page.text
    csrf = csrf_of(page.text)
    wrong = desk_client.post(f"/console/abuse/cases/{filed.case_id}/actions/{warning}/acknowledge", data={"csrf": csrf})
    assert wrong.status_code == 422 and "no acknowledgement is required" in alert(wrong.text)
    assert (
        desk_client.post(f"/console/abuse/cases/{filed.case_id}/actions/999999/acknowledge", data={"csrf": csrf}).status_code
        == 404
    )
    done = desk_client.post(f"/console/abuse/cases/{filed.case_id}/actions/{needed}/acknowledge", data={"csrf": csrf})
    assert done.status_code == 303
    assert "acknowledged" in desk_client.get(done.headers["location"]).text
    with metronet.factory() as session:
        assert session.get(AbuseAction, needed).acknowledged_at is not None  # type: ignore[union-attr]


def test_unknown_ids_are_404_and_bad_values_are_422_pages(
    web: TestClient, metronet: Runtime, staff_token: Callable[[str], str]
) -> None:
    subscriber(metronet)
    filed = copyright_notice(metronet, "B1", hours_ago=5)
    pending = scan_complaint(metronet)
    desk = signed_in(web, staff_token("abuse_desk"))
    csrf = csrf_of(desk.get("/console/abuse").text)
    assert desk.get("/console/abuse/cases/999999").status_code == 404
    assert desk.get("/console/abuse/cases/0").status_code == 422
    assert desk.get(f"/console/abuse/cases/{2**40}").status_code == 422
    assert desk.get("/console/abuse/cases/abc").status_code == 422
    assert desk.post("/console/abuse/notices/999999/confirm", data={"csrf": csrf, "note": "x"}).status_code == 404
    assert desk.post("/console/abuse/cases/999999/next-step", data={"csrf": csrf}).status_code == 404
    empty = desk.post(f"/console/abuse/notices/{pending.notice_id}/confirm", data={"csrf": csrf, "note": "  "})
    assert empty.status_code == 422 and "text/html" in empty.headers["content-type"] and "note" in alert(empty.text)
    rule = desk.post(
        f"/console/abuse/notices/{pending.notice_id}/confirm", data={"csrf": csrf, "note": "x", "prohibition": "nope"}
    )
    assert rule.status_code == 422 and "is not a prohibition of this policy" in alert(rule.text)
    too_long = desk.post(f"/console/abuse/notices/{pending.notice_id}/dismiss", data={"csrf": csrf, "reason": "x" * 5000})
    assert too_long.status_code == 422
    other_case = desk.post(
        f"/console/abuse/cases/{filed.case_id}/disputes",
        data={"csrf": csrf, "strike_id": "999999", "ground": "fair_use", "statement": "x"},
    )
    assert other_case.status_code == 422 and "is not a strike of case" in alert(other_case.text)
    assert desk.get("/console/abuse/reports/repeat-infringers", params={"kind": "x'; drop"}).status_code == 422
    with metronet.factory() as session:
        notice = session.get(AbuseNotice, pending.notice_id)
        assert notice is not None and notice.status == "review"


def test_subscribers_are_masked_for_a_role_the_pack_limits(engine: Engine, factory: sessionmaker[Session]) -> None:
    metrofax = make_runtime(engine, factory, POLICIES / "002-metrofax")
    add_person(metrofax, account_number="MFX4455667", full_name="Fay Faxer")
    with AbuseContext.of(metrofax).desk("test") as desk:
        case_id = desk.case("MFX4455667", "junk_fax").id
    with TestClient(web_app(metrofax, "002-metrofax"), follow_redirects=False) as web:
        desk_client = signed_in(web, token_for(metrofax, "abuse_desk"))
        for path in ("/console/abuse", f"/console/abuse/cases/{case_id}"):
            page = desk_client.get(path)
            assert page.status_code == 200 and "MFX4455667" not in page.text and "•••67" in page.text and "Fay Faxer" in page.text
        officer = signed_in(web, token_for(metrofax, "legal"))
        assert "MFX4455667" in officer.get(f"/console/abuse/cases/{case_id}").text
