"""A subscriber's own account page: see and review what is held, update it through a correction request."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from privet.audit.tables import AuditEntry
from privet.requests.tables import DataRequest
from privet.runtime import Runtime
from tests.conftest import add_person
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
