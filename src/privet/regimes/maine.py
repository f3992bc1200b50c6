"""Maine's broadband privacy law, 35-A M.R.S. 9301 (rules ME-01, ME-02).

For broadband customers served and billed in Maine, any use or disclosure of customer personal
information outside six exceptions needs opt-in; information that is not personal may be used
unless the customer objects in writing.
"""

from __future__ import annotations

from privet.policy.taxonomy import RecipientKind, RegimeId
from privet.regimes.base import Floor, Requirement, SubjectFacts, Use, purpose_in

EXCEPTIONS = (
    "essential.service",
    "essential.legal_obligation",
    "essential.collections",
    "essential.protect_rights",
    "essential.fraud_detection",
    "essential.emergency_response",
    "essential.network_management",
)
CITATION = "35-A M.R.S. 9301"


class Maine:
    id = RegimeId.MAINE

    def floors(self, use: Use, facts: SubjectFacts) -> list[Floor]:
        if "broadband" not in facts.service_lines or facts.state != "ME" or (facts.billing_state not in (None, "ME")):
            return []
        if purpose_in(use.purpose, *EXCEPTIONS):
            return []
        own_marketing = purpose_in(use.purpose, "marketing") and use.recipient_kind is RecipientKind.FIRST_PARTY
        if own_marketing:
            return []
        if purpose_in(use.purpose, "analytics.deidentified") or all(c.startswith("user.deidentified") for c in use.categories):
            return [
                Floor(
                    self.id,
                    Requirement.OPT_OUT,
                    "ME-02",
                    CITATION,
                    "non-personal customer information may be used unless the customer objects in writing",
                )
            ]
        return [
            Floor(
                self.id,
                Requirement.OPT_IN,
                "ME-01",
                CITATION,
                "a Maine broadband customer's personal information may be used or disclosed outside the six exceptions only with opt-in consent",
            )
        ]
