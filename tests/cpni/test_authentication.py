"""Care reps and CPNI: no call detail without a passing authentication in the same interaction (64.2010).

The first test runs through the real API the way a CRM calls privet during a call; the rest use
the same service calls directly, on a real SQLite file and a real PostgreSQL schema.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from privet.cpni.contacts import CpniError
from privet.cpni.tables import Credential
from tests.cpni.support import Desk, World, api_client, bearer, days_ago

CALL_DETAIL = ["user.telecom.cpni.call_detail"]


def phone() -> str:
    return f"+1316{random.randint(2_000_000, 9_999_999)}"


def customer(world: World, pack: str = "000-metronet", *, of_record_days: int = 90, **extra: Any) -> tuple[int, str]:
    number = phone()
    fields: dict[str, Any] = {
        "full_name": "Jordan Avery",
        "phones": [number],
        "phone_of_record_since": days_ago(of_record_days),
        "email_of_record_since": days_ago(of_record_days),
        "postal_address": "12 Elm Street Wichita KS",
        "address_of_record_since": days_ago(of_record_days),
        "services": ["voice", "broadband"],
        **extra,
    }
    return world.person(pack, **fields), number


def with_password(desk: Desk, person_id: int, password: str = "blue-heron-42") -> None:
    desk.set(person_id, "password", password, service_initiation=True)
    desk.set(person_id, "backup_answer", "Rex", question="What was the name of your first pet?", service_initiation=True)


@pytest.mark.promise("000-P149", "000-P153", "000-P154")
def test_care_rep_gets_call_detail_only_after_a_passing_password_in_the_same_call(world: World) -> None:
    runtime = world.runtime()
    person_id, _ = customer(world)
    with api_client(runtime) as client:
        rep = bearer(runtime, "care_rep")
        for kind, secret, extra in (
            ("password", "blue-heron-42", {}),
            ("backup_answer", "Rex", {"question": "First pet's name?"}),
        ):
            r = client.post(
                "/v1/cpni/credentials",
                headers=rep,
                json={"person_id": person_id, "kind": kind, "secret": secret, "service_initiation": True, **extra},
            )
            assert r.status_code == 201, r.text

        def ask(interaction: str) -> dict[str, Any]:
            r = client.post(
                "/v1/cpni/disclosures",
                headers=rep,
                json={"person_id": person_id, "interaction_id": interaction, "categories": CALL_DETAIL},
            )
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            return body

        def attempt(interaction: str, secret: str) -> dict[str, Any]:
            body = {
                "person_id": person_id,
                "interaction_id": interaction,
                "channel": "inbound_call",
                "method": "password",
                "secret": secret,
            }
            r = client.post("/v1/cpni/authentications", headers=rep, json=body)
            assert r.status_code == 201, r.text
            result: dict[str, Any] = r.json()
            return result

        refused = ask("call-1")
        assert refused["allowed"] is False
        assert any(r["rule"] == "CPNI-15" and not r["allows"] for r in refused["reasons"])
        assert any("address of record" in a for a in refused["alternatives"])
        assert any("call back the number of record" in a for a in refused["alternatives"])

        wrong = attempt("call-1", "not-the-password")
        assert wrong["passed"] is False and wrong["scopes"] == []
        assert ask("call-1")["allowed"] is False

        right = attempt("call-1", "blue-heron-42")
        assert right["passed"] is True and "call_detail" in right["scopes"]
        allowed = ask("call-1")
        assert allowed["allowed"] is True and allowed["authentication_id"] == right["id"]
        # Another call is another interaction: the earlier pass does not carry over.
        assert ask("call-2")["allowed"] is False


@pytest.mark.promise("000-P154")
def test_backup_answer_never_unlocks_call_detail_and_failing_both_forces_a_new_password(world: World) -> None:
    desk = Desk(world)
    person_id, number = customer(world)
    with_password(desk, person_id)

    backup = desk.attempt(person_id, "call-3", method="backup_answer", secret="  rEx ")
    assert backup.passed and "call_detail" not in backup.scopes and "cpni" in backup.scopes
    assert not desk.ask(person_id, "call-3").decision.allowed
    assert desk.ask(person_id, "call-3", ("user.telecom.cpni.service_configuration",)).decision.allowed

    assert not desk.attempt(person_id, "call-4", secret="wrong-guess-1").passed
    failed = desk.attempt(person_id, "call-4", method="backup_answer", secret="Fido")
    assert not failed.passed and failed.rule == "CPNI-19" and failed.reset_required
    # Now even the right password and the right answer are refused until a new password is set up.
    locked = desk.attempt(person_id, "call-5", secret="blue-heron-42")
    assert not locked.passed and "new password" in locked.reason
    assert not desk.attempt(person_id, "call-5", method="backup_answer", secret="Rex").passed
    with pytest.raises(CpniError, match="no passing authentication"):
        desk.set(person_id, "password", "new-kestrel-77", interaction_id="call-5")

    # A call back to the number of record authenticates without biographical data, and allows the reset.
    back = desk.attempt(person_id, "call-6", channel="call_back", method="number_of_record", called_number=number)
    assert back.passed and "credential_setup" in back.scopes
    desk.set(person_id, "password", "new-kestrel-77", interaction_id="call-6")
    assert desk.attempt(person_id, "call-7", secret="new-kestrel-77").passed


def test_password_setup_needs_an_authentication_that_unlocks_it(world: World) -> None:
    desk = Desk(world)
    person_id, _ = customer(world)
    with_password(desk, person_id)
    with pytest.raises(CpniError, match="no passing authentication"):
        desk.set(person_id, "password", "someone-else-9", interaction_id="pretext-call")
    with pytest.raises(CpniError, match="not an initiation"):
        desk.set(person_id, "password", "someone-else-9", service_initiation=True)
    with pytest.raises(CpniError, match="at least 8"):
        desk.set(person_id, "online_password", "short", service_initiation=True)


def test_backup_questions_and_answers_never_use_biographical_or_account_data(world: World) -> None:
    desk = Desk(world)
    person_id, number = customer(world, birth_date="1980-04-02")
    cases = [
        ("What is your mother's maiden name?", "Smith", "mother's maiden name"),
        ("What are the last 4 of your SSN?", "1234", "social security number"),
        ("In what city were you born?", "Wichita", "date of birth"),
        ("What street is your home address on?", "Elm", "home address"),
        ("What is your account number?", "A1", "account number"),
        ("What was your last bill amount?", "42", "bill amount"),
        ("Name of your favourite teacher?", "1980-04-02", "biographical or account data"),
        ("Name of your favourite teacher?", number, "biographical or account data"),
    ]
    for question, answer, problem in cases:
        with pytest.raises(CpniError, match=problem):
            desk.set(person_id, "backup_answer", answer, question=question, service_initiation=True)


def test_a_number_or_address_counts_as_of_record_only_after_thirty_days(world: World) -> None:
    desk = Desk(world)
    person_id, new_number = customer(world, of_record_days=10)
    back = desk.attempt(person_id, "cb-1", channel="call_back", method="number_of_record", called_number=new_number)
    assert not back.passed and back.rule == "CPNI-16"
    assert desk.ask(person_id, "cb-1").alternatives == ()
    old_id, old_number = customer(world, of_record_days=30)
    assert desk.attempt(old_id, "cb-2", channel="call_back", method="number_of_record", called_number=old_number).passed


def test_online_access_needs_authentication_without_biographical_data_then_a_password(world: World) -> None:
    from privet.cpni import auth, changes
    from privet.subjects.service import get_person

    desk = Desk(world)
    person_id, _ = customer(world)
    with world.uow() as uow:
        person = get_person(uow, person_id)
        changes.issue_pin(uow, person, auth.account_for(person, None), interaction_id="web-1")
    with world.uow() as uow:
        body = uow.session.execute(
            text("SELECT body FROM outbox_messages WHERE kind = 'cpni.pin' AND related = :r"), {"r": f"person:{person_id}"}
        ).scalar_one()
    code = body.split("code is ")[1][:6]
    assert not desk.attempt(
        person_id, "web-1", channel="online", method="pin", secret="000000" if code != "000000" else "111111"
    ).passed
    pin = desk.attempt(person_id, "web-1", channel="online", method="pin", secret=code)
    assert pin.passed and pin.scopes == ("credential_setup",)
    assert not desk.attempt(person_id, "web-1", channel="online", method="pin", secret=code).passed  # one time only
    assert not desk.ask(person_id, "web-1", ("user.telecom.cpni.usage",)).decision.allowed
    desk.set(person_id, "online_password", "portal-pass-55", interaction_id="web-1")
    session = desk.attempt(person_id, "web-2", channel="online", method="password", secret="portal-pass-55")
    assert session.passed and session.rule == "CPNI-17"
    assert desk.ask(person_id, "web-2").decision.allowed
    world.clock.advance(minutes=31)  # online sessions are short: a later page needs the password again
    assert not desk.ask(person_id, "web-2").decision.allowed


def test_in_store_needs_a_valid_photo_id_matching_the_account(world: World) -> None:
    from privet.cpni.auth import PhotoId

    desk = Desk(world)
    person_id, _ = customer(world)
    future, past = date.today() + timedelta(days=400), date.today() - timedelta(days=1)

    def show(visit: str, kind: str, expires: date, name: str) -> Any:
        return desk.attempt(person_id, visit, channel="in_store", method="photo_id", photo_id=PhotoId(kind, expires, name))

    assert show("s1", "drivers_license", past, "Jordan Avery").reason == "the photo ID has expired"
    assert "does not match" in show("s2", "passport", future, "Morgan Avery").reason
    assert "not a government-issued" in show("s3", "library_card", future, "Jordan Avery").reason
    good = show("s4", "drivers_license", future, "JORDAN  avery")
    assert good.passed and good.rule == "CPNI-18"
    assert desk.ask(person_id, "s4").decision.allowed and not desk.ask(person_id, "s3").decision.allowed


def test_business_accounts_use_their_contract_method_only_with_a_dedicated_rep_and_a_cpni_contract(world: World) -> None:
    desk = Desk(world, "001-mettel")
    covered, _ = customer(world, "001-mettel", account_type="business", dedicated_rep=True, cpni_contract=True)
    uncovered, _ = customer(world, "001-mettel", account_type="business", dedicated_rep=True, cpni_contract=False)
    ok = desk.attempt(covered, "biz-1", method="business_contract", contract_reference="MSA 2022-114 s.9")
    assert ok.passed and ok.rule == "CPNI-21"
    assert desk.ask(covered, "biz-1").decision.allowed
    no = desk.attempt(uncovered, "biz-2", method="business_contract", contract_reference="MSA s.9")
    assert not no.passed and no.rule == "CPNI-21"


@pytest.mark.promise("003-P053", "004-P037")
def test_passwords_and_answers_are_stored_only_as_scrypt_hashes(world: World) -> None:
    desk = Desk(world, "004-county-micro")
    person_id, _ = customer(world, "004-county-micro")
    with_password(desk, person_id, "a-very-secret-phrase")
    assert desk.attempt(person_id, "h-1", secret="a-very-secret-phrase").passed
    with world.uow() as uow:
        rows = uow.session.scalars(select(Credential).where(Credential.person_id == person_id)).all()
        audit = " ".join(uow.session.scalars(text("SELECT data FROM audit_entries")).all())
        outbox = " ".join(uow.session.scalars(text("SELECT body FROM outbox_messages")).all())
    assert {r.kind for r in rows} == {"password", "backup_answer"}
    assert all(r.secret_hash.startswith("scrypt$") for r in rows)
    for secret in ("a-very-secret-phrase", "rex", "Rex"):
        assert all(secret not in r.secret_hash for r in rows)
        assert secret not in audit and secret not in outbox


@pytest.mark.promise("000-P150", "001-P039", "003-P003", "003-P025", "004-P015", "004-P027", "004-P031")
@pytest.mark.parametrize("pack", ["000-metronet", "001-mettel", "003-mtusa", "004-county-micro"])
def test_every_kind_of_cpni_needs_an_authentication_first(world: World, pack: str) -> None:
    desk = Desk(world, pack)
    person_id, _ = customer(world, pack)
    with_password(desk, person_id)
    kinds = [
        "user.telecom.cpni.call_detail",
        "user.telecom.cpni.service_configuration",
        "user.telecom.cpni.usage",
        "user.telecom.cpni.billing",
    ]
    for category in kinds:
        before = desk.ask(person_id, "c-1", (category,)).decision
        assert not before.allowed, category
        assert {r.rule for r in before.reasons if not r.allows} & {"CPNI-15", "CPNI-01"}
    assert desk.attempt(person_id, "c-1", secret="blue-heron-42").passed
    for category in kinds:
        assert desk.ask(person_id, "c-1", (category,)).decision.allowed, category
    # Call location counts as call detail: without a pass, the rep is offered the lawful routes instead.
    assert desk.ask(person_id, "c-3", ("user.telecom.cpni.location",)).alternatives


@pytest.mark.promise("000-P151", "004-P028")
@pytest.mark.parametrize("pack", ["000-metronet", "004-county-micro"])
def test_name_address_and_number_are_not_cpni_and_need_no_cpni_authentication(world: World, pack: str) -> None:
    desk = Desk(world, pack)
    person_id, _ = customer(world, pack)
    answer = desk.ask(person_id, "c-2", ("user.name", "user.contact.address", "user.contact.phone_number"))
    assert not any(r.source == "cpni" for r in answer.decision.reasons)
    assert answer.authentication_id is None


@pytest.mark.promise("004-P014", "004-P035")
def test_roles_without_a_care_duty_can_neither_authenticate_callers_nor_disclose_cpni(world: World) -> None:
    runtime = world.runtime("004-county-micro")
    person_id, _ = customer(world, "004-county-micro")
    with api_client(runtime) as client:
        for role in ("marketing", "abuse_desk", "legal"):
            headers = bearer(runtime, role)
            body = {"person_id": person_id, "interaction_id": "x", "channel": "inbound_call", "method": "password", "secret": "x"}
            r1 = client.post("/v1/cpni/authentications", headers=headers, json=body)
            r2 = client.post(
                "/v1/cpni/disclosures",
                headers=headers,
                json={"person_id": person_id, "interaction_id": "x", "categories": CALL_DETAIL},
            )
            assert r1.status_code == 403 and r2.status_code == 403, role
            assert r1.headers["content-type"].startswith("application/problem+json")
        assert (
            client.post(
                "/v1/cpni/disclosures", json={"person_id": person_id, "interaction_id": "x", "categories": CALL_DETAIL}
            ).status_code
            == 401
        )


def test_bad_authentication_requests_are_refused_with_the_field_named(world: World) -> None:
    runtime = world.runtime()
    person_id, _ = customer(world)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"channel": "inbound_call", "method": "ssn", "secret": "123-45-6789"}, "method"),
        ({"channel": "inbound_call", "method": "photo_id"}, "method"),
        ({"channel": "inbound_call", "method": "password"}, "secret"),
        ({"channel": "telegram", "method": "password", "secret": "x"}, "channel"),
        ({"channel": "call_back", "method": "number_of_record", "called_number": "not a number"}, "called_number"),
        ({"channel": "inbound_call", "method": "password", "secret": "x", "extra": 1}, "extra"),
        ({"channel": "inbound_call", "method": "password", "secret": "x" * 201}, "secret"),
    ]
    with api_client(runtime) as client:
        rep = bearer(runtime, "care_rep")
        for body, field in cases:
            r = client.post(
                "/v1/cpni/authentications", headers=rep, json={"person_id": person_id, "interaction_id": "bad", **body}
            )
            assert r.status_code == 422, (body, r.text)
            assert field in r.json()["detail"] or r.json().get("field") == field
            assert "123-45-6789" not in r.text
        missing = client.post(
            "/v1/cpni/authentications",
            headers=rep,
            json={"person_id": 2**31 - 1, "interaction_id": "x", "channel": "inbound_call", "method": "password", "secret": "x"},
        )
        assert missing.status_code == 404
