"""The unit of a draft: a proposed pack element, its evidence and its confidence.

Shared by the builder and its readers, so each reader can propose elements without knowing the
others; the practice-category names are the classifier's labels, spelled once here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from privet.policy.draft.extract import Evidence
from privet.policy.taxonomy import is_within


@dataclass
class Element:
    """One proposed pack element with its evidence and how sure the drafter is."""

    section: str
    id: str
    data: dict[str, Any]
    evidence: list[Evidence] = field(default_factory=list)
    confidence: float = 0.0
    notes: list[str] = field(default_factory=list)
    source: str = "classifier"  # classifier, telecom-rules, default

    def add(self, evidence: Evidence, confidence: float) -> None:
        if evidence not in self.evidence:
            self.evidence.append(evidence)
        self.confidence = round(max(self.confidence, confidence), 3)


@dataclass
class NegativeFinding:
    """What became of one 'we do not / will not' sentence."""

    evidence: Evidence
    outcome: str  # never, only_with_opt_in, retention, statement, aup_prohibition
    rules: list[str]
    exceptions: list[str]


def _slug(text: str, limit: int = 48) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (slug[:limit].rstrip("-") or "x") if slug else "x"


def covering(keys: Iterable[str]) -> list[str]:
    """Keep the broadest keys: a rule on `user` already covers `user.contact.email`."""
    unique = list(dict.fromkeys(keys))
    return [k for k in unique if not any(o != k and is_within(k, o) for o in unique)]


def _trim(text: str, limit: int = 300) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
