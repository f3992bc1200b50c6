"""Verification proportionate to the request (11 CCR 7060–7063).

No verification for an opt-out of sale: the law forbids asking for more than the request
(CCPA-06). Two matching data points for categories (know). A reasonably high degree for
specific pieces and for deletion: three matching points and a signed declaration under
penalty of perjury, or an authenticated session that re-authenticates (CCPA-19). A pack may
ask for more, never less. An authorized agent shows the consumer's signed permission (and the
consumer confirms it directly) or a power of attorney; the consumer's identity is still
verified from the points the agent gives.

Points are compared in normalised form; a point that does not match fails verification, since
a wrong detail is what an impostor's request looks like. Only the names of matched points are
recorded, never the values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from pydantic import BaseModel, ConfigDict, Field

from privet.policy.model import Verification
from privet.requests.kinds import Regime, RequestKind
from privet.subjects.identities import IdentityKind, InvalidIdentity, normalize
from privet.subjects.tables import Person


class Level(IntEnum):
    NONE = 0
    MATCHING = 2
    HIGH = 3


class DataPoint(StrEnum):
    FULL_NAME = "full_name"
    EMAIL = "email"
    PHONE = "phone"
    ACCOUNT_NUMBER = "account_number"
    USERNAME = "username"
    POSTAL_ADDRESS = "postal_address"
    BIRTH_DATE = "birth_date"


class AgentProof(StrEnum):
    SIGNED_PERMISSION = "signed_permission"
    POWER_OF_ATTORNEY = "power_of_attorney"
    PARENT_OR_GUARDIAN = "parent_or_guardian"


class Agent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=300)
    proof: AgentProof
    document: str = Field(min_length=1, max_length=300, description="where the signed permission or power of attorney is kept")
    consumer_confirmed: bool = Field(
        default=False, description="the consumer confirmed the agent's permission directly (7063(a))"
    )


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data_points: dict[DataPoint, str] = Field(default_factory=dict, max_length=len(DataPoint))
    signed_declaration: bool = Field(default=False, description="signed under penalty of perjury that they are the consumer")
    authenticated_session: bool = False
    reauthenticated: bool = False


FLOOR = {
    RequestKind.ACCESS: Level.HIGH,
    RequestKind.DELETE: Level.HIGH,
    RequestKind.KNOW: Level.MATCHING,
    RequestKind.CORRECT: Level.MATCHING,
    RequestKind.OPT_OUT_OF_SALE: Level.NONE,
    RequestKind.SHINE_THE_LIGHT: Level.NONE,
}
PACK_LEVEL = {
    Verification.NONE: Level.NONE,
    Verification.ACCOUNT_LOGIN: Level.MATCHING,
    Verification.MATCHING_DATA_POINTS: Level.MATCHING,
    Verification.HIGH: Level.HIGH,
}
LEVEL_NAMES = {Level.NONE: "none", Level.MATCHING: "matching_data_points", Level.HIGH: "high"}


def required_level(kind: RequestKind, regime: Regime, pack: Verification | None) -> Level:
    if kind is RequestKind.OPT_OUT_OF_SALE and regime is Regime.CCPA:
        return Level.NONE
    return max(FLOOR[kind], PACK_LEVEL[pack] if pack is not None else Level.NONE)


def _text(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", value.lower()).strip()


def normalize_point(point: DataPoint, value: str) -> str | None:
    kinds = {
        DataPoint.EMAIL: "email",
        DataPoint.PHONE: "phone",
        DataPoint.ACCOUNT_NUMBER: "account_number",
        DataPoint.USERNAME: "username",
    }
    if point in kinds:
        try:
            return normalize(IdentityKind(kinds[point]), value)
        except InvalidIdentity:
            return None
    return _text(value) or None


_POINT_VALUES = frozenset(p.value for p in DataPoint)


def held_points(person: Person) -> dict[DataPoint, set[str]]:
    """What privet holds about the person, normalised, to compare the given points against."""
    held: dict[DataPoint, set[str]] = {p: set() for p in DataPoint}
    held[DataPoint.FULL_NAME].add(_text(person.full_name))
    if person.birth_date:
        held[DataPoint.BIRTH_DATE].add(_text(person.birth_date.isoformat()))
    for ident in person.identities:
        if ident.kind in _POINT_VALUES:
            held[DataPoint(ident.kind)].add(ident.value)
    for role in person.roles:
        held[DataPoint.ACCOUNT_NUMBER].add(role.account.number)
    for cp in person.contact_points:
        if cp.kind == "postal":
            held[DataPoint.POSTAL_ADDRESS].add(_text(cp.value))
        elif cp.kind in ("email", "phone"):
            value = normalize_point(DataPoint(cp.kind), cp.value)
            if value:
                held[DataPoint(cp.kind)].add(value)
    return held


@dataclass(frozen=True)
class Outcome:
    verified: bool
    matched: tuple[str, ...]
    mismatched: tuple[str, ...]
    reason: str


def evaluate(
    level: Level, held: dict[DataPoint, set[str]], evidence: Evidence, named_by: DataPoint | None, agent: Agent | None
) -> Outcome:
    matched = {named_by.value} if named_by is not None else set()
    mismatched: set[str] = set()
    for point, value in evidence.data_points.items():
        norm = normalize_point(point, value)
        (matched if norm is not None and norm in held[point] else mismatched).add(point.value)
    matched -= mismatched
    m, mm = tuple(sorted(matched)), tuple(sorted(mismatched))
    if agent is not None and agent.proof is AgentProof.SIGNED_PERMISSION and not agent.consumer_confirmed:
        return Outcome(False, m, mm, "an agent with signed permission needs the consumer to confirm it directly (11 CCR 7063)")
    if mm:
        return Outcome(False, m, mm, f"these details did not match our records: {', '.join(mm)}")
    if level is Level.NONE:
        return Outcome(True, m, mm, "no verification is required for this request")
    session = evidence.authenticated_session and (level is Level.MATCHING or evidence.reauthenticated)
    if session:
        return Outcome(True, m, mm, "verified by the person's authenticated account session")
    if level is Level.MATCHING and len(matched) >= 2:
        return Outcome(True, m, mm, f"{len(matched)} data points matched")
    if level is Level.HIGH and len(matched) >= 3 and evidence.signed_declaration:
        return Outcome(True, m, mm, f"{len(matched)} data points matched, with a signed declaration")
    need = "two matching data points" if level is Level.MATCHING else "three matching data points and a signed declaration"
    return Outcome(False, m, mm, f"this request needs {need}; {len(matched)} matched")
