"""The vocabulary a policy pack may use.

Data categories, data uses (purposes) and data subjects come from fideslang's default
taxonomy, loaded from the installed package so that privet never drifts from it. Telecom
needs terms fideslang lacks (CPNI, communications content, account numbers, IP address
assignments, CPNI-specific marketing purposes, legal process); those extensions live here,
each with a parent inside the fideslang tree so that hierarchy rules keep working.

Recipients and choice channels are privet's own closed vocabularies: the regimes reason
about recipient *kinds* (affiliate, joint venture, unaffiliated third party, ...), so a
pack's recipients must say which kind they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from fideslang.default_taxonomy import DEFAULT_TAXONOMY


@dataclass(frozen=True)
class Term:
    """One key of a hierarchical vocabulary, with where it came from."""

    key: str
    name: str
    description: str
    source: str  # "fideslang", "privet" or "pack"


TELECOM_CATEGORIES: tuple[Term, ...] = (
    Term("user.telecom", "Telecommunications data", "Data that exists because a person uses a communications service.", "privet"),
    Term(
        "user.telecom.cpni",
        "Customer proprietary network information",
        "Quantity, technical configuration, type, destination, location and amount of use of a telecommunications service, and the billing for it (47 U.S.C. 222).",
        "privet",
    ),
    Term(
        "user.telecom.cpni.call_detail",
        "Call detail records",
        "Numbers called or calling, and the time, place and duration of calls.",
        "privet",
    ),
    Term(
        "user.telecom.cpni.service_configuration",
        "Service configuration",
        "Which services and features are subscribed, their technical configuration and rates.",
        "privet",
    ),
    Term("user.telecom.cpni.usage", "Service usage", "How much and how a subscribed service is used.", "privet"),
    Term(
        "user.telecom.cpni.billing",
        "Billing for telecommunications services",
        "Amounts billed for subscribed telecommunications services.",
        "privet",
    ),
    Term("user.telecom.cpni.location", "Call location", "Where the device was when a call or session was made.", "privet"),
    Term("user.telecom.content", "Communications content", "What a person communicates through the service.", "privet"),
    Term("user.telecom.content.fax", "Fax images", "Pages of faxes sent or received.", "privet"),
    Term("user.telecom.content.voicemail", "Voicemail", "Recorded voice messages.", "privet"),
    Term("user.telecom.content.email", "Email content", "Mailbox contents and message bodies.", "privet"),
    Term("user.telecom.content.sms", "Text message content", "Bodies of SMS and MMS messages.", "privet"),
    Term(
        "user.telecom.content.hosted",
        "Hosted content",
        "Web pages and files a subscriber publishes on the provider's servers.",
        "privet",
    ),
    Term("user.telecom.account_number", "Account number", "The provider's account number for the subscriber.", "privet"),
    Term(
        "user.telecom.ip_assignment",
        "IP address assignments",
        "Which address, prefix or port block was assigned to a subscriber and when.",
        "privet",
    ),
    Term(
        "user.telecom.network_performance",
        "Network and device performance",
        "Metrics from the network and equipment that carry the service.",
        "privet",
    ),
    Term(
        "user.telecom.directory_listing", "Directory listing", "Name, number and address as published in directories.", "privet"
    ),
    Term("user.telecom.cable_viewing", "Cable viewing records", "What a cable subscriber watched (47 U.S.C. 551).", "privet"),
    Term(
        "user.financial.credit_report",
        "Credit report information",
        "Information obtained from a consumer reporting agency (FCRA).",
        "privet",
    ),
    Term(
        "user.financial.payment_history",
        "Account payment history",
        "How and when a customer has paid the provider (FCRA).",
        "privet",
    ),
    Term("user.authorization.security_answer", "Security question answers", "Answers used for backup authentication.", "privet"),
)

TELECOM_PURPOSES: tuple[Term, ...] = (
    Term(
        "essential.service.billing",
        "Billing and collection",
        "Rendering bills and collecting amounts due for the service.",
        "privet",
    ),
    Term(
        "essential.service.provisioning",
        "Provisioning and installation",
        "Setting up, maintaining and repairing the service.",
        "privet",
    ),
    Term(
        "essential.service.cpni_within_category",
        "Marketing within a subscribed service category",
        "Offering services in a category the customer already buys (CPNI use allowed without approval).",
        "privet",
    ),
    Term("essential.credit_check", "Credit checks", "Assessing credit before providing service.", "privet"),
    Term(
        "essential.collections",
        "Collections",
        "Recovering past-due amounts, including through collection agencies and credit reporting.",
        "privet",
    ),
    Term("essential.emergency_response", "Emergency response", "Answering 911 calls and imminent-danger requests.", "privet"),
    Term(
        "essential.legal_obligation.legal_process",
        "Responding to legal process",
        "Subpoenas, court orders, warrants and other lawful demands.",
        "privet",
    ),
    Term(
        "essential.protect_rights",
        "Protecting rights and property",
        "Protecting the provider, its users and other carriers from fraudulent, abusive or unlawful use.",
        "privet",
    ),
    Term("essential.business_transfer", "Business transfer", "Mergers, acquisitions, financings and asset sales.", "privet"),
    Term(
        "essential.abuse_handling",
        "Abuse and copyright handling",
        "Investigating acceptable-use and copyright complaints and acting on them.",
        "privet",
    ),
    Term("essential.network_management", "Network management", "Operating, securing and engineering the network.", "privet"),
    Term("marketing.cpni", "CPNI marketing", "Using CPNI to market communications services.", "privet"),
    Term(
        "marketing.cpni.communications_related",
        "CPNI marketing of communications-related services",
        "Marketing communications-related services outside the subscribed category.",
        "privet",
    ),
    Term(
        "marketing.cpni.non_communications",
        "CPNI marketing of non-communications services",
        "Using CPNI to market services that are not communications related.",
        "privet",
    ),
    Term("marketing.communications.phone", "Telemarketing", "Marketing calls.", "privet"),
    Term("marketing.communications.fax", "Fax advertising", "Advertisements sent by fax.", "privet"),
    Term("marketing.communications.mail", "Postal marketing", "Marketing by post.", "privet"),
    Term(
        "marketing.research", "Market research and surveys", "Surveys and questionnaires for research or satisfaction.", "privet"
    ),
    Term("marketing.referral", "Refer-a-friend", "Contacting a person another user referred.", "privet"),
    Term("marketing.promotions", "Contests and promotions", "Running sweepstakes, contests and events.", "privet"),
    Term(
        "marketing.direct_marketing_by_third_party",
        "Third-party direct marketing",
        "A recipient's own direct marketing (Shine the Light).",
        "privet",
    ),
    Term(
        "third_party_sharing.sale",
        "Sale of personal information",
        "Disclosure for money or other value (CCPA, Nevada).",
        "privet",
    ),
    Term(
        "third_party_sharing.cross_context_advertising",
        "Sharing for cross-context behavioural advertising",
        "Disclosure for targeted advertising across services (CCPA sharing).",
        "privet",
    ),
    Term("analytics.deidentified", "De-identified analytics", "Analysis on data that can no longer identify a person.", "privet"),
)

TELECOM_SUBJECTS: tuple[Term, ...] = (
    Term("customer.residential", "Residential customer", "A household subscriber.", "privet"),
    Term("customer.business", "Business customer", "A business or government subscriber and its contacts.", "privet"),
    Term("former_customer", "Former customer", "A person whose service has ended.", "privet"),
    Term("referred_friend", "Referred friend", "A person another user referred to the provider.", "privet"),
    Term("child", "Child", "A person under 13.", "privet"),
    Term("agent", "Agent", "An authorized agent or sales agent of the provider.", "privet"),
    Term("complainant", "Complainant", "A person who sends an abuse or copyright notice.", "privet"),
)


class RecipientKind(StrEnum):
    """Who receives data. The regimes set different floors for each kind."""

    FIRST_PARTY = "first_party"
    AFFILIATE = "affiliate"
    AGENT = "agent"
    CONTRACTOR = "contractor"
    JOINT_VENTURE = "joint_venture"
    PROCESSOR = "processor"
    CARRIER = "carrier"
    THIRD_PARTY = "third_party"
    AD_NETWORK = "ad_network"
    ANALYTICS_PROVIDER = "analytics_provider"
    CREDIT_BUREAU = "credit_bureau"
    COLLECTION_AGENCY = "collection_agency"
    GOVERNMENT = "government"
    PSAP = "psap"
    OTHER_USER = "other_user"
    ACQUIRER = "acquirer"
    COMPLAINANT = "complainant"
    PUBLIC = "public"


class RegimeId(StrEnum):
    """The bodies of law privet encodes (see `privet.regimes`); a choice may say which one it serves."""

    CPNI = "cpni"
    CCPA = "ccpa"
    SHINE_THE_LIGHT = "shine_the_light"
    MAINE = "maine"
    NEVADA = "nevada"
    FCRA = "fcra"
    CAN_SPAM = "can_spam"
    TCPA = "tcpa"
    COPPA = "coppa"
    CABLE = "cable"
    SCA = "sca"
    DMCA = "dmca"
    POLICY_CHANGE = "policy_change"


class Channel(StrEnum):
    """How a person sets a choice or exercises a right."""

    WEB_FORM = "web_form"
    PRIVACY_CENTER = "privacy_center"
    ACCOUNT_PORTAL = "account_portal"
    PHONE = "phone"
    IVR = "ivr"
    MAIL = "mail"
    EMAIL = "email"
    SMS_KEYWORD = "sms_keyword"
    EMAIL_UNSUBSCRIBE_LINK = "email_unsubscribe_link"
    GPC = "gpc"
    WRITTEN_REQUEST = "written_request"
    IN_PERSON = "in_person"
    COOKIE_BANNER = "cookie_banner"
    BROWSER_SETTINGS = "browser_settings"
    DEVICE_SETTINGS = "device_settings"
    INDUSTRY_OPT_OUT = "industry_opt_out"


@lru_cache(maxsize=1)
def fideslang_categories() -> dict[str, Term]:
    """fideslang's default data categories keyed by fides_key."""
    return {
        c.fides_key: Term(c.fides_key, c.name or c.fides_key, c.description or "", "fideslang")
        for c in DEFAULT_TAXONOMY.data_category
    }


