"""Access and know: everything about the person from every system, and nothing about anyone else."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from privet.requests.execute import access_package
from privet.requests.report import render_html
from tests.requests.conftest import ALICE_PROOF, Provider

BOB_MARKERS = ("Bob", "bob@", "5550100222", "B2002", "bobby", "Rex", "5550107777", "987-65-4321", "5500000000000004", "TV")
FORBIDDEN = ("123-45-6789", "4111111111111111", "$2b$alicehash", "Fluffy")


def _values(package: dict[str, object]) -> str:
    return json.dumps(package, default=str, ensure_ascii=False)


@pytest.mark.promise("004-P047")
def test_access_returns_everything_about_the_person_and_nothing_about_anyone_else(
    provider_for: Callable[[str], Provider],
) -> None:
    p = provider_for("county")
    req = p.submit("access", evidence=ALICE_PROOF)
    assert req.status == "verified" and req.verification_level == "high"
    result = p.execute(req.id)
    package = result.package
    assert package is not None and result.status == "completed"
    found = {f"{r['dataset']}.{r['table']}": len(r["rows"]) for r in package["records"]}
    assert found == {
        "privet.subjects": 1,
        "billing.customers": 1,
        "billing.invoices": 2,
        "billing.call_records": 2,
        "billing.cpni_approvals": 1,
        "crm.contacts": 1,
        "crm.interactions": 1,
        "tickets.tickets": 1,  # reached through the work email found in the CRM
        "mail.mailboxes": 1,
        "network.ip_assignments": 1,
        "network.sessions": 1,  # Bob's later session on the same IP is not hers
    }
    text = _values(package)
    for marker in BOB_MARKERS:
        assert marker not in text, marker
    assert "Alice's line is slow" in text and "1 Alice Way" in text and "alice.work@example.com" in text


@pytest.mark.promise("004-P047")
def test_the_package_never_contains_what_the_law_forbids_sending(provider_for: Callable[[str], Provider]) -> None:
    p = provider_for("county")
    req = p.submit("access", evidence=ALICE_PROOF)
    package = p.execute(req.id).package
    assert package is not None
    text = _values(package)
    for secret in FORBIDDEN:
        assert secret not in text, secret
    withheld = {w["category"] for w in package["withheld"]}
    assert withheld == {
        "user.government_id.national_identification_number",
        "user.authorization.password",
        "user.authorization.security_answer",
    }
    assert "••••••••••••1111" in text  # the card shows its last four only
    html = render_html(package)
    for secret in FORBIDDEN:
        assert secret not in html
    assert "Held but not sent" in html and "Slow line" in html and "Bob" not in html


@pytest.mark.promise("004-P047")
def test_the_html_report_says_what_from_where_why_and_to_whom(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    req = p.submit("access", evidence=ALICE_PROOF)
    p.execute(req.id)
    with p.runtime.uow("test") as uow:
        from privet.requests.lifecycle import get_request

        package = access_package(uow, p.runtime.pack, p.registry, get_request(uow, req.id))
    email = next(c for c in package["categories"] if c["key"] == "user.contact.email")
    assert {"billing", "CRM", "Ticketing", "Mail accounts"} <= set(email["systems"])
    assert email["purposes"] and email["recipients"]
    html = render_html(package)
    assert "Email" in html and "Why we use it" in html and "Who we may share it with" in html


def test_values_from_the_systems_are_escaped_in_the_report(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    p.systems.execute("tickets", "UPDATE tickets SET subject = '<script>alert(1)</script>' WHERE id = 500")
    req = p.submit("access", evidence=ALICE_PROOF)
    package = p.execute(req.id).package
    assert package is not None
    html = render_html(package)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


@pytest.mark.promise("001-P068", "001-P073")
def test_know_lists_categories_sources_purposes_and_recipients_without_the_values(
    local_provider_for: Callable[[str], Provider],
) -> None:
    p = local_provider_for("mettel")
    req = p.submit("know", evidence={"data_points": {"full_name": "Alice Able"}})
    assert req.status == "verified" and req.regime == "ccpa" and req.verification_level == "matching_data_points"
    result = p.execute(req.id)
    answer = result.package
    assert answer is not None and result.status == "completed"
    keys = {c["key"] for c in answer["categories"]}
    assert {"user.contact.email", "user.telecom.cpni.call_detail", "user.device.ip_address", "user.name"} <= keys
    calls = next(c for c in answer["categories"] if c["key"] == "user.telecom.cpni.call_detail")
    assert calls["purposes"] and calls["sources"] and "billing" in calls["systems"]
    assert "alice@example.net" not in json.dumps(answer)  # categories, not specific pieces


@pytest.mark.promise("004-P051")
def test_a_request_for_more_information_is_answered_with_what_is_held_and_why(
    local_provider_for: Callable[[str], Provider],
) -> None:
    p = local_provider_for("county")
    req = p.submit("know", evidence={"data_points": {"full_name": "Alice Able"}})
    assert req.right_id == "more-information"
    answer = p.execute(req.id).package
    assert answer is not None and any(c["key"] == "user.telecom.cpni.call_detail" for c in answer["categories"])
