"""FCRA affiliate sharing and affiliate marketing (rules FCRA-01 to FCRA-03).

Credit-report and other non-experience information may go to affiliates only after notice and
with no opt-out on file; an affiliate may market using eligibility information only with no
opt-out on file. An affiliate-marketing opt-out lasts at least five years.
"""

from __future__ import annotations

from datetime import timedelta

from privet.policy.taxonomy import RecipientKind, RegimeId
from privet.regimes.base import Floor, Requirement, SubjectFacts, Use, purpose_in, touches

OPT_OUT_LASTS = timedelta(days=5 * 365 + 1)


class Fcra:
    id = RegimeId.FCRA

    def floors(self, use: Use, facts: SubjectFacts) -> list[Floor]:
        if use.recipient_kind is not RecipientKind.AFFILIATE:
            return []
        eligibility = touches(use.categories, "user.financial.credit_report") or touches(
            use.categories, "user.financial.payment_history"
        )
        if not eligibility:
            return []
        if purpose_in(use.purpose, "marketing"):
            return [
                Floor(
                    self.id,
                    Requirement.OPT_OUT,
                    "FCRA-02",
                    "15 U.S.C. 1681s-3",
                    "an affiliate may not market using eligibility information after the consumer opts out",
                )
            ]
        if touches(use.categories, "user.financial.credit_report"):
            return [
                Floor(
                    self.id,
                    Requirement.OPT_OUT,
                    "FCRA-01",
                    "15 U.S.C. 1681a(d)(2)(A)(iii)",
                    "credit-report information may be shared with affiliates only while no opt-out is on file",
                )
            ]
        return []
