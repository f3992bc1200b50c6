"""The console's requests queue: deadlines counting down, filters, and each lifecycle step from a request's page.

Requests are submitted through `requests.intake.submit`, as the API does; execution runs
against a one-table billing system declared the way a provider declares one (a SQLite file and
its YAML), so erasure progress and the access package come from a real system.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from privet.legal.tables import Disclosure
from privet.regimes.calendar import business_days_between
from privet.requests.datasets.registry import Registry
from privet.requests.intake import Submission, submit
from privet.requests.tables import DataRequest, DeletionFanout, RequestTask
from privet.runtime import Runtime
from privet.store.db import utcnow
from tests.conftest import add_person
from tests.web.conftest import token_for, web_app
from tests.web.test_console_abuse import alert, csrf_of, signed_in, status_line

BILLING = """dataset: billing
name: Billing
system: billing
connection:
  url: sqlite:///billing.db
tables:
  customers:
    primary_key: id
    columns:
      id: {}
      email: {category: user.contact.email, identity: email, erase: keyed_hash}
      full_name: {category: user.name, erase: {string: REDACTED}}
"""
CARLA = {"full_name": "Carla Cal", "email": "carla@example.net", "phone": "(415) 555-0134"}


def billing_system(folder: Path, runtime: Runtime) -> Registry:
    """A billing system holding Carla and someone else, and its declaration."""
    engine = sa.create_engine(f"sqlite:///{folder / 'billing.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(120), full_name VARCHAR(100))"))
        conn.execute(sa.text("INSERT INTO customers VALUES (1, 'carla@example.net', 'Carla Cal'), (2, 'dan@example.net', 'Dan')"))
    engine.dispose()
    (folder / "billing.yaml").write_text(BILLING)
    return Registry.load(folder, runtime.pack)


def billing_rows(folder: Path) -> list[tuple[int, str, str]]:
    engine = sa.create_engine(f"sqlite:///{folder / 'billing.db'}")
    with engine.connect() as conn:
        rows = [(int(r[0]), str(r[1]), str(r[2])) for r in conn.execute(sa.text("SELECT id, email, full_name FROM customers"))]
    engine.dispose()
    return rows


@pytest.fixture
def desk(metronet: Runtime, tmp_path: Path) -> Iterator[TestClient]:
    """The console over Metronet with the billing system declared (as `app.state.datasets`, the way the server sets it)."""
    app = web_app(metronet)
    registry = billing_system(tmp_path, metronet)
    app.state.datasets = registry
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client
    registry.close()


def carla(runtime: Runtime) -> int:
    return add_person(runtime, full_name=CARLA["full_name"], emails=[CARLA["email"]], phones=[CARLA["phone"]], service_state="CA")


def request_for(runtime: Runtime, person: int, kind: str, received_at: datetime | None = None) -> int:
    body = {"kind": kind, "person": {"identity": {"kind": "email", "value": CARLA["email"]}}, "channel": "email"}
    if received_at is not None:
        body["received_at"] = received_at.isoformat()
    with runtime.uow("test") as uow:
        req = submit(uow, runtime.pack, Submission.model_validate(body))
        assert req.person_id == person
        return req.id


def stored(runtime: Runtime, request_id: int) -> DataRequest:
    with runtime.factory() as session:
        req = session.get(DataRequest, request_id)
        assert req is not None
        return req


def test_the_queue_counts_down_to_each_deadline_and_filters(desk: TestClient, metronet: Runtime) -> None:
    person = carla(metronet)
    fresh = request_for(metronet, person, "access")
    late = request_for(metronet, person, "delete", received_at=utcnow() - timedelta(days=50))
    officer = signed_in(desk, token_for(metronet, "privacy_officer"))
    page = officer.get("/console/requests")
    assert page.status_code == 200 and 'href="/console/requests"' in page.text
    assert '<label for="state">' in page.text and '<label for="kind">' in page.text
    assert page.text.index(f"Request {late}<") < page.text.index(f"Request {fresh}<")  # most overdue first
    assert "overdue by 5 days" in page.text and "Carla Cal" in page.text
    today = datetime.now(UTC).date()
    due = stored(metronet, fresh).respond_by  # CCPA: 45 calendar days; shown with the California business days too
    left, business = (due - today).days, business_days_between(today, due, "CA")
    assert f'{due.isoformat()}: {left} days left <span class="small">({business} business)</span>' in page.text
    deletes = officer.get("/console/requests", params={"kind": "delete"})
    assert f"Request {late}<" in deletes.text and f"Request {fresh}<" not in deletes.text
    closed = officer.get("/console/requests", params={"state": "completed"})
    assert closed.status_code == 200 and "No requests match." in closed.text
    bad = officer.get("/console/requests", params={"state": "launched", "kind": "access"})
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"] and "Choose a state" in alert(bad.text)


def test_the_request_page_verifies_and_executes_an_access_request(desk: TestClient, metronet: Runtime, tmp_path: Path) -> None:
    person = carla(metronet)
    access = request_for(metronet, person, "access")
    officer = signed_in(desk, token_for(metronet, "privacy_officer"))
    page = officer.get(f"/console/requests/{access}")
    assert page.status_code == 200 and re.search(r'id="request-status">received<', page.text)
    assert '<label for="point-full_name">' in page.text and "Not verified yet" in page.text
    assert f'action="/console/requests/{access}/execute"' not in page.text
    csrf = csrf_of(page.text)
    early = officer.post(f"/console/requests/{access}/execute", data={"csrf": csrf})
    assert early.status_code == 409 and "not verified yet" in alert(early.text)
    verified = officer.post(
        f"/console/requests/{access}/verify",
        data={"csrf": csrf, "full_name": CARLA["full_name"], "phone": "415 555 0134", "signed_declaration": "yes"},
    )
    assert verified.status_code == 303
    page = officer.get(verified.headers["location"])
    assert (
        "Verified: 3 data points matched" in status_line(page.text)
        and f'action="/console/requests/{access}/execute"' in page.text
    )
    assert stored(metronet, access).status == "verified"
    executed = officer.post(f"/console/requests/{access}/execute", data={"csrf": csrf})
    assert executed.status_code == 303
    page = officer.get(executed.headers["location"])
    assert "the request is completed (fulfilled)" in status_line(page.text)
    assert "billing.customers: 1" in page.text and f'href="/console/requests/{access}/package?format=html"' in page.text
    report = officer.get(f"/console/requests/{access}/package", params={"format": "html"})
    assert (
        report.status_code == 200 and "attachment" in report.headers["content-disposition"] and "carla@example.net" in report.text
    )
    data = officer.get(f"/console/requests/{access}/package", params={"format": "json"})
    assert data.status_code == 200 and data.json()["request"]["id"] == access
    assert officer.get(f"/console/requests/{access}/package", params={"format": "pdf"}).status_code == 422
    assert stored(metronet, access).status == "completed"


def test_a_deletion_shows_its_progress_per_dataset(desk: TestClient, metronet: Runtime, tmp_path: Path) -> None:
    person = carla(metronet)
    with metronet.uow("test") as uow:
        uow.session.add(
            Disclosure(
                person_id=person, recipient="business-partners", recipient_kind="third_party", recipient_name="Business partners",
                categories=["user.contact.email"], purpose="marketing", at=utcnow(), basis="opt_out_not_exercised", details={},
            )
        )  # fmt: skip
    deletion = request_for(metronet, person, "delete")
    officer = signed_in(desk, token_for(metronet, "privacy_officer"))
    csrf = csrf_of(officer.get(f"/console/requests/{deletion}").text)
    points = {"full_name": CARLA["full_name"], "phone": CARLA["phone"], "signed_declaration": "yes"}
    assert officer.post(f"/console/requests/{deletion}/verify", data={"csrf": csrf, **points}).status_code == 303
    assert officer.post(f"/console/requests/{deletion}/execute", data={"csrf": csrf}).status_code == 303
    page = officer.get(f"/console/requests/{deletion}")
    assert "billing: 1 of 1 table done" in page.text and "<td>customers</td><td>done</td><td>1</td>" in page.text
    assert "Passed on to recipients" in page.text and "<td>Business partners</td><td>by hand</td><td>to ask</td>" in page.text
    with metronet.factory() as session:
        fanout = session.scalars(sa.select(DeletionFanout).where(DeletionFanout.request_id == deletion)).one()
    assert f"privet requests fanout-letter {fanout.id}" in page.text
    with metronet.factory() as session:
        task = session.scalars(sa.select(RequestTask).where(RequestTask.request_id == deletion)).one()
        assert (task.phase, task.erased_rows) == ("done", 1)
    rows = dict((i, (e, n)) for i, e, n in billing_rows(tmp_path))
    assert rows[1][1] == "REDACTED" and rows[1][0] != CARLA["email"] and rows[2] == ("dan@example.net", "Dan")
    assert stored(metronet, deletion).status == "completed"


def test_acknowledge_extend_and_deny_change_the_record(desk: TestClient, metronet: Runtime) -> None:
    person = carla(metronet)
    first, second = request_for(metronet, person, "know"), request_for(metronet, person, "delete")
    with metronet.uow("test") as uow:  # the email acknowledgement went at intake; undo it to confirm by letter here
        req = uow.session.get(DataRequest, first)
        assert req is not None and req.acknowledged_at is not None
        req.acknowledged_at = None
    officer = signed_in(desk, token_for(metronet, "privacy_officer"))
    page = officer.get(f"/console/requests/{first}")
    csrf = csrf_of(page.text)
    assert f'action="/console/requests/{first}/acknowledge"' in page.text
    assert officer.post(f"/console/requests/{first}/acknowledge", data={"csrf": csrf, "how": "pigeon"}).status_code == 422
    acked = officer.post(f"/console/requests/{first}/acknowledge", data={"csrf": csrf, "how": "other"})
    assert acked.status_code == 303 and stored(metronet, first).acknowledged_at is not None
    again = officer.post(f"/console/requests/{first}/acknowledge", data={"csrf": csrf, "how": "email"})
    assert again.status_code == 409 and "already acknowledged" in alert(again.text)
    assert officer.post(f"/console/requests/{first}/extend", data={"csrf": csrf, "reason": " "}).status_code == 422
    extended = officer.post(f"/console/requests/{first}/extend", data={"csrf": csrf, "reason": "Records are in archive storage."})
    assert extended.status_code == 303
    record = stored(metronet, first)
    assert record.extended_to == record.respond_by + timedelta(days=45)
    assert record.extension_reason == "Records are in archive storage."
    assert f"Extended to {record.extended_to.isoformat()}" in status_line(officer.get(extended.headers["location"]).text)
    twice = officer.post(f"/console/requests/{first}/extend", data={"csrf": csrf, "reason": "again"})
    assert twice.status_code == 409 and "only one extension" in alert(twice.text)
    assert (
        officer.post(f"/console/requests/{second}/deny", data={"csrf": csrf, "basis": "x", "explanation": ""}).status_code == 422
    )
    assert stored(metronet, second).status == "received"
    denied = officer.post(
        f"/console/requests/{second}/deny", data={"csrf": csrf, "basis": "duplicate", "explanation": "You asked already."}
    )
    assert denied.status_code == 303
    record = stored(metronet, second)
    assert (record.status, record.denial_basis) == ("denied", "duplicate")
    closed = officer.get(f"/console/requests/{second}")
    assert f'action="/console/requests/{second}/deny"' not in closed.text and "Basis of the denial: duplicate" in closed.text


def test_roles_csrf_and_bad_ids(desk: TestClient, metronet: Runtime) -> None:
    person = carla(metronet)
    access = request_for(metronet, person, "access")
    assert desk.get("/console/requests").status_code == 303
    for role in ("marketing", "abuse_desk"):
        client = signed_in(desk, token_for(metronet, role))
        assert 'href="/console/requests"' not in client.get("/console").text
        assert client.get("/console/requests").status_code == 403
        assert client.get(f"/console/requests/{access}").status_code == 403
    care = signed_in(desk, token_for(metronet, "care_rep"))  # requests:read and :create, not :manage
    page = care.get(f"/console/requests/{access}")
    assert page.status_code == 200 and '<label for="point-email">' in page.text and "/extend" not in page.text
    csrf = csrf_of(page.text)
    assert care.post(f"/console/requests/{access}/deny", data={"csrf": csrf, "basis": "x", "explanation": "y"}).status_code == 403
    assert care.post(f"/console/requests/{access}/execute", data={"csrf": csrf}).status_code == 403
    assert care.get(f"/console/requests/{access}/package").status_code == 403
    for token in ("", "0" * 64):
        data = {"csrf": token, "full_name": CARLA["full_name"]} if token else {"full_name": CARLA["full_name"]}
        assert care.post(f"/console/requests/{access}/verify", data=data).status_code == 403
    assert stored(metronet, access).status == "received"
    failed = care.post(f"/console/requests/{access}/verify", data={"csrf": csrf, "full_name": "Someone Else"})
    assert failed.status_code == 303 and stored(metronet, access).status == "verification_failed"
    assert "Not verified" in status_line(care.get(failed.headers["location"]).text)
    officer = signed_in(desk, token_for(metronet, "privacy_officer"))
    csrf = csrf_of(officer.get("/console/requests").text)
    assert officer.get("/console/requests/999999").status_code == 404
    assert officer.get("/console/requests/0").status_code == 422
    assert officer.get(f"/console/requests/{2**40}").status_code == 422
    assert officer.post("/console/requests/999999/extend", data={"csrf": csrf, "reason": "x"}).status_code == 404
    assert officer.post("/console/requests/999999/execute", data={"csrf": csrf}).status_code == 404
    assert officer.get("/console/requests/999999/package").status_code == 404
    too_long = officer.post(f"/console/requests/{access}/verify", data={"csrf": csrf, "full_name": "x" * 400})
    assert too_long.status_code == 422
    no_package = officer.get(f"/console/requests/{access}/package")
    assert no_package.status_code == 409 and "only a completed access request has a package" in alert(no_package.text)


def test_execution_without_declared_systems_is_refused_not_crashed(web: TestClient, metronet: Runtime) -> None:
    person = carla(metronet)
    web.app.state.datasets = None  # type: ignore[attr-defined]
    know = request_for(metronet, person, "know")
    officer = signed_in(web, token_for(metronet, "privacy_officer"))
    csrf = csrf_of(officer.get(f"/console/requests/{know}").text)
    points = {"full_name": CARLA["full_name"], "phone": CARLA["phone"]}
    assert officer.post(f"/console/requests/{know}/verify", data={"csrf": csrf, **points}).status_code == 303
    refused = officer.post(f"/console/requests/{know}/execute", data={"csrf": csrf})
    assert refused.status_code == 503 and "no dataset declarations" in alert(refused.text)
    assert stored(metronet, know).status == "verified"
