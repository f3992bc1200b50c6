"""Cable Act, 47 U.S.C. 551 (rules CABLE-02, CABLE-04): cable subscriber data leaves only with consent or an exception."""

from __future__ import annotations

from privet.policy.taxonomy import RecipientKind, RegimeId
from privet.regimes.base import Floor, Requirement, SubjectFacts, Use, purpose_in, touches

EXCEPTIONS = ("essential.service", "essential.legal_obligation", "essential.collections")


class Cable:
    id = RegimeId.CABLE

    def floors(self, use: Use, facts: SubjectFacts) -> list[Floor]:
        if "cable" not in facts.service_lines or use.recipient_kind is RecipientKind.FIRST_PARTY:
            return []
        if touches(use.categories, "user.telecom.cable_viewing") and use.recipient_kind is RecipientKind.GOVERNMENT:
            return [
                Floor(
                    self.id,
                    Requirement.PROHIBITED,
                    "CABLE-04",
                    "47 U.S.C. 551(h)",
                    "viewing records never go to government by the ECPA route; only a 551(h) court order",
                )
            ]
        if purpose_in(use.purpose, *EXCEPTIONS):
            return []
        return [
            Floor(
                self.id,
                Requirement.OPT_IN,
                "CABLE-02",
                "47 U.S.C. 551(c)",
                "disclosing a cable subscriber's information needs their prior written or electronic consent",
            )
        ]
