"""What each kind of demand may obtain, through the decision point, logged as disclosures (SCA, Cable Act, CPNI)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from privet.legal import demands as legal
from privet.legal.notices import mark_given, send_due
from privet.legal.process import DemandKind, LegalError
from privet.legal.releases import Released, release
from privet.legal.tables import Disclosure, SubscriberNotice
from privet.subjects.service import get_account
from privet.subjects.tables import Person
from tests.cpni.support import World, days_ago

K = DemandKind
BSI = ["user.name", "user.contact.address", "user.telecom.ip_assignment"]


def subscriber(world: World, pack: str, services: list[str] | None = None) -> int:
    n = random.randint(10**6, 10**7)
    return world.person(
        pack,
        emails=[f"sub.{n}@example.net"],
        email_of_record_since=days_ago(90),
        postal_address="4 Oak Lane Topeka KS",
        services=services or ["voice", "broadband"],
    )


def demand(world: World, kind: DemandKind, person: int, scope: list[str], **kw: Any) -> int:
    issuer = "Sedgwick County District Attorney" if kw.get("issuer_kind", "government") == "government" else "Plaintiff's counsel"
    with world.uow("legal:pat") as uow:
        return legal.record_demand(
            uow,
            kind=kind,
            issuer=kw.pop("issuer", issuer),
            person_id=person,
            scope=scope,
            reference=f"{kind.value}-{person}",
            **kw,
        ).id


def out(world: World, pack: str, demand_id: int, person: int, categories: list[str]) -> Released:
    with world.uow("legal:pat") as uow:
        return release(
            uow, world.runtime(pack).decider, world.runtime(pack).pack, demand_id, person_id=person, categories=categories
        )


@pytest.mark.promise("000-P117", "000-P126", "001-P012", "003-P041", "003-P044", "004-P021")
@pytest.mark.parametrize("pack", ["000-metronet", "001-mettel", "003-mtusa", "004-county-micro"])
def test_a_subpoena_gets_basic_subscriber_information_and_never_contents(world: World, pack: str) -> None:
    person = subscriber(world, pack, ["voice", "broadband", "email"])
    d = demand(world, K.SUBPOENA, person, [*BSI, "user.telecom.content.email", "user.telecom.cpni.call_detail", "user"])
    refused = out(world, pack, d, person, ["user.telecom.content.email"])
    assert refused.disclosure is None and refused.refusal is not None and refused.refusal.rule == "SCA-01"
    assert out(world, pack, d, person, ["user.telecom.cpni.call_detail"]).refusal.rule == "SCA-02"
    assert out(world, pack, d, person, ["user"]).refusal is not None  # "everything" reaches contents: refused, not trimmed
    done = out(world, pack, d, person, BSI)
    assert done.refusal is None and done.disclosure is not None
    with world.uow() as uow:
        logged = uow.session.scalars(select(Disclosure).where(Disclosure.demand_id == d)).all()
    # Only the release that went out is in the disclosure log; the refusals are in the audit chain.
    assert [(x.recipient_kind, x.categories, x.purpose) for x in logged] == [
        ("government", BSI, "essential.legal_obligation.legal_process")
    ]
    assert logged[0].details["demand_kind"] == "subpoena"


@pytest.mark.promise("000-P159")
def test_cpni_goes_under_a_2703d_order_but_not_a_subpoena(world: World) -> None:
    person = subscriber(world, "000-metronet")
    cpni = ["user.telecom.cpni.call_detail", "user.telecom.cpni.billing"]
    assert out(world, "000-metronet", demand(world, K.SUBPOENA, person, cpni), person, cpni).refusal is not None
    assert out(world, "000-metronet", demand(world, K.ORDER_2703D, person, cpni), person, cpni).disclosure is not None
    assert (
        out(
            world,
            "000-metronet",
            demand(world, K.ORDER_2703D, person, ["user.telecom.content"]),
            person,
            ["user.telecom.content"],
        ).refusal.rule
        == "SCA-01"
    )


@pytest.mark.promise("001-P046")
def test_financial_data_subpoena_reaches_the_means_of_payment_only(world: World) -> None:
    person = subscriber(world, "001-mettel")
    d = demand(world, K.SUBPOENA, person, ["user.financial"])
    assert out(world, "001-mettel", d, person, ["user.financial.bank_account"]).disclosure is not None
    assert out(world, "001-mettel", d, person, ["user.financial.credit_report"]).refusal.rule == "SCA-02"
    assert (
        out(
            world,
            "001-mettel",
            demand(world, K.ORDER_2703D, person, ["user.financial"]),
            person,
            ["user.financial.credit_report"],
        ).disclosure
        is not None
    )


@pytest.mark.promise("003-P042", "002-P034", "002-P040")
def test_contents_need_a_warrant_and_the_fax_pack_needs_a_recorded_good_faith_belief(world: World) -> None:
    voice = subscriber(world, "003-mtusa", ["voice"])
    w = demand(world, K.SEARCH_WARRANT, voice, ["user"])
    assert (
        out(world, "003-mtusa", w, voice, ["user.content.private", "user.name", "user.telecom.cpni.call_detail"]).disclosure
        is not None
    )

    fax = subscriber(world, "002-metrofax", ["fax"])
    bare = demand(world, K.SEARCH_WARRANT, fax, ["user"])
    refused = out(world, "002-metrofax", bare, fax, ["user.telecom.content.fax"])
    assert refused.refusal is not None and "good-faith" in str(refused.refusal)
    believed = demand(
        world,
        K.SEARCH_WARRANT,
        fax,
        ["user"],
        good_faith_basis="a warrant signed by a magistrate judge, verified by phone with the clerk",
    )
    everything = out(
        world,
        "002-metrofax",
        believed,
        fax,
        ["user.telecom.content.fax", "user.name", "user.contact", "user.financial.credit_card"],
    )
    assert everything.disclosure is not None and "user.telecom.content.fax" in everything.disclosure.categories


@pytest.mark.promise("003-P047", "002-P037")
def test_an_emergency_disclosure_without_a_good_faith_basis_is_refused(world: World) -> None:
    for pack in ("003-mtusa", "002-metrofax"):
        person = subscriber(world, pack, ["voice"] if pack == "003-mtusa" else ["fax"])
        with world.uow("legal:pat") as uow, pytest.raises(LegalError, match="good_faith_basis"):
            legal.record_demand(uow, kind=K.EMERGENCY_REQUEST, issuer="Wichita PD", person_id=person, scope=["user.name"])
        with world.uow("legal:pat") as uow, pytest.raises(LegalError, match="good_faith_basis"):
            legal.record_demand(
                uow, kind=K.EMERGENCY_REQUEST, issuer="Wichita PD", person_id=person, scope=["user.name"], good_faith_basis="   "
            )
        d = demand(
            world,
            K.EMERGENCY_REQUEST,
            person,
            ["user"],
            good_faith_basis="caller threatened suicide on a recorded 911 call at 02:10; officer Diaz, badge 4471",
        )
        done = out(world, pack, d, person, ["user.name", "user.contact"])
        assert done.disclosure is not None and done.disclosure.purpose == "essential.emergency_response"


@pytest.mark.promise("004-P021")
def test_a_pack_that_discloses_only_when_compelled_refuses_voluntary_disclosures(world: World) -> None:
    person = subscriber(world, "004-county-micro")
    d = demand(
        world,
        K.PROVIDER_REFERRAL,
        person,
        ["user.name"],
        purpose="essential.legal_obligation.legal_process",
        good_faith_basis="suspected fraud",
    )
    refused = out(world, "004-county-micro", d, person, ["user.name"])
    assert refused.refusal is not None and "only when compelled" in str(refused.refusal)
    assert (
        out(world, "004-county-micro", demand(world, K.COURT_ORDER, person, ["user.name"]), person, ["user.name"]).disclosure
        is not None
    )


@pytest.mark.promise("004-P026", "003-P047")
@pytest.mark.parametrize("pack", ["003-mtusa", "004-county-micro"])
def test_a_psap_gets_who_and_where_for_a_911_call_and_nothing_more(world: World, pack: str) -> None:
    person = subscriber(world, pack, ["voice"])
    d = demand(
        world,
        K.PSAP_911,
        person,
        ["user.name", "user.contact", "user.telecom.cpni.location", "user.telecom.cpni.call_detail"],
        issuer="Sedgwick County 911",
        issuer_kind="psap",
    )
    done = out(world, pack, d, person, ["user.name", "user.telecom.cpni.location"])
    assert done.disclosure is not None and done.disclosure.recipient_kind == "psap"
    assert out(world, pack, d, person, ["user.telecom.cpni.call_detail"]).refusal is not None


@pytest.mark.promise("003-P052")
def test_a_business_transfer_goes_only_with_the_policys_conditions_attested(world: World) -> None:
    person = subscriber(world, "003-mtusa", ["voice"])
    bare = demand(world, K.BUSINESS_TRANSFER, person, ["user"], issuer="Acme Telecom Holdings", issuer_kind="acquirer")
    refused = out(world, "003-mtusa", bare, person, ["user.name", "user.contact"])
    assert refused.refusal is not None and "acquirer_accepts_material_policy_obligations" in str(refused.refusal)
    attested = demand(
        world,
        K.BUSINESS_TRANSFER,
        person,
        ["user"],
        issuer="Acme Telecom Holdings",
        issuer_kind="acquirer",
        attestations=[
            "acquirer_focuses_on_communications_or_technology",
            "acquirer_becomes_successor_for_data_protection",
            "acquirer_accepts_material_policy_obligations",
        ],
    )
    assert out(world, "003-mtusa", attested, person, ["user.name", "user.contact"]).disclosure is not None


@pytest.mark.promise("004-P025", "004-P046")
def test_county_micro_customer_data_may_pass_to_an_acquirer(world: World) -> None:
    person = subscriber(world, "004-county-micro")
    d = demand(world, K.BUSINESS_TRANSFER, person, ["user"], issuer="Houlton Fiber LLC", issuer_kind="acquirer")
    done = out(world, "004-county-micro", d, person, ["user.name", "user.contact", "user.financial.payment_history"])
    assert done.disclosure is not None and done.disclosure.recipient_kind == "acquirer"


@pytest.mark.promise("004-P024", "002-P036")
def test_disclosures_to_protect_rights_need_a_recorded_basis_and_never_carry_contents(world: World) -> None:
    person = subscriber(world, "004-county-micro")
    d = demand(
        world,
        K.PROVIDER_REFERRAL,
        person,
        ["user.name", "user.contact", "user.telecom.content"],
        issuer="Collections counsel",
        issuer_kind="private",
        recipient="rights-enforcement",
        purpose="essential.protect_rights",
        good_faith_basis="unpaid equipment worth $1,900 not returned",
    )
    assert out(world, "004-county-micro", d, person, ["user.name", "user.contact"]).disclosure is not None
    assert out(world, "004-county-micro", d, person, ["user.telecom.content"]).refusal.rule == "SCA-01"

    fax = subscriber(world, "002-metrofax", ["fax"])
    g = demand(
        world,
        K.PROVIDER_REFERRAL,
        fax,
        ["user.name", "user.device.ip_address"],
        purpose="essential.protect_rights",
        good_faith_basis="account used to attack our fax gateway",
    )
    assert out(world, "002-metrofax", g, fax, ["user.name", "user.device.ip_address"]).disclosure is not None


@pytest.mark.promise("000-P128")
def test_litigation_discovery_goes_to_the_parties_after_the_subscriber_is_told(world: World) -> None:
    person = subscriber(world, "000-metronet")
    d = demand(
        world,
        K.CIVIL_DISCOVERY,
        person,
        BSI,
        issuer_kind="private",
        recipient="litigation-parties",
        purpose="essential.protect_rights",
    )
    first = out(world, "000-metronet", d, person, BSI)
    assert first.refusal is not None and first.refusal.rule == "civil_process"
    with world.uow() as uow:
        notice = uow.session.scalars(select(SubscriberNotice).where(SubscriberNotice.demand_id == d)).one()
        assert notice.status == "queued"
        mark_given(uow, notice.id, how="mail")
    done = out(world, "000-metronet", d, person, BSI)
    assert done.disclosure is not None and done.disclosure.recipient == "litigation-parties"
    assert out(world, "000-metronet", d, person, ["user.telecom.content.email"]).refusal is not None


@pytest.mark.promise("002-P038", "002-P039")
def test_a_nondisclosure_order_holds_the_subscriber_notice_back_until_it_ends(world: World) -> None:
    person = subscriber(world, "002-metrofax", ["fax"])
    world.clock.now = datetime.now(UTC)
    ends = (world.clock.now + timedelta(days=10)).date()
    d = demand(
        world,
        K.CIVIL_DISCOVERY,
        person,
        ["user.name", "user.contact"],
        issuer="Regional carrier for its subpoena",
        issuer_kind="private",
        recipient="network-providers",
        nondisclosure_until=ends,
        good_faith_basis="subpoena served on our upstream carrier, verified",
    )
    gagged = out(world, "002-metrofax", d, person, ["user.name"])
    assert gagged.refusal is not None and "non-disclosure order runs" in str(gagged.refusal)
    with world.uow() as uow:
        notice = uow.session.scalars(select(SubscriberNotice).where(SubscriberNotice.demand_id == d)).one()
        assert notice.status == "waiting"
        with pytest.raises(LegalError, match="non-disclosure order"):
            mark_given(uow, notice.id, how="mail")
        send_due(uow)
        assert uow.session.get(SubscriberNotice, notice.id).status == "waiting"
    world.clock.advance(days=10)
    with world.uow() as uow:
        assert send_due(uow) >= 1
        assert uow.session.get(SubscriberNotice, notice.id).status == "queued"
        mark_given(uow, notice.id, how="mail")
    assert out(world, "002-metrofax", d, person, ["user.name", "user.contact"]).disclosure is not None


@pytest.mark.promise("000-P080")
def test_a_court_order_suspends_service_at_once_without_notice(world: World) -> None:
    person = subscriber(world, "000-metronet")
    with world.uow() as uow:
        number = uow.session.get_one(Person, person).roles[0].account.number
    d = demand(world, K.COURT_ORDER, person, ["user.name"], account_number=number)
    with world.uow("legal:pat") as uow:
        legal.suspend_for_order(uow, d, number)
    with world.uow() as uow:
        assert get_account(uow, number).status == "suspended"
        assert any(
            c.reason.startswith("court order") and c.to_status == "suspended" for c in get_account(uow, number).status_history
        )
    civil = demand(world, K.CIVIL_DISCOVERY, person, ["user.name"], issuer_kind="private", recipient="litigation-parties")
    with world.uow("legal:pat") as uow, pytest.raises(LegalError, match="only a court order"):
        legal.suspend_for_order(uow, civil, number)


def test_demands_are_checked_before_anything_is_recorded(world: World) -> None:
    person = subscriber(world, "000-metronet")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"kind": K.SUBPOENA, "scope": []}, "scope"),
        ({"kind": K.SUBPOENA, "issuer": " "}, "issuer"),
        ({"kind": K.PSAP_911, "issuer_kind": "government"}, "issuer_kind"),
        ({"kind": K.SUBPOENA, "issuer_kind": "martian"}, "issuer_kind"),
        ({"kind": K.SUBPOENA, "purpose": "marketing"}, "purpose"),
        ({"kind": K.SUBPOENA, "person_id": None}, "person_id"),
        ({"kind": K.SUBPOENA, "deadline": datetime(2030, 1, 1)}, "deadline"),
    ]
    with world.uow("legal:pat") as uow:
        for change, field in cases:
            args: dict[str, Any] = {"issuer": "DA", "person_id": person, "scope": ["user.name"], **change}
            with pytest.raises(LegalError, match=field):
                legal.record_demand(uow, **args)
        d = legal.record_demand(uow, kind=K.SUBPOENA, issuer="DA", person_id=person, scope=["user.name"])
        legal.close_demand(uow, d.id, outcome="withdrawn")
        with pytest.raises(LegalError, match="already withdrawn"):
            legal.close_demand(uow, d.id, outcome="fulfilled")
    assert out(world, "000-metronet", d.id, person, ["user.name"]).refusal is not None
    other = subscriber(world, "000-metronet")
    assert "does not name this person" in str(
        out(world, "000-metronet", demand(world, K.SUBPOENA, person, ["user.name"]), other, ["user.name"]).refusal
    )
