"""COPPA (rule COPPA-01): nothing collected, used or disclosed from a child under 13 without verifiable parental consent.

Support for internal operations, legal process and emergencies are the exceptions kept here.
"""

from __future__ import annotations

from privet.policy.taxonomy import RegimeId
from privet.regimes.base import Floor, Requirement, SubjectFacts, Use, purpose_in

EXCEPTIONS = ("essential.legal_obligation", "essential.emergency_response", "essential.protect_rights")


class Coppa:
    id = RegimeId.COPPA

    def floors(self, use: Use, facts: SubjectFacts) -> list[Floor]:
        if facts.age is None or facts.age >= 13 or purpose_in(use.purpose, *EXCEPTIONS):
            return []
        if facts.parental_consent:
            return []
        return [
            Floor(
                self.id,
                Requirement.PROHIBITED,
                "COPPA-01",
                "16 CFR 312.5",
                "a child under 13's information may not be collected, used or disclosed without verifiable parental consent",
                ("open_child_deletion",),
            )
        ]
