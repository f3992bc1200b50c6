"""CPNI campaigns are recorded, outbound approval requests need a supervisor, and each person is decided.

Also the limits the seeds put on CPNI use without approval: the listed purposes pass at the
decision point, anything else needs the customer's approval (64.2005, 64.2007, 64.2009(c)-(d)).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from privet.consent.ledger import record_choice, record_cpni_notice
from privet.cpni import campaigns
from privet.cpni.contacts import CpniError
from privet.decide.engine import Request
from privet.decide.service import decide_for_person
from tests.cpni.support import World

USAGE = ["user.telecom.cpni.usage"]


@pytest.mark.promise("000-P152", "000-P155", "000-P156", "000-P161")
def test_campaigns_are_recorded_approved_and_reach_only_those_the_rules_allow(world: World) -> None:
    runtime = world.runtime()
    voice = [world.person(services=["voice"]) for _ in range(2)]
    broadband_only = world.person(services=["broadband"])
    with world.uow("marketing:ana") as uow:
        within = campaigns.record_campaign(
            uow,
            name="Voice feature bundle",
            description="Offer call waiting to voice customers by usage",
            cpni_used=USAGE,
            products_offered=["call waiting", "voicemail"],
            purpose="essential.service.cpni_within_category",
        )
        launch = campaigns.launch_campaign(uow, runtime.decider, within.id, [*voice, broadband_only])
    # Within the category the customer buys, no approval is needed; a broadband-only customer has no voice CPNI category to market within.
    assert set(launch.allowed) == set(voice) and launch.audience == 3

    with world.uow("marketing:ana") as uow:
        ask = campaigns.record_campaign(
            uow,
            name="Fiber upsell with CPNI approval",
            description="Call voice customers to ask for CPNI approval",
            cpni_used=USAGE,
            products_offered=["1 Gig fiber"],
            purpose="marketing.cpni.communications_related",
            channel="phone",
            outbound=True,
            asks_for_cpni_approval=True,
        )
        with pytest.raises(CpniError, match="supervisor"):
            campaigns.launch_campaign(uow, runtime.decider, ask.id, voice)
        with pytest.raises(CpniError, match="other than the campaign's author"):
            campaigns.approve_campaign(uow, ask.id, note="looks fine")
    with world.uow("supervisor:lee") as uow:
        assert campaigns.approve_campaign(uow, ask.id, note="script reviewed").approved_by == "supervisor:lee"
    with world.uow("care:rep1") as uow:
        record_choice(uow, runtime.pack, person_id=voice[0], choice_id="cpni-approval", value=True, channel="phone")
    with world.uow("marketing:ana") as uow:
        reached = campaigns.launch_campaign(uow, runtime.decider, ask.id, voice)
        stored = campaigns.get_campaign(uow, ask.id)
    # Beyond the subscribed category, CPNI is used only with the customer's approval.
    assert reached.allowed == (voice[0],) and sum(reached.refused.values()) == 1
    assert (stored.reached, stored.audience, stored.cpni_used, stored.products_offered) == (1, 2, USAGE, ["1 Gig fiber"])


@pytest.mark.promise("001-P040")
def test_mettel_markets_its_own_products_with_cpni_once_the_opt_out_notice_has_run(world: World) -> None:
    runtime = world.runtime("001-mettel")
    noticed = [world.person("001-mettel", account_type="business", services=["voice"]) for _ in range(2)]
    fresh = world.person("001-mettel", account_type="business", services=["voice"])
    with world.uow("care:rep1") as uow:
        for pid in noticed:
            record_cpni_notice(uow, person_id=pid, sent_at=uow.now() - timedelta(days=40), mailed=False)
        record_cpni_notice(uow, person_id=fresh, sent_at=uow.now() - timedelta(days=5), mailed=False)
    with world.uow("marketing:kim") as uow:
        own = campaigns.record_campaign(
            uow,
            name="SD-WAN",
            description="SD-WAN for voice customers",
            cpni_used=USAGE,
            products_offered=["SD-WAN"],
            purpose="marketing.cpni",
        )
        launch = campaigns.launch_campaign(uow, runtime.decider, own.id, [*noticed, fresh])
    # The customer's 30 days to opt out after the notice must have run (64.2008(d)).
    assert set(launch.allowed) == set(noticed)


@pytest.mark.promise("000-P155", "000-P157", "000-P158", "000-P161")
def test_cpni_uses_without_approval_are_only_the_listed_ones(world: World) -> None:
    runtime = world.runtime()
    person = world.person(services=["voice"])
    listed = [
        ("essential.service", "first_party"),
        ("essential.service.billing", "first_party"),
        ("essential.protect_rights", "first_party"),
        ("essential.fraud_detection", "first_party"),
        ("essential.fraud_detection", "other-carriers"),
    ]
    unlisted = [
        ("marketing.cpni.non_communications", "first_party"),
        ("marketing.cpni", "affiliates"),
        ("marketing.cpni", "business-partners"),
        ("marketing.advertising.third_party.targeted", "ad-networks"),
        ("analytics", "analytics-providers"),
    ]
    with world.uow() as uow:
        for purpose, recipient in listed:
            d = decide_for_person(uow, runtime.decider, person, Request(("user.telecom.cpni.billing",), purpose, recipient))
            assert d.allowed, (purpose, recipient, d.reasons)
        for purpose, recipient in unlisted:
            d = decide_for_person(uow, runtime.decider, person, Request(("user.telecom.cpni.usage",), purpose, recipient))
            assert not d.allowed, (purpose, recipient)


def test_bad_campaign_records_are_refused(world: World) -> None:
    cases = [
        ({"cpni_used": ["user.contact.email"]}, "cpni_used"),
        ({"products_offered": [" "]}, "products_offered"),
        ({"description": ""}, "description"),
        ({"purpose": "analytics"}, "purpose"),
    ]
    good = {"name": "n", "description": "d", "cpni_used": USAGE, "products_offered": ["p"], "purpose": "marketing.cpni"}
    with world.uow() as uow:
        for change, field in cases:
            with pytest.raises(CpniError, match=field):
                campaigns.record_campaign(uow, **{**good, **change})
        with pytest.raises(CpniError, match="no campaign"):
            campaigns.approve_campaign(uow, 2**31 - 1, note="x")
