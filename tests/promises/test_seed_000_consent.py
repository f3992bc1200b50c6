"""Seed 000 (Metronet): the consent and use promises of its privacy policy, proved on a real database.

Each test puts choices into the consent ledger the way they really arrive (the privacy center, the
one-click link in an email, an SMS reply, a browser or device setting, a care rep on the phone) and
asks the decision point, through `decide_for_person` or the API, asserting the outcome, its basis and
the pack rule or regulation rule it cites. The `promise` marker of each test names what it proves.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from privet.access.tokens import create_token
from privet.api.app import create_app
from privet.consent import ledger
from privet.consent.channels import apply_browser_signals
from privet.consent.ledger import ConsentError
from privet.decide.engine import Request
from privet.outbox.tables import OutboxMessage
from privet.runtime import Runtime
from tests.conftest import POLICIES, add_person, make_runtime
from tests.promises.decisions import T0, choose, decide, decide_all, each, verdict, verdicts, why

METRONET = POLICIES / "000-metronet"
CPNI = ("user.telecom.cpni.call_detail",)


@pytest.fixture
def metronet(engine: Engine, factory: sessionmaker[Session]) -> Runtime:
    return make_runtime(engine, factory, METRONET)


# --- Privacy 3c-3d, 6c: marketing email and texts ------------------------------------------------------------------

EMAIL = Request(("user.name", "user.contact.email"), "marketing.communications.email", "first-party", "email")
EMAIL_BY_VENDOR = Request(("user.contact.email",), "marketing.communications.email", "vendors", "email")
TEXT = Request(("user.contact.phone_number",), "marketing.communications.sms", "first-party", "sms")
SERVICE_NOTICE = Request(("user.name", "user.contact.email"), "essential.service.notifications", "first-party", "email")
EMAILS = {"marketing-email": EMAIL, "marketing-email-vendors": EMAIL_BY_VENDOR}


@pytest.mark.promise("000-P112", "000-P113", "000-P145", "000-P146", "000-P147")
def test_marketing_email_stops_in_the_preference_center_or_by_its_link_and_stop_ends_marketing_texts(
    metronet: Runtime,
) -> None:
    reader = add_person(metronet, emails=["reader@example.net"], phones=["(316) 555-0101"], service_state="KS")
    clicker = add_person(metronet, emails=["clicker@example.net"], service_state="KS")

    with TestClient(create_app(metronet), raise_server_exceptions=False) as api:
        staff: dict[str, dict[str, str]] = {}
        with metronet.uow("test") as uow:
            for role in ("service_integration", "marketing"):
                token, _ = create_token(uow, name=role, role=role)
                staff[role] = {"Authorization": f"Bearer {token}"}

        def ask(person: int, request: Request) -> Any:
            body = {"person_id": person, "categories": list(request.categories), "purpose": request.purpose}
            body |= {"recipient": request.recipient, "channel": request.channel}
            response = api.post("/v1/decisions", headers=staff["marketing"], json=body)
            assert response.status_code == 200, response.text
            return response.json()

        # Newsletters and offers go by email until the person says stop, each carrying the unsubscribe link.
        for person in (reader, clicker):
            for rule, d in decide_all(metronet, person, EMAILS, at=None).items():
                assert verdict(d) == (True, "opt_out_not_exercised", rule)
                assert "can_spam:SPAM-02:allows" in why(d) and "include_unsubscribe_link" in d.obligations

        # Texts only after the person agreed to them.
        d = decide(metronet, reader, TEXT, at=None)
        assert verdict(d) == (False, "opt_in_missing", "marketing-sms") and "tcpa:TCPA-01:denies" in why(d)
        with pytest.raises(ConsentError):
            choose(metronet, reader, "marketing-sms", True, "phone")  # agreement comes by form or keyword only
        choose(metronet, reader, "marketing-sms", True, "web_form", form="text-alerts-signup")
        d = decide(metronet, reader, TEXT, at=None)
        assert verdict(d) == (True, "opt_in_given", "marketing-sms") and "tcpa:TCPA-01:allows" in why(d)

        # The reader opens the Preference Center (privacy center) and turns marketing email off.
        session = api.post(
            "/v1/consent/privacy-sessions", headers=staff["service_integration"], json={"person_id": reader}
        ).json()["token"]
        center = {"Authorization": f"Session {session}"}
        mine = api.get("/privacy/api/me/choices", headers=center).json()["choices"]
        assert {c["choice"]: c["value"] for c in mine}["marketing-email"] is True
        saved = api.post("/privacy/api/me/choices", headers=center, json={"choice": "marketing-email", "value": False})
        assert saved.status_code == 200
        assert {c["choice"]: c["value"] for c in saved.json()["choices"]}["marketing-email"] is False
        for rule, request in EMAILS.items():
            seen = ask(reader, request)
            assert (seen["allowed"], seen["basis"], seen["rule"]) == (False, "opted_out", rule)
            denying = {(r["source"], r["rule"]) for r in seen["reasons"] if not r["allows"]}
            assert {("policy", rule), ("can_spam", "SPAM-02")} <= denying
        # Administrative messages, such as changes to the terms, still go out.
        assert verdict(decide(metronet, reader, SERVICE_NOTICE, at=None)) == (True, "required", "service-notices")

        # The clicker uses the link carried in a marketing email: one click, no login.
        link = api.post(
            "/v1/consent/unsubscribe-links",
            headers=staff["service_integration"],
            json={"person_id": clicker, "choice": "marketing-email", "base_url": "https://metronet.example"},
        ).json()
        assert link["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert api.get(f"/unsubscribe/{link['token']}").status_code == 200
        assert decide(metronet, clicker, EMAIL, at=None).allowed, "opening the landing page changes nothing by itself"
        clicked = api.post(f"/unsubscribe/{link['token']}", data={"List-Unsubscribe": "One-Click"})
        assert clicked.status_code == 200
        for rule, d in decide_all(metronet, clicker, EMAILS, at=None).items():
            assert verdict(d) == (False, "opted_out", rule)
            assert {f"policy:{rule}:denies", "can_spam:SPAM-02:denies"} <= why(d)

        # The reader replies STOP to a marketing text.
        reply = api.post(
            "/v1/consent/sms/inbound", headers=staff["service_integration"], json={"from": "+1 316 555 0101", "body": "STOP"}
        ).json()
        assert reply == {"stop": True, "person_id": reader, "opted_out_of": ["marketing-sms"], "confirmation_queued": True}
        d = decide(metronet, reader, TEXT, at=None)
        assert verdict(d) == (False, "opt_in_missing", "marketing-sms")
        assert {"policy:marketing-sms:denies", "tcpa:TCPA-01:denies"} <= why(d)
    with metronet.factory() as session_:
        confirmations = session_.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sms_stop_confirmation")).all()
    assert [m.recipient for m in confirmations] == ["+13165550101"]


# --- Privacy 2b(iii), 3b, 5, 6a: browser and device settings -------------------------------------------------------

LOCATION_USES = {
    "precise-location-content": Request(("user.location.precise",), "personalize.content", "first-party"),
    "precise-location-improvement": Request(("user.location.precise",), "functional.service.improve", "first-party"),
}
COOKIE_USES = {
    "site-cookie-analytics": Request(("user.device.cookie", "user.device.cookie_id"), "analytics", "first-party"),
    "functional-cookies": Request(("user.device.cookie", "user.account.settings"), "functional.storage", "first-party"),
    "site-targeted-ads": Request(("user.device.cookie_id",), "marketing.advertising.first_party.targeted", "first-party"),
    "site-personalization": Request(("user.behavior.browsing_history",), "personalize.content.profiled", "first-party"),
    "cross-device-linking": Request(("user.device.device_id",), "marketing.advertising.profiling", "first-party"),
}
GOOGLE_ANALYTICS = Request(("user.device.cookie_id", "user.behavior.browsing_history"), "analytics", "analytics-providers")
ANALYTICS_WITHOUT_COOKIES = {
    "product-analytics": Request(("user.behavior.browsing_history", "user.behavior.search_history"), "analytics", "first-party"),
    "interaction-analytics": Request(("user.behavior.interaction_dynamics",), "analytics", "first-party"),
    "quality-and-training": Request(("user.content.recording",), "functional.service.improve", "first-party"),
    "email-engagement": Request(("user.behavior.email_engagement",), "analytics.reporting.campaign_insights", "first-party"),
    "service-delivery": Request(("user.account", "user.device", "user.contact.email"), "essential.service", "first-party"),
}


@pytest.mark.promise("000-P105", "000-P106", "000-P111", "000-P131", "000-P132", "000-P133", "000-P134", "000-P135", "000-P140")
def test_browser_and_device_settings_switch_tracking_off_while_the_products_keep_working(metronet: Runtime) -> None:
    person = add_person(metronet, services=["broadband"], service_state="KS")

    # Precise location: only once the person turns location sharing on in the device settings.
    assert verdicts(metronet, person, LOCATION_USES, T0) == each(LOCATION_USES, False, "opt_in_missing")
    with pytest.raises(ConsentError):
        choose(metronet, person, "precise-location", True, "web_form")
    choose(metronet, person, "precise-location", True, "device_settings")
    assert verdicts(metronet, person, LOCATION_USES) == each(LOCATION_USES, True, "opt_in_given")

    # Cookies, pixels and Google Analytics run until the browser says otherwise.
    assert verdicts(metronet, person, COOKIE_USES) == each(COOKIE_USES, True, "opt_out_not_exercised")
    d = decide(metronet, person, GOOGLE_ANALYTICS)
    assert verdict(d) == (True, "opt_out_not_exercised", "google-analytics") and "log_disclosure" in d.obligations
    assert verdicts(metronet, person, ANALYTICS_WITHOUT_COOKIES) == each(ANALYTICS_WITHOUT_COOKIES, True, "required")

    # The Google Analytics add-on keeps the data out of Google Analytics, and only that.
    choose(metronet, person, "google-analytics-opt-out", False, "browser_settings", T0 + timedelta(minutes=1), add_on="GA")
    moment = T0 + timedelta(minutes=2)
    assert verdict(decide(metronet, person, GOOGLE_ANALYTICS, moment)) == (False, "opted_out", "google-analytics")
    assert verdicts(metronet, person, COOKIE_USES, moment) == each(COOKIE_USES, True, "opt_out_not_exercised")

    # Blocking cookies and switching location off stop that tracking; the products, and their cookie-free uses, go on.
    choose(metronet, person, "cookie-settings", False, "browser_settings", T0 + timedelta(minutes=3))
    choose(metronet, person, "precise-location", False, "device_settings", T0 + timedelta(minutes=3))
    moment = T0 + timedelta(minutes=4)
    assert verdicts(metronet, person, COOKIE_USES, moment) == each(COOKIE_USES, False, "opted_out")
    assert verdicts(metronet, person, LOCATION_USES, moment) == each(LOCATION_USES, False, "opt_in_missing")
    assert verdicts(metronet, person, ANALYTICS_WITHOUT_COOKIES, moment) == each(ANALYTICS_WITHOUT_COOKIES, True, "required")


# --- Privacy 4d, 5d-5f, 6b: ad networks, industry opt-outs, Do Not Track -------------------------------------------

NETWORK_USES = {
    "ad-network-targeting": Request(
        ("user.device.cookie_id", "user.behavior.browsing_history"), "marketing.advertising.third_party.targeted", "ad-networks"
    ),
    "ad-network-sharing": Request(
        ("user.device.cookie_id", "user.unique_id"), "third_party_sharing.cross_context_advertising", "ad-networks"
    ),
    "ad-measurement": Request(("user.device.cookie_id",), "analytics.reporting.ad_performance", "ad-networks"),
    "cross-device-linking-ad-networks": Request(("user.device.device_id",), "marketing.advertising.profiling", "ad-networks"),
}
OWN_ADS_AND_ANALYTICS = {
    "site-targeted-ads": COOKIE_USES["site-targeted-ads"],
    "site-personalization": COOKIE_USES["site-personalization"],
    "cross-device-linking": COOKIE_USES["cross-device-linking"],
    "google-analytics": GOOGLE_ANALYTICS,
}
CONTEXTUAL = {
    "contextual-ads": Request(("user.behavior.browsing_history",), "marketing.advertising.first_party.contextual", "first-party")
}
SESSION_ANALYTICS = {
    "interaction-analytics-partners": Request(("user.behavior.interaction_dynamics",), "analytics", "analytics-providers")
}


@pytest.mark.promise("000-P123", "000-P136", "000-P137", "000-P138", "000-P141", "000-P142", "000-P143")
def test_industry_ad_opt_outs_stop_network_ads_contextual_ads_go_on_and_do_not_track_changes_nothing(
    metronet: Runtime,
) -> None:
    web = add_person(metronet, services=["broadband"], service_state="KS")
    app_user = add_person(metronet, services=["broadband"], service_state="KS")
    everything = {**NETWORK_USES, **OWN_ADS_AND_ANALYTICS, **CONTEXTUAL, **SESSION_ANALYTICS}
    expected = {
        **each(NETWORK_USES, True, "opt_out_not_exercised"),
        **each(OWN_ADS_AND_ANALYTICS, True, "opt_out_not_exercised"),
        **each(CONTEXTUAL, True, "required"),
        **each(SESSION_ANALYTICS, True, "required"),
    }

    before = decide_all(metronet, web, everything)
    assert {rule: verdict(d) for rule, d in before.items()} == expected
    assert all("log_disclosure" in before[rule].obligations for rule in (*NETWORK_USES, *SESSION_ANALYTICS))

    # Do Not Track: the signal is recorded as received and not honoured, and no decision moves.
    with metronet.uow("test") as uow:
        signals = apply_browser_signals(uow, metronet.pack, person_id=web, gpc=False, dnt=True, page="/plans")
        events = [(e.choice_id, e.value) for e in ledger.history(uow, web)]
    assert signals.dnt_recorded and signals.recorded == ()
    assert events == [("signal:dnt", False)]
    assert decide_all(metronet, web, everything, T0 + timedelta(minutes=1)) == before

    # The DAA opt-out on the web, and AppChoices in an app, end interest-based ads from participating networks;
    # advertising itself goes on: Metronet's own and contextual ads, and the analytics providers.
    choose(metronet, web, "industry-ad-opt-out", False, "industry_opt_out", T0 + timedelta(minutes=2), tool="DAA WebChoices")
    choose(metronet, app_user, "industry-ad-opt-out", False, "industry_opt_out", T0 + timedelta(minutes=2), tool="AppChoices")
    moment = T0 + timedelta(minutes=3)
    for person in (web, app_user):
        assert verdicts(metronet, person, everything, moment) == {**expected, **each(NETWORK_USES, False, "opted_out")}

    # Even with cookies blocked as well, generic and contextual ads continue.
    choose(metronet, web, "cookie-settings", False, "browser_settings", T0 + timedelta(minutes=4))
    moment = T0 + timedelta(minutes=5)
    assert verdicts(metronet, web, {**CONTEXTUAL, **COOKIE_USES}, moment) == {
        **each(CONTEXTUAL, True, "required"),
        **each(COOKIE_USES, False, "opted_out"),
    }


# --- Privacy 7: CPNI -----------------------------------------------------------------------------------------------

CPNI_WITHOUT_APPROVAL = {
    "cpni-service": Request(CPNI, "essential.service", "first-party"),
    "billing": Request(("user.telecom.cpni.billing",), "essential.service.billing", "first-party"),
    "cpni-service-vendors": Request(CPNI, "essential.service.operations.support", "vendors"),
    "cpni-within-category": Request(
        ("user.telecom.cpni.service_configuration",), "essential.service.cpni_within_category", "first-party"
    ),
    "cpni-protect-rights": Request(CPNI, "essential.protect_rights", "first-party"),
    "cpni-fraud-protection": Request(CPNI, "essential.fraud_detection", "first-party"),
    "cpni-fraud-other-carriers": Request(CPNI, "essential.fraud_detection", "other-carriers"),
}
CPNI_WITH_APPROVAL = {
    "cpni-marketing-communications-related": Request(CPNI, "marketing.cpni.communications_related", "first-party"),
    "cpni-marketing-non-communications": Request(CPNI, "marketing.cpni.non_communications", "first-party"),
    "cpni-affiliate-marketing": Request(CPNI, "marketing.cpni", "affiliates"),
    "cpni-partner-marketing": Request(CPNI, "marketing.cpni", "business-partners"),
    "cpni-business-transfer": Request(CPNI, "essential.business_transfer", "acquirers"),
    "cpni-other-disclosures": Request(CPNI, "third_party_sharing", "consented-recipients"),
}
CPNI_REGIME_RULE = {
    "cpni-marketing-communications-related": "CPNI-03",
    "cpni-marketing-non-communications": "CPNI-02",
    "cpni-affiliate-marketing": "CPNI-03",
    "cpni-partner-marketing": "CPNI-02",
    "cpni-business-transfer": "CPNI-02",
    "cpni-other-disclosures": "CPNI-02",
}
CPNI_NEVER = {
    "cpni-no-ad-networks": Request(CPNI, "marketing.advertising.third_party.targeted", "ad-networks"),
    "cpni-no-ad-sharing": Request(CPNI, "third_party_sharing.cross_context_advertising", "ad-networks"),
    "cpni-no-analytics-providers": Request(CPNI, "analytics", "analytics-providers"),
}
CPNI_UNLISTED = {
    "first-party analytics": Request(CPNI, "analytics", "first-party"),
    "email offers": Request(CPNI, "marketing.communications.email", "first-party", "email"),
    "affiliates serving": Request(CPNI, "essential.service", "affiliates"),
    "vendors marketing": Request(CPNI, "marketing.cpni", "vendors"),
}
NO_RULE = (False, "no_rule", None)


@pytest.mark.promise("000-P152", "000-P155", "000-P156", "000-P157", "000-P158", "000-P161")
def test_voice_cpni_serves_only_the_listed_purposes_until_the_customer_gives_additional_approval(metronet: Runtime) -> None:
    voice = add_person(metronet, services=["broadband", "voice"], service_state="KS")
    # Consent to some other disclosure is not the additional approval CPNI needs.
    choose(metronet, voice, "other-disclosure-consent", True, "web_form", recipient="utility-rebate-program")
    uses = {**CPNI_WITHOUT_APPROVAL, **CPNI_WITH_APPROVAL, **CPNI_NEVER, **CPNI_UNLISTED}
    unapproved = {
        **each(CPNI_WITHOUT_APPROVAL, True, "required"),
        **each(CPNI_WITH_APPROVAL, False, "opt_in_missing"),
        **each(CPNI_NEVER, False, "never"),
        **dict.fromkeys(CPNI_UNLISTED, NO_RULE),
    }

    decided = decide_all(metronet, voice, uses)
    assert {key: verdict(d) for key, d in decided.items()} == unapproved
    assert all("cpni:CPNI-01:allows" in why(decided[rule]) for rule in CPNI_WITHOUT_APPROVAL)
    for rule in CPNI_WITH_APPROVAL:
        assert {f"policy:{rule}:denies", f"cpni:{CPNI_REGIME_RULE[rule]}:denies"} <= why(decided[rule]), rule
    assert all("policy:no_rule:denies" in why(decided[key]) for key in CPNI_UNLISTED)

    # The customer gives additional approval on the phone with a care rep; it reaches nothing the policy rules out.
    choose(metronet, voice, "cpni-approval", True, "phone", rep="care-117")
    decided = decide_all(metronet, voice, uses)
    assert {key: verdict(d) for key, d in decided.items()} == {**unapproved, **each(CPNI_WITH_APPROVAL, True, "opt_in_given")}
    assert all(f"cpni:{CPNI_REGIME_RULE[rule]}:allows" in why(decided[rule]) for rule in CPNI_WITH_APPROVAL)

    # A written withdrawal puts things back; the listed purposes never depended on approval.
    choose(metronet, voice, "cpni-approval", False, "written_request", T0 + timedelta(days=1))
    assert verdicts(metronet, voice, uses, T0 + timedelta(days=2)) == unapproved


# --- Privacy 3: uses that need no choice ---------------------------------------------------------------------------

OPERATIONAL_USES = {
    "service-delivery": Request(("user.name", "user.contact.email", "user.account"), "essential.service", "first-party"),
    "customer-support": Request(
        ("user.content.communications_record", "user.telecom.network_performance"),
        "essential.service.operations.support",
        "first-party",
    ),
    "billing": Request(("user.payment", "user.financial.credit_card"), "essential.service.billing", "first-party"),
    "product-analytics": Request(("user.behavior.search_history", "user.content.feedback"), "analytics", "first-party"),
    "quality-and-training": Request(("user.content.recording",), "functional.service.improve", "first-party"),
    "surveys": Request(("user.content.feedback", "user.behavior.inference"), "marketing.research", "first-party"),
    "fraud-and-security": Request(
        ("user.behavior.browsing_history", "user.device.ip_address"), "essential.fraud_detection", "first-party"
    ),
    "protect-rights": Request(("user.financial.credit_card", "user.content"), "essential.protect_rights", "first-party"),
    "audits": Request(("user.payment",), "finance", "first-party"),
    "internal-operations": Request(("user.content.communications_record",), "operations", "first-party"),
}


EVENT_USES = {
    "events-and-contests": Request(
        ("user.name", "user.contact.email", "user.demographic.age_range"), "marketing.promotions", "first-party"
    ),
    "event-attendee-introductions": Request(("user.name", "user.contact.organization"), "marketing.promotions", "other-users"),
}


@pytest.mark.promise("000-P110", "000-P111", "000-P114", "000-P115", "000-P116", "000-P118")
def test_the_uses_privacy_3_lists_need_no_choice_and_outlast_every_opt_out(metronet: Runtime) -> None:
    person = add_person(metronet, services=["broadband"], service_state="KS", subject_kinds=["event_participant"])
    stay_at_home = add_person(metronet, services=["broadband"], service_state="KS")
    for choice_id, channel in (
        ("marketing-email", "account_portal"),
        ("cookie-settings", "browser_settings"),
        ("industry-ad-opt-out", "industry_opt_out"),
        ("google-analytics-opt-out", "browser_settings"),
    ):
        choose(metronet, person, choice_id, False, channel)
    # What serves these purposes does not stretch to others.
    stretched = {
        "feedback for ads": Request(("user.content.feedback",), "marketing.advertising.first_party.targeted", "first-party")
    }
    assert verdicts(metronet, person, {**OPERATIONAL_USES, **EVENT_USES, **stretched}) == {
        **each(OPERATIONAL_USES, True, "required"),
        **each(EVENT_USES, True, "required"),
        "feedback for ads": NO_RULE,
    }
    # Events are run with the data of the people who take part in them, and no one else's.
    assert verdicts(metronet, stay_at_home, EVENT_USES) == dict.fromkeys(EVENT_USES, NO_RULE)


# --- Privacy 4: disclosures ----------------------------------------------------------------------------------------

DISCLOSURES = {
    "affiliates-service": Request(
        ("user.name", "user.contact.email", "user.behavior.purchase_history"), "essential.service", "affiliates"
    ),
    "partners-service": Request(("user.name", "user.contact.phone_number"), "essential.service", "business-partners"),
    "service-vendors": Request(
        ("user.telecom.ip_assignment", "user.content.communications_record"), "essential.service", "vendors"
    ),
    "payment-processing": Request(("user.financial.credit_card",), "essential.service.payment_processing", "vendors"),
    "support-vendors": Request(("user.content.communications_record",), "essential.service.operations.support", "vendors"),
    "vendor-analytics": Request(("user.behavior.browsing_history",), "analytics", "vendors"),
    "research-vendors": Request(("user.content.feedback",), "marketing.research", "vendors"),
    "legal-counsel": Request(("user.name", "user.content.communications_record"), "essential.legal_obligation", "advisers"),
    "auditors": Request(("user.payment",), "finance", "advisers"),
    "business-transfer": Request(
        ("user.name", "user.financial.credit_card", "user.content.communications_record"),
        "essential.business_transfer",
        "acquirers",
    ),
    "transaction-diligence": Request(
        ("user.name", "user.telecom.account_number"), "essential.business_transfer", "transaction-parties"
    ),
    "protect-rights-government": Request(("user.name", "user.device.ip_address"), "essential.protect_rights", "government"),
    "cpni-fraud-other-carriers": Request(CPNI, "essential.fraud_detection", "other-carriers"),
    "deidentified-sharing": Request(("user.behavior.browsing_history",), "analytics.deidentified", "deidentified-recipients"),
}
VENDOR_RULES = {"service-vendors", "payment-processing", "support-vendors", "vendor-analytics", "research-vendors"}
NOT_DISCLOSED = {
    "cpni to affiliates": Request(CPNI, "essential.service", "affiliates"),
    "cards to affiliates": Request(("user.financial.credit_card",), "essential.service", "affiliates"),
    "affiliate email offers": Request(("user.contact.email",), "marketing.communications.email", "affiliates", "email"),
    "cards to partners": Request(("user.financial.credit_card",), "essential.service", "business-partners"),
    "cards before closing": Request(("user.financial.credit_card",), "essential.business_transfer", "transaction-parties"),
    "de-identified for ads": Request(("user.behavior.browsing_history",), "marketing", "deidentified-recipients"),
    "sharing with partners": Request(("user.name", "user.contact.email"), "third_party_sharing", "business-partners"),
    "payment to friends": Request(("user.payment",), "marketing.referral", "other-users"),
    "purchases to friends": Request(("user.behavior.purchase_history",), "marketing.referral", "other-users"),
}
BY_CHOICE = {
    "refer-a-friend-sharing": Request(
        ("user.name", "user.contact.email", "user.contact.phone_number"), "marketing.referral", "other-users"
    ),
    "other-disclosures": Request(("user.name", "user.contact.email"), "third_party_sharing", "consented-recipients"),
    "cpni-business-transfer": CPNI_WITH_APPROVAL["cpni-business-transfer"],
    "marketing-email-vendors": EMAIL_BY_VENDOR,
}


@pytest.mark.promise("000-P119", "000-P120", "000-P121", "000-P122", "000-P124", "000-P125", "000-P127", "000-P129", "000-P130")
def test_disclosures_go_only_to_the_recipients_privacy_4_names_and_the_rest_waits_for_consent(metronet: Runtime) -> None:
    person = add_person(metronet, services=["broadband", "voice"], service_state="KS")
    uses = {**DISCLOSURES, **NOT_DISCLOSED, **BY_CHOICE}
    expected = {
        **each(DISCLOSURES, True, "required"),
        **dict.fromkeys(NOT_DISCLOSED, NO_RULE),
        **each(("refer-a-friend-sharing", "other-disclosures", "cpni-business-transfer"), False, "opt_in_missing"),
        **each(("marketing-email-vendors",), True, "opt_out_not_exercised"),
    }

    decided = decide_all(metronet, person, uses)
    assert {key: verdict(d) for key, d in decided.items()} == expected
    for rule in DISCLOSURES:
        assert "log_disclosure" in decided[rule].obligations, rule
        assert ("processor_contract" in decided[rule].obligations) is (rule in VENDOR_RULES), rule
    assert "aggregate_or_deidentify_first" in decided["deidentified-sharing"].obligations

    # Refer a Friend and any other disclosure: only once the person says so, and only what they said.
    choose(metronet, person, "refer-a-friend", True, "web_form", friends="2")
    choose(metronet, person, "other-disclosure-consent", True, "written_request", recipient="utility-rebate-program")
    assert verdicts(metronet, person, uses) == {
        **expected,
        **each(("refer-a-friend-sharing", "other-disclosures"), True, "opt_in_given"),
    }


# --- Privacy 8: children -------------------------------------------------------------------------------------------

COLLECT = {"no-child-collection": Request(("user.name", "user.contact.email"), "collect", "first-party")}
CHILD_USES = {
    "email offers": EMAIL,
    "analytics": OPERATIONAL_USES["product-analytics"],
    "service": OPERATIONAL_USES["service-delivery"],
}


@pytest.mark.promise("000-P163")
def test_nothing_is_knowingly_collected_from_a_child_under_thirteen(metronet: Runtime) -> None:
    child = add_person(metronet, birth_date="2016-05-01", service_state="KS")
    with_parent = add_person(metronet, birth_date="2016-05-01", parental_consent=True, service_state="KS")
    adult = add_person(metronet, birth_date="1980-05-01", service_state="KS")
    unknown_age = add_person(metronet, service_state="KS")

    decided = decide_all(metronet, child, {**COLLECT, **CHILD_USES})
    assert {"policy:no-child-collection:denies", "coppa:COPPA-01:denies"} <= why(decided["no-child-collection"])
    assert "open_child_deletion" in decided["no-child-collection"].obligations
    for key, d in decided.items():
        assert (d.allowed, d.basis.value) == (False, "prohibited_by_law") and "coppa:COPPA-01:denies" in why(d), key
    # A parent's consent does not change Metronet's own promise.
    assert verdicts(metronet, with_parent, COLLECT) == each(COLLECT, False, "never")
    # "Knowingly": only a person known to be under 13 is treated as a child.
    for person in (adult, unknown_age):
        decided = decide_all(metronet, person, {**COLLECT, **CHILD_USES})
        assert "policy:no-child-collection:denies" not in why(decided["no-child-collection"])
        assert all(decided[key].allowed for key in CHILD_USES)


# --- Preamble: revisions -------------------------------------------------------------------------------------------

SURVEYS_RULE = (
    "  - id: surveys\n    categories: [user.name, user.contact.email, user.content.feedback, user.behavior.inference]\n"
)
SURVEYS_BY_PHONE = Request(("user.contact.phone_number",), "marketing.research", "first-party")


def revised_pack(folder: Path) -> Path:
    """The same pack posted as a later version whose survey rule also reaches phone numbers."""
    text = (METRONET / "pack.yaml").read_text()
    assert text.count(SURVEYS_RULE) == 1 and text.count('version: "2023-09-28"') == 1
    revised = (
        text.replace('version: "2023-09-28"', 'version: "2026-06-01"')
        .replace("effective: 2023-09-28", "effective: 2026-06-01")
        .replace(SURVEYS_RULE, SURVEYS_RULE.replace("user.contact.email,", "user.contact.email, user.contact.phone_number,"))
    )
    (folder / "pack.yaml").write_text(revised)
    return folder


@pytest.mark.promise("000-P002", "000-P003")
def test_a_revision_governs_everyones_data_once_posted_without_asking_anyone_to_accept_it(
    engine: Engine, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    posted = make_runtime(engine, factory, METRONET)
    subscriber = add_person(posted, phones=["(316) 555-0199"], service_state="KS")
    assert verdict(decide(posted, subscriber, SURVEYS_BY_PHONE)) == NO_RULE

    revised = make_runtime(engine, factory, revised_pack(tmp_path), history=(METRONET,))
    assert not revised.pack.statements.older_data_keeps_version
    d = decide(revised, subscriber, SURVEYS_BY_PHONE)
    assert verdict(d) == (True, "required", "surveys") and d.policy_version == "2026-06-01"
    assert "version_pinning" not in {r.rule for r in d.reasons}, "data collected under the old text is not held back"
    with revised.uow("test") as uow:
        assert not any(k.startswith(ledger.POLICY_ACCEPTANCE_PREFIX) for k in ledger.current_choices(uow, subscriber))
