"""The shape of a dataset declaration: where a provider's personal data lives and how to erase it.

A declaration is a YAML document per system (billing, CRM, ticketing, mail, RADIUS). It names
the database connection, and for each table the primary key and the columns that hold
personal data: their data category, whether a column identifies a person (and in what format
the system stores that identity), which column references which, and how each column is
erased. Tables may also say what the law makes them keep (`retain`).

Like policy packs, every model forbids unknown fields: a misspelt `erase:` would otherwise
silently leave data in place after a deletion the person was told had happened.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from privet.policy.model import Id, Key, Strict

Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_$]*$", max_length=120, description="a table or column name")]


class IdentityKind(StrEnum):
    """Identifiers that name one person; requests find people by them."""

    EMAIL = "email"
    PHONE = "phone"
    ACCOUNT_NUMBER = "account_number"
    USERNAME = "username"
    IP_ADDRESS = "ip_address"


# How a system stores an identity; privet converts its canonical form before looking it up.
IDENTITY_FORMATS: dict[IdentityKind, tuple[str, ...]] = {
    IdentityKind.EMAIL: ("lower", "as_is"),
    IdentityKind.PHONE: ("e164", "digits", "national"),
    IdentityKind.ACCOUNT_NUMBER: ("canonical",),
    IdentityKind.USERNAME: ("lower",),
    IdentityKind.IP_ADDRESS: ("text",),
}


class Strategy(StrEnum):
    NULL = "null"
    STRING = "string"
    HASH = "hash"
    KEYED_HASH = "keyed_hash"
    KEEP = "keep"


class Erase(Strict):
    """How a column is erased. `string` writes a fixed value; hashes may be cut to `length` characters."""

    strategy: Strategy
    value: str | None = Field(default=None, max_length=200)
    length: int | None = Field(default=None, ge=8, le=128)

    @model_validator(mode="after")
    def _fits(self) -> Erase:
        if self.strategy is Strategy.STRING and self.value is None:
            raise ValueError("a 'string' erasure needs the value to write (erase: {string: REDACTED})")
        if self.strategy is not Strategy.STRING and self.value is not None:
            raise ValueError(f"a '{self.strategy.value}' erasure takes no value")
        if self.length is not None and self.strategy not in (Strategy.HASH, Strategy.KEYED_HASH):
            raise ValueError("only hash erasures take a length")
        return self

    @property
    def width(self) -> int | None:
        """Characters the erased value needs, for checking it fits the live column."""
        if self.strategy in (Strategy.HASH, Strategy.KEYED_HASH):
            return self.length or 64
        if self.strategy is Strategy.STRING:
            return len(self.value or "")
        return None


def _erase(value: Any) -> Any:
    """Accept the short forms: `null` (YAML null too), `keep`, `hash`, `keyed_hash`, `{string: X}`."""
    if value is None:
        return {"strategy": "null"}
    if isinstance(value, str):
        return {"strategy": value}
    if isinstance(value, dict) and set(value) == {"string"}:
        return {"strategy": "string", "value": value["string"]}
    return value


class Follow(StrEnum):
    """Which way a reference may be followed while finding a person's rows.

    `both`: rows on either side belong to the same person (an invoice and its customer).
    `to_parent`: from the referencing row to the referenced one only (a contact points at the
    account it belongs to; the account's other contacts are other people). `to_child`: the
    reverse. `none`: the reference names someone else (a `referred_by` column) and is never followed.
    """

    BOTH = "both"
    TO_PARENT = "to_parent"
    TO_CHILD = "to_child"
    NONE = "none"


class Reference(Strict):
    to: str = Field(pattern=r"^([a-z0-9][a-z0-9_.\-]*\.)?[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$")
    follow: Follow = Follow.BOTH

    @property
    def parts(self) -> tuple[str | None, str, str]:
        """(dataset or None for this one, table, column)."""
        bits = self.to.rsplit(".", 2)
        if len(bits) == 2:
            return None, bits[0], bits[1]
        return bits[0], bits[1], bits[2]


class Column(Strict):
    category: Key | None = None
    identity: IdentityKind | None = None
    format: str | None = None
    references: Reference | None = None
    erase: Erase | None = None
    description: str = ""

    @field_validator("references", mode="before")
    @classmethod
    def _reference(cls, value: Any) -> Any:
        return {"to": value} if isinstance(value, str) else value

    @field_validator("erase", mode="before")
    @classmethod
    def _erase_forms(cls, value: Any) -> Any:
        return _erase(value)

    @model_validator(mode="after")
    def _format_fits(self) -> Column:
        if self.format is not None:
            if self.identity is None:
                raise ValueError("only identity columns take a format")
            allowed = IDENTITY_FORMATS[self.identity]
            if self.format not in allowed:
                raise ValueError(f"a {self.identity.value} column's format is one of {', '.join(allowed)}")
        return self

    @property
    def id_format(self) -> str:
        assert self.identity is not None
        return self.format or IDENTITY_FORMATS[self.identity][0]

    @property
    def erasure(self) -> Erase:
        """The declared erasure, else `null` for personal data and `keep` for structural columns."""
        if self.erase is not None:
            return self.erase
        return Erase(strategy=Strategy.NULL if self.category else Strategy.KEEP)


class LegalBasisId(StrEnum):
    TOLL_RECORDS = "toll_records"
    CPNI_APPROVAL = "cpni_approval"
    CPNI_NOTICE = "cpni_notice"
    BREACH_RECORDS = "breach_records"
    REQUEST_RECORDS = "request_records"
    DNC_LIST = "dnc_list"
    FCRA_OPT_OUT = "fcra_opt_out"
    CSAM_REPORT = "csam_report"
    SERVICE = "service"


class Retain(Strict):
    """A reason the law gives to keep rows of this table; `since` is the column the period counts from."""

    basis: LegalBasisId
    since: Name | None = None
    columns: list[Name] = Field(default_factory=list, description="the columns kept; empty keeps the whole row")


class Table(Strict):
    description: str = ""
    primary_key: list[Name] = Field(min_length=1)
    columns: dict[Name, Column] = Field(min_length=1)
    retain: list[Retain] = Field(default_factory=list)

    @field_validator("primary_key", mode="before")
    @classmethod
    def _one_key(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Connection(Strict):
    """Where the system's database is. `url_env` keeps credentials out of the declaration."""

    url: str | None = Field(default=None, min_length=1)
    url_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    db_schema: Name | None = Field(default=None, alias="schema")

    @model_validator(mode="after")
    def _one_source(self) -> Connection:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of url or url_env")
        return self


class Dataset(Strict):
    dataset: Id
    name: str = Field(min_length=1)
    system: str = Field(default="", description="the provider's name for the system (billing, CRM, RADIUS, ...)")
    description: str = ""
    connection: Connection
    erasure_key_env: str | None = Field(
        default=None, pattern=r"^[A-Z_][A-Z0-9_]*$", description="environment variable holding the keyed-hash secret"
    )
    tables: dict[Name, Table] = Field(min_length=1)
