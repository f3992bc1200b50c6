"""Negative statements are read as negatives, with their subject and exceptions; attributes map to pack keys."""

from __future__ import annotations

import pytest

from privet.policy.draft.extract import Evidence, find_negation, parse_period, read_statement
from privet.policy.model import Period


@pytest.mark.parametrize(
    ("sentence", "actions", "subject", "exceptions"),
    [
        ("We do not sell your personal information.", ["sell"], "provider", []),
        ("We will not share your information with third parties except with your consent.", ["share"], "provider", ["consent"]),
        (
            "We will not use, disclose, or permit access to your CPNI without your approval.",
            ["use", "share"],
            "provider",
            ["consent"],
        ),
        ("Your personal information will not be rented or traded to marketers.", ["sell"], "provider", []),
        ("We never disclose call records unless required by law or a court order.", ["share"], "provider", ["law"]),
        ("We do not knowingly collect information from children under 13.", ["collect"], "provider", []),
        ("Our vendors may not use your information for their own marketing.", ["use"], "recipient", []),
        ("You may not resell the service or use it to send spam.", ["sell"], "user", []),
    ],
)
def test_negations(sentence: str, actions: list[str], subject: str, exceptions: list[str]) -> None:
    found = find_negation(sentence)
    assert found is not None
    assert found.actions[: len(actions)] == actions
    assert found.subject == subject
    assert found.exceptions == exceptions


@pytest.mark.parametrize(
    "sentence",
    [
        "If you do not want to receive marketing email, click unsubscribe.",
        "This includes, but is not limited to, your name and address.",
        "Cookies do not contain information that identifies you.",
        "We do not currently respond to Do Not Track signals.",
        "We share your information with vendors who help us bill you.",
    ],
)
def test_not_negative_promises(sentence: str) -> None:
    assert find_negation(sentence) is None


def test_attributes_map_to_pack_vocabulary() -> None:
    st = read_statement(
        Evidence(
            "We share your email address and call detail records with our affiliates to market communications services; you may opt out by calling us.",
            3,
            1,
            "Sharing",
        )
    )
    assert "user.contact.email" in st.categories
    assert "user.telecom.cpni.call_detail" in st.categories
    assert "affiliate" in st.recipients
    assert "share" in st.actions
    assert st.choice_kind == "opt_out"
    assert "phone" in st.channels


def test_retention_period_and_trigger() -> None:
    st = read_statement(
        Evidence("We keep call detail records for eighteen (18) months after the service is disconnected.", 1, 0, "")
    )
    assert st.periods == [Period(count=18, unit="month")]
    assert st.trigger == "disconnection"


def test_period_words() -> None:
    assert parse_period("thirty", "calendar days") == Period(count=30, unit="day")
    assert parse_period("10", "business days") == Period(count=10, unit="business_day")
