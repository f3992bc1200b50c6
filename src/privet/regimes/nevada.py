"""Nevada NRS 603A.345 (rule NV-02): a verified no-sale request stops any sale of covered information."""

from __future__ import annotations

from privet.policy.taxonomy import RegimeId
from privet.regimes.base import Floor, Requirement, SubjectFacts, Use, purpose_in


class Nevada:
    id = RegimeId.NEVADA

    def floors(self, use: Use, facts: SubjectFacts) -> list[Floor]:
        if facts.state != "NV" or not purpose_in(use.purpose, "third_party_sharing.sale"):
            return []
        return [
            Floor(
                self.id,
                Requirement.OPT_OUT,
                "NV-02",
                "NRS 603A.345",
                "a Nevada consumer may direct that their covered information not be sold",
            )
        ]
