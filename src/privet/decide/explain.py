"""A decision and its reasons, in words a privacy officer can read and a machine can check."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """Why a decision came out as it did (`basis`)."""

    REQUIRED = "required"
    OPT_OUT_NOT_EXERCISED = "opt_out_not_exercised"
    OPTED_OUT = "opted_out"
    OPT_IN_GIVEN = "opt_in_given"
    OPT_IN_MISSING = "opt_in_missing"
    NEVER = "never"
    NO_RULE = "no_rule"
    PROHIBITED_BY_LAW = "prohibited_by_law"


ALLOWING = frozenset({Outcome.REQUIRED, Outcome.OPT_OUT_NOT_EXERCISED, Outcome.OPT_IN_GIVEN})


@dataclass(frozen=True)
class Reason:
    source: str  # "policy" or a regime id
    rule: str  # pack rule id, or the regulation's testable rule id (CPNI-03)
    text: str
    citation: str = ""
    allows: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "rule": self.rule, "text": self.text, "citation": self.citation, "allows": self.allows}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: Outcome
    policy_version: str
    rule: str | None
    regime_rules: tuple[str, ...]
    reasons: tuple[Reason, ...]
    obligations: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "basis": self.basis.value,
            "policy_version": self.policy_version,
            "rule": self.rule,
            "regime_rules": list(self.regime_rules),
            "reasons": [r.as_dict() for r in self.reasons],
            "obligations": list(self.obligations),
        }

    @property
    def denial_reason(self) -> str | None:
        """The first reason that denies, for counting denials by reason."""
        if self.allowed:
            return None
        return next((f"{r.source}:{r.rule}" for r in self.reasons if not r.allows), self.basis.value)
