"""The shape of subscriber data coming in, by import file or API: validated before anything is written."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from privet.subjects.identities import IdentityKind, normalize

State = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="two-letter US state code")]
AccountType = Annotated[str, Field(pattern=r"^(residential|business|government)$")]
AccountStatus = Annotated[str, Field(pattern=r"^(active|suspended|disconnected)$")]
MemberRole = Annotated[str, Field(pattern=r"^(holder|authorized_user|billing_contact|technical_contact)$")]
ServiceKind = Annotated[str, Field(pattern=r"^(broadband|voice|voip|wireless|fax|cable|email|hosting|managed_it)$")]
AgeBand = Annotated[str, Field(pattern=r"^(under_13|13_15|16_17|adult)$")]


class SubscriberRecord(BaseModel):
    """One person on one account, as a provider's billing or CRM export describes them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    account_number: Annotated[str, Field(min_length=3, max_length=64)] | None = Field(
        default=None, description="absent for people without an account: prospects, referred friends, visitors"
    )
    account_type: AccountType = "residential"
    account_status: AccountStatus = "active"
    service_state: State | None = None
    billing_state: State | None = None
    dedicated_rep: bool = False
    cpni_contract: bool = False
    person_id: Annotated[str, Field(min_length=1, max_length=64, description="the provider's id for the person")]
    full_name: Annotated[str, Field(min_length=1, max_length=300)]
    role: MemberRole = "holder"
    emails: list[str] = Field(default_factory=list, max_length=20)
    phones: list[str] = Field(default_factory=list, max_length=20)
    usernames: list[str] = Field(default_factory=list, max_length=20)
    birth_date: date | None = None
    age_band: AgeBand | None = None
    parental_consent: bool = False
    subject_kinds: list[Annotated[str, Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=80)]] = Field(
        default_factory=list,
        max_length=10,
        description="data-subject kinds the policy names: prospect, referred_friend, visitor…",
    )
    postal_address: Annotated[str, Field(max_length=500)] | None = None
    address_of_record_since: date | None = None
    phone_of_record_since: date | None = None
    email_of_record_since: date | None = None
    services: list[ServiceKind] = Field(default_factory=list, max_length=20)
    service_started_on: date | None = None

    @field_validator("emails", "phones", "usernames", "services", "subject_kinds", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        """CSV cells hold several values separated by ';'."""
        if isinstance(value, str):
            return [v.strip() for v in value.split(";") if v.strip()]
        return value

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        return [normalize(IdentityKind.EMAIL, v) for v in value]

    @field_validator("phones")
    @classmethod
    def _phones(cls, value: list[str]) -> list[str]:
        return [normalize(IdentityKind.PHONE, v) for v in value]

    @field_validator("usernames")
    @classmethod
    def _usernames(cls, value: list[str]) -> list[str]:
        return [normalize(IdentityKind.USERNAME, v) for v in value]

    @field_validator("account_number")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        return None if value is None else normalize(IdentityKind.ACCOUNT_NUMBER, value)

    @model_validator(mode="after")
    def _dates_make_sense(self) -> SubscriberRecord:
        today = date.today()
        for name in (
            "birth_date",
            "address_of_record_since",
            "phone_of_record_since",
            "email_of_record_since",
            "service_started_on",
        ):
            value = getattr(self, name)
            if value is not None and value > today:
                raise ValueError(f"{name} {value.isoformat()} is in the future")
        if self.birth_date is not None and self.birth_date.year < 1900:
            raise ValueError(f"birth_date {self.birth_date.isoformat()} is not plausible")
        if self.address_of_record_since and not self.postal_address:
            raise ValueError("address_of_record_since needs a postal_address")
        return self
