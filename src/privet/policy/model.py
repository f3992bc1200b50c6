"""The policy-as-code model: what a provider promises, as data privet can enforce.

A pack is one YAML document. These pydantic models validate its *shape* (types, required
fields, closed vocabularies); cross-references between elements (a rule naming a choice,
a category that must exist in the taxonomy, contradictions) are checked in `check.py`,
which can point at the offending line because `load.py` keeps the YAML positions.

Every model forbids unknown fields: a misspelt key in a privacy policy is a silent broken
promise, so it must be an error.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from privet.policy.taxonomy import Channel, RecipientKind, RegimeId

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=120)]
Key = Annotated[str, Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=200)]


class Strict(BaseModel):
    """Base for every pack element: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_PERIOD = re.compile(r"^\s*(\d+)\s*(day|business day|week|month|year)s?\s*$")


class Period(Strict):
    """A length of time as a count and a unit; business days are counted on a calendar."""

    count: int = Field(ge=0)
    unit: str  # day, business_day, week, month, year

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text.lower())
        if not match:
            raise ValueError(f"'{text}' is not a period such as '30 days', '10 business days' or '18 months'")
        return cls(count=int(match.group(1)), unit=match.group(2).replace(" ", "_"))

    def approx_days(self) -> float:
        """Length in days, for comparing periods (a month is 30.44 days, a business day 1.4)."""
        per = {"day": 1.0, "business_day": 1.4, "week": 7.0, "month": 30.44, "year": 365.25}
        return self.count * per[self.unit]

    def __str__(self) -> str:
        unit = self.unit.replace("_", " ")
        return f"{self.count} {unit}{'' if self.count == 1 else 's'}"


def _period(value: Any) -> Any:
    if isinstance(value, str):
        return Period.parse(value)
    return value


PeriodField = Annotated[Period, Field(description="e.g. '30 days', '10 business days', '18 months'")]


class Basis(StrEnum):
    """What a rule needs before the use may happen."""

    REQUIRED = "required"
    UNLESS_OPTED_OUT = "unless_opted_out"
    ONLY_WITH_OPT_IN = "only_with_opt_in"
    NEVER = "never"

    @property
    def strictness(self) -> int:
        """Higher is stricter; a change to a lower value weakens consent."""
        return {"required": 0, "unless_opted_out": 1, "only_with_opt_in": 2, "never": 3}[self.value]


class AccountType(StrEnum):
    RESIDENTIAL = "residential"
    BUSINESS = "business"
    GOVERNMENT = "government"


class AccountStatus(StrEnum):
    PROSPECT = "prospect"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DISCONNECTED = "disconnected"


class ServiceLine(StrEnum):
    BROADBAND = "broadband"
    VOICE = "voice"
    VOIP = "voip"
    WIRELESS = "wireless"
    FAX = "fax"
    CABLE = "cable"
    EMAIL = "email"
    HOSTING = "hosting"
    MANAGED_IT = "managed_it"


class Conditions(Strict):
    """Conditions on the subject under which a rule applies. Empty means always."""

    jurisdictions: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = Field(default_factory=list)
    not_jurisdictions: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = Field(default_factory=list)
    min_age: int | None = Field(default=None, ge=0, le=130)
    max_age: int | None = Field(default=None, ge=0, le=130)
    account_types: list[AccountType] = Field(default_factory=list)
    account_statuses: list[AccountStatus] = Field(default_factory=list)
    service_lines: list[ServiceLine] = Field(default_factory=list)
    subjects: list[Key] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return self == Conditions()


class Contact(Strict):
    """Where a person reaches the provider (or a recipient) for a purpose."""

    name: str | None = None
    title: str | None = None
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    phone: str | None = None
    address: list[str] = Field(default_factory=list)
    url: str | None = None

    def postal(self) -> str | None:
        """The postal address on one line, or None when there is none."""
        return ", ".join(self.address) if self.address else None


class Provider(Strict):
    name: str
    legal_name: str | None = None
    kind: str = Field(description="e.g. fiber_isp, business_carrier, internet_fax, local_exchange, rural_telecom")
    service_lines: list[ServiceLine]
    states: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = Field(default_factory=list)
    privacy_contact: Contact
    other_contacts: dict[Id, Contact] = Field(default_factory=dict)


class VocabularyTerm(Strict):
    """A category, purpose or subject a pack adds beyond fideslang and privet's extensions."""

    key: Key
    name: str
    description: str


