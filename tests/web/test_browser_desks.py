"""The console's desks end to end in headless Chromium: the abuse desk, the CPNI screen and the requests queue.

Reuses `served` (a real server on 127.0.0.1 over a SQLite file) and `browser` from
test_browser.py, and is skipped with the same reasons where Chromium or Playwright is missing.
Each test clicks through the pages as staff would and then checks the database, not only the
page. Screenshots go to artifacts/web/ beside the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from privet.abuse.tables import AbuseAction
from privet.cpni import auth, changes
from privet.cpni.tables import Authentication
from privet.requests.tables import DataRequest
from privet.runtime import Runtime
from privet.subjects.service import get_person
from tests.conftest import add_person
from tests.web.conftest import token_for
from tests.web.test_browser import _shot, browser, served
from tests.web.test_console_abuse import account_status, copyright_notice, subscriber
from tests.web.test_console_requests import BILLING

__all__ = ["browser", "served"]  # the fixtures, imported to be shared

PHONE = {"width": 390, "height": 844}


def _signed_in(browser: Any, base: str, runtime: Runtime, role: str, **options: Any) -> Any:
    """A fresh browser context signed in to the console as `role`, and its page."""
    context = browser.new_context(**options)
    page = context.new_page()
    page.goto(f"{base}/console/signin")
    page.get_by_label("API token").fill(token_for(runtime, role))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/console")
    return page


def test_the_abuse_desk_moves_a_case_one_step(served: tuple[str, Runtime], browser: Any) -> None:
    base, runtime = served
    number = subscriber(runtime, "BRW-200", ip="198.51.100.77")
    filed = copyright_notice(runtime, "BRW-1", hours_ago=6, ip="198.51.100.77")
    assert filed.step == "warning"
    page = _signed_in(browser, base, runtime, "abuse_desk", viewport=PHONE)
    page.get_by_role("link", name="Abuse desk").click()
    page.wait_for_url(f"{base}/console/abuse")
    warning = page.locator('section[aria-labelledby="stage-warning-h"]')
    assert warning.get_by_role("heading").inner_text() == "Warning (1)"
    assert warning.get_by_role("link", name=f"Case {filed.case_id}").is_visible()
    _shot(page, "console-abuse-queue-phone")
    warning.get_by_role("link", name=f"Case {filed.case_id}").click()
    page.wait_for_url(f"**/console/abuse/cases/{filed.case_id}")
    assert page.locator("#stage").inner_text() == "Warning"
    page.get_by_label("Ground (from the policy)").select_option("interference_with_other_users")
    page.get_by_label("Action", exact=True).select_option("suspend")
    page.get_by_label("Reason", exact=True).fill("Flooding a neighbour's connection, confirmed by the NOC.")
    page.get_by_role("button", name="Act now").click()
    page.wait_for_url(f"**/console/abuse/cases/{filed.case_id}?done=*")
    assert "Immediate suspension" in page.get_by_role("status").inner_text()
    assert page.locator("#stage").inner_text() == "Suspended at once"
    assert page.locator("#account-status").inner_text() == "suspended"
    _shot(page, "console-abuse-case-phone")
    assert account_status(runtime, number) == "suspended"
    with runtime.factory() as session:
        steps = list(
            session.scalars(select(AbuseAction.step).where(AbuseAction.account_number == number).order_by(AbuseAction.id))
        )
    assert steps == ["warning", "immediate_suspension"]
    # A refused step shows the ladder's reason, and changes nothing.
    page.get_by_role("button", name="Take next step").click()
    assert "needs 2 active strike(s)" in page.get_by_role("alert").inner_text()
    page.goto(f"{base}/console/abuse")
    suspended = page.locator('section[aria-labelledby="stage-immediate_suspension-h"]')
    assert suspended.get_by_role("link", name=f"Case {filed.case_id}").is_visible()
    page.context.close()


def test_a_care_rep_sees_call_detail_unlocked_only_after_passing_cpni_authentication(
    served: tuple[str, Runtime], browser: Any
) -> None:
    base, runtime = served
    person = add_person(runtime, full_name="Cody Caller", phones=["(316) 555-0188"], services=["voice"])
    with runtime.uow("test") as uow:
        subject = get_person(uow, person)
        changes.set_credential(
            uow, subject, auth.account_for(subject, None), kind="password", secret="harbour-lights-42", service_initiation=True
        )
    page = _signed_in(browser, base, runtime, "care_rep")
    page.goto(f"{base}/console/subjects/{person}")
    page.get_by_role("link", name="Authenticate this caller for CPNI").click()
    page.wait_for_url(f"**/console/cpni/{person}")
    assert "call_detail" not in page.content() and page.get_by_role("status").count() == 0
    page.get_by_label("Interaction (call) id").fill("call-501")
    page.get_by_label("Password, backup answer or PIN the caller gave").fill("wrong-guess-1")
    page.get_by_role("button", name="Check").click()
    page.wait_for_url("**/console/cpni/*?result=*")
    outcome = page.get_by_role("status").inner_text()
    assert "Not authenticated" in outcome and "Unlocked" not in outcome and "call_detail" not in outcome
    assert "wrong-guess-1" not in page.content()
    _shot(page, "console-cpni-refused")
    page.get_by_label("Interaction (call) id").fill("call-502")
    page.get_by_label("Password, backup answer or PIN the caller gave").fill("harbour-lights-42")
    page.get_by_role("button", name="Check").click()
    page.wait_for_url("**/console/cpni/*?result=*")
    outcome = page.get_by_role("status").inner_text()
    assert "Authenticated" in outcome and "Unlocked for interaction call-502" in outcome and "call_detail" in outcome
    _shot(page, "console-cpni-passed")
    with runtime.factory() as session:
        rows = session.scalars(select(Authentication).where(Authentication.person_id == person).order_by(Authentication.id))
        assert [(r.interaction_id, r.passed, "call_detail" in r.scopes) for r in rows] == [
            ("call-501", False, False),
            ("call-502", True, True),
        ]
    page.context.close()


@pytest.fixture
def billing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A billing system holding Rita, declared through $PRIVET_DATASETS as a provider runs it (the server shares our env)."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'billing.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(120), full_name VARCHAR(100))"))
        conn.execute(sa.text("INSERT INTO customers VALUES (1, 'rita@example.net', 'Rita Request')"))
    engine.dispose()
    (tmp_path / "billing.yaml").write_text(BILLING)
    monkeypatch.setenv("PRIVET_DATASETS", str(tmp_path))
    yield tmp_path


def test_the_requests_queue_verifies_and_executes_a_request(served: tuple[str, Runtime], browser: Any, billing: Path) -> None:
    from privet.requests.intake import Submission, submit

    base, runtime = served
    person = add_person(
        runtime, full_name="Rita Request", emails=["rita@example.net"], phones=["(415) 555-0199"], service_state="CA"
    )
    with runtime.uow("test") as uow:
        body = {"kind": "access", "person": {"identity": {"kind": "email", "value": "rita@example.net"}}, "channel": "email"}
        submitted = submit(uow, runtime.pack, Submission.model_validate(body))
        assert submitted.person_id == person
        request_id = submitted.id
    page = _signed_in(browser, base, runtime, "privacy_officer")
    page.get_by_role("link", name="Requests").click()
    page.wait_for_url(f"{base}/console/requests")
    page.get_by_label("Kind").select_option("access")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/console/requests?state=open&kind=access")
    row = page.get_by_role("row", name=f"Request {request_id}")
    assert "days left" in row.inner_text()
    _shot(page, "console-requests-queue")
    row.get_by_role("link", name=f"Request {request_id}").click()
    page.wait_for_url(f"**/console/requests/{request_id}")
    assert page.locator("#request-status").inner_text() == "received"
    page.get_by_label("Full name").fill("Rita Request")
    page.get_by_label("Phone").fill("415-555-0199")
    page.get_by_label("Signed declaration under penalty of perjury received").check()
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"**/console/requests/{request_id}?done=*")
    assert "Verified" in page.get_by_role("status").inner_text()
    assert page.locator("#request-status").inner_text() == "verified"
    page.get_by_role("button", name=f"Execute request {request_id}").click()
    page.wait_for_url(f"**/console/requests/{request_id}?done=*")
    assert "completed" in page.get_by_role("status").inner_text()
    assert page.locator("#request-status").inner_text() == "completed"
    assert page.get_by_role("link", name="download the readable report (HTML)").is_visible()
    _shot(page, "console-request-completed")
    with page.expect_download() as download:
        page.get_by_role("link", name="download the data (JSON)").click()
    assert download.value.suggested_filename == f"request-{request_id}.json"
    with runtime.factory() as session:
        req = session.get(DataRequest, request_id)
        assert req is not None and req.status == "completed" and req.response["records"]["billing.customers"] == 1
    page.context.close()
