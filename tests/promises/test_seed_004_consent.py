"""Seed 004 (County Micro): its consent and use promises, proved through the consent ledger and the decision point.

Every test runs on a real database (SQLite, and PostgreSQL when configured). Choices reach the
ledger by the channels the policy offers (phone, writing, the website, the customer portal through
privet's privacy center), and each use is decided by `decide_for_person`, as the API decides it,
with the rule that won and the regime rules it cites.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from privet.access.tokens import create_token
from privet.api.app import create_app
from privet.consent import ledger
from privet.consent.ledger import ConsentError
from privet.decide.engine import Request
from privet.runtime import Runtime
from privet.store.db import utcnow
from tests.conftest import POLICIES, add_person, make_runtime
from tests.promises.decisions import T0, allowed, choose, decide, denied, why


@pytest.fixture
def county_micro(engine: Engine, factory: sessionmaker[Session]) -> Runtime:
    return make_runtime(engine, factory, POLICIES / "004-county-micro")


def phone_customer(runtime: Runtime) -> int:
    return add_person(runtime, services=["voice"], service_state="ME", billing_state="ME")


def internet_customer(runtime: Runtime) -> int:
    return add_person(runtime, services=["broadband"], service_state="ME", billing_state="ME")


# --- What we do with your information / who we may share it with --------------------------------------------------------

INTERNAL = {
    Request(
        ("user.name", "user.contact.address", "user.telecom.cpni.service_configuration"), "essential.service", "first-party"
    ): ("provide-service"),
    Request(
        ("user.telecom.cpni.usage", "user.telecom.network_performance"), "essential.service.operations.improve", "first-party"
    ): ("improve-services"),
    Request(
        ("user.name", "user.financial.credit_card", "user.telecom.cpni.service_configuration"),
        "essential.service.provisioning",
        "first-party",
    ): ("complete-orders"),
    Request(
        ("user.name", "user.financial.bank_account", "user.telecom.cpni.billing"), "essential.service.billing", "first-party"
    ): "billing",
    Request(
        ("user.contact.email", "user.telecom.cpni.service_configuration"), "essential.service.operations.support", "first-party"
    ): ("support"),
    Request(
        ("user.name", "user.contact.email", "user.behavior.purchase_history"), "essential.service.recommendations", "first-party"
    ): ("recommend-products"),
}
DISCLOSED_WITHOUT_CONSENT = {
    Request(("user.name", "user.financial.credit_card", "user.telecom.cpni.billing"), "essential.service.billing", "vendors"): (
        "billing-disclosure"
    ),
    Request(
        ("user.name", "user.financial.payment_history"), "essential.collections", "collection-agencies"
    ): "collections-agencies",
    Request(
        ("user.contact.address", "user.financial.payment_history"), "essential.collections", "credit-bureaus"
    ): "credit-reporting",
}
FOR_A_REQUESTED_SERVICE = {
    Request(("user.name", "user.contact.email", "user.telecom.cpni.service_configuration"), "essential.service", "vendors"): (
        "vendors-for-requested-service"
    ),
    Request(("user.name", "user.telecom.account_number"), "essential.service.provisioning", "service-partners"): (
        "partners-for-requested-service"
    ),
}


@pytest.mark.promise("004-P007", "004-P008", "004-P009", "004-P010", "004-P011", "004-P019", "004-P022", "004-P023")
def test_internal_uses_and_disclosures_for_service_billing_and_collection_need_no_consent(county_micro: Runtime) -> None:
    for person in (phone_customer(county_micro), internet_customer(county_micro)):
        for use, rule in {**INTERNAL, **DISCLOSED_WITHOUT_CONSENT}.items():
            assert allowed(county_micro, person, use, rule).basis.value == "required"
        for use, rule in FOR_A_REQUESTED_SERVICE.items():
            d = allowed(county_micro, person, use, rule)
            assert {"minimum_necessary", "recipient_keeps_strict_confidentiality"} <= set(d.obligations)
            # ...and only as far as the requested service needs: nothing for their own ends.
            for purpose in ("marketing", "analytics.reporting", "personalize.profiling"):
                denied(county_micro, person, Request(use.categories, purpose, use.recipient), "no_rule")


@pytest.mark.promise("004-P012", "004-P013")
def test_marketing_only_with_consent_which_the_customer_portal_can_withdraw(county_micro: Runtime) -> None:
    promotions = Request(("user.name", "user.contact.email"), "marketing.communications.email", "first-party", "email")
    affiliates = Request(("user.contact.email",), "marketing", "affiliates")
    with TestClient(create_app(county_micro)) as client:
        with county_micro.uow("test") as uow:
            token, _ = create_token(uow, name="customer-portal", role="service_integration")
        portal = {"Authorization": f"Bearer {token}"}
        for person in (phone_customer(county_micro), internet_customer(county_micro)):
            now = utcnow()
            denied(county_micro, person, promotions, "opt_in_missing", "policy:promotions:denies", at=now)
            with pytest.raises(ConsentError):
                choose(county_micro, person, "marketing-consent", True, "email", at=now)
            choose(county_micro, person, "marketing-consent", True, "web_form", at=now)
            later = now + timedelta(seconds=1)
            assert allowed(county_micro, person, promotions, "promotions", later).basis.value == "opt_in_given"

            # The customer portal opens a privacy-center session; withdrawing there stops the marketing at once.
            opened = client.post("/v1/consent/privacy-sessions", headers=portal, json={"person_id": person})
            session = {"Authorization": f"Session {opened.json()['token']}"}
            page = client.post("/privacy/api/me/choices", headers=session, json={"choice": "marketing-consent", "value": False})
            assert page.status_code == 200, page.text
            assert {c["choice"]: c["value"] for c in page.json()["choices"]}["marketing-consent"] is False
            after = utcnow() + timedelta(seconds=1)
            denied(county_micro, person, promotions, "opt_in_missing", "policy:promotions:denies", at=after)
            history = client.get(f"/v1/persons/{person}/choices", headers=portal).json()["history"]
            assert [(e["choice"], e["value"], e["channel"]) for e in history][-1] == (
                "marketing-consent",
                False,
                "privacy_center",
            )

        # A Maine broadband customer's data reaches affiliates for marketing only with that consent.
        person = internet_customer(county_micro)
        denied(
            county_micro,
            person,
            affiliates,
            "opt_in_missing",
            "policy:maine-broadband-affiliate-marketing:denies",
            "maine:ME-01:denies",
        )
        choose(county_micro, person, "marketing-consent", True, "phone")
        assert "maine:ME-01:allows" in why(allowed(county_micro, person, affiliates, "maine-broadband-affiliate-marketing"))


SALE_RECIPIENTS = {
    "third-parties": "no-sale-third-parties",
    "service-partners": "no-sale-service-partners",
    "vendors": "no-sale-vendors",
    "affiliates": "no-sale-affiliates",
}


@pytest.mark.promise("004-P016", "004-P017", "004-P018")
def test_outsiders_get_data_only_with_specific_prior_consent_and_nothing_is_ever_sold(county_micro: Runtime) -> None:
    disclose = Request(("user.name", "user.contact.email", "user.contact.address"), "third_party_sharing", "third-parties")
    people = {channel: phone_customer(county_micro) for channel in ("phone", "written_request", "web_form")}
    for channel, person in people.items():
        denied(county_micro, person, disclose, "opt_in_missing", "policy:third-party-with-consent:denies")
        denied(county_micro, person, Request(("user.contact.email",), "marketing", "third-parties"), "no_rule")
        # Consent is given in advance by voice, in writing or through the website; not, say, by a text or an email.
        with pytest.raises(ConsentError):
            choose(county_micro, person, "specific-consent", True, "sms_keyword")
        choose(county_micro, person, "specific-consent", True, channel)
        assert allowed(county_micro, person, disclose, "third-party-with-consent").basis.value == "opt_in_given"
        # No selling, of anything, to anyone, consent or not: customer lists included.
        for recipient, rule in SALE_RECIPIENTS.items():
            for categories in (("user.name", "user.contact.address"), ("user.contact.email", "user.contact.phone_number")):
                denied(
                    county_micro,
                    person,
                    Request(categories, "third_party_sharing.sale", recipient),
                    "never",
                    f"policy:{rule}:denies",
                )
    # A later withdrawal of the consent closes the door again.
    choose(county_micro, people["phone"], "specific-consent", False, "email", at=T0 + timedelta(days=10))
    denied(county_micro, people["phone"], disclose, "opt_in_missing", at=T0 + timedelta(days=10, seconds=1))


# --- CPNI --------------------------------------------------------------------------------------------------------------------

CPNI_MARKETING = {
    "first-party": "cpni-marketing-internal",
    "affiliates": "cpni-marketing-affiliates",
    "authorized-agents": "cpni-marketing-agents",
}
CPNI = ("user.telecom.cpni.usage", "user.telecom.cpni.service_configuration")


@pytest.mark.promise("004-P029", "004-P030", "004-P032", "004-P033")
def test_cpni_markets_internally_and_with_affiliates_and_agents_until_the_customer_says_stop(county_micro: Runtime) -> None:
    person = phone_customer(county_micro)
    with county_micro.uow("test") as uow:
        ledger.record_cpni_notice(uow, person_id=person, sent_at=T0 - timedelta(days=31), mailed=False)
    for recipient, rule in CPNI_MARKETING.items():
        d = allowed(county_micro, person, Request(CPNI, "marketing.cpni.communications_related", recipient), rule)
        assert d.basis.value == "opt_out_not_exercised" and "cpni:CPNI-03:allows" in why(d)

    # Third parties: only on the customer's specific authorization, or when the law requires it.
    to_third = Request(CPNI, "third_party_sharing", "third-parties")
    denied(county_micro, person, to_third, "opt_in_missing", "policy:cpni-third-parties:denies", "cpni:CPNI-02:denies")
    denied(county_micro, person, Request(CPNI, "marketing.cpni.communications_related", "third-parties"), "no_rule")
    choose(county_micro, person, "specific-consent", True, "web_form")
    denied(
        county_micro, person, to_third, "opt_in_missing", "cpni:CPNI-02:denies"
    )  # a general consent is not a CPNI authorization
    d = allowed(county_micro, person, Request(CPNI, "essential.legal_obligation.legal_process", "government"), "legal-process")
    assert "cpni:CPNI-01:allows" in why(d) and "compelled_only" in d.obligations
    choose(county_micro, person, "cpni-third-party-authorization", True, "written_request")
    assert "cpni:CPNI-02:allows" in why(allowed(county_micro, person, to_third, "cpni-third-parties"))

    # Stopping the marketing use is a phone call away, at any time, and changes no service already subscribed.
    when = T0 + timedelta(days=400)
    choose(county_micro, person, "cpni-marketing", False, "phone", at=when)
    after = when + timedelta(seconds=1)
    for recipient, rule in CPNI_MARKETING.items():
        denied(
            county_micro,
            person,
            Request(CPNI, "marketing.cpni.communications_related", recipient),
            "opted_out",
            f"policy:{rule}:denies",
            "cpni:CPNI-03:denies",
            at=after,
        )
    for use, rule in INTERNAL.items():
        if rule != "recommend-products":
            allowed(county_micro, person, use, rule, after)
    allowed(
        county_micro,
        person,
        Request(("user.telecom.cpni.call_detail",), "essential.service", "first-party"),
        "provide-service",
        after,
    )


# --- Cookies and age of consent -------------------------------------------------------------------------------------------


@pytest.mark.promise("004-P040", "004-P041", "004-P042")
def test_store_cookies_follow_the_browser_choice_and_minors_need_an_adults_consent(county_micro: Runtime) -> None:
    shopper = phone_customer(county_micro)
    basics = Request(("user.device.cookie_id", "user.account.shopping_cart"), "functional.service", "first-party")
    personal = Request(("user.device.cookie_id", "user.behavior.purchase_history"), "personalize.content", "first-party")
    analysis = Request(("user.device.cookie_id", "user.device.browser"), "analytics.reporting", "first-party")
    allowed(county_micro, shopper, basics, "cookie-site-functions")
    allowed(county_micro, shopper, personal, "cookie-personalization")
    allowed(county_micro, shopper, analysis, "cookie-analytics")
    choose(county_micro, shopper, "browser-cookies", False, "browser_settings")
    denied(county_micro, shopper, personal, "opted_out", "policy:cookie-personalization:denies")
    denied(county_micro, shopper, analysis, "opted_out", "policy:cookie-analytics:denies")

    # A minor uses the site only once the adult responsible for them has consented through the site.
    minor = add_person(county_micro, services=["voice"], service_state="ME", birth_date="2011-02-01")
    adult = add_person(county_micro, services=["voice"], service_state="ME", birth_date="1975-02-01")
    site = Request(("user.name", "user.contact.email"), "functional.service", "first-party")
    denied(county_micro, minor, site, "opt_in_missing", "policy:minor-dependent-use:denies")
    assert decide(county_micro, adult, site).rule != "minor-dependent-use"
    with pytest.raises(ConsentError):
        choose(county_micro, minor, "minor-dependent-consent", True, "phone")
    choose(county_micro, minor, "minor-dependent-consent", True, "web_form")
    allowed(county_micro, minor, site, "minor-dependent-use")
