"""A deletion passed on to every recipient of the person's data, or the reason it cannot be (CCPA-15)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from typer.testing import CliRunner

from privet.access.tokens import create_token
from privet.api.app import create_app
from privet.audit.tables import AuditEntry
from privet.decide.explain import Decision, Outcome
from privet.legal.disclosures import record_disclosure
from privet.legal.tables import Disclosure
from privet.outbox.tables import OutboxMessage
from privet.policy.model import Contact, PolicyPack
from privet.requests import fanout, lifecycle
from privet.requests.api import router
from privet.requests.cli import app as cli_app
from privet.requests.execute import execute, finish_deletion
from privet.requests.kinds import RequestError
from privet.requests.lifecycle import RequestNotFound, get_request
from privet.requests.tables import DeletionFanout
from tests.conftest import POLICIES
from tests.requests.conftest import ALICE, ALICE_PROOF, Provider

LAST_YEAR = datetime(2025, 6, 1, tzinfo=UTC)
VENDOR_EMAIL = "privacy@vendor.example"
PARTNER_POST = ["Service Partners LLC", "4 Partner Row", "Bangor, ME 04401"]


def _with_contacts(pack: PolicyPack) -> PolicyPack:
    """The county pack, with an email for its vendors and only a postal address for its service partners."""
    recipients = []
    for r in pack.recipients:
        if r.id == "vendors":
            r = r.model_copy(update={"contact": Contact(email=VENDOR_EMAIL)})
        elif r.id == "service-partners":
            r = r.model_copy(update={"contact": Contact(address=PARTNER_POST)})
        recipients.append(r)
    return pack.model_copy(update={"recipients": recipients})


def _disclose(p: Provider, person: int, recipient: str, kind: str, categories: list[str], **details: str) -> int:
    with p.runtime.uow("test") as uow:
        row = Disclosure(
            person_id=person,
            recipient=recipient,
            recipient_kind=kind,
            recipient_name=recipient.replace("-", " ").title(),
            recipient_address=None,
            categories=categories,
            purpose="essential.service",
            at=LAST_YEAR,
            basis="required",
            details=details,
        )
        uow.session.add(row)
        uow.session.flush()
        return row.id


def _history(p: Provider) -> dict[str, int]:
    """Alice's data went to a vendor (twice), a service partner, a broker the pack does not name, a court
    and the public phone book; Bob's to the vendor too."""
    return {
        "vendor": _disclose(p, p.alice, "vendors", "processor", ["user.contact.email"]),
        "vendor2": _disclose(p, p.alice, "vendors", "processor", ["user.financial.credit_card"], reference="VX-17"),
        "partner": _disclose(p, p.alice, "service-partners", "third_party", ["user.contact.address"]),
        "broker": _disclose(p, p.alice, "list-broker", "third_party", ["user.contact.phone_number"]),
        "court": _disclose(p, p.alice, "government", "government", ["user.name"]),
        "directory": _disclose(p, p.alice, "phone-book", "public", ["user.name", "user.contact.phone_number"]),
        "bob": _disclose(p, p.bob, "vendors", "processor", ["user.contact.email"]),
    }


def _delete(p: Provider, pack: PolicyPack) -> int:
    req = p.submit("delete", evidence=ALICE_PROOF)
    result = execute(lambda: p.runtime.uow("test"), pack, p.registry, req.id)
    assert result.status == "completed"
    return req.id


def _fanouts(p: Provider, request_id: int) -> dict[str, DeletionFanout]:
    with p.runtime.uow("test") as uow:
        return {f.recipient: f for f in fanout.fanouts_of(uow, request_id)}


