"""Seed 002 (MetroFax): its consent and use promises, proved through the consent ledger and the decision point.

Every test runs on a real database (SQLite, and PostgreSQL when configured). Choices reach the
ledger the way the policy says people make them (the opt-out link in an email, the browser, a web
form, the account portal), and each use is decided by `decide_for_person`, as the API decides it,
with the rule that won and the regime rules it cites. Version pinning runs the second bundled
version (`002-metrofax/next`) with the first as history, as `privet serve` would.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from privet.audit.tables import AuditEntry
from privet.cli import app as cli_app
from privet.consent import announcements, ledger
from privet.consent.announcements import AnnouncementError, announce
from privet.consent.channels import one_click_unsubscribe
from privet.consent.ledger import ConsentError
from privet.consent.links import make_unsubscribe_token
from privet.decide.engine import Request, UnknownRecipient
from privet.decide.service import decide_for_person
from privet.outbox.tables import OutboxMessage
from privet.runtime import Runtime
from privet.store.db import utcnow
from privet.subjects.service import change_account_status
from privet.subjects.tables import Person
from tests.audit.conftest import cli_url
from tests.conftest import POLICIES, add_person, make_runtime
from tests.promises.decisions import LATER, allowed, choose, decide, denied, why

FIRST, NEXT = POLICIES / "002-metrofax", POLICIES / "002-metrofax" / "next"


@pytest.fixture
def metrofax(engine: Engine, factory: sessionmaker[Session]) -> Runtime:
    return make_runtime(engine, factory, FIRST)


def user(runtime: Runtime, **fields: object) -> tuple[int, str]:
    number = f"MF{uuid.uuid4().hex[:10].upper()}"
    fields.setdefault("services", ["fax"])
    return add_person(runtime, account_number=number, **fields), number


# --- 1.1 / 2.3 / 2.4 / 3.2 messages -----------------------------------------------------------------------------------

PROMO_EMAIL = Request(("user.name", "user.contact.email"), "marketing.communications.email", "first-party", "email")
PRODUCT_UPDATES = Request(("user.name", "user.contact.email"), "essential.service.upgrades", "first-party", "email")
ANNOUNCEMENTS = Request(("user.name", "user.contact.email"), "essential.service.notifications.email", "first-party", "email")


@pytest.mark.promise(
    "002-P005",
    "002-P009",
    "002-P010",
    "002-P012",
    "002-P025",
    "002-P043",
    "002-P044",
    "002-P045",
    "002-P046",
    "002-P048",
    "002-P065",
)
def test_promotional_email_stops_at_the_link_while_service_messages_stop_only_with_the_account(metrofax: Runtime) -> None:
    person, account = user(metrofax, emails=["reader@example.net"], phones=["(212) 555-0100"])
    now = utcnow()
    allowed(
        metrofax, person, Request(("user.name", "user.contact.email"), "essential.service", "first-party"), "provide-service", now
    )
    d = allowed(metrofax, person, PROMO_EMAIL, "promotional-email", now)
    assert d.basis.value == "opt_out_not_exercised" and "can_spam:SPAM-02:allows" in why(d)
    assert "include_unsubscribe_link" in d.obligations
    assert "tcpa:TCPA-05:allows" in why(
        allowed(
            metrofax,
            person,
            Request(("user.name", "user.contact.phone_number"), "marketing.communications.phone", "first-party", "phone"),
            "marketing-by-phone",
            now,
        )
    )
    allowed(
        metrofax,
        person,
        Request(("user.name", "user.contact.address"), "marketing.communications.mail", "first-party"),
        "marketing-by-mail",
        now,
    )

    # The opt-out link in any promotional email (RFC 8058 one-click) stops them.
    with metrofax.uow("unsubscribe-link") as uow:
        recorded = one_click_unsubscribe(uow, metrofax.pack, make_unsubscribe_token(person, "promotional-email", now))
    assert recorded.within_legal_deadline is True
    after = utcnow() + timedelta(seconds=1)
    denied(metrofax, person, PROMO_EMAIL, "opted_out", "policy:promotional-email:denies", "can_spam:SPAM-02:denies", at=after)

    # Non-promotional messages go on regardless, to every open account...
    allowed(metrofax, person, PRODUCT_UPDATES, "product-updates", after)
    allowed(metrofax, person, ANNOUNCEMENTS, "service-announcements", after)
    # ...and stop once the account is deactivated.
    with metrofax.uow("test") as uow:
        change_account_status(uow, account, "disconnected", "user deactivated the account")
    denied(metrofax, person, PRODUCT_UPDATES, "never", "policy:no-notices-after-deactivation:denies", at=after)
    denied(metrofax, person, ANNOUNCEMENTS, "never", "policy:no-announcements-after-deactivation:denies", at=after)


# --- Preamble / 2.1: the closed world ---------------------------------------------------------------------------------

IDENTIFYING = (
    "user.name",
    "user.contact.email",
    "user.contact.phone_number",
    "user.account",
    "user.financial.credit_card",
    "user.demographic.profile",
    "user.behavior.browsing_history",
    "user.device.ip_address",
    "user.telecom.cpni.call_detail",
)
FAX = ("user.telecom.content.fax",)


@pytest.mark.promise("002-P002", "002-P032", "002-P033", "002-P041")
def test_nothing_leaves_except_as_the_policy_says_and_fax_pages_are_touched_only_for_delivery_law_abuse_and_safety(
    metrofax: Runtime,
) -> None:
    person, _ = user(metrofax)
    for category in IDENTIFYING:
        for purpose in ("third_party_sharing", "third_party_sharing.sale"):
            denied(
                metrofax,
                person,
                Request((category,), purpose, "unaffiliated-third-parties"),
                "never",
                "policy:no-sharing-beyond-policy:denies",
            )
    # Recipients the policy names get only what it names them for.
    for recipient in (
        "card-processor",
        "service-intermediaries",
        "data-enrichment-partners",
        "network-providers",
        "credit-bureaus",
    ):
        denied(metrofax, person, Request(("user.contact.email",), "marketing", recipient), "no_rule", "policy:no_rule:denies")
    denied(metrofax, person, Request(("user.contact.email",), "third_party_sharing", "advertising-partners"), "no_rule")
    # A recipient the policy never mentions gets nothing at all.
    with pytest.raises(UnknownRecipient), metrofax.uow("test") as uow:
        decide_for_person(uow, metrofax.decider, person, Request(("user.contact.email",), "marketing", "data-broker"), LATER)

    # Fax pages: never read for marketing, profiling or analysis, never to advertisers or outsiders...
    for purpose, recipient, rule in (
        ("marketing.communications.email", "first-party", "no-content-monitoring-for-marketing"),
        ("personalize.profiling", "first-party", "no-content-monitoring-for-profiling"),
        ("analytics.reporting", "first-party", "no-content-monitoring-for-analytics"),
        ("marketing.advertising.third_party", "advertising-partners", "no-fax-content-to-advertisers"),
        ("third_party_sharing", "unaffiliated-third-parties", "no-fax-content-disclosure"),
    ):
        denied(metrofax, person, Request(FAX, purpose, recipient), "never", f"policy:{rule}:denies")
    # ...handled by machines to deliver them and meet connecting networks' requirements...
    for purpose, recipient, rule in (
        ("essential.service", "first-party", "fax-technical-processing"),
        ("essential.network_management", "first-party", "fax-network-conformance"),
        ("essential.service", "network-providers", "fax-carriage"),
    ):
        d = allowed(metrofax, person, Request(FAX, purpose, recipient), rule)
        assert recipient != "first-party" or "automated_processing_only" in d.obligations
    # ...and opened or disclosed only in good faith for law, illegal use, the company's rights or someone's safety.
    for purpose, recipient, rule in (
        ("essential.legal_obligation.legal_process", "government", "legal-process-government"),
        ("essential.legal_obligation.legal_process", "civil-litigants", "legal-process-civil"),
        ("essential.abuse_handling", "first-party", "illegal-activity-investigation"),
        ("essential.abuse_handling", "government", "illegal-activity-referral"),
        ("essential.protect_rights", "first-party", "protect-company"),
        ("essential.emergency_response", "government", "personal-safety"),
    ):
        d = allowed(metrofax, person, Request(FAX, purpose, recipient), rule)
        assert "good_faith_belief_recorded" in d.obligations


# --- 1.1 / 1.3 / 2.7 / 3.1: service, billing, intermediaries ---------------------------------------------------------


@pytest.mark.promise(
    "002-P006", "002-P007", "002-P008", "002-P013", "002-P055", "002-P057", "002-P058", "002-P059", "002-P060", "002-P063"
)
def test_registration_payment_and_intermediary_uses_are_the_ones_the_policy_lists(metrofax: Runtime) -> None:
    home, _ = user(metrofax, account_type="residential")
    company, _ = user(metrofax, account_type="business")
    for person in (home, company):
        allowed(
            metrofax,
            person,
            Request(("user.job_title", "user.demographic.industry"), "personalize.content", "first-party"),
            "profile-personalization",
        )
        allowed(
            metrofax,
            person,
            Request(("user.name", "user.financial.credit_card"), "essential.service.billing", "first-party"),
            "billing",
        )
        d = allowed(
            metrofax,
            person,
            Request(
                ("user.contact.address", "user.financial.credit_card"), "essential.service.payment_processing", "card-processor"
            ),
            "card-processing",
        )
        assert {"verify_billing_address", "no_secondary_use"} <= set(d.obligations)
        allowed(
            metrofax,
            person,
            Request(("user.name", "user.contact.phone_number"), "essential.collections", "first-party"),
            "payment-problem-contact",
        )
        d = allowed(
            metrofax,
            person,
            Request(("user.name", "user.behavior.browsing_history"), "essential.service", "service-intermediaries"),
            "site-hosting-and-fulfilment",
        )
        assert "no_secondary_use" in d.obligations
        allowed(
            metrofax,
            person,
            Request(("user.account",), "essential.legal_obligation", "service-intermediaries"),
            "legal-compliance-vendors",
        )
        d = allowed(
            metrofax,
            person,
            Request(("user.contact.email", "user.demographic.profile"), "personalize.profiling", "data-enrichment-partners"),
            "profile-enrichment",
        )
        assert {"no_secondary_use", "no_storage_by_recipient"} <= set(d.obligations)
        allowed(
            metrofax, person, Request(("user.contact.email",), "essential.business_transfer", "acquirers"), "business-transition"
        )

    # Credit reports are pulled on corporate users only.
    credit = Request(("user.financial.credit_report",), "essential.credit_check", "credit-bureaus")
    allowed(metrofax, company, credit, "corporate-credit-reports")
    denied(metrofax, home, credit, "no_rule")
    # Facts about an organisation as such are unrestricted; the same field of an individual's account is not.
    entity = ("user.contact.organization.entity_details",)
    for purpose, recipient, rule in (
        ("analytics", "first-party", "entity-details-internal"),
        ("marketing", "first-party", "entity-details-marketing"),
        ("third_party_sharing", "unaffiliated-third-parties", "entity-details-sharing"),
    ):
        allowed(metrofax, company, Request(entity, purpose, recipient), rule)
        assert not decide(metrofax, home, Request(entity, purpose, recipient)).allowed


# --- 1.4-1.7 cookies, logs, beacons, the profile, ads ------------------------------------------------------------------


@pytest.mark.promise(
    "002-P016",
    "002-P018",
    "002-P019",
    "002-P021",
    "002-P022",
    "002-P023",
    "002-P024",
    "002-P028",
    "002-P029",
    "002-P066",
)
def test_cookies_logs_beacons_and_the_profile_follow_the_users_choices(metrofax: Runtime) -> None:
    person, _ = user(metrofax)
    # Logs, beacons and the profile.
    d = allowed(
        metrofax,
        person,
        Request(("user.device.ip_address", "user.behavior.browsing_history"), "analytics.reporting", "first-party"),
        "log-analysis",
    )
    assert "aggregate_only" in d.obligations
    allowed(
        metrofax,
        person,
        Request(("user.device.ip_address", "system.operations"), "essential.service.operations", "first-party"),
        "site-administration",
    )
    allowed(metrofax, person, Request(("user.behavior.browsing_history",), "analytics.reporting", "first-party"), "log-analysis")
    allowed(
        metrofax,
        person,
        Request(("user.behavior.email_engagement",), "analytics.reporting.campaign_insights", "first-party"),
        "email-open-tracking",
    )
    allowed(
        metrofax,
        person,
        Request(("user.demographic.profile", "user.telecom.cpni.usage"), "personalize.content", "first-party"),
        "profile-personalization",
    )
    allowed(
        metrofax,
        person,
        Request(("user.demographic.profile", "system.operations"), "functional.service.improve", "first-party"),
        "profile-service-improvement",
    )

    # Persistent cookies follow interests until the browser refuses them; they carry no identity unless the login is remembered.
    interests = Request(("user.device.cookie_id", "user.behavior.browsing_history"), "personalize.profiling", "first-party")
    d = allowed(metrofax, person, interests, "interest-tracking-cookies")
    assert "not_linked_to_identity_unless_login_remembered" in d.obligations
    remembered = Request(
        ("user.account.username", "user.authorization.credentials"), "essential.service.authentication", "first-party"
    )
    denied(metrofax, person, remembered, "opt_in_missing", "policy:remembered-login-cookie:denies")
    with pytest.raises(ConsentError):
        choose(metrofax, person, "remember-login", True, "email")
    choose(metrofax, person, "remember-login", True, "web_form")
    allowed(metrofax, person, remembered, "remembered-login-cookie")
    choose(metrofax, person, "persistent-cookies", False, "browser_settings")
    denied(metrofax, person, interests, "opted_out", "policy:interest-tracking-cookies:denies")

    # Partners' cookies carry no identity; details reach a partner's page only when the user clicks its ad.
    d = allowed(
        metrofax,
        person,
        Request(("user.device.cookie_id",), "marketing.advertising.third_party", "advertising-partners"),
        "advertiser-cookies",
    )
    assert "not_linked_to_identity" in d.obligations
    click = Request(("user.name", "user.contact.email"), "marketing.advertising.third_party", "advertising-partners")
    denied(metrofax, person, click, "opt_in_missing", "policy:advertiser-click-through:denies")
    choose(metrofax, person, "advertiser-click-through", True, "web_form")
    allowed(metrofax, person, click, "advertiser-click-through")

    # Profile-picked promotions only for those who signed up; network ads until the industry opt-out.
    tailored = Request(
        ("user.demographic.profile", "user.behavior.browsing_history"),
        "marketing.advertising.first_party.targeted",
        "first-party",
    )
    denied(metrofax, person, tailored, "opt_in_missing", "policy:profile-targeted-promotions:denies")
    choose(metrofax, person, "tailored-promotions", True, "account_portal")
    allowed(metrofax, person, tailored, "profile-targeted-promotions")
    network = Request(
        ("user.device.cookie_id", "user.behavior.browsing_history"), "marketing.advertising.first_party.targeted", "ad-networks"
    )
    allowed(metrofax, person, network, "network-ads")
    choose(metrofax, person, "network-ad-opt-out", False, "industry_opt_out")
    denied(metrofax, person, network, "opted_out", "policy:network-ads:denies")


# --- 1.8 children ------------------------------------------------------------------------------------------------------


@pytest.mark.promise("002-P030")
def test_nothing_is_knowingly_gathered_from_or_used_about_a_child_under_thirteen(metrofax: Runtime) -> None:
    child, _ = user(metrofax, birth_date="2016-04-01")
    adult, _ = user(metrofax, birth_date="1980-04-01")
    d = denied(
        metrofax, child, Request(("user.contact.email",), "collect", "first-party"), "prohibited_by_law", "coppa:COPPA-01:denies"
    )
    assert d.rule == "no-child-collection" and "policy:no-child-collection:denies" in why(d)
    assert "open_child_deletion" in d.obligations
    assert decide(metrofax, adult, Request(("user.contact.email",), "collect", "first-party")).rule != "no-child-collection"
    for use in (PROMO_EMAIL, Request(("user.demographic.profile",), "personalize.content", "first-party")):
        assert decide(metrofax, adult, use).allowed
        denied(metrofax, child, use, "prohibited_by_law", "coppa:COPPA-01:denies")


# --- 3.4-3.6 surveys, promotions, tell-a-friend --------------------------------------------------------------------------


@pytest.mark.promise("002-P068", "002-P069", "002-P070", "002-P072", "002-P075", "002-P076")
def test_surveys_promotions_and_referrals_happen_only_when_the_person_chooses_them(metrofax: Runtime) -> None:
    person, _ = user(metrofax)
    for category, join, uses in (
        (
            "user.survey_response",
            "survey-participation",
            (("first-party", "surveys"), ("survey-intermediary", "survey-operator")),
        ),
        (
            "user.promotion_entry",
            "promotion-participation",
            (("first-party", "promotions"), ("promotion-intermediary", "promotion-operator")),
        ),
    ):
        purpose = "marketing.research" if category == "user.survey_response" else "marketing.promotions"
        for recipient, rule in uses:
            denied(metrofax, person, Request((category,), purpose, recipient), "opt_in_missing", f"policy:{rule}:denies")
        choose(metrofax, person, join, True, "web_form")
        for recipient, rule in uses:
            d = allowed(metrofax, person, Request((category,), purpose, recipient), rule)
            assert recipient == "first-party" or "no_secondary_use" in d.obligations
        # Answers and entries serve that purpose only...
        for other in ("marketing.communications.email", "marketing.advertising.first_party.targeted", "personalize.profiling"):
            denied(metrofax, person, Request((category,), other, "first-party"), "no_rule")
        # ...and reach outsiders only with the person's permission.
        sharing = Request((category,), "third_party_sharing", "unaffiliated-third-parties")
        denied(metrofax, person, sharing, "opt_in_missing")
    choose(metrofax, person, "third-party-sharing-permission", True, "email")
    allowed(
        metrofax,
        person,
        Request(("user.survey_response",), "third_party_sharing", "unaffiliated-third-parties"),
        "survey-sharing",
    )
    allowed(
        metrofax,
        person,
        Request(("user.promotion_entry",), "third_party_sharing", "unaffiliated-third-parties"),
        "promotion-sharing",
    )

    # Tell-a-friend: the invitation names the user to the friend only when the user chose to send it.
    named = Request(("user.name",), "marketing.referral", "referred-friend")
    denied(metrofax, person, named, "opt_in_missing", "policy:referrer-named-to-friend:denies")
    choose(metrofax, person, "tell-a-friend", True, "web_form")
    allowed(metrofax, person, named, "referrer-named-to-friend")


# --- 3.1 / 6 policy versions -------------------------------------------------------------------------------------------

AD_PARTNERS = Request(
    ("user.demographic.profile", "user.behavior.browsing_history"),
    "third_party_sharing.cross_context_advertising",
    "ad-data-partners",
)
CHANGED_USE = {"first-party": "changed-use", "acquirers": "successor-new-use"}


@pytest.mark.promise("002-P064", "002-P091", "002-P093", "002-P094")
def test_data_keeps_its_version_and_a_new_use_reaches_only_those_who_accept_it(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    first = make_runtime(engine, factory, FIRST)
    kept, _ = user(first, emails=["kept@example.net"])
    closed, closed_account = user(first, emails=["closed@example.net"])
    second = make_runtime(engine, factory, NEXT, history=(FIRST,))
    assert (first.pack.pack.version, second.pack.pack.version) == ("2013-12", "2016-01")
    joined, _ = user(second)

    # Someone who joined under the new version is governed by it.
    d = allowed(second, joined, AD_PARTNERS, "usage-profile-to-ad-partners")
    assert d.policy_version == "2016-01"
    # Data collected under 2013-12 stays under it: the new sharing does not reach it, everything else still runs under 2013-12.
    for person in (kept, closed):
        d = denied(second, person, AD_PARTNERS, "no_rule")
        assert d.policy_version == "2013-12" and d.reasons[0].rule == "version_pinning"
    d = allowed(second, kept, PROMO_EMAIL, "promotional-email")
    assert d.policy_version == "2013-12" and d.reasons[0].rule == "version_pinning"

    # A use introduced after collection needs the person's acceptance, given by email or in the account portal.
    for recipient, rule in CHANGED_USE.items():
        denied(
            second, kept, Request(("user.contact.email",), "changed_use", recipient), "opt_in_missing", f"policy:{rule}:denies"
        )
    with pytest.raises(ConsentError):
        choose(second, kept, "material-change-acceptance", True, "phone")
    choose(second, kept, "material-change-acceptance", True, "email")
    choose(second, closed, "material-change-acceptance", True, "account_portal")
    for recipient, rule in CHANGED_USE.items():
        assert (
            allowed(second, kept, Request(("user.contact.email",), "changed_use", recipient), rule).basis.value == "opt_in_given"
        )

    # Accepting the new version moves the person's data under it, new sharing included (until they opt out).
    with second.uow("test") as uow:
        ledger.record_policy_acceptance(uow, person_id=kept, version="2016-01", channel="account_portal")
    d = allowed(second, kept, AD_PARTNERS, "usage-profile-to-ad-partners")
    assert d.policy_version == "2016-01" and "version_pinning" not in {r.rule for r in d.reasons}
    choose(second, kept, "ad-partner-sharing", False, "account_portal")
    denied(second, kept, AD_PARTNERS, "opted_out", "policy:usage-profile-to-ad-partners:denies")

    # A deactivated account is neither told about changes nor put to a new use, even with an earlier acceptance.
    with second.uow("test") as uow:
        change_account_status(uow, closed_account, "disconnected", "user deleted the account")
    for recipient in CHANGED_USE:
        denied(second, closed, Request(("user.contact.email",), "changed_use", recipient), "never")
    denied(second, closed, PRODUCT_UPDATES, "never", "policy:no-notices-after-deactivation:denies")
    denied(second, closed, ANNOUNCEMENTS, "never", "policy:no-announcements-after-deactivation:denies")
    leaver, leaver_account = user(second)
    with second.uow("test") as uow:
        change_account_status(uow, leaver_account, "disconnected", "user deactivated the account")
    denied(second, leaver, AD_PARTNERS, "no_rule")
    denied(second, leaver, Request(("user.contact.email",), "changed_use", "first-party"), "never")


# --- 6 Notification of Changes: the announcement ------------------------------------------------------------------


@pytest.mark.promise("002-P092", "002-P094")
def test_a_material_change_is_emailed_once_to_everyone_it_concerns_and_no_one_who_left(
    engine: Engine, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(announcements, "BATCH", 2)  # several batches, as a real base needs
    first = make_runtime(engine, factory, FIRST)
    kept, kept_account = user(first, emails=["kept@example.net"], full_name="Kim Keeper")
    legacy, _ = user(first, emails=["legacy@example.net"])
    _, closed_account = user(first, emails=["closed@example.net"])
    user(first, emails=[])
    accepter, _ = user(first, emails=["accepter@example.net"])
    second = make_runtime(engine, factory, NEXT, history=(FIRST,))
    user(second, emails=["joined@example.net"])
    with second.uow("test") as uow:
        change_account_status(uow, closed_account, "disconnected", "user deleted the account")
        ledger.record_policy_acceptance(uow, person_id=accepter, version="2016-01", channel="account_portal")
        person = uow.session.get(Person, legacy)
        assert person is not None
        person.policy_version_id = None  # on file from before privet recorded versions: the new version governs it

    with pytest.raises(AnnouncementError, match="not marked as a material change"):
        announce(first, base_url="https://privacy.example")
    with pytest.raises(AnnouncementError, match="no earlier version is loaded"):
        announce(make_runtime(engine, factory, NEXT), base_url="https://privacy.example")
    with pytest.raises(AnnouncementError, match="not a purpose of this pack"):
        announce(second, base_url="https://privacy.example", purpose="essential.service.notices")
    with pytest.raises(AnnouncementError, match="not an http"):
        announce(second, base_url="privacy.example")

    preview = announce(second, base_url="https://privacy.example", dry_run=True)
    assert (preview.sent, _announced(second)) == (2, [])
    done = announce(second, base_url="https://privacy.example/")
    assert (done.people, done.may_be_written_to, done.sent) == (6, 5, 2)
    assert done.denied_by_reason == {"policy:no-announcements-after-deactivation": 1}
    assert (done.under_this_version, done.no_email, done.told_before, done.nothing_material) == (2, 1, 0, 0)
    assert done.changes == ["New recipient of personal information: Advertising data partners"]  # recipient and rule: one change
    letters = {related: (recipient, subject, body) for related, recipient, subject, body in _announced(second)}
    assert set(letters) == {f"person:{kept}", f"person:{legacy}"}
    recipient, subject, body = letters[f"person:{kept}"]
    assert (recipient, subject) == ("kept@example.net", "Changes to the MetroFax privacy policy")
    assert (
        "(2016-01) took effect on 15 January 2016" in body
        and "- New recipient of personal information: Advertising data partners" in body
    )
    assert "under version 2013-12 of the policy stays under that version" in body and "https://privacy.example/privacy" in body
    assert "Kim" not in body and "Keeper" not in body and kept_account not in body  # the same letter for all, nothing personal
    assert "applies to your information from 15 January 2016" in letters[f"person:{legacy}"][2]

    again = announce(second, base_url="https://privacy.example")
    assert (again.sent, again.told_before) == (0, 2) and len(_announced(second)) == 2
    with second.uow("test") as uow:
        runs = uow.session.scalars(select(AuditEntry.data).where(AuditEntry.action == "policy.change_announced")).all()
        audiences = uow.session.scalars(select(AuditEntry.data).where(AuditEntry.action == "audience.computed")).all()
    assert [(json.loads(r)["sent"], json.loads(r)["finished"]) for r in runs] == [(2, True), (0, True)]
    assert len(audiences) == 3 and json.loads(audiences[0])["announcement"] == "2016-01"  # the dry run's audience too

    url = cli_url(engine)
    run = CliRunner().invoke(
        cli_app,
        ["consent", "announce", "--base-url", "https://p.example", "--db", url, "--policy", str(NEXT), "--history", str(FIRST)],
    )
    assert run.exit_code == 0, run.output
    assert "1 material change(s)" in run.output and "1 may not be written to" in run.output and "sent 0" in run.output
    refused = CliRunner().invoke(
        cli_app, ["consent", "announce", "--base-url", "https://p.example", "--db", url, "--policy", str(FIRST)]
    )
    assert refused.exit_code == 2 and "not marked as a material change" in refused.output


def _announced(runtime: Runtime) -> list[tuple[str | None, str, str, str]]:
    with runtime.uow("test") as uow:
        rows = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "policy.material_change")).all()
        return [(m.related, m.recipient, m.subject, m.body) for m in rows]
