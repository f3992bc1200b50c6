"""What a regime is: applicability, and the floor it puts under one proposed use of data.

A floor is the least consent the law demands (`none`, `opt_out`, `opt_in`, `prohibited`),
with the citation and the plain-words reason that a decision will carry. The decision point
takes the strictest of the pack's rule and every floor that applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Protocol

from privet.policy.taxonomy import RecipientKind, RegimeId, is_within


class Requirement(IntEnum):
    """Ordered by strictness, so `max()` is the strictest."""

    NONE = 0
    OPT_OUT = 1
    OPT_IN = 2
    PROHIBITED = 3


@dataclass(frozen=True)
class ChoiceState:
    """One choice's value for a person at a moment, as the consent ledger projects it."""

    value: bool  # True: allowed (opted in / not opted out); False: denied (opted out / refused)
    effective_at: datetime
    channel: str = ""


@dataclass(frozen=True)
class SubjectFacts:
    """What the decision needs to know about the person. Built from the store, or given directly."""

    person_id: int | None = None
    state: str | None = None
    billing_state: str | None = None
    age: int | None = None
    account_type: str | None = None
    account_status: str | None = None
    service_lines: frozenset[str] = frozenset()
    subjects: frozenset[str] = frozenset()
    choices: dict[str, ChoiceState] = field(default_factory=dict)
    parental_consent: bool = False
    cpni_notice_sent_at: datetime | None = None
    cpni_notice_mailed: bool = False
    collected_under: str | None = None
    accepted_versions: frozenset[str] = frozenset()
    gpc: bool = False


@dataclass(frozen=True)
class Use:
    """The proposed use being decided."""

    categories: tuple[str, ...]
    purpose: str
    recipient_kind: RecipientKind
    channel: str | None
    at: datetime


@dataclass(frozen=True)
class Floor:
    regime: RegimeId
    requirement: Requirement
    rule: str  # the testable rule id from the regulations, e.g. CPNI-03
    citation: str
    reason: str
    obligations: tuple[str, ...] = ()
    opt_in_from: datetime | None = None  # an opt-out approval counts only from this moment (CPNI-06)


class Regime(Protocol):
    id: RegimeId

    def floors(self, use: Use, facts: SubjectFacts) -> list[Floor]:
        """The floors this regime puts under `use` for this person; empty when it does not apply."""
        ...


def touches(categories: tuple[str, ...], prefix: str) -> bool:
    return any(is_within(c, prefix) or is_within(prefix, c) for c in categories)


def purpose_in(purpose: str, *prefixes: str) -> bool:
    return any(is_within(purpose, p) for p in prefixes)
