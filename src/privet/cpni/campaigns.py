"""Records of marketing campaigns that use CPNI, and the supervisory approval outbound ones need.

64.2009(c) requires a record of every sales or marketing campaign that uses CPNI: what it is,
which CPNI it uses, which products it offers (CPNI-12). 64.2009(d) requires a supervisor to
approve any outbound campaign that asks customers for CPNI approval before it starts (CPNI-13).
Launching decides each person of the audience at the decision point, so a campaign reaches only
those the pack and the CPNI rules allow (within-category use without approval, opt-out or opt-in
beyond it), and the campaign record keeps how many it reached. Records are kept at least a year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from privet.cpni.contacts import CpniError
from privet.cpni.tables import Campaign
from privet.decide.decider import Decider
from privet.decide.engine import Request, UnknownRecipient
from privet.decide.service import decide_for_person
from privet.policy.taxonomy import is_within
from privet.store.uow import UnitOfWork


@dataclass(frozen=True)
class Launch:
    campaign_id: int
    audience: int
    allowed: tuple[int, ...]
    refused: dict[str, int]


def record_campaign(
    uow: UnitOfWork,
    *,
    name: str,
    description: str,
    cpni_used: Sequence[str],
    products_offered: Sequence[str],
    purpose: str,
    recipient: str = "first_party",
    channel: str | None = None,
    outbound: bool = False,
    asks_for_cpni_approval: bool = False,
) -> Campaign:
    if not name.strip() or not description.strip():
        raise CpniError("description: a campaign record describes the campaign (64.2009(c))")
    if not cpni_used or not all(is_within(c, "user.telecom.cpni") for c in cpni_used):
        raise CpniError("cpni_used: list the CPNI categories the campaign uses (user.telecom.cpni...)")
    if not [p for p in products_offered if p.strip()]:
        raise CpniError("products_offered: name the products and services offered (64.2009(c))")
    if not is_within(purpose, "marketing") and not is_within(purpose, "essential.service.cpni_within_category"):
        raise CpniError("purpose: a campaign's purpose is a marketing purpose or marketing within a subscribed category")
    row = Campaign(
        name=name.strip(),
        description=description.strip(),
        cpni_used=list(cpni_used),
        products_offered=[p.strip() for p in products_offered if p.strip()],
        purpose=purpose,
        recipient=recipient,
        channel=channel,
        outbound=outbound,
        asks_for_cpni_approval=asks_for_cpni_approval,
        created_at=uow.now(),
        created_by=uow.actor,
        audience=0,
        reached=0,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.record("cpni.campaign_recorded", f"cpni_campaign:{row.id}", cpni_used=list(cpni_used), outbound=outbound)
    return row


def get_campaign(uow: UnitOfWork, campaign_id: int) -> Campaign:
    row = uow.session.get(Campaign, campaign_id)
    if row is None:
        raise CpniError(f"no campaign with id {campaign_id}")
    return row


def approve_campaign(uow: UnitOfWork, campaign_id: int, *, note: str) -> Campaign:
    """A supervisor's approval; the person who recorded the campaign cannot approve it."""
    campaign = get_campaign(uow, campaign_id)
    if campaign.approved_at is not None:
        raise CpniError(f"campaign {campaign.id} was already approved by {campaign.approved_by}")
    if uow.actor == campaign.created_by:
        raise CpniError("supervisory review is by someone other than the campaign's author (64.2009(d))")
    campaign.approved_by, campaign.approved_at, campaign.approval_note = uow.actor, uow.now(), note
    uow.record("cpni.campaign_approved", f"cpni_campaign:{campaign.id}", note=note)
    return campaign


def launch_campaign(uow: UnitOfWork, decider: Decider, campaign_id: int, person_ids: Sequence[int]) -> Launch:
    """Start the campaign: refused without approval when it must have one; each person decided."""
    campaign = get_campaign(uow, campaign_id)
    if campaign.launched_at is not None:
        raise CpniError(f"campaign {campaign.id} was launched on {campaign.launched_at.date()}")
    if campaign.outbound and campaign.asks_for_cpni_approval and campaign.approved_at is None:
        raise CpniError("an outbound request for CPNI approval needs a supervisor's approval first (CPNI-13, 64.2009(d))")
    request = Request(tuple(campaign.cpni_used), campaign.purpose, campaign.recipient, campaign.channel)
    allowed: list[int] = []
    refused: dict[str, int] = {}
    try:
        for pid in dict.fromkeys(person_ids):
            decision = decide_for_person(uow, decider, pid, request)
            if decision.allowed:
                allowed.append(pid)
            else:
                key = decision.denial_reason or decision.basis.value
                refused[key] = refused.get(key, 0) + 1
    except UnknownRecipient as exc:
        raise CpniError(f"recipient: {exc}") from None
    campaign.launched_at, campaign.audience, campaign.reached = uow.now(), len(set(person_ids)), len(allowed)
    uow.record(
        "cpni.campaign_launched",
        f"cpni_campaign:{campaign.id}",
        audience=campaign.audience,
        reached=len(allowed),
        refused=refused,
    )
    return Launch(campaign.id, campaign.audience, tuple(allowed), refused)