class Extensions(Strict):
    categories: list[VocabularyTerm] = Field(default_factory=list)
    purposes: list[VocabularyTerm] = Field(default_factory=list)
    subjects: list[VocabularyTerm] = Field(default_factory=list)


class Source(StrEnum):
    DIRECT = "direct"
    AUTOMATIC = "automatic"
    THIRD_PARTY = "third_party"
    NETWORK = "network"


class Collection(Strict):
    """A kind of data the provider says it collects, from whom and how."""

    id: Id
    description: str
    categories: list[Key] = Field(min_length=1)
    subjects: list[Key] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)
    source_detail: str | None = None


class Recipient(Strict):
    """Who may receive data. `contact` is where the recipient is told of a deletion (CCPA-15) and the
    address Shine the Light lists; without one, privet asks staff to reach the recipient."""

    id: Id
    name: str
    kind: RecipientKind
    description: str = ""
    contact: Contact | None = None


class Choice(Strict):
    """A consent or preference mechanism the pack offers a person."""

    id: Id
    name: str
    description: str
    kind: str = Field(pattern=r"^(opt_out|opt_in|preference)$")
    default: str = Field(pattern=r"^(allowed|denied)$", description="the state before the person acts")
    channels: list[Channel] = Field(default_factory=list)
    takes_effect_within: Annotated[Period, Field()] | None = None
    records_kept: Annotated[Period, Field()] | None = None
    minimum_duration: Annotated[Period, Field()] | None = None
    conditions: Conditions = Field(default_factory=Conditions)
    regime: RegimeId | None = None

    _parse_periods = field_validator("takes_effect_within", "records_kept", "minimum_duration", mode="before")(_period)


class Rule(Strict):
    """For some categories, a purpose and a recipient: what consent the use needs."""

    id: Id
    categories: list[Key] = Field(min_length=1)
    purpose: Key
    recipient: Id
    basis: Basis
    choice: Id | None = None
    when: Conditions = Field(default_factory=Conditions)
    obligations: list[str] = Field(default_factory=list)
    description: str = ""

    @model_validator(mode="after")
    def _choice_matches_basis(self) -> Rule:
        needs_choice = self.basis in (Basis.UNLESS_OPTED_OUT, Basis.ONLY_WITH_OPT_IN)
        if needs_choice and not self.choice:
            raise ValueError(f"a '{self.basis.value}' rule must name the choice that governs it")
        if not needs_choice and self.choice:
            raise ValueError(f"a '{self.basis.value}' rule takes no choice")
        return self


class RightKind(StrEnum):
    ACCESS = "access"
    KNOW = "know"
    DELETE = "delete"
    CORRECT = "correct"
    OPT_OUT_OF_SALE = "opt_out_of_sale"
    SHINE_THE_LIGHT = "shine_the_light"
    PORTABILITY = "portability"
    NON_DISCRIMINATION = "non_discrimination"
    COMPLAIN = "complain"


class Verification(StrEnum):
    NONE = "none"
    ACCOUNT_LOGIN = "account_login"
    MATCHING_DATA_POINTS = "matching_data_points"
    HIGH = "high"


class Right(Strict):
    id: Id
    kind: RightKind
    description: str
    channels: list[Channel] = Field(min_length=1)
    verification: Verification
    who: Conditions = Field(default_factory=Conditions)
    respond_within: Annotated[Period, Field()] | None = None
    extension: Annotated[Period, Field()] | None = None
    frequency: str | None = Field(default=None, pattern=r"^(unlimited|once_per_calendar_year|twice_per_year)$")
    exceptions: list[str] = Field(default_factory=list)
    contact: Id | None = None

    _parse_periods = field_validator("respond_within", "extension", mode="before")(_period)


class Trigger(StrEnum):
    COLLECTION = "collection"
    DISCONNECTION = "disconnection"
    LAST_ACTIVITY = "last_activity"
    PURPOSE_FULFILLED = "purpose_fulfilled"
    ACCOUNT_CLOSURE = "account_closure"
    REQUEST_CLOSED = "request_closed"


class RetentionAction(StrEnum):
    DELETE = "delete"
    DEIDENTIFY = "deidentify"
    LOCK = "lock"
    RELEASE_FOR_REUSE = "release_for_reuse"


