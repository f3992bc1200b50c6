"""CCPA/CPRA for California residents (rules CCPA-04, -06, -07, -09, -10).

Selling or sharing personal information needs no opt-out on file (a GPC signal is one); for a
consumer known to be under 16 it needs opt-in (the consumer's own at 13-15, a parent's under 13).
"""

from __future__ import annotations

from privet.policy.taxonomy import RecipientKind, RegimeId
from privet.regimes.base import Floor, Requirement, SubjectFacts, Use, purpose_in

SALE_PURPOSES = ("third_party_sharing.sale", "third_party_sharing.cross_context_advertising", "marketing.advertising.third_party")
SHARING_RECIPIENTS = frozenset({RecipientKind.AD_NETWORK})


def is_sale_or_sharing(use: Use) -> bool:
    if purpose_in(use.purpose, "analytics.deidentified"):
        return False
    return purpose_in(use.purpose, *SALE_PURPOSES) or (
        use.recipient_kind in SHARING_RECIPIENTS and purpose_in(use.purpose, "marketing.advertising")
    )


class Ccpa:
    id = RegimeId.CCPA

    def floors(self, use: Use, facts: SubjectFacts) -> list[Floor]:
        if facts.state != "CA" or not is_sale_or_sharing(use):
            return []
        if facts.age is not None and facts.age < 16:
            who = "a parent's" if facts.age < 13 else "the consumer's own"
            return [
                Floor(
                    self.id,
                    Requirement.OPT_IN,
                    "CCPA-10",
                    "Cal. Civ. Code 1798.120(c)",
                    f"selling or sharing the information of a consumer under 16 needs {who} opt-in",
                )
            ]
        obligations = ("honour_gpc",)
        return [
            Floor(
                self.id,
                Requirement.OPT_OUT,
                "CCPA-07" if facts.gpc else "CCPA-04",
                "Cal. Civ. Code 1798.120, 1798.135; 11 CCR 7025, 7026",
                "a California consumer may opt out of sale and sharing, and a Global Privacy Control signal is an opt-out",
                obligations,
            )
        ]
