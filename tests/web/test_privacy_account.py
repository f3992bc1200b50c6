"""A subscriber's own account page: see and review what is held, update it through a correction request."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from privet.audit.tables import AuditEntry
from privet.cli import app
from privet.requests.tables import DataRequest
from privet.runtime import Runtime
from tests.conftest import POLICIES, add_person
from tests.web.conftest import sign_in_privacy


@pytest.mark.promise("000-P148")
def test_an_account_holder_sees_their_profile_contacts_services_and_requests(web: TestClient, metronet: Runtime) -> None:
    person = add_person(
        metronet,
        account_number="MN-7001",
        full_name="Robin Quill",
        emails=["robin.quill@example.net"],
        phones=["316-555-0142"],
        services=["broadband", "voice"],
    )
    add_person(metronet, full_name="Someone Else", emails=["someone.else@example.net"])
    csrf = sign_in_privacy(web, metronet, person)
    web.post("/privacy/request", data={"csrf": csrf, "kind": "access"})
    page = web.get("/privacy/account")
    assert page.status_code == 200
    text = page.text
    for own in ("Robin Quill", "robin.quill@example.net", "+13165550142", "Account MN7001", "broadband", "voice"):
        assert own in text  # their own data, not masked
    assert "Someone Else" not in text and "someone.else@example.net" not in text
    assert "<td>access</td>" in text and "received" in text
    assert 'href="/privacy/choices"' in text  # communication preferences are one click away
    with metronet.uow("test") as uow:
        viewed = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy_center.account_viewed")).all()
    assert [e.subject for e in viewed] == [f"person:{person}"]


@pytest.mark.promise("000-P148")
def test_an_update_from_the_account_page_becomes_a_correction_request(web: TestClient, metronet: Runtime) -> None:
    person = add_person(metronet, full_name="Robin Quill", emails=["robin.quill@example.net"])
    csrf = sign_in_privacy(web, metronet, person)
    form = web.get("/privacy/account").text
    assert 'action="/privacy/request"' in form and 'name="kind" value="correct"' in form
    sent = web.post(
        "/privacy/request", data={"csrf": csrf, "kind": "correct", "category": "user.contact.email", "value": "robin@example.org"}
    )
    assert sent.status_code == 303
    with metronet.uow("test") as uow:
        req = uow.session.scalars(select(DataRequest).where(DataRequest.person_id == person)).one()
    assert req.kind == "correct" and req.details["corrections"][0]["value"] == "robin@example.org"
    assert "<td>correct</td>" in web.get("/privacy/account").text


def test_the_account_page_needs_a_session(web: TestClient, metronet: Runtime) -> None:
    anonymous = web.get("/privacy/account")
    assert anonymous.status_code == 401 and "robin" not in anonymous.text.lower()
    web.cookies.set("privet_privacy_session", "forged.token", path="/privacy")
    assert web.get("/privacy/account").status_code == 401


def test_a_sign_in_link_from_the_command_line_opens_the_subscribers_privacy_center(
    web: TestClient, metronet: Runtime, engine: Engine
) -> None:
    """How a newcomer tries the privacy center: import subscribers, print a link, open it."""
    add_person(metronet, full_name="Robin Quill", emails=["robin.quill@example.net"])
    db = engine.url.render_as_string(hide_password=False)
    args = [
        "subjects",
        "privacy-link",
        "email",
        "Robin.Quill@Example.net",
        "--db",
        db,
        "--policy",
        str(POLICIES / "000-metronet"),
    ]
    printed = CliRunner().invoke(app, [*args, "--base-url", "http://testserver/"])
    assert printed.exit_code == 0, printed.output
    link = printed.output.strip()
    assert link.startswith("http://testserver/privacy/session/")
    opened = web.get(link.removeprefix("http://testserver"))
    assert opened.status_code == 303 and opened.headers["location"] == "/privacy/choices"
    assert "Robin Quill" in web.get("/privacy/account").text
    unknown = CliRunner().invoke(app, [*args[:3], "nobody@example.net", *args[4:]])
    assert unknown.exit_code == 1 and "no person" in unknown.output
    malformed = CliRunner().invoke(app, [*args[:3], "not an email", *args[4:]])
    assert malformed.exit_code == 2