class Retention(Strict):
    id: Id
    categories: list[Key] = Field(min_length=1)
    purpose: Key | None = None
    description: str = ""
    trigger: Trigger | None = None
    period: Annotated[Period, Field()] | None = None
    action: RetentionAction = RetentionAction.DELETE
    legal_minimum: Annotated[Period, Field()] | None = None
    legal_basis: str | None = None

    _parse_periods = field_validator("period", "legal_minimum", mode="before")(_period)


class Grant(Strict):
    categories: list[Key] = Field(min_length=1)
    purposes: list[Key] = Field(min_length=1)


class Role(Strict):
    """A staff role and the categories it may see, for which purposes (least privilege)."""

    id: Id
    name: str
    description: str = ""
    may_see: list[Grant] = Field(default_factory=list)
    may: list[str] = Field(default_factory=list, description="operations the role may perform")


class Prohibition(Strict):
    id: Id
    kind: str = Field(
        pattern=r"^(copyright|spam|malware|network_attack|open_wifi|server_on_residential|illegal_content|resale|excessive_use|scraping|header_forgery|junk_fax|other_aup)$"
    )
    description: str
    residential_only: bool = False


class LadderStep(Strict):
    step: str = Field(
        pattern=r"^(educational_notice|warning|acknowledgement_required|temporary_suspension|termination_review|termination)$"
    )
    at_strikes: int = Field(ge=1)
    account_status: AccountStatus | None = None
    description: str


class AcceptableUse(Strict):
    prohibited: list[Prohibition] = Field(min_length=1)
    ladder: list[LadderStep] = Field(min_length=1)
    immediate_grounds: list[str] = Field(default_factory=list)
    monitoring: str | None = None
    mailbox_on_disconnection: Retention | None = None

    @model_validator(mode="after")
    def _ladder_ascends(self) -> AcceptableUse:
        counts = [s.at_strikes for s in self.ladder]
        if counts != sorted(counts) or len(set(counts)) != len(counts):
            raise ValueError("ladder steps must have strictly increasing strike thresholds")
        return self


class Copyright(Strict):
    designated_agent: Contact
    notice_elements: list[str] = Field(min_length=1)
    counter_notice_elements: list[str] = Field(min_length=1)
    strike_window: Annotated[Period, Field()] | None = None
    counts_as_strike: list[str] = Field(default_factory=lambda: ["valid_notice"])
    restore_after_counter_notice: tuple[int, int] = (10, 14)
    hosted_content_takedown: bool = True
    description: str = ""

    _parse_periods = field_validator("strike_window", mode="before")(_period)


class Programs(Strict):
    acceptable_use: AcceptableUse | None = None
    copyright: Copyright | None = None


class Statements(Strict):
    """Promises about handling that are not a rule on a use: how a signal, a child or a change is treated."""

    do_not_track: str = Field(default="not_honoured", pattern=r"^(honoured|not_honoured)$")
    gpc: str = Field(default="honoured_where_required", pattern=r"^(honoured|honoured_where_required|not_honoured)$")
    children_min_age: int = Field(default=13, ge=0, le=21)
    children_found: str = Field(default="delete", pattern=r"^(delete|contact_parent|none)$")
    policy_changes: str = Field(
        description="how changes are announced and whether older data stays under the version it was collected under"
    )
    material_change_notice: list[Channel] = Field(default_factory=list)
    older_data_keeps_version: bool = False
    security: list[str] = Field(default_factory=list)
    cpni_authentication: str | None = None
    data_location: str | None = None
    other: list[str] = Field(default_factory=list)


class PackMeta(Strict):
    id: Id
    version: str = Field(min_length=1, max_length=40)
    effective: date
    material_change: bool = False
    supersedes: str | None = None
    summary: str = ""


class PolicyPack(Strict):
    """One version of one provider's privacy and acceptable-use policy."""

    pack: PackMeta
    provider: Provider
    extensions: Extensions = Field(default_factory=Extensions)
    subjects: list[Key] = Field(min_length=1)
    collection: list[Collection] = Field(min_length=1)
    recipients: list[Recipient] = Field(min_length=1)
    choices: list[Choice] = Field(default_factory=list)
    rules: list[Rule] = Field(min_length=1)
    rights: list[Right] = Field(default_factory=list)
    retention: list[Retention] = Field(default_factory=list)
    roles: list[Role] = Field(min_length=1)
    programs: Programs = Field(default_factory=Programs)
    statements: Statements

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)

    def recipient(self, recipient_id: str) -> Recipient | None:
        return next((r for r in self.recipients if r.id == recipient_id), None)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)
