"""The Shine the Light answer (Cal. Civ. Code 1798.83, STL-02).

The answer covers the calendar year before the one the request arrived in: the categories of
personal information disclosed to third parties for *their* direct marketing, and the names
and addresses of those third parties. It is drawn from privet's disclosure records, the same
rows every release of data writes, so the answer cannot leave out a disclosure that happened.
Disclosures to the provider's own processors and agents are not for the recipient's marketing
and are not listed; affiliates that are separate companies are third parties and are.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from privet.legal.disclosures import disclosures_between
from privet.legal.tables import Disclosure
from privet.policy.model import PolicyPack
from privet.policy.taxonomy import is_within
from privet.requests.explain import Explainer
from privet.requests.tables import DataRequest
from privet.store.uow import UnitOfWork

THIRD_PARTY_MARKETING = "marketing.direct_marketing_by_third_party"
NOT_THIRD_PARTIES = frozenset({"first_party", "processor", "agent", "contractor", "government", "psap"})


def for_their_marketing(d: Disclosure) -> bool:
    if is_within(d.purpose, THIRD_PARTY_MARKETING):
        return True
    return is_within(d.purpose, "marketing") and d.recipient_kind not in NOT_THIRD_PARTIES


def shine_the_light_answer(uow: UnitOfWork, pack: PolicyPack, req: DataRequest) -> dict[str, Any]:
    year = req.received_at.year - 1
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    ex = Explainer(pack)
    relevant = [d for d in disclosures_between(uow, start, end, req.person_id) if for_their_marketing(d)]
    categories = sorted({ex.category_name(c) for d in relevant for c in d.categories})
    recipients: dict[str, str | None] = {}
    for d in relevant:
        recipients.setdefault(d.recipient_name, d.recipient_address)
    listed = [{"name": name, "address": address} for name, address in sorted(recipients.items())]
    if relevant:
        lines = [
            f"In {year} {pack.provider.name} disclosed these categories of your personal information to third parties for their direct marketing:"
        ]
        lines += [f"- {c}" for c in categories]
        lines.append("to these companies:")
        lines += [f"- {r['name']}" + (f", {r['address']}" if r["address"] else "") for r in listed]
    else:
        lines = [
            f"In {year} {pack.provider.name} did not disclose your personal information to any third party for its direct marketing."
        ]
    summary = {"year": year, "categories": categories, "recipients": listed, "disclosures": len(relevant)}
    return {"summary": summary, "text": "\n".join(lines)}
