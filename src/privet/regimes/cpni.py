"""CPNI: 47 U.S.C. 222 and 47 CFR 64.2001-2011 (rules CPNI-01 to CPNI-13, CPNI-23).

Applies to CPNI of customers of telecommunications or interconnected VoIP service. Uses to
provide the service, bill, protect the carrier, respond to legal process or emergencies need no
approval (222(c)(1), 222(d), 64.2005). Affiliates and agents marketing communications-related
services need at least opt-out approval; joint ventures, contractors, unaffiliated third parties
and any non-communications use need opt-in (64.2007(b)). An opt-out approval only counts 30 days
after the opt-out notice (33 when mailed) (64.2008(d)). Location needs express prior
authorization outside emergencies (222(f)).
"""

from __future__ import annotations

from datetime import timedelta

from privet.policy.taxonomy import RecipientKind, RegimeId
from privet.regimes.base import Floor, Requirement, SubjectFacts, Use, purpose_in, touches

VOICE_LINES = frozenset({"voice", "voip", "wireless"})
NO_APPROVAL_PURPOSES = (
    "essential.service",
    "essential.credit_check",
    "essential.collections",
    "essential.fraud_detection",
    "essential.protect_rights",
    "essential.legal_obligation",
    "essential.emergency_response",
    "essential.network_management",
    "essential.abuse_handling",
)
OPT_OUT_RECIPIENTS = frozenset({RecipientKind.FIRST_PARTY, RecipientKind.AFFILIATE, RecipientKind.AGENT})
NOTICE_WAIT = timedelta(days=30)
MAIL_EXTRA = timedelta(days=3)


class Cpni:
    id = RegimeId.CPNI

    def floors(self, use: Use, facts: SubjectFacts) -> list[Floor]:
        if not touches(use.categories, "user.telecom.cpni") or not (facts.service_lines & VOICE_LINES):
            return []
        location = touches(use.categories, "user.telecom.cpni.location")
        if purpose_in(use.purpose, "analytics.deidentified"):
            return [
                self._floor(
                    Requirement.NONE,
                    "CPNI-01",
                    "47 U.S.C. 222(c)(3)",
                    "aggregate customer information may be used without approval",
                )
            ]
        if purpose_in(use.purpose, "essential.emergency_response"):
            return [
                self._floor(
                    Requirement.NONE, "CPNI-01", "222(d)(4)", "emergency use of CPNI needs no approval", ("log_disclosure",)
                )
            ]
        if location:
            return [
                self._floor(
                    Requirement.OPT_IN,
                    "CPNI-23",
                    "47 U.S.C. 222(f)",
                    "call location outside an emergency needs express prior authorization",
                )
            ]
        if purpose_in(use.purpose, *NO_APPROVAL_PURPOSES):
            obligations = ("log_disclosure",) if use.recipient_kind is not RecipientKind.FIRST_PARTY else ()
            return [
                self._floor(
                    Requirement.NONE,
                    "CPNI-01",
                    "47 U.S.C. 222(c)(1), (d); 47 CFR 64.2005",
                    "CPNI may be used for this without approval",
                    obligations,
                )
            ]
        if purpose_in(use.purpose, "marketing.cpni.non_communications") or use.recipient_kind not in OPT_OUT_RECIPIENTS:
            return [
                self._floor(
                    Requirement.OPT_IN,
                    "CPNI-02",
                    "47 CFR 64.2007(b)",
                    "CPNI for non-communications uses, or disclosed to joint ventures, contractors or unaffiliated parties, needs opt-in approval",
                    ("log_disclosure", "campaign_record"),
                )
            ]
        if purpose_in(use.purpose, "marketing"):
            opens = None
            if facts.cpni_notice_sent_at is not None:
                opens = facts.cpni_notice_sent_at + NOTICE_WAIT + (MAIL_EXTRA if facts.cpni_notice_mailed else timedelta())
            return [
                Floor(
                    self.id,
                    Requirement.OPT_OUT,
                    "CPNI-03",
                    "47 CFR 64.2007(b), 64.2008(d)",
                    "marketing communications-related services with CPNI needs at least opt-out approval, counted 30 days after the opt-out notice (33 when mailed)",
                    ("campaign_record",),
                    opt_in_from=opens,
                )
            ]
        return [
            self._floor(
                Requirement.OPT_IN,
                "CPNI-02",
                "47 CFR 64.2007(b)",
                "this use of CPNI is not one the law allows without opt-in approval",
            )
        ]

    def _floor(self, requirement: Requirement, rule: str, citation: str, reason: str, obligations: tuple[str, ...] = ()) -> Floor:
        return Floor(self.id, requirement, rule, citation, reason, obligations)
