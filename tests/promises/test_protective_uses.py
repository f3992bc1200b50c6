"""Uses the packs reserve for protecting the provider, its customers and its network are allowed for
that purpose only: the decision point permits each one under its own rule, and the same data for
marketing gets no help from it.

Each case decides the rule's own use, for the data an investigation reads (name, contact, call
detail, addresses, browsing, content: whichever the rule covers), for an ordinary voice and
broadband subscriber on a real database, audited like every decision; then the same data to the
same recipient for a marketing purpose. Call location stays out even here: the law lets it go
only to emergency services or with express authorization (CPNI-23).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from privet.decide.engine import Request
from privet.decide.service import decide_for_person
from privet.policy.model import Basis
from privet.policy.taxonomy import is_within
from tests.conftest import POLICIES, add_person, make_runtime

AT = datetime(2026, 3, 2, 15, tzinfo=UTC)
MARKETING = "marketing.advertising.first_party.targeted"
INVESTIGATED = (
    "user.name",
    "user.contact.email",
    "user.telecom.cpni.call_detail",
    "user.device.ip_address",
    "user.behavior.browsing_history",
    "user.content",
)


def _decide_rules(engine: Engine, factory: sessionmaker[Session], pack: str, rule_ids: list[str]) -> None:
    runtime = make_runtime(engine, factory, POLICIES / pack)
    person = add_person(runtime, service_state="KS", billing_state="KS", services=["voice", "broadband"])
    for rule_id in rule_ids:
        rule = runtime.pack.rule(rule_id)
        assert rule is not None and rule.basis is Basis.REQUIRED, f"{pack}: {rule_id} is not a standing permission"
        read = tuple(c for c in INVESTIGATED if any(is_within(c, covered) for covered in rule.categories))
        assert read, f"{rule_id} covers none of the data an investigation reads"
        request = Request(read, rule.purpose, rule.recipient)
        with runtime.uow("test") as uow:
            decision = decide_for_person(uow, runtime.decider, person, request, AT)
        assert decision.allowed and decision.rule == rule_id, (rule_id, decision.reasons)
        with runtime.uow("test") as uow:
            other = decide_for_person(uow, runtime.decider, person, Request(read, MARKETING, rule.recipient), AT)
        assert other.rule != rule_id  # the protective permission never carries a marketing use
        if any(is_within("user.telecom.cpni.location", covered) for covered in rule.categories):
            where = Request(("user.telecom.cpni.location",), rule.purpose, rule.recipient)
            with runtime.uow("test") as uow:
                located = decide_for_person(uow, runtime.decider, person, where, AT)
            assert not located.allowed and "CPNI-23" in located.regime_rules


@pytest.mark.promise("001-P013")
def test_mettel_may_use_data_to_protect_its_rights_and_property(engine: Engine, factory: sessionmaker[Session]) -> None:
    _decide_rules(engine, factory, "001-mettel", ["protect-rights"])


@pytest.mark.promise("002-P035")
def test_metrofax_may_investigate_and_refer_illegal_activity(engine: Engine, factory: sessionmaker[Session]) -> None:
    _decide_rules(engine, factory, "002-metrofax", ["illegal-activity-investigation", "illegal-activity-referral"])


@pytest.mark.promise("003-P043", "003-P045", "003-P048", "003-P051")
def test_mtusa_protects_its_rights_services_and_sites(engine: Engine, factory: sessionmaker[Session]) -> None:
    _decide_rules(
        engine,
        factory,
        "003-mtusa",
        [
            "protect-rights",
            "prevent-unlawful-use",
            "prevent-unlawful-use-carriers",
            "site-security",
            "site-security-sharing",
            "monitor-fraud",
        ],
    )