@pytest.mark.promise("004-P049")
def test_a_deletion_is_passed_on_to_every_recipient_of_the_persons_data(provider_for: Callable[[str], Provider]) -> None:
    p = provider_for("county")
    pack = _with_contacts(p.runtime.pack)
    ids = _history(p)
    request_id = _delete(p, pack)

    found = _fanouts(p, request_id)
    assert set(found) == {"vendors", "service-partners", "list-broker", "phone-book"}  # not the court, not Bob's
    vendor = found["vendors"]
    assert (vendor.status, vendor.channel, vendor.address) == ("asked", "email", VENDOR_EMAIL)
    assert vendor.disclosures == [ids["vendor"], ids["vendor2"]]
    assert vendor.categories == ["user.contact.email", "user.financial.credit_card"]
    partner = found["service-partners"]
    assert (partner.status, partner.channel, partner.address) == ("to_ask", "by_hand", ", ".join(PARTNER_POST))
    broker = found["list-broker"]
    assert (broker.status, broker.channel, broker.address, broker.recipient_name) == ("to_ask", "by_hand", None, "List Broker")
    directory = found["phone-book"]
    assert (directory.status, directory.settled_by) == ("impossible", "privet") and "made public" in (directory.note or "")
    assert {f.due_on for f in found.values()} == {p.request(request_id).respond_by}
    with p.runtime.uow("test") as uow:
        asked = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "request.deletion_fanout")).one()
        answer = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "request.response")).one()
        audited = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "request.deletion_fanout")).all()
    assert asked.recipient == VENDOR_EMAIL and asked.id == vendor.message_id
    assert f"disclosure {ids['vendor']} on 01 June 2025: user.contact.email" in asked.body
    assert f"disclosure {ids['vendor2']} on 01 June 2025: user.financial.credit_card (your reference VX-17)" in asked.body
    assert f"{request_id}-vendors" in asked.subject and "privacy@countymicro.com" in asked.body and "1798.105(c)(1)" in asked.body
    for personal in (ALICE["email"], "Alice", ALICE["account"]):
        assert personal not in asked.body  # the request names disclosures, never the data
    assert f"We have asked these recipients of your information to delete it: {vendor.recipient_name}." in answer.body
    assert "We are writing to these recipients" in answer.body and "List Broker" in answer.body
    assert "no one can be asked to delete it: Phone Book, because the information was made public" in answer.body
    assert sorted(json.loads(e.data)["recipient"] for e in audited) == [
        "list-broker",
        "phone-book",
        "service-partners",
        "vendors",
    ]
    assert {r["status"] for r in p.request(request_id).response["recipients"]} == {"asked", "to_ask", "impossible"}