@lru_cache(maxsize=1)
def fideslang_uses() -> dict[str, Term]:
    """fideslang's default data uses (purposes) keyed by fides_key."""
    return {
        u.fides_key: Term(u.fides_key, u.name or u.fides_key, u.description or "", "fideslang") for u in DEFAULT_TAXONOMY.data_use
    }


@lru_cache(maxsize=1)
def fideslang_subjects() -> dict[str, Term]:
    """fideslang's default data subjects keyed by fides_key."""
    return {
        s.fides_key: Term(s.fides_key, s.name or s.fides_key, s.description or "", "fideslang")
        for s in DEFAULT_TAXONOMY.data_subject
    }


def builtin_categories() -> dict[str, Term]:
    """Every category a pack may name without declaring it."""
    return {**fideslang_categories(), **{t.key: t for t in TELECOM_CATEGORIES}}


def builtin_purposes() -> dict[str, Term]:
    """Every purpose a pack may name without declaring it."""
    return {**fideslang_uses(), **{t.key: t for t in TELECOM_PURPOSES}}


def builtin_subjects() -> dict[str, Term]:
    """Every data subject a pack may name without declaring it."""
    return {**fideslang_subjects(), **{t.key: t for t in TELECOM_SUBJECTS}}


def parent_key(key: str) -> str | None:
    """The key one level up the hierarchy, or None at the root."""
    head, dot, _ = key.rpartition(".")
    return head if dot else None


def is_within(key: str, ancestor: str) -> bool:
    """True when `key` is `ancestor` or sits below it (`user.contact.email` is within `user`)."""
    return key == ancestor or key.startswith(ancestor + ".")


def overlaps(a: str, b: str) -> bool:
    """Two hierarchical keys overlap when one contains the other."""
    return is_within(a, b) or is_within(b, a)
