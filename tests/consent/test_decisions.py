"""The decision point through the ledger: CPNI approvals and their notice window, FCRA, Maine, children,
version pinning, and every decision in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from privet.audit.tables import AuditEntry
from privet.consent import ledger
from privet.decide.engine import Request
from privet.decide.service import decide_for_person
from privet.runtime import Runtime
from tests.conftest import POLICIES, add_person, make_runtime

T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)
CPNI_AFFILIATE = Request(("user.telecom.cpni.call_detail",), "marketing.cpni.communications_related", "mettel-affiliates")


def decide(runtime: Runtime, person: int, request: Request, at: datetime) -> tuple[bool, str, list[str]]:
    with runtime.uow("test") as uow:
        d = decide_for_person(uow, runtime.decider, person, request, at)
    return d.allowed, d.basis.value, [f"{r.source}:{r.rule}:{'allows' if r.allows else 'denies'}" for r in d.reasons]


def test_cpni_opt_out_approval_counts_only_thirty_days_after_an_emailed_notice(mettel: Runtime) -> None:
    person = add_person(mettel, services=["voice"], service_state="NY")
    assert decide(mettel, person, CPNI_AFFILIATE, T0)[:2] == (False, "opt_in_missing"), "no notice sent: no approval"
    with mettel.uow("test") as uow:
        ledger.record_cpni_notice(uow, person_id=person, sent_at=T0, mailed=False)
    assert decide(mettel, person, CPNI_AFFILIATE, T0 + timedelta(days=29))[0] is False
    allowed, basis, reasons = decide(mettel, person, CPNI_AFFILIATE, T0 + timedelta(days=30))
    assert (allowed, basis) == (True, "opt_out_not_exercised")
    assert "cpni:CPNI-03:allows" in reasons


def test_a_mailed_notice_waits_thirty_three_days(mettel: Runtime) -> None:
    person = add_person(mettel, services=["voice"])
    with mettel.uow("test") as uow:
        ledger.record_cpni_notice(uow, person_id=person, sent_at=T0, mailed=True)
    assert decide(mettel, person, CPNI_AFFILIATE, T0 + timedelta(days=32))[0] is False
    assert decide(mettel, person, CPNI_AFFILIATE, T0 + timedelta(days=33))[0] is True


def test_a_cpni_opt_out_stops_affiliate_marketing_and_third_parties_need_opt_in(mettel: Runtime) -> None:
    person = add_person(mettel, services=["voice"])
    with mettel.uow("test") as uow:
        ledger.record_cpni_notice(uow, person_id=person, sent_at=T0 - timedelta(days=60), mailed=False)
        ledger.record_choice(
            uow, mettel.pack, person_id=person, choice_id="cpni-affiliate-marketing", value=False, channel="phone", received_at=T0
        )
    allowed, basis, reasons = decide(mettel, person, CPNI_AFFILIATE, T0 + timedelta(minutes=1))
    assert (allowed, basis) == (False, "opted_out")
    third = Request(("user.telecom.cpni.usage",), "marketing.cpni", "unaffiliated-marketers")
    allowed, basis, reasons = decide(mettel, person, third, T0)
    assert (allowed, basis) == (False, "opt_in_missing") and "cpni:CPNI-02:denies" in reasons
    with mettel.uow("test") as uow:
        ledger.record_choice(
            uow,
            mettel.pack,
            person_id=person,
            choice_id="cpni-third-party-marketing",
            value=True,
            channel="email",
            received_at=T0,
        )
    assert decide(mettel, person, third, T0 + timedelta(minutes=1))[:2] == (True, "opt_in_given")


def test_billing_uses_cpni_without_approval(mettel: Runtime) -> None:
    person = add_person(mettel, services=["voice"])
    allowed, basis, reasons = decide(
        mettel, person, Request(("user.telecom.cpni.billing",), "essential.service.billing", "mettel"), T0
    )
    assert (allowed, basis) == (True, "required") and "cpni:CPNI-01:allows" in reasons


def test_fcra_affiliate_marketing_opt_out_lasts_at_least_five_years(mettel: Runtime) -> None:
    person = add_person(mettel)
    use = Request(("user.financial.payment_history",), "marketing", "mettel-affiliates")
    assert decide(mettel, person, use, T0)[0] is True
    with mettel.uow("test") as uow:
        ledger.record_choice(
            uow, mettel.pack, person_id=person, choice_id="fcra-marketing-sharing", value=False, channel="email", received_at=T0
        )
    for later in (timedelta(days=1), timedelta(days=5 * 365 + 2), timedelta(days=10 * 365)):
        allowed, basis, reasons = decide(mettel, person, use, T0 + later)
        assert (allowed, basis) == (False, "opted_out"), later
        assert "fcra:FCRA-02:denies" in reasons


def test_maine_broadband_customers_must_opt_in_before_affiliate_marketing(mettel: Runtime) -> None:
    person = add_person(mettel, services=["broadband"], service_state="ME", billing_state="ME")
    use = Request(("user.contact.email",), "marketing", "mettel-affiliates")
    allowed, basis, reasons = decide(mettel, person, use, T0)
    assert (allowed, basis) == (False, "opt_in_missing") and "maine:ME-01:denies" in reasons
    with mettel.uow("test") as uow:
        ledger.record_choice(
            uow, mettel.pack, person_id=person, choice_id="maine-broadband-opt-in", value=True, channel="email", received_at=T0
        )
    assert decide(mettel, person, use, T0 + timedelta(seconds=1))[:2] == (True, "opt_in_given")


def test_nevada_and_california_sale_opt_outs(mettel: Runtime) -> None:
    sale = Request(("user.deidentified",), "third_party_sharing.sale", "mettel-affiliates")
    for state, choice, regime_rule in (("NV", "nevada-sale", "nevada:NV-02:denies"), ("CA", "ccpa-sale", "ccpa:CCPA-04:denies")):
        person = add_person(mettel, service_state=state, billing_state=state)
        assert decide(mettel, person, sale, T0)[0] is True
        with mettel.uow("test") as uow:
            ledger.record_choice(
                uow, mettel.pack, person_id=person, choice_id=choice, value=False, channel="email", received_at=T0
            )
        allowed, basis, reasons = decide(mettel, person, sale, T0)
        assert (allowed, basis) == (False, "opted_out") and regime_rule in reasons


def test_children_under_thirteen_are_never_marketed_to(metronet: Runtime) -> None:
    child = add_person(metronet, birth_date="2016-05-01", emails=["kid@example.net"])
    adult = add_person(metronet, birth_date="1980-05-01")
    email = Request(("user.contact.email",), "marketing.communications.email", "first-party", "email")
    assert decide(metronet, adult, email, T0)[0] is True
    allowed, basis, reasons = decide(metronet, child, email, T0)
    assert (allowed, basis) == (False, "prohibited_by_law") and "coppa:COPPA-01:denies" in reasons


def test_under_sixteen_californians_need_opt_in_for_sale(mettel: Runtime) -> None:
    teen = add_person(mettel, birth_date="2011-06-01", service_state="CA", billing_state="CA")
    sale = Request(("user.deidentified",), "third_party_sharing.sale", "mettel-affiliates")
    allowed, basis, reasons = decide(mettel, teen, sale, T0)
    assert (allowed, basis) == (False, "opt_in_missing") and "ccpa:CCPA-10:denies" in reasons


def test_data_stays_under_the_version_it_was_collected_under_until_the_person_accepts_the_new_one(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    old = make_runtime(engine, factory, POLICIES / "002-metrofax")
    person = add_person(old, account_type="residential", services=["fax"])  # collected under the first version
    new = make_runtime(engine, factory, POLICIES / "002-metrofax" / "next", history=(POLICIES / "002-metrofax",))
    ad_partners = Request(("user.demographic.profile",), "third_party_sharing.cross_context_advertising", "ad-data-partners")
    fresh = add_person(new, account_type="residential", services=["fax"])
    allowed_new, _, _ = decide(new, fresh, ad_partners, T0)
    assert allowed_new is True, "a person who joined under the new version is governed by it"
    with new.uow("test") as uow:
        pinned = decide_for_person(uow, new.decider, person, ad_partners, T0)
    assert pinned.allowed is False and pinned.policy_version == old.pack.pack.version
    assert pinned.reasons[0].rule == "version_pinning"
    with new.uow("test") as uow:
        ledger.record_policy_acceptance(uow, person_id=person, version=new.pack.pack.version, channel="account_portal")
    with new.uow("test") as uow:
        accepted = decide_for_person(uow, new.decider, person, ad_partners, T0)
    assert accepted.allowed is True and accepted.policy_version == new.pack.pack.version


def test_every_decision_is_in_the_audit_log(mettel: Runtime) -> None:
    person = add_person(mettel, services=["voice"])
    decide(mettel, person, CPNI_AFFILIATE, T0)
    with mettel.factory() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "decision.made").order_by(AuditEntry.seq.desc())
        ).first()
    assert entry is not None and entry.subject == f"person:{person}"
    assert '"allowed":false' in entry.data and '"basis":"opt_in_missing"' in entry.data and "CPNI-03" in entry.data