def test_a_deletion_with_no_disclosures_asks_no_one(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    _disclose(p, p.alice, "government", "government", ["user.name"])
    _disclose(p, p.alice, "first-party", "first_party", ["user.name"])
    request_id = _delete(p, p.runtime.pack)
    assert _fanouts(p, request_id) == {}
    assert p.request(request_id).response["recipients"] == []


def test_staff_record_how_each_recipient_was_asked_and_what_it_answered(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    pack = _with_contacts(p.runtime.pack)
    _history(p)
    found = _fanouts(p, _delete(p, pack))
    partner, vendor, directory = found["service-partners"].id, found["vendors"].id, found["phone-book"].id

    with p.runtime.uow("staff") as uow:
        made = fanout.letter_for(uow, pack, partner)
        subject, body = made.subject, made.body
        assert made.post_to == ", ".join(PARTNER_POST)
        assert body.startswith(f"To {found['service-partners'].recipient_name},") and "user.contact.address" in body
        assert subject.startswith("Deletion request")
        with pytest.raises(RequestError, match="cannot become confirmed"):
            fanout.settle(uow, directory, "confirmed", "they said so")
        with pytest.raises(RequestError, match="cannot become asked"):
            fanout.settle(uow, vendor, "asked", "letter of 3 July")  # already emailed
        with pytest.raises(RequestError, match="at least 40 characters"):
            fanout.settle(uow, vendor, "impossible", "gone")
        with pytest.raises(RequestError, match="say how it was asked"):
            fanout.settle(uow, partner, "asked", "   ")
        with pytest.raises(RequestError, match="one of asked, confirmed, impossible"):
            fanout.settle(uow, partner, "forgotten", "x")
        with pytest.raises(RequestNotFound):
            fanout.settle(uow, 999_999, "asked", "letter")
        fanout.settle(uow, partner, "asked", "letter posted 3 July,  tracking RR123")
    with p.runtime.uow("staff") as uow:
        assert [f.id for f in fanout.open_fanouts(uow)] == sorted([partner, vendor, found["list-broker"].id])
        row = fanout.settle(uow, partner, "confirmed", "their DPO confirmed deletion by email on 9 July")
        assert (row.status, row.settled_by) == ("confirmed", "staff")
        why = "the broker was dissolved in 2025 and its receiver holds no records of ours to delete"
        assert fanout.settle(uow, found["list-broker"].id, "impossible", why).note == why
    with p.runtime.uow("staff") as uow:
        assert [f.id for f in fanout.open_fanouts(uow)] == [vendor]
        assert fanout.get_fanout(uow, partner).note == "their DPO confirmed deletion by email on 9 July"
        actions = [e.action for e in uow.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions[-3:] == [
        "request.deletion_fanout_asked",
        "request.deletion_fanout_confirmed",
        "request.deletion_fanout_impossible",
    ]


def test_a_repeated_fan_out_leaves_what_was_recorded(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    pack = _with_contacts(p.runtime.pack)
    _history(p)
    request_id = _delete(p, pack)
    with p.runtime.uow("test") as uow:
        req = get_request(uow, request_id)
        disclosed = list(uow.session.scalars(select(Disclosure).where(Disclosure.person_id == p.alice)))
        again = fanout.fan_out(uow, pack, req, disclosed)
        assert sorted(f.recipient for f in again) == ["list-broker", "phone-book", "service-partners", "vendors"]
        assert len(uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "request.deletion_fanout")).all()) == 1


@pytest.fixture
def client(local_provider_for: Callable[[str], Provider]) -> Iterator[tuple[Provider, TestClient]]:
    p = local_provider_for("county")
    app = create_app(p.runtime)
    if not any(getattr(r, "path", "") == "/v1/requests" for r in app.routes):
        app.include_router(router)
    app.state.datasets = p.registry
    with TestClient(app, raise_server_exceptions=False) as c:
        yield p, c


def _auth(p: Provider, role: str) -> dict[str, str]:
    with p.runtime.uow("test") as uow:
        token, _ = create_token(uow, name=role, role=role)
    return {"Authorization": f"Bearer {token}"}


def test_the_api_lists_fan_outs_and_records_their_outcome(client: tuple[Provider, TestClient]) -> None:
    p, c = client
    _history(p)
    request_id = _delete(p, p.runtime.pack)  # the seed pack gives its recipients no email: all by hand
    officer, rep = _auth(p, "privacy_officer"), _auth(p, "care_rep")

    listed = c.get(f"/v1/requests/{request_id}/fanouts", headers=officer)
    assert listed.status_code == 200, listed.text
    by = {f["recipient"]: f for f in listed.json()}
    assert by["vendors"]["status"] == "to_ask" and by["phone-book"]["status"] == "impossible"
    assert by["vendors"]["overdue"] is False and by["vendors"]["due_on"] == p.request(request_id).respond_by.isoformat()
    open_ = c.get("/v1/deletion-fanouts", headers=officer).json()
    assert {f["recipient"] for f in open_} == {"vendors", "service-partners", "list-broker"}

    vendors = by["vendors"]["id"]
    letter = c.get(f"/v1/deletion-fanouts/{vendors}/letter", headers=officer)
    assert letter.status_code == 200 and "1798.105(c)(1)" in letter.json()["body"]
    assert letter.json()["post_to"] is None  # the seed pack gives its vendors no postal address
    assert c.post(f"/v1/deletion-fanouts/{vendors}/asked", json={"note": "letter"}, headers=rep).status_code == 403
    done = c.post(f"/v1/deletion-fanouts/{vendors}/asked", json={"note": "letter posted 3 July"}, headers=officer)
    assert done.status_code == 200 and done.json()["status"] == "asked" and done.json()["note"] == "letter posted 3 July"
    assert c.post(f"/v1/deletion-fanouts/{vendors}/asked", json={"note": "again"}, headers=officer).status_code == 409
    short = c.post(f"/v1/deletion-fanouts/{vendors}/impossible", json={"note": "no"}, headers=officer)
    assert short.status_code == 409 and "40 characters" in short.json()["detail"]
    assert c.post(f"/v1/deletion-fanouts/{vendors}/lost", json={"note": "x"}, headers=officer).status_code == 422
    assert c.post(f"/v1/deletion-fanouts/{vendors}/confirmed", json={}, headers=officer).status_code == 422
    assert c.post(f"/v1/deletion-fanouts/{vendors}/confirmed", json={"note": "   "}, headers=officer).status_code == 422
    assert c.post("/v1/deletion-fanouts/999999/asked", json={"note": "x"}, headers=officer).status_code == 404
    assert c.get("/v1/requests/999999/fanouts", headers=officer).status_code == 404


def test_the_command_line_lists_prints_the_letter_and_records(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    _history(p)
    request_id = _delete(p, p.runtime.pack)
    opts = ["--db", p.runtime.engine.url.render_as_string(hide_password=False), "--policy", str(POLICIES / "004-county-micro")]

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli_app, [*args, *opts])
        return result.exit_code, result.output

    code, out = run("fanouts")
    assert code == 0 and "-> Service providers and vendors (by_hand): to_ask, due" in out and "Phone Book" not in out
    code, out = run("fanouts", str(request_id))
    assert code == 0 and "Phone Book (none): impossible" in out and "made public" in out
    vendors = _fanouts(p, request_id)["vendors"].id
    code, out = run("fanout-letter", str(vendors))
    assert code == 0 and out.startswith("Subject: Deletion request") and "user.financial.credit_card" in out  # no postal address
    code, out = run("fanout", str(vendors), "impossible", "--note", "short")
    assert code == 2 and "at least 40 characters" in out
    code, out = run("fanout", str(vendors), "confirmed", "--note", "vendor portal ticket 5521")
    assert code == 0 and "Service providers and vendors: confirmed" in out
    code, out = run("fanouts", "999999")
    assert code == 2 and "no request with id 999999" in out


def test_a_recipients_postal_address_in_the_pack_is_what_its_disclosures_record(
    local_provider_for: Callable[[str], Provider],
) -> None:
    p = local_provider_for("county")
    pack = _with_contacts(p.runtime.pack)
    allowed = Decision(True, Outcome.REQUIRED, "test", "r1", (), ())
    with p.runtime.uow("test") as uow:
        partner = record_disclosure(
            uow, pack, person_id=p.alice, recipient="service-partners", categories=["user.name"], purpose="x", decision=allowed
        )
        vendor = record_disclosure(
            uow, pack, person_id=p.alice, recipient="vendors", categories=["user.name"], purpose="x", decision=allowed
        )
        assert partner.recipient_address == ", ".join(PARTNER_POST)
        assert vendor.recipient_address is None  # an email is not a postal address, nor is the pack's description


def test_a_recipient_email_that_is_no_address_is_refused_with_the_pack() -> None:
    with pytest.raises(ValidationError, match="email"):
        Contact(email="privacy at vendor")
    assert Contact(email=VENDOR_EMAIL, address=PARTNER_POST).postal() == ", ".join(PARTNER_POST)
    assert Contact(email=VENDOR_EMAIL).postal() is None


def test_a_deletion_already_answered_is_not_answered_again(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    _history(p)
    request_id = _delete(p, p.runtime.pack)
    with p.runtime.uow("test") as uow, pytest.raises(RequestError, match="already answered"):
        finish_deletion(uow, p.runtime.pack, get_request(uow, request_id, lock=True), [])
    assert len(_fanouts(p, request_id)) == 4


def test_fan_outs_go_with_their_request_record_after_24_months(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    ids = _history(p)
    request_id = _delete(p, p.runtime.pack)
    kept_until = p.request(request_id).retain_until
    before = _fanouts(p, request_id)
    assert kept_until is not None and len(before) == 4
    with p.runtime.uow("test") as uow:
        assert lifecycle.purge(uow, kept_until) == 0
        assert lifecycle.purge(uow, kept_until + timedelta(days=1)) == 1
    assert _fanouts(p, request_id) == {}
    with p.runtime.uow("test") as uow:  # the disclosure records themselves are the legal log, kept on their own terms
        assert uow.session.get(Disclosure, ids["vendor"]) is not None
        with pytest.raises(RequestNotFound):
            fanout.settle(uow, before["vendors"].id, "asked", "letter")


def test_an_email_the_outbox_gave_up_on_puts_the_recipient_back_on_staffs_list(
    local_provider_for: Callable[[str], Provider],
) -> None:
    p = local_provider_for("county")
    pack = _with_contacts(p.runtime.pack)
    _history(p)
    vendor = _fanouts(p, _delete(p, pack))["vendors"]
    with p.runtime.uow("staff") as uow:
        [pending] = fanout.views(uow, [fanout.get_fanout(uow, vendor.id)])
        assert (pending.delivery, pending.needs_hand) == ("pending", False)
        assert vendor.id not in [f.id for f in fanout.to_ask_by_hand(uow)]
        with pytest.raises(RequestError, match="cannot become asked"):
            fanout.settle(uow, vendor.id, "asked", "letter posted")  # the email may still arrive
        message = uow.session.get(OutboxMessage, vendor.message_id)
        assert message is not None
        message.status, message.last_error = "dead", "550 5.1.1 no such mailbox"
    with p.runtime.uow("staff") as uow:
        [dead] = fanout.views(uow, [fanout.get_fanout(uow, vendor.id)])
        assert (dead.status, dead.delivery, dead.delivery_error, dead.needs_hand) == (
            "asked",
            "dead",
            "550 5.1.1 no such mailbox",
            True,
        )
        assert vendor.id in [f.id for f in fanout.to_ask_by_hand(uow)]
        assert fanout.settle(uow, vendor.id, "asked", "letter posted 4 July after the email bounced").channel == "by_hand"
    with p.runtime.uow("staff") as uow:
        [asked] = fanout.views(uow, [fanout.get_fanout(uow, vendor.id)])
        assert (asked.status, asked.needs_hand) == ("asked", False) and vendor.id not in [
            f.id for f in fanout.to_ask_by_hand(uow)
        ]
        with pytest.raises(RequestError, match="cannot become asked"):
            fanout.settle(uow, vendor.id, "asked", "a second letter")
