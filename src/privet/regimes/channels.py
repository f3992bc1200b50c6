"""Channel rules: CAN-SPAM for commercial email, TCPA for marketing texts and calls (SPAM-02, TCPA-01, -02)."""

from __future__ import annotations

from privet.policy.taxonomy import RegimeId
from privet.regimes.base import Floor, Requirement, SubjectFacts, Use, purpose_in

STOP_WORDS = frozenset({"stop", "quit", "end", "revoke", "opt out", "cancel", "unsubscribe"})


class CanSpam:
    id = RegimeId.CAN_SPAM

    def floors(self, use: Use, facts: SubjectFacts) -> list[Floor]:
        email = use.channel == "email" or purpose_in(use.purpose, "marketing.communications.email")
        if not (email and purpose_in(use.purpose, "marketing")):
            return []
        return [
            Floor(
                self.id,
                Requirement.OPT_OUT,
                "SPAM-02",
                "15 U.S.C. 7704(a)(3)-(4)",
                "commercial email stops once the recipient opts out (within 10 business days at most)",
                ("include_unsubscribe_link", "include_postal_address"),
            )
        ]


class Tcpa:
    id = RegimeId.TCPA

    def floors(self, use: Use, facts: SubjectFacts) -> list[Floor]:
        sms = use.channel == "sms" or purpose_in(use.purpose, "marketing.communications.sms")
        if sms and purpose_in(use.purpose, "marketing"):
            return [
                Floor(
                    self.id,
                    Requirement.OPT_IN,
                    "TCPA-01",
                    "47 CFR 64.1200(a)(2), (a)(10)",
                    "marketing texts need prior express written consent, and a STOP reply revokes it",
                )
            ]
        phone = use.channel == "phone" or purpose_in(use.purpose, "marketing.communications.phone")
        if phone and purpose_in(use.purpose, "marketing"):
            return [
                Floor(
                    self.id,
                    Requirement.OPT_OUT,
                    "TCPA-05",
                    "47 CFR 64.1200(d)",
                    "telemarketing calls stop once the person asks to be put on the company's do-not-call list",
                )
            ]
        return []


def is_stop_keyword(body: str) -> bool:
    """TCPA-02: the normalised body of an inbound text is one of the revocation words."""
    return " ".join(body.lower().split()).strip(" .!") in STOP_WORDS
