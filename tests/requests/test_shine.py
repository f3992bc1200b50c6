"""Shine the Light: the prior calendar year's disclosures for others' direct marketing, from the records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from privet.legal.tables import Disclosure
from privet.outbox.tables import OutboxMessage
from privet.requests.explain import Explainer
from tests.requests.conftest import Provider

RECEIVED = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)


def _disclose(p: Provider, person: int, recipient: str, kind: str, categories: list[str], purpose: str, at: datetime) -> None:
    with p.runtime.uow("test") as uow:
        uow.session.add(
            Disclosure(
                person_id=person,
                recipient=recipient,
                recipient_kind=kind,
                recipient_name=recipient.replace("-", " ").title(),
                recipient_address=f"1 {recipient.title()} Plaza, Los Angeles, CA",
                categories=categories,
                purpose=purpose,
                at=at,
                basis="opt_out_not_exercised",
                details={},
            )
        )


def _history(p: Provider) -> None:
    last_year = datetime(2025, 6, 1, tzinfo=UTC)
    _disclose(
        p,
        p.alice,
        "advertising-partners",
        "third_party",
        ["user.contact.email", "user.name"],
        "marketing.direct_marketing_by_third_party",
        last_year,
    )
    _disclose(p, p.alice, "card-processor", "processor", ["user.financial.credit_card"], "essential.service.billing", last_year)
    _disclose(
        p,
        p.alice,
        "survey-co",
        "third_party",
        ["user.contact.phone_number"],
        "marketing.direct_marketing_by_third_party",
        datetime(2024, 6, 1, tzinfo=UTC),
    )
    _disclose(
        p,
        p.alice,
        "late-partner",
        "third_party",
        ["user.contact.address"],
        "marketing.direct_marketing_by_third_party",
        datetime(2026, 1, 5, tzinfo=UTC),
    )
    _disclose(
        p, p.bob, "bob-partner", "third_party", ["user.contact.email"], "marketing.direct_marketing_by_third_party", last_year
    )


@pytest.mark.promise("002-P078", "002-P079", "002-P080")
def test_the_answer_lists_last_years_categories_and_recipients_within_thirty_days(
    local_provider_for: Callable[[str], Provider],
) -> None:
    p = local_provider_for("metrofax")
    _history(p)
    req = p.submit("shine_the_light", received_at=RECEIVED.isoformat())
    assert (req.regime, req.right_id, req.status) == ("shine_the_light", "shine-the-light", "verified")
    assert req.respond_by == date(2026, 3, 12) and req.details["designated_channel"] is True
    result = p.execute(req.id)
    assert result.response["year"] == 2025
    names = Explainer(p.runtime.pack)
    assert result.response["categories"] == sorted([names.category_name("user.contact.email"), names.category_name("user.name")])
    assert result.response["recipients"] == [
        {"name": "Advertising Partners", "address": "1 Advertising-Partners Plaza, Los Angeles, CA"}
    ]
    with p.runtime.uow("test") as uow:
        body = uow.session.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == "request.response")).one()
    assert "Advertising Partners, 1 Advertising-Partners Plaza" in body and "Bob" not in body and "Card" not in body


@pytest.mark.promise("002-P081")
def test_a_request_sent_elsewhere_is_still_recorded_on_the_longer_clock(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("metrofax")
    req = p.submit("shine_the_light", channel="phone", received_at=RECEIVED.isoformat())
    assert req.details["designated_channel"] is False and req.respond_by == date(2026, 7, 10)  # 150 days


@pytest.mark.promise("001-P066", "001-P067")
def test_mettel_answers_shine_the_light_by_email_or_phone_after_matching_details(
    local_provider_for: Callable[[str], Provider],
) -> None:
    p = local_provider_for("mettel")
    _history(p)
    for channel in ("email", "phone"):
        req = p.submit("shine_the_light", channel=channel, received_at=RECEIVED.isoformat())
        if channel == "email":
            assert req.status == "received" and req.verification_level == "matching_data_points"
        else:
            assert req.status == "received"
    verified = p.submit(
        "shine_the_light",
        channel="phone",
        received_at=RECEIVED.isoformat(),
        evidence={"data_points": {"full_name": "Alice Able"}},
    )
    assert verified.details["designated_channel"] is True and verified.status == "verified"
    assert p.execute(verified.id).response["recipients"][0]["name"] == "Advertising Partners"


def test_a_year_without_such_disclosures_is_answered_plainly(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("metrofax")
    req = p.submit("shine_the_light", received_at=RECEIVED.isoformat())
    result = p.execute(req.id)
    assert result.response["recipients"] == [] and result.response["disclosures"] == 0


def test_shine_the_light_is_for_californians(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("metrofax")
    req = p.submit("shine_the_light", who={"identity": {"kind": "email", "value": "bob@example.org"}})
    assert (req.status, req.denial_basis) == ("denied", "no_right")
