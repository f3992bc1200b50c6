"""Seed 001 (MetTel): its consent and use promises, proved through the consent ledger and the decision point.

Every test runs on a real database (SQLite, and PostgreSQL when configured): choices go into the
ledger as a care rep, an email, a phone call or a browser would put them there, and each use is
decided by `decide_for_person` exactly as the API does, with the rule and the regime rules it cites.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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
from tests.conftest import POLICIES, add_person, make_runtime
from tests.promises.decisions import T0, allowed, choose, decide, denied, why


@pytest.fixture
def mettel(engine: Engine, factory: sessionmaker[Session]) -> Runtime:
    return make_runtime(engine, factory, POLICIES / "001-mettel")


def cpni_notice(runtime: Runtime, person: int, sent_at: datetime) -> None:
    with runtime.uow("test") as uow:
        ledger.record_cpni_notice(uow, person_id=person, sent_at=sent_at, mailed=False)


# --- III.A CPNI ----------------------------------------------------------------------------------------------------

CPNI_TO_AFFILIATES = Request(("user.telecom.cpni.call_detail",), "marketing.cpni", "mettel-affiliates")
CPNI_TO_THIRD_PARTIES = Request(("user.telecom.cpni.usage",), "marketing.cpni", "unaffiliated-marketers")


@pytest.mark.promise("001-P038", "001-P041", "001-P042", "001-P043")
def test_cpni_reaches_affiliates_until_an_opt_out_and_third_parties_only_after_an_opt_in(mettel: Runtime) -> None:
    by_email = add_person(mettel, services=["voice"], service_state="NY", billing_state="NY")
    by_phone = add_person(mettel, services=["voice"], service_state="NJ", billing_state="NJ")
    for person in (by_email, by_phone):
        cpni_notice(mettel, person, T0 - timedelta(days=45))
        d = allowed(mettel, person, CPNI_TO_AFFILIATES, "cpni-affiliate-marketing")
        assert d.basis.value == "opt_out_not_exercised" and "cpni:CPNI-03:allows" in why(d)
        denied(
            mettel,
            person,
            CPNI_TO_THIRD_PARTIES,
            "opt_in_missing",
            "policy:cpni-third-party-marketing:denies",
            "cpni:CPNI-02:denies",
        )

    # The opt-out is taken by email or by phone, at any time, and holds from then on.
    choose(mettel, by_email, "cpni-affiliate-marketing", False, "email")
    choose(mettel, by_phone, "cpni-affiliate-marketing", False, "phone", at=T0 + timedelta(days=3 * 365))
    denied(mettel, by_email, CPNI_TO_AFFILIATES, "opted_out", "policy:cpni-affiliate-marketing:denies", "cpni:CPNI-03:denies")
    assert decide(mettel, by_phone, CPNI_TO_AFFILIATES, T0 + timedelta(days=3 * 365 - 1)).allowed
    denied(
        mettel,
        by_phone,
        CPNI_TO_AFFILIATES,
        "opted_out",
        "cpni:CPNI-03:denies",
        at=T0 + timedelta(days=3 * 365, seconds=1),
    )

    # Third parties: only an opt-in given through the offered channels opens the door.
    with pytest.raises(ConsentError):
        choose(mettel, by_email, "cpni-third-party-marketing", True, "web_form")
    choose(mettel, by_email, "cpni-third-party-marketing", True, "email")
    d = allowed(mettel, by_email, CPNI_TO_THIRD_PARTIES, "cpni-third-party-marketing")
    assert d.basis.value == "opt_in_given" and "cpni:CPNI-02:allows" in why(d)
    # Service use of CPNI is untouched by the marketing choices.
    allowed(mettel, by_email, Request(("user.telecom.cpni.usage",), "essential.service", "mettel"), "deliver-products")


# --- III.B FCRA ----------------------------------------------------------------------------------------------------

CREDIT_REPORT_TO_AFFILIATES = Request(("user.financial.credit_report",), "essential.service", "mettel-affiliates")
PAYMENTS_TO_AFFILIATES = Request(("user.financial.payment_history",), "essential.service", "mettel-affiliates")
FINANCIAL_MARKETING = {
    "mettel": Request(("user.financial.payment_history", "user.financial.credit_report"), "marketing", "mettel"),
    "affiliates": Request(("user.financial.payment_history",), "marketing", "mettel-affiliates"),
    "affiliates-credit-report": Request(("user.financial.credit_report",), "marketing", "mettel-affiliates"),
    "non-affiliates": Request(
        ("user.financial.payment_history", "user.financial.credit_report"), "marketing", "unaffiliated-marketers"
    ),
}


@pytest.mark.promise("001-P014", "001-P038", "001-P044", "001-P045", "001-P047", "001-P048", "001-P049", "001-P050")
def test_financial_information_flows_as_products_need_until_an_fcra_opt_out_by_email_or_phone(mettel: Runtime) -> None:
    sharing = add_person(mettel, service_state="NY", billing_state="NY")
    marketing = add_person(mettel, service_state="PA", billing_state="PA")
    person = sharing  # first, what flows while no opt-out is on file
    allowed(mettel, person, PAYMENTS_TO_AFFILIATES, "fcra-payment-history-affiliates")
    d = allowed(mettel, person, CREDIT_REPORT_TO_AFFILIATES, "fcra-credit-report-affiliates")
    assert "fcra:FCRA-01:allows" in why(d) and "log_disclosure" in d.obligations
    allowed(
        mettel,
        person,
        Request(("user.financial.payment_history", "user.financial.credit_report"), "essential.service", "contractors"),
        "fcra-financial-contractors",
    )
    allowed(mettel, person, Request(("user.financial.credit_report",), "essential.credit_check", "mettel"), "credit-check")
    allowed(mettel, person, Request(("user.financial.payment_history",), "essential.service.billing", "mettel"), "invoicing")
    # Credit bureaus and collection agencies receive what a credit check and collection need, and nothing for marketing.
    allowed(
        mettel, person, Request(("user.financial.payment_history",), "essential.credit_check", "credit-bureaus"), "credit-bureaus"
    )
    allowed(
        mettel,
        person,
        Request(("user.financial.payment_history", "user.telecom.cpni.billing"), "essential.collections", "collection-agencies"),
        "collection-agencies",
    )
    for recipient in ("credit-bureaus", "collection-agencies"):
        denied(mettel, person, Request(("user.financial.payment_history",), "marketing", recipient), "no_rule")
    # MetTel, and its affiliates, may market with financial information.
    allowed(mettel, person, FINANCIAL_MARKETING["mettel"], "financial-own-marketing")
    d = allowed(mettel, person, FINANCIAL_MARKETING["affiliates"], "fcra-affiliate-marketing")
    assert "fcra:FCRA-02:allows" in why(d)

    assert decide(mettel, marketing, CREDIT_REPORT_TO_AFFILIATES).allowed
    for use in FINANCIAL_MARKETING.values():
        assert decide(mettel, sharing, use).allowed and decide(mettel, marketing, use).allowed

    # Opting out of credit report sharing with affiliates, by phone, years after signing up.
    when = T0 + timedelta(days=2 * 365)
    choose(mettel, sharing, "fcra-affiliate-sharing", False, "phone", at=when)
    after = when + timedelta(seconds=1)
    denied(
        mettel,
        sharing,
        CREDIT_REPORT_TO_AFFILIATES,
        "opted_out",
        "policy:fcra-credit-report-affiliates:denies",
        "fcra:FCRA-01:denies",
        at=after,
    )
    denied(mettel, sharing, FINANCIAL_MARKETING["affiliates-credit-report"], "opted_out", at=after)
    allowed(mettel, sharing, PAYMENTS_TO_AFFILIATES, "fcra-payment-history-affiliates", at=after)

    # Opting out of sharing for marketing, by email: affiliates and non-affiliates both stop; MetTel's own use does not.
    choose(mettel, marketing, "fcra-marketing-sharing", False, "email")
    denied(
        mettel,
        marketing,
        FINANCIAL_MARKETING["affiliates"],
        "opted_out",
        "policy:fcra-affiliate-marketing:denies",
        "fcra:FCRA-02:denies",
    )
    denied(mettel, marketing, FINANCIAL_MARKETING["affiliates-credit-report"], "opted_out", "fcra:FCRA-02:denies")
    denied(mettel, marketing, FINANCIAL_MARKETING["non-affiliates"], "opted_out", "policy:fcra-nonaffiliate-marketing:denies")
    allowed(mettel, marketing, FINANCIAL_MARKETING["mettel"], "financial-own-marketing")


# --- II.A own use, partners, telemarketing ---------------------------------------------------------------------------


@pytest.mark.promise("001-P011", "001-P016", "001-P018", "001-P019", "001-P040")
def test_own_product_offers_partners_and_telemarketing_are_what_the_notice_says(mettel: Runtime) -> None:
    person = add_person(mettel, services=["voice", "broadband"], service_state="NY", billing_state="NY")
    # MetTel studies what customers buy and look for to offer new products, CPNI included once the notice has run.
    allowed(
        mettel,
        person,
        Request(("user.behavior.purchase_history", "user.behavior.search_history", "user.contact.email"), "marketing", "mettel"),
        "customer-insight-offers",
    )
    own_cpni = Request(("user.telecom.cpni.usage",), "marketing.cpni", "mettel")
    cpni_notice(mettel, person, T0 - timedelta(days=31))
    assert "cpni:CPNI-03:allows" in why(allowed(mettel, person, own_cpni, "cpni-own-marketing"))

    # Partners that help serve the customer get what serving needs, and nothing for marketing.
    for recipient, rule, category in (
        ("partner-carriers", "partner-carriers", "user.telecom.cpni.call_detail"),
        ("equipment-vendors", "partner-equipment-vendors", "user.telecom.cpni.service_configuration"),
        ("contractors", "partner-contractors", "user.telecom.network_performance"),
    ):
        d = allowed(mettel, person, Request(("user.name", "user.contact.email", category), "essential.service", recipient), rule)
        assert "log_disclosure" in d.obligations
        denied(mettel, person, Request((category,), "marketing", recipient), "no_rule", "policy:no_rule:denies")

    # Sales agents ring published numbers and ask for a named employee; an email only to arrange a video call.
    prospect = add_person(mettel, account_type="business", service_state="NY", billing_state="NY")
    calls = Request(
        ("user.name", "user.contact.phone_number", "user.contact.organization", "user.job_title"),
        "marketing.communications.phone",
        "sales-agents",
        "phone",
    )
    assert "tcpa:TCPA-05:allows" in why(allowed(mettel, prospect, calls, "telemarketing-calls"))
    allowed(mettel, prospect, Request(("user.name", "user.contact.email"), "sales", "sales-agents"), "videoconference-invite")
    denied(mettel, prospect, Request(("user.contact.email",), "marketing", "sales-agents"), "no_rule")


# --- II.B / III.C cookies, analytics, advertising ------------------------------------------------------------------

COOKIE_USES = {
    # use: (rule, the preference that governs it, or None when it cannot be refused)
    Request(("user.device.cookie", "user.device.cookie_id"), "essential.service", "mettel"): ("essential-cookies", None),
    Request(("user.device.cookie_id", "user.behavior.browsing_history"), "analytics.reporting", "mettel"): (
        "analytics-cookies",
        "cookies-analytics",
    ),
    Request(("user.device.cookie_id", "user.device.ip_address"), "analytics.reporting", "online-service-providers"): (
        "analytics-cookies-providers",
        "cookies-analytics",
    ),
    Request(("user.device.cookie_id",), "analytics.reporting.campaign_insights", "mettel"): (
        "campaign-analytics",
        "cookies-analytics",
    ),
    Request(("user.device.cookie", "user.account.settings"), "personalize.content", "mettel"): (
        "personalization-cookies",
        "cookies-functional",
    ),
    Request(("user.device.ip_address", "user.behavior.browsing_history"), "functional.service", "social-networks"): (
        "social-media-features",
        "cookies-functional",
    ),
    Request(("user.device.cookie_id",), "marketing.advertising.serving", "ad-networks"): ("ad-serving", "cookies-advertising"),
    Request(
        ("user.contact.email", "user.behavior.purchase_history", "user.behavior.inferred_interests"),
        "marketing.advertising.profiling",
        "mettel",
    ): ("interest-profile", "cookies-advertising"),
    Request(("user.behavior.inferred_interests",), "marketing.advertising.first_party.targeted", "mettel"): (
        "targeted-ads-first-party",
        "cookies-advertising",
    ),
    Request(
        ("user.device.cookie_id", "user.behavior.inferred_interests"), "marketing.advertising.third_party.targeted", "ad-networks"
    ): (
        "targeted-ads-ad-networks",
        "cookies-advertising",
    ),
    Request(("user.device.cookie_id",), "analytics.reporting.ad_performance", "online-service-providers"): (
        "ad-measurement",
        "cookies-advertising",
    ),
    Request(("user.behavior.product_usage", "user.device.cookie_id"), "functional.service.improve", "google-analytics"): (
        "product-google-analytics",
        "google-analytics-opt-out",
    ),
    Request(("user.behavior.product_usage",), "essential.service.operations.improve", "mettel"): (
        "product-usage-diagnostics",
        "google-analytics-opt-out",
    ),
    Request(("user.demographic.analytics_segments",), "functional.service.improve", "mettel"): (
        "product-ga-demographics",
        "google-analytics-opt-out",
    ),
    Request(("user.demographic.analytics_segments",), "analytics.reporting.content_performance", "google-analytics"): (
        "product-ga-demographics-google",
        "google-analytics-opt-out",
    ),
}


@pytest.mark.promise(
    "001-P022",
    "001-P023",
    "001-P024",
    "001-P025",
    "001-P026",
    "001-P027",
    "001-P029",
    "001-P032",
    "001-P033",
    "001-P034",
    "001-P036",
    "001-P037",
    "001-P051",
    "001-P061",
    "001-P062",
    "001-P063",
    "001-P064",
)
def test_cookie_uses_follow_each_persons_cookie_choices(mettel: Runtime) -> None:
    accepts = add_person(mettel, service_state="NY", billing_state="NY")
    refuses = add_person(mettel, service_state="NY", billing_state="NY")
    for choice, channel in (
        ("cookies-analytics", "cookie_banner"),
        ("cookies-functional", "browser_settings"),
        ("cookies-advertising", "industry_opt_out"),
        ("google-analytics-opt-out", "browser_settings"),
    ):
        choose(mettel, refuses, choice, False, channel)
    for use, (rule, choice) in COOKIE_USES.items():
        d = allowed(mettel, accepts, use, rule)
        assert d.basis.value == ("required" if choice is None else "opt_out_not_exercised"), use
        if choice is None:
            allowed(mettel, refuses, use, rule)  # strictly necessary cookies keep the sites working
        else:
            denied(mettel, refuses, use, "opted_out", f"policy:{rule}:denies")

    # Whatever the choices, ad measurement never reveals who someone is, and the demographic reports never serve ads.
    for person in (accepts, refuses):
        denied(
            mettel,
            person,
            Request(("user.name", "user.contact.email"), "analytics.reporting.ad_performance", "online-service-providers"),
            "never",
            "policy:ad-measurement-no-identity:denies",
        )
        for recipient, rule in (
            ("mettel", "no-ads-with-ga-demographics"),
            ("google-analytics", "no-ads-with-ga-demographics-google"),
        ):
            denied(
                mettel,
                person,
                Request(("user.demographic.analytics_segments",), "marketing.advertising.first_party.targeted", recipient),
                "never",
                f"policy:{rule}:denies",
            )


@pytest.mark.promise("001-P035", "001-P057")
def test_interest_ads_follow_law_and_preferences_gpc_is_honoured_and_dnt_changes_nothing(mettel: Runtime) -> None:
    targeted = Request(
        ("user.device.cookie_id", "user.behavior.inferred_interests"), "marketing.advertising.third_party.targeted", "ad-networks"
    )
    new_yorker = add_person(mettel, service_state="NY", billing_state="NY")
    assert decide(mettel, new_yorker, targeted).allowed
    choose(mettel, new_yorker, "cookies-advertising", False, "cookie_banner")
    denied(mettel, new_yorker, targeted, "opted_out", "policy:targeted-ads-ad-networks:denies")

    # California: a browser's opt-out preference signal is an opt-out of sharing for cross-context advertising.
    californian = add_person(mettel, service_state="CA", billing_state="CA")
    assert decide(mettel, californian, targeted).allowed
    d = decide(mettel, californian, targeted, gpc=True)
    assert (d.allowed, d.basis.value) == (False, "opted_out") and "ccpa:CCPA-07:denies" in why(d)
    choose(mettel, californian, "ccpa-sale", False, "email")
    denied(mettel, californian, targeted, "opted_out", "ccpa:CCPA-04:denies")

    # Maine broadband subscribers: no interest-based ads through ad networks without their opt-in.
    mainer = add_person(mettel, services=["broadband"], service_state="ME", billing_state="ME")
    denied(mettel, mainer, targeted, "opt_in_missing", "maine:ME-01:denies")
    choose(mettel, mainer, "maine-broadband-opt-in", True, "phone")
    assert "maine:ME-01:allows" in why(allowed(mettel, mainer, targeted, "targeted-ads-ad-networks"))

    ads = {"categories": ["user.device.cookie_id"], "purpose": "marketing.advertising.serving", "recipient": "ad-networks"}
    uses = [
        ads,
        {"categories": ["user.device.cookie_id"], "purpose": "analytics.reporting", "recipient": "online-service-providers"},
        {"categories": ["user.behavior.inferred_interests"], "purpose": "marketing.advertising.profiling", "recipient": "mettel"},
    ]
    with TestClient(create_app(mettel)) as client:
        with mettel.uow("test") as uow:
            token, _ = create_token(uow, name="customer-portal", role="service_integration")
        staff = {"Authorization": f"Bearer {token}"}

        def session(person: int) -> dict[str, str]:
            opened = client.post("/v1/consent/privacy-sessions", headers=staff, json={"person_id": person})
            return {"Authorization": f"Session {opened.json()['token']}"}

        def decisions(person: int) -> list[tuple[bool, str, str | None]]:
            out = []
            for use in uses:
                d = client.post("/v1/decisions", headers=staff, json={"person_id": person, **use}).json()
                out.append((d["allowed"], d["basis"], d["rule"]))
            return out

        # Do Not Track: recorded as received, and no choice or decision changes because of it.
        visitor = add_person(mettel, service_state="NY", billing_state="NY")
        before_choices = client.get("/privacy/api/me/choices", headers=session(visitor)).json()["choices"]
        before = decisions(visitor)
        assert all(allowed for allowed, _, _ in before)
        page = client.get("/privacy/api/me/choices", headers={**session(visitor), "DNT": "1"}).json()
        assert page["do_not_track"] == "recorded; our policy does not respond to Do Not Track"
        assert page["choices"] == before_choices
        assert decisions(visitor) == before
        history = client.get(f"/v1/persons/{visitor}/choices", headers=staff).json()["history"]
        assert [(e["choice"], e["value"]) for e in history] == [("signal:dnt", False)]

        # A Californian's Global Privacy Control signal is honoured as the law requires.
        gpc_sender = add_person(mettel, service_state="CA", billing_state="CA")
        assert client.post("/v1/decisions", headers=staff, json={"person_id": gpc_sender, **ads}).json()["allowed"] is True
        page = client.get("/privacy/api/me/choices", headers={**session(gpc_sender), "Sec-GPC": "1"}).json()
        assert page["gpc"] == "Opt-Out Request Honored"
        assert {c["choice"]: c["value"] for c in page["choices"]}["ccpa-sale"] is False
        for use in (
            ads,
            {"categories": ["user.deidentified"], "purpose": "third_party_sharing.sale", "recipient": "mettel-affiliates"},
        ):
            d = client.post("/v1/decisions", headers=staff, json={"person_id": gpc_sender, **use}).json()
            assert (d["allowed"], d["basis"]) == (False, "opted_out"), d
            assert any(r["rule"] == "CCPA-04" and not r["allows"] for r in d["reasons"])


# --- III.D / III.E sale: de-identified only, and California and Nevada opt-outs --------------------------------------

DEID_SALES = {
    "mettel-affiliates": Request(("user.deidentified",), "third_party_sharing.sale", "mettel-affiliates"),
    "analytics-report-providers": Request(("user.deidentified",), "third_party_sharing.sale", "analytics-report-providers"),
}
IDENTIFIABLE = (
    "user.name",
    "user.contact.email",
    "user.telecom.cpni.usage",
    "user.financial.payment_history",
    "user.device.cookie_id",
)
SALE_RECIPIENTS = ("mettel-affiliates", "analytics-report-providers", "unaffiliated-marketers", "ad-networks")


@pytest.mark.promise("001-P070", "001-P071", "001-P072", "001-P076", "001-P077")
def test_only_de_identified_information_is_sold_and_californians_and_nevadans_can_stop_it(mettel: Runtime) -> None:
    people = {
        ("CA", "email"): add_person(mettel, service_state="CA", billing_state="CA"),
        ("CA", "phone"): add_person(mettel, service_state="CA", billing_state="CA"),
        ("NV", "email"): add_person(mettel, service_state="NV", billing_state="NV"),
        ("NV", "phone"): add_person(mettel, service_state="NV", billing_state="NV"),
        ("TX", None): add_person(mettel, service_state="TX", billing_state="TX"),
    }
    regime = {"CA": "ccpa:CCPA-04", "NV": "nevada:NV-02"}
    choice = {"CA": "ccpa-sale", "NV": "nevada-sale"}
    for (state, channel), person in people.items():
        # No identifiable customer information is sold to anyone, whatever the state.
        for recipient in SALE_RECIPIENTS:
            for category in IDENTIFIABLE:
                d = decide(mettel, person, Request((category,), "third_party_sharing.sale", recipient))
                assert (d.allowed, d.basis.value) == (False, "never"), (state, recipient, category, why(d))
                assert d.rule is not None and d.rule.startswith("no-sale-identifiable-")
        # De-identified sharing with affiliates and report providers is the one "sale", and counts as one.
        for use in DEID_SALES.values():
            d = decide(mettel, person, use)
            assert d.allowed, (state, why(d))
            if channel is not None:
                assert f"{regime[state]}:allows" in why(d) and d.basis.value == "opt_out_not_exercised"
        if channel is None:
            continue
        # The opt-out is taken by email or by phone and stops that sharing.
        choose(mettel, person, choice[state], False, channel)
        for use in DEID_SALES.values():
            denied(mettel, person, use, "opted_out", f"{regime[state]}:denies")
    # Sale of de-identified data to anyone else is not something the notice allows.
    denied(
        mettel,
        people[("TX", None)],
        Request(("user.deidentified",), "third_party_sharing.sale", "unaffiliated-marketers"),
        "no_rule",
    )


# --- III.F Maine -----------------------------------------------------------------------------------------------------

MAINE_UNAPPROVED = {
    "affiliate marketing": Request(("user.contact.email", "user.behavior.purchase_history"), "marketing", "mettel-affiliates"),
    "third-party marketing": Request(("user.contact.email",), "marketing", "unaffiliated-marketers"),
    "CPNI to affiliates": Request(("user.telecom.cpni.usage",), "marketing.cpni", "mettel-affiliates"),
    "financial data to affiliates": Request(("user.financial.payment_history",), "marketing", "mettel-affiliates"),
}
MAINE_ALLOWED_WITHOUT_CONSENT = {
    Request(("user.contact.email", "user.telecom.cpni.usage"), "essential.service", "mettel"): "deliver-products",
    Request(("user.contact.email", "user.behavior.purchase_history"), "marketing", "mettel"): "maine-own-marketing",
    Request(("user.contact.email",), "essential.legal_obligation.legal_process", "government"): "legal-process-government",
    Request(("user.financial.payment_history",), "essential.service.billing", "mettel"): "invoicing",
    Request(("user.financial.payment_history",), "essential.collections", "collection-agencies"): "collection-agencies",
    Request(("user.device.ip_address",), "essential.protect_rights", "mettel"): "protect-rights",
    Request(("user.location.precise",), "essential.emergency_response", "mettel"): "customer-safety",
}


@pytest.mark.promise("001-P078", "001-P080", "001-P081", "001-P082", "001-P083")
def test_maine_broadband_subscribers_opt_in_before_other_uses_and_may_object_to_non_personal_use(mettel: Runtime) -> None:
    by_email = add_person(mettel, services=["broadband"], service_state="ME", billing_state="ME")
    by_phone = add_person(mettel, services=["broadband"], service_state="ME", billing_state="ME")
    for person in (by_email, by_phone):
        cpni_notice(mettel, person, T0 - timedelta(days=60))
        for name, use in MAINE_UNAPPROVED.items():
            d = decide(mettel, person, use)
            assert not d.allowed and "maine:ME-01:denies" in why(d), (name, why(d))
        for recipient in ("mettel-affiliates", "unaffiliated-marketers", "ad-networks"):
            d = decide(mettel, person, Request(("user.contact.email",), "third_party_sharing.sale", recipient))
            assert (d.allowed, d.basis.value) == (False, "never")
        for use, rule in MAINE_ALLOWED_WITHOUT_CONSENT.items():
            allowed(mettel, person, use, rule)
        # Non-personal (de-identified) information may be used unless the subscriber objects.
        for use in DEID_SALES.values():
            d = decide(mettel, person, use)
            assert d.allowed and "maine:ME-02:allows" in why(d)

    # The opt-in is given by email or phone, not through a channel the notice does not offer.
    with pytest.raises(ConsentError):
        choose(mettel, by_email, "maine-broadband-opt-in", True, "web_form")
    choose(mettel, by_email, "maine-broadband-opt-in", True, "email")
    choose(mettel, by_phone, "maine-broadband-opt-in", True, "phone")
    for person in (by_email, by_phone):
        d = allowed(mettel, person, MAINE_UNAPPROVED["affiliate marketing"], "maine-affiliate-marketing")
        assert d.basis.value == "opt_in_given" and "maine:ME-01:allows" in why(d)
        allowed(mettel, person, MAINE_UNAPPROVED["third-party marketing"], "maine-third-party-marketing")

    # The objection to non-personal use, by email or phone.
    choose(mettel, by_email, "maine-nonpersonal-opt-out", False, "email")
    choose(mettel, by_phone, "maine-nonpersonal-opt-out", False, "phone")
    for person in (by_email, by_phone):
        for use in DEID_SALES.values():
            denied(mettel, person, use, "opted_out", "maine:ME-02:denies")
