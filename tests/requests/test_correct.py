"""Correction: the accurate value everywhere the category is declared, in each system's format."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from privet.requests.kinds import RequestError
from privet.subjects.service import change_account_status, find_person
from tests.requests.conftest import ALICE_PROOF, Provider

NEW = "alice.new@example.net"


@pytest.mark.promise("004-P048")
def test_a_correction_changes_the_value_everywhere_it_is_declared(provider_for: Callable[[str], Provider]) -> None:
    p = provider_for("county")
    req = p.submit(
        "correct",
        evidence=ALICE_PROOF,
        corrections=[{"category": "user.contact.email", "value": "Alice.New@Example.net", "old": "alice@example.net"}],
    )
    result = p.execute(req.id)
    assert result.status == "completed"
    s = p.systems
    assert s.rows("billing", "customers")[1]["email"] == NEW
    assert [s.rows("billing", "invoices")[i]["billing_email"] for i in (10, 11)] == [NEW, NEW]
    assert s.rows("crm", "contacts")[300]["email"] == NEW
    assert s.rows("crm", "contacts")[300]["work_email"] == "alice.work@example.com"  # `old` named the other one
    assert s.rows("mail", "mailboxes")[600]["forward_to"] == NEW
    assert s.rows("billing", "customers")[2]["email"] == "bob@example.org"
    with p.runtime.uow("test") as uow:
        person = find_person(uow, "email", NEW)
        assert person is not None and person.id == p.alice
        assert find_person(uow, "email", "alice@example.net") is None
    changed = {(c["table"], c["column"]) for c in result.response["changed"]}
    assert ("privet.identities", "email") in changed and ("mail.mailboxes", "forward_to") in changed
    assert p.request(req.id).details["corrections"] == [
        {"category": "user.contact.email", "applied": True}
    ]  # the value is not kept


@pytest.mark.promise("004-P048")
def test_a_phone_is_written_in_each_systems_own_format(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    req = p.submit(
        "correct", evidence=ALICE_PROOF, corrections=[{"category": "user.contact.phone_number", "value": "(555) 010-0199"}]
    )
    p.execute(req.id)
    assert p.systems.rows("billing", "customers")[1]["phone"] == "5550100199"  # declared format: digits
    assert p.systems.rows("crm", "contacts")[300]["phone"] == "+15550100199"  # E.164
    with p.runtime.uow("test") as uow:
        person = find_person(uow, "phone", "555-010-0199")
        assert person is not None and person.id == p.alice


def test_an_invalid_corrected_value_is_refused_and_nothing_changes(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    req = p.submit("correct", evidence=ALICE_PROOF, corrections=[{"category": "user.contact.email", "value": "not an email"}])
    with pytest.raises(RequestError, match="not valid"):
        p.execute(req.id)
    assert p.systems.rows("billing", "customers")[1]["email"] == "alice@example.net"
    assert p.request(req.id).status == "verified"


def test_a_correction_to_someone_elses_identity_is_refused(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    req = p.submit("correct", evidence=ALICE_PROOF, corrections=[{"category": "user.contact.email", "value": "bob@example.org"}])
    with pytest.raises(RequestError, match="another person"):
        p.execute(req.id)


@pytest.mark.promise("002-P088")
def test_a_signed_in_user_changes_their_details(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("metrofax")
    req = p.submit(
        "correct",
        channel="account_portal",
        evidence={"authenticated_session": True},
        corrections=[{"category": "user.contact.phone_number", "value": "555 010 0177"}],
    )
    assert req.right_id == "correct-online" and req.status == "verified"
    p.execute(req.id)
    assert p.systems.rows("crm", "contacts")[300]["phone"] == "+15550100177"


@pytest.mark.promise("002-P089")
def test_a_cancelled_user_changes_their_details_by_phone(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("metrofax")
    with p.runtime.uow("test") as uow:
        change_account_status(uow, "A1001", "disconnected", "moved away")
    req = p.submit(
        "correct",
        channel="phone",
        submitted_by="care_rep",
        evidence={"data_points": {"full_name": "Alice Able", "account_number": "A-1001"}},
        corrections=[{"category": "user.name", "value": "Alice Able-Baker"}],
    )
    assert req.right_id == "correct-after-cancellation" and req.status == "verified"
    p.execute(req.id)
    assert p.systems.rows("crm", "contacts")[300]["full_name"] == "Alice Able-Baker"
    assert p.systems.rows("billing", "customers")[1]["full_name"] == "Alice Able-Baker"
