"""Intake: any identity finds the person; verification is proportionate; failures are recorded and answered."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from privet.outbox.tables import OutboxMessage
from privet.requests import lifecycle
from privet.requests.intake import Submission, verify_request
from privet.requests.kinds import RequestError
from privet.requests.verification import Evidence
from privet.subjects.identities import InvalidIdentity
from privet.subjects.service import SubjectError
from tests.requests.conftest import ALICE_PROOF, Provider


def _messages(p: Provider, request_id: int) -> list[OutboxMessage]:
    with p.runtime.uow("test") as uow:
        return list(uow.session.scalars(select(OutboxMessage).where(OutboxMessage.related == f"request:{request_id}")))


@pytest.mark.parametrize(
    "identity",
    [
        {"kind": "email", "value": " ALICE@Example.NET "},
        {"kind": "phone", "value": "(555) 010-0111"},
        {"kind": "account_number", "value": "a-1001"},
        {"kind": "username", "value": "Alice"},
    ],
    ids=lambda i: i["kind"],
)
def test_a_request_may_name_the_person_by_any_identity(
    local_provider_for: Callable[[str], Provider], identity: dict[str, str]
) -> None:
    p = local_provider_for("county")
    req = p.submit("know", who={"identity": identity}, evidence={"data_points": {"full_name": "alice able"}})
    assert req.person_id == p.alice and req.status == "verified"
    assert req.verification["matched"] == sorted(["full_name", identity["kind"]])


def test_an_unknown_or_malformed_identity_is_refused_and_nothing_is_written(
    local_provider_for: Callable[[str], Provider],
) -> None:
    p = local_provider_for("county")
    with pytest.raises(SubjectError, match="no person has the email given"):
        p.submit("know", who={"identity": {"kind": "email", "value": "nobody@example.com"}})
    with pytest.raises(InvalidIdentity):
        p.submit("know", who={"identity": {"kind": "phone", "value": "12"}})
    with pytest.raises(ValidationError):
        p.submit("know", who={"identity": {"kind": "fax", "value": "x"}})
    with p.runtime.uow("test") as uow:
        assert lifecycle.due(uow, uow.now().date()) == []


def test_opt_out_of_sale_needs_no_verification_and_takes_effect_at_once(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("mettel")
    req = p.submit("opt_out_of_sale", channel="phone")
    assert (req.regime, req.verification_level, req.status) == ("ccpa", "none", "completed")
    assert req.response["choice"] == "ccpa-sale"
    assert any(m.kind == "request.response" for m in _messages(p, req.id))


def test_specific_pieces_need_three_points_and_a_signed_declaration(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    weak = p.submit(
        "access", evidence={"data_points": {"full_name": "Alice Able", "phone": "5550100111"}}
    )  # 3 points, no declaration
    assert weak.status == "verification_failed"
    assert "three matching data points and a signed declaration" in (weak.denial_basis or "")
    answer = [m for m in _messages(p, weak.id) if m.kind == "request.response"]
    assert len(answer) == 1 and "could not confirm your identity" in answer[0].body
    assert weak.verification["matched"] == ["email", "full_name", "phone"]
    assert "Alice Able" not in str(weak.verification)  # point names only, never values
    with pytest.raises(RequestError, match="verification_failed"):
        p.execute(weak.id)
    strong = p.submit("access", evidence=ALICE_PROOF)
    assert strong.status == "verified"


def test_a_detail_that_does_not_match_fails_verification(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    req = p.submit(
        "delete", evidence={**ALICE_PROOF, "data_points": {**ALICE_PROOF["data_points"], "postal_address": "9 Elsewhere St"}}
    )
    assert req.status == "verification_failed" and req.verification["mismatched"] == ["postal_address"]


def test_a_request_without_evidence_waits_for_verification(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    req = p.submit("delete")
    assert req.status == "received" and req.acknowledged_at is not None  # acknowledged, waiting
    with pytest.raises(RequestError, match="not verified yet"):
        p.execute(req.id)
    with p.runtime.uow("test") as uow:
        r = lifecycle.get_request(uow, req.id)
        verify_request(uow, p.runtime.pack, r, Evidence.model_validate(ALICE_PROOF))
        assert r.status == "verified"


def test_an_authorized_agent_shows_proof_and_the_consumer_confirms(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("mettel")
    agent = {"name": "Privacy Helpers LLC", "proof": "signed_permission", "document": "dms://permissions/4411"}
    unconfirmed = p.submit("delete", submitted_by="agent", agent=agent, evidence=ALICE_PROOF)
    assert unconfirmed.status == "verification_failed" and "7063" in (unconfirmed.denial_basis or "")
    confirmed = p.submit("delete", submitted_by="agent", agent={**agent, "consumer_confirmed": True}, evidence=ALICE_PROOF)
    assert confirmed.status == "verified" and confirmed.agent is not None
    poa = {"name": "J. Able", "proof": "power_of_attorney", "document": "scan 7"}
    assert p.submit("delete", submitted_by="agent", agent=poa, evidence=ALICE_PROOF).status == "verified"


def test_a_care_rep_takes_a_request_on_behalf_of_a_caller(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    req = p.submit(
        "access",
        who={"identity": {"kind": "phone", "value": "555-010-0111"}},
        channel="phone",
        submitted_by="care_rep",
        evidence={
            "data_points": {"full_name": "Alice Able", "account_number": "A1001", "birth_date": "1980-01-01"},
            "signed_declaration": True,
        },
    )
    # The birth date privet does not hold cannot match: a wrong or unknown detail fails verification.
    assert req.status == "verification_failed" and req.submitted_by == "care_rep"
    ok = p.submit(
        "access",
        who={"identity": {"kind": "phone", "value": "555-010-0111"}},
        channel="phone",
        submitted_by="care_rep",
        evidence={"data_points": {"full_name": "Alice Able", "account_number": "A1001"}, "signed_declaration": True},
    )
    assert ok.status == "verified"


def test_a_right_the_pack_does_not_offer_this_person_is_recorded_and_answered(
    local_provider_for: Callable[[str], Provider],
) -> None:
    p = local_provider_for("mettel")
    req = p.submit(
        "delete", who={"identity": {"kind": "email", "value": "bob@example.org"}}
    )  # MetTel's delete right is California's
    assert (req.status, req.denial_basis, req.regime) == ("denied", "no_right", "policy")
    assert any("offers no delete right" in m.body for m in _messages(p, req.id))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "correct"}, "lists its corrections"),
        ({"kind": "delete", "corrections": [{"category": "user.name", "value": "x"}]}, "lists its corrections"),
        ({"kind": "delete", "submitted_by": "agent"}, "names the agent"),
        ({"kind": "delete", "submitted_by": "system"}, "reserved"),
        ({"kind": "delete", "channel": "carrier_pigeon"}, "channel"),
        ({"kind": "erase"}, "kind"),
        ({"kind": "delete", "received_at": "2026-01-01T00:00:00"}, "timezone"),
    ],
)
def test_bad_submissions_are_refused_with_the_field(body: dict[str, object], message: str) -> None:
    full = {"person": {"person_id": 1}, "channel": "email", **body}
    with pytest.raises(ValidationError, match=message):
        Submission.model_validate(full)


def test_invalid_transitions_are_refused(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    req = p.submit("know", evidence={"data_points": {"full_name": "Alice Able"}})
    with p.runtime.uow("test") as uow:
        r = lifecycle.get_request(uow, req.id)
        with pytest.raises(RequestError, match="only a received request"):
            lifecycle.apply_verification(uow, r, Evidence())
        with pytest.raises(RequestError, match="already acknowledged"):
            lifecycle.acknowledge(uow, r)
    p.execute(req.id)
    with p.runtime.uow("test") as uow:
        r = lifecycle.get_request(uow, req.id)
        with pytest.raises(RequestError, match="was answered on"):
            lifecycle.deny(uow, r, "fraud", "no")
        with pytest.raises(RequestError, match="was answered on"):
            lifecycle.extend(uow, r, "more time")
        with pytest.raises(lifecycle.RequestNotFound):
            lifecycle.get_request(uow, 999_999)
