"""Seed 003 (MTUSA): the consent and use promises of its privacy policy, proved on a real database.

Each test records what a customer tells MTUSA (a browser setting, a form, a call to the local
representative, a letter) in the consent ledger, sends CPNI notices where the law asks for them, and
asks the decision point through `decide_for_person`, asserting the outcome, its basis and the pack
rule or regulation rule it cites. The `promise` marker of each test names what it proves.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from privet.consent import ledger
from privet.decide.engine import Request
from privet.runtime import Runtime
from privet.subjects.importing import parse_rows
from privet.subjects.service import find_person, import_records
from tests.conftest import POLICIES, add_person, make_runtime
from tests.promises.decisions import T0, choose, decide_all, each, verdict, verdicts, why

CPNI = ("user.telecom.cpni.call_detail",)
CARD = ("user.financial.credit_card",)
NO_RULE = (False, "no_rule", None)


@pytest.fixture
def mtusa(engine: Engine, factory: sessionmaker[Session]) -> Runtime:
    return make_runtime(engine, factory, POLICIES / "003-mtusa")


def add_visitor(runtime: Runtime, email: str) -> int:
    """Someone known only from a visit to an MTUSA site: no account, just the address they typed in."""
    records, errors = parse_rows(
        [{"person_id": email, "full_name": "Site Visitor", "emails": [email], "subject_kinds": ["visitor"]}]
    )
    assert not errors, errors
    with runtime.uow("test") as uow:
        import_records(uow, records, runtime.policy_version_id)
        person = find_person(uow, "email", email)
        assert person is not None and not person.roles
        return person.id


def cpni_notice(runtime: Runtime, person: int, sent_at: datetime) -> None:
    with runtime.uow("test") as uow:
        ledger.record_cpni_notice(uow, person_id=person, sent_at=sent_at, mailed=False)


# --- A. Internet: cookies and anonymous site data ------------------------------------------------------------------

COOKIE_USES = {
    "site-personalization": Request(
        ("user.device.cookie_id", "user.behavior.browsing_history"), "personalize.content", "first-party"
    ),
    "site-tailored-offers": Request(
        ("user.device.cookie_id", "user.behavior.browsing_history"), "marketing.advertising.first_party.contextual", "first-party"
    ),
}
SITE_LOGS = {
    "site-improvement": Request(
        ("user.device.ip_address", "user.behavior.browsing_history"), "functional.service.improve", "first-party"
    )
}
JOINED_TO_IDENTITY = {
    "personalizing by name": Request(("user.behavior.browsing_history", "user.name"), "personalize.content", "first-party"),
    "profiles with email": Request(
        ("user.device.cookie_id", "user.contact.email"), "personalize.content.profiled", "first-party"
    ),
    "offers from browsing": Request(
        ("user.behavior.browsing_history", "user.contact.email"), "marketing.communications", "first-party"
    ),
    "named site offers": Request(
        ("user.device.cookie_id", "user.name"), "marketing.advertising.first_party.contextual", "first-party"
    ),
    "named site logs": Request(
        ("user.device.ip_address", "user.name", "user.telecom.account_number"), "functional.service.improve", "first-party"
    ),
    "named analytics": Request(("user.behavior.browsing_history", "user.name"), "analytics", "first-party"),
}


VISITOR_OFFERS = {
    "visitor-offers": Request(("user.name", "user.contact.address"), "marketing.communications.mail", "first-party"),
}
VISITOR_SALE = {
    "visitor-sale-authorized": Request(("user.name", "user.contact.email"), "third_party_sharing.sale", "third-parties"),
    "visitor-sale-to-partners": Request(("user.name", "user.contact.email"), "third_party_sharing.sale", "offer-partners"),
}
COMPELLED_OR_URGENT = {
    "legal-process": Request(("user.name", "user.contact.email"), "essential.legal_obligation.legal_process", "government"),
    "emergency-public-safety": Request(("user.name", "user.contact.email"), "essential.emergency_response", "government"),
}
NOT_PASSED_ON = {
    "sale to the family": Request(("user.name", "user.contact.email"), "third_party_sharing.sale", "family-of-companies"),
    "trade with agents": Request(("user.name", "user.contact.email"), "third_party_sharing", "authorized-agents"),
    "agents using the details": Request(("user.name", "user.contact.email"), "marketing.communications", "authorized-agents"),
}


@pytest.mark.promise("003-P008", "003-P009", "003-P010", "003-P016", "003-P017")
def test_site_visitors_get_cookies_and_offers_until_they_refuse_and_their_data_is_neither_sold_nor_joined_to_identity(
    mtusa: Runtime,
) -> None:
    visitor = add_visitor(mtusa, "visitor@example.org")
    tracked = {**COOKIE_USES, **SITE_LOGS}
    uses = {**tracked, **VISITOR_OFFERS, **VISITOR_SALE, **COMPELLED_OR_URGENT, **NOT_PASSED_ON}
    expected = {
        **each(COOKIE_USES, True, "opt_out_not_exercised"),
        **each(SITE_LOGS, True, "required"),
        **each(VISITOR_OFFERS, True, "opt_out_not_exercised"),
        **each(VISITOR_SALE, False, "opt_in_missing"),
        **each(COMPELLED_OR_URGENT, True, "required"),
        **dict.fromkeys(NOT_PASSED_ON, NO_RULE),
    }
    assert verdicts(mtusa, visitor, uses) == expected
    # Any use that would join the anonymous site data to who the visitor is gets refused: nothing allows the identifying part.
    for key, d in decide_all(mtusa, visitor, JOINED_TO_IDENTITY).items():
        assert (d.allowed, d.basis.value) == (False, "no_rule") and "policy:no_rule:denies" in why(d), key

    # The visitor authorizes a sale in writing; later asks, by email, for no offers, and sets the browser to refuse
    # cookies: tailoring and offers stop, the anonymous logs go on, and what is never sold stays unsold.
    choose(mtusa, visitor, "visitor-sale-authorization", True, "written_request", letter="2026-03-02")
    choose(mtusa, visitor, "visitor-contact-instructions", False, "email", T0 + timedelta(days=1))
    choose(mtusa, visitor, "browser-cookies", False, "browser_settings", T0 + timedelta(days=1), setting="refuse all")
    assert verdicts(mtusa, visitor, uses, T0 + timedelta(days=2)) == {
        **expected,
        **each(COOKIE_USES, False, "opted_out"),
        **each(VISITOR_OFFERS, False, "opted_out"),
        **each(VISITOR_SALE, True, "opt_in_given"),
    }


# --- A. Internet and II. Email: requests, notices, email offers ----------------------------------------------------

SITE_TASKS = {
    "email-inquiry-response": Request(("user.contact.email",), "essential.service.operations.support", "first-party", "email"),
    "visit-follow-up": Request(("user.contact.email",), "sales", "first-party", "email"),
    "site-request-response": Request(
        ("user.name", "user.contact.phone_number"), "essential.service.operations.support", "first-party"
    ),
    "web-payment": Request((*CARD, "user.contact.address"), "essential.service.payment_processing", "first-party"),
    "feedback-use": Request(("user.content.public",), "functional.service.improve", "first-party"),
    "service-notices": Request(("user.name", "user.contact.email"), "essential.service.notifications", "first-party", "email"),
}
OTHER_USES_OF_SITE_DETAILS = {
    "card for offers": Request(CARD, "marketing.communications", "first-party"),
    "card for analytics": Request(CARD, "analytics", "first-party"),
    "details for sale": Request(("user.name", "user.contact.email"), "third_party_sharing.sale", "third-parties"),
    "feedback for offers": Request(("user.content.public",), "marketing.communications", "first-party"),
}
EMAIL_OFFERS = {
    "marketing-email": Request(("user.name", "user.contact.email"), "marketing.communications.email", "first-party", "email"),
    "email-to-service-partners": Request(("user.contact.email",), "marketing.communications.email", "service-partners", "email"),
    "email-to-offer-partners": Request(("user.contact.email",), "marketing.direct_marketing_by_third_party", "offer-partners"),
}
OFFERS_BY_EMAIL_UNDER_ANY_NAME = {
    "customer-info-marketing": Request(("user.name", "user.contact.email"), "marketing.communications", "first-party", "email")
}


@pytest.mark.promise("003-P013", "003-P014", "003-P015", "003-P037", "003-P038", "003-P039", "003-P040")
def test_site_details_serve_their_request_and_email_offers_stop_for_whoever_declined_them(mtusa: Runtime) -> None:
    keeps = add_person(mtusa, services=["voice"], service_state="NY", emails=["keeps@example.net"])
    declines = add_person(mtusa, services=["voice"], service_state="NY", emails=["declines@example.net"])
    # When giving the address, this customer ticks "no offers by email".
    choose(mtusa, declines, "email-offers", False, "web_form", form="order-signup")
    uses = {**SITE_TASKS, **OTHER_USES_OF_SITE_DETAILS, **EMAIL_OFFERS, **OFFERS_BY_EMAIL_UNDER_ANY_NAME}
    for_everyone = {
        **each(SITE_TASKS, True, "required"),
        # What was given for one task is not put to other uses.
        "card for offers": (False, "never", "no-credit-card-marketing"),
        "card for analytics": NO_RULE,
        "details for sale": NO_RULE,
        "feedback for offers": NO_RULE,
    }

    kept = decide_all(mtusa, keeps, uses)
    assert {key: verdict(d) for key, d in kept.items()} == {
        **for_everyone,
        **each(EMAIL_OFFERS, True, "opt_out_not_exercised"),
        **each(OFFERS_BY_EMAIL_UNDER_ANY_NAME, True, "opt_out_not_exercised"),
    }
    assert "include_unsubscribe_link" in kept["marketing-email"].obligations
    assert all("log_disclosure" in kept[rule].obligations for rule in ("email-to-service-partners", "email-to-offer-partners"))

    declined = decide_all(mtusa, declines, uses)
    assert {key: verdict(d) for key, d in declined.items()} == {
        **for_everyone,
        **each(EMAIL_OFFERS, False, "opted_out"),
        # An offer sent by email stays refused whatever the campaign calls its purpose.
        "customer-info-marketing": (False, "opted_out", "customer-info-marketing"),
    }
    assert all(f"policy:{rule}:denies" in why(declined[rule]) for rule in EMAIL_OFFERS)
    assert "can_spam:SPAM-02:denies" in why(declined["marketing-email"])
    assert {"policy:customer-info-marketing:allows", "can_spam:SPAM-02:denies"} <= why(declined["customer-info-marketing"])


# --- B.2 customer information and CPNI -----------------------------------------------------------------------------

SERVICE = {
    "provide-service": Request(("user.name", "user.telecom.account_number", *CPNI), "essential.service", "first-party"),
    "billing": Request(("user.telecom.cpni.billing", *CARD, "user.contact.address"), "essential.service.billing", "first-party"),
}
SERVICE_CONTACT = {
    "site-request-response": Request(
        ("user.name", "user.contact.phone_number"), "essential.service.operations.support", "first-party"
    ),
    "service-contact-agents": Request(
        ("user.name", "user.contact.email"), "essential.service.operations.support", "authorized-agents"
    ),
}
INFO_OFFERS = {
    "customer-info-marketing": Request(
        ("user.name", "user.contact.phone_number"), "marketing.communications.phone", "first-party", "phone"
    ),
    "customer-info-marketing-family": Request(
        ("user.name", "user.contact.email"), "marketing.communications", "family-of-companies"
    ),
    "customer-info-marketing-agents": Request(
        ("user.name", "user.contact.address"), "marketing.communications.mail", "authorized-agents"
    ),
}
CPNI_OFFERS = {
    "cpni-marketing": Request(CPNI, "marketing.cpni.communications_related", "first-party"),
    "cpni-marketing-family": Request(
        ("user.telecom.cpni.usage",), "marketing.cpni.communications_related", "family-of-companies"
    ),
    "cpni-marketing-agents": Request(
        ("user.telecom.cpni.service_configuration",), "marketing.cpni.communications_related", "authorized-agents"
    ),
}
NOT_OFFERED = {
    "cpni to offer partners": Request(CPNI, "marketing.cpni.communications_related", "offer-partners"),
    "cpni for other products": Request(CPNI, "marketing.cpni.non_communications", "first-party"),
    "details to third parties": Request(("user.name", "user.contact.email"), "marketing.communications", "third-parties"),
}


@pytest.mark.promise("003-P023", "003-P026", "003-P027")
def test_customer_information_and_cpni_serve_orders_and_offers_until_the_customer_instructs_otherwise(mtusa: Runtime) -> None:
    customer = add_person(mtusa, services=["voice"], service_state="NY", phones=["(212) 555-0142"])
    uses = {**SERVICE, **SERVICE_CONTACT, **INFO_OFFERS, **CPNI_OFFERS, **NOT_OFFERED}
    served = {**each(SERVICE, True, "required"), **each(SERVICE_CONTACT, True, "required")}
    not_offered = dict.fromkeys(NOT_OFFERED, NO_RULE)

    # The law holds CPNI offers back until the opt-out notice has had 30 days to work.
    decided = decide_all(mtusa, customer, uses)
    assert {key: verdict(d) for key, d in decided.items()} == {
        **served,
        **each(INFO_OFFERS, True, "opt_out_not_exercised"),
        **each(CPNI_OFFERS, False, "opt_in_missing"),
        **not_offered,
    }
    assert all("cpni:CPNI-01:allows" in why(decided[rule]) for rule in SERVICE)
    assert all({f"policy:{rule}:allows", "cpni:CPNI-03:denies"} <= why(decided[rule]) for rule in CPNI_OFFERS)
    cpni_notice(mtusa, customer, T0)
    assert verdicts(mtusa, customer, CPNI_OFFERS, T0 + timedelta(days=29)) == each(CPNI_OFFERS, False, "opt_in_missing")
    # Then offers come from MTUSA, its family of companies and its agents, about communications services only.
    decided = decide_all(mtusa, customer, uses, T0 + timedelta(days=30))
    assert {key: verdict(d) for key, d in decided.items()} == {
        **served,
        **each(INFO_OFFERS, True, "opt_out_not_exercised"),
        **each(CPNI_OFFERS, True, "opt_out_not_exercised"),
        **not_offered,
    }
    assert all("cpni:CPNI-03:allows" in why(decided[rule]) for rule in CPNI_OFFERS)

    # The customer calls, then writes: no more offers from customer information or CPNI. Orders, bills and
    # contact about order, service or billing problems do not depend on those instructions.
    choose(mtusa, customer, "customer-marketing", False, "phone", T0 + timedelta(days=31), rep="local-office")
    choose(mtusa, customer, "cpni-marketing", False, "written_request", T0 + timedelta(days=31), letter="2026-04-02")
    decided = decide_all(mtusa, customer, uses, T0 + timedelta(days=32))
    assert {key: verdict(d) for key, d in decided.items()} == {
        **served,
        **each(INFO_OFFERS, False, "opted_out"),
        **each(CPNI_OFFERS, False, "opted_out"),
        **not_offered,
    }
    for rule in (*INFO_OFFERS, *CPNI_OFFERS):
        assert f"policy:{rule}:denies" in why(decided[rule]), rule
    assert all("cpni:CPNI-03:denies" in why(decided[rule]) for rule in CPNI_OFFERS)


# --- B.2 and IV: vendors, credit, collections, hosting, card numbers ----------------------------------------------

DISCLOSED = {
    "vendors-complete-order": Request(
        ("user.name", "user.contact.address", "user.telecom.account_number"), "essential.service.provisioning", "vendors"
    ),
    "credit-bureau-reporting": Request(
        ("user.name", "user.financial.payment_history"), "essential.collections", "credit-bureaus"
    ),
    "collection-agencies": Request(
        ("user.name", "user.contact.phone_number", "user.financial.payment_history"),
        "essential.collections",
        "collection-agencies",
    ),
    "hosting-storage": Request(("user.name", *CARD, *CPNI), "essential.service.operations", "hosting-providers"),
    "card-processing": Request((*CARD, "user.name"), "essential.service.payment_processing", "payment-processors"),
}
OBLIGATION = {
    "vendors-complete-order": "share_only_what_the_order_needs",
    "credit-bureau-reporting": "only_where_law_permits_or_customer_authorized",
    "collection-agencies": "only_where_law_permits_or_customer_authorized",
    "hosting-storage": "contract_in_place",
    "card-processing": "log_disclosure",
}
CARD_FOR_BILLING = {
    "billing": Request(CARD, "essential.service.billing", "first-party"),
    "web-payment": Request(CARD, "essential.service.payment_processing", "first-party"),
}
CARD_NEVER = {
    "no-credit-card-marketing": Request(CARD, "marketing.communications.email", "first-party", "email"),
    "no-credit-card-sharing": Request(CARD, "third_party_sharing.sale", "third-parties"),
    "no-credit-card-to-partners": Request(CARD, "third_party_sharing", "offer-partners"),
}
WITHHELD = {
    "card for analytics": Request(CARD, "analytics", "first-party"),
    "card to order vendors": Request(CARD, "essential.service.provisioning", "vendors"),
    "card to collectors": Request(CARD, "essential.collections", "collection-agencies"),
    "card to the family": Request(CARD, "marketing.communications", "family-of-companies"),
    "card for partner offers": Request(CARD, "marketing.direct_marketing_by_third_party", "offer-partners"),
    "cpni to order vendors": Request(CPNI, "essential.service.provisioning", "vendors"),
    "cpni to collectors": Request(CPNI, "essential.collections", "collection-agencies"),
    "payments to the family": Request(("user.financial.payment_history",), "marketing.communications", "family-of-companies"),
}


@pytest.mark.promise("003-P024", "003-P028", "003-P029", "003-P054", "003-P055", "003-P056")
def test_vendors_bureaus_collectors_hosts_and_card_processors_get_only_what_their_task_needs(mtusa: Runtime) -> None:
    customer = add_person(mtusa, services=["voice"], service_state="NY")

    decided = decide_all(mtusa, customer, {**DISCLOSED, **CARD_FOR_BILLING, **CARD_NEVER, **WITHHELD})
    assert {key: verdict(d) for key, d in decided.items()} == {
        **each(DISCLOSED, True, "required"),
        **each(CARD_FOR_BILLING, True, "required"),
        **each(CARD_NEVER, False, "never"),
        **dict.fromkeys(WITHHELD, NO_RULE),
    }
    for rule, obligation in OBLIGATION.items():
        assert {obligation, "log_disclosure"} <= set(decided[rule].obligations), rule


# --- B.3 directory information and caller ID -----------------------------------------------------------------------

LISTING = ("user.telecom.directory_listing",)
LISTINGS = {
    "directory-publication": Request(LISTING, "essential.service.directory_publication", "directory-publishers"),
    "directory-assistance-listing": Request(LISTING, "essential.service.directory_publication", "directory-assistance"),
    "business-directory-listing": Request(LISTING, "essential.service.directory_publication", "business-directories"),
}
CALLER_ID = {
    "caller-id-delivery": Request(("user.name", "user.contact.phone_number"), "essential.service.caller_id", "called-parties")
}
DESPITE_BLOCKING = {
    "caller-id-blocking-exempt": Request(
        ("user.contact.phone_number",), "essential.service.caller_id", "blocking-exempt-numbers"
    ),
    "emergency-psap": Request(
        ("user.contact.phone_number", "user.telecom.cpni.location"), "essential.emergency_response", "psap"
    ),
}
NAME_TO_EXEMPT = {"name to exempt numbers": Request(("user.name",), "essential.service.caller_id", "blocking-exempt-numbers")}


@pytest.mark.promise("003-P030", "003-P031", "003-P032", "003-P034", "003-P035")
def test_directory_listings_and_caller_id_follow_what_each_local_customer_asked_for(mtusa: Runtime) -> None:
    local = add_person(mtusa, services=["voice"], service_state="NY", phones=["(212) 555-0177"])
    no_phone_line = add_person(mtusa, services=["broadband"], service_state="NY")

    listed = decide_all(mtusa, local, LISTINGS)
    assert {rule: verdict(d) for rule, d in listed.items()} == each(LISTINGS, True, "opt_out_not_exercised")
    assert all("log_disclosure" in d.obligations for d in listed.values())
    assert verdicts(mtusa, no_phone_line, LISTINGS) == dict.fromkeys(LISTINGS, NO_RULE)

    # Each listing is asked for separately, through the local representative, and each can be reversed.
    steps = (
        ("directory-listing", False, "phone", {"directory-publication"}),
        ("business-directory-listing", False, "in_person", {"directory-publication", "business-directory-listing"}),
        ("directory-assistance", False, "phone", set(LISTINGS)),
        ("directory-listing", True, "phone", {"directory-assistance-listing", "business-directory-listing"}),
    )
    for day, (choice, value, channel, withheld) in enumerate(steps, start=1):
        choose(mtusa, local, choice, value, channel, T0 + timedelta(days=day))
        assert verdicts(mtusa, local, LISTINGS, T0 + timedelta(days=day, hours=1)) == {
            **each(LISTINGS, True, "opt_out_not_exercised"),
            **each(withheld, False, "opted_out"),
        }, (choice, value)

    # Caller ID shows name and number unless the caller blocks it; blocking does not reach 911 or exempt numbers.
    uses = {**CALLER_ID, **DESPITE_BLOCKING, **NAME_TO_EXEMPT}
    unblocked = {
        **each(CALLER_ID, True, "opt_out_not_exercised"),
        **each(DESPITE_BLOCKING, True, "required"),
        **dict.fromkeys(NAME_TO_EXEMPT, NO_RULE),
    }
    assert verdicts(mtusa, local, uses) == unblocked
    choose(mtusa, local, "caller-id-blocking", False, "phone", T0 + timedelta(days=9))
    decided = decide_all(mtusa, local, uses, T0 + timedelta(days=10))
    assert {key: verdict(d) for key, d in decided.items()} == {**unblocked, **each(CALLER_ID, False, "opted_out")}
    assert "cpni:CPNI-01:allows" in why(decided["emergency-psap"])


# --- Protecting the privacy of children ----------------------------------------------------------------------------

CHILD_RULES = {
    "no-child-email-offers": (EMAIL_OFFERS["marketing-email"], "marketing-email"),
    "no-child-email-to-service-partners": (EMAIL_OFFERS["email-to-service-partners"], "email-to-service-partners"),
    "no-child-email-to-offer-partners": (EMAIL_OFFERS["email-to-offer-partners"], "email-to-offer-partners"),
    "no-child-contact-offers": (INFO_OFFERS["customer-info-marketing"], "customer-info-marketing"),
    "no-child-contact-offers-family": (INFO_OFFERS["customer-info-marketing-family"], "customer-info-marketing-family"),
    "no-child-contact-offers-agents": (INFO_OFFERS["customer-info-marketing-agents"], "customer-info-marketing-agents"),
    "no-child-cpni-offers": (CPNI_OFFERS["cpni-marketing"], "cpni-marketing"),
    "no-child-cpni-offers-family": (CPNI_OFFERS["cpni-marketing-family"], "cpni-marketing-family"),
    "no-child-cpni-offers-agents": (CPNI_OFFERS["cpni-marketing-agents"], "cpni-marketing-agents"),
    "no-child-tailored-offers": (COOKIE_USES["site-tailored-offers"], "site-tailored-offers"),
    "no-child-marketing": (Request(("user.name", "user.contact"), "marketing.promotions", "first-party"), None),
    "no-child-collection": (Request(("user.name", "user.contact.email"), "collect", "first-party"), None),
}
CHILD_USES = {rule: request for rule, (request, _) in CHILD_RULES.items()}


@pytest.mark.promise("003-P061")
def test_no_marketing_reaches_a_child_under_thirteen_and_nothing_is_knowingly_collected(mtusa: Runtime) -> None:
    child = add_person(mtusa, services=["voice"], service_state="NY", birth_date="2016-05-01")
    with_parent = add_person(mtusa, services=["voice"], service_state="NY", birth_date="2016-05-01", parental_consent=True)
    adult = add_person(mtusa, services=["voice"], service_state="NY", birth_date="1980-05-01")
    unknown_age = add_person(mtusa, services=["voice"], service_state="NY")
    for person in (child, with_parent, adult, unknown_age):
        cpni_notice(mtusa, person, T0 - timedelta(days=60))

    # Even with a parent's consent, which would satisfy COPPA, MTUSA's own promise refuses.
    assert verdicts(mtusa, with_parent, CHILD_USES) == each(CHILD_RULES, False, "never")
    for rule, d in decide_all(mtusa, child, CHILD_USES).items():
        assert (d.allowed, d.basis.value) == (False, "prohibited_by_law"), rule
        assert {f"policy:{rule}:denies", "coppa:COPPA-01:denies"} <= why(d), rule
    # "Knowingly": a person known to be an adult, or of unknown age, is not treated as a child.
    grown_up = {rule: (True, "opt_out_not_exercised", allowing) for rule, (_, allowing) in CHILD_RULES.items() if allowing}
    for person in (adult, unknown_age):
        decided = decide_all(mtusa, person, CHILD_USES)
        assert {rule: verdict(decided[rule]) for rule in grown_up} == grown_up
        assert not any(f"policy:{rule}:denies" in why(d) for rule, d in decided.items())
