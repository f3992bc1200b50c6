"""The consent ledger: append-only, projected, rebuilt identically, with legal timing recorded."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from privet.consent import ledger
from privet.consent.ledger import ConsentError
from privet.consent.tables import ConsentEvent
from privet.regimes.calendar import add_business_days
from privet.runtime import Runtime
from tests.conftest import add_person


def test_projection_rebuilds_identically_from_the_ledger(mettel: Runtime) -> None:
    rng = random.Random(7)
    people = [add_person(mettel, phones=[f"+1415555{n:04d}"], service_state="CA") for n in range(6)]
    choices = [c for c in mettel.pack.choices if c.kind != "opt_in"]
    start = datetime(2026, 1, 5, tzinfo=UTC)
    with mettel.uow("test") as uow:
        for _ in range(120):
            choice = rng.choice(choices)
            ledger.record_choice(
                uow,
                mettel.pack,
                person_id=rng.choice(people),
                choice_id=choice.id,
                value=rng.random() < 0.5,
                channel=str(choice.channels[0]),
                received_at=start + timedelta(minutes=rng.randint(0, 100_000)),  # out of order on purpose
            )
    with mettel.uow("test") as uow:
        before = ledger.snapshot(uow)
    with mettel.uow("test") as uow:
        ledger.rebuild_projection(uow)
    with mettel.uow("test") as uow:
        after = ledger.snapshot(uow)
        events = uow.session.scalar(select(func.count()).select_from(ConsentEvent))
    assert before == after
    assert events == 120 and len(after) > 10


def test_a_late_event_never_overrides_a_newer_choice(mettel: Runtime) -> None:
    person = add_person(mettel)
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    with mettel.uow("test") as uow:
        ledger.record_choice(
            uow, mettel.pack, person_id=person, choice_id="ccpa-sale", value=False, channel="phone", received_at=now
        )
        ledger.record_choice(
            uow,
            mettel.pack,
            person_id=person,
            choice_id="ccpa-sale",
            value=True,
            channel="email",
            received_at=now - timedelta(days=3),
        )
        state = ledger.current_choices(uow, person)["ccpa-sale"]
    assert state.value is False and state.channel == "phone"


def test_opt_out_takes_effect_at_once_and_records_the_legal_maximum(mettel: Runtime) -> None:
    person = add_person(mettel, service_state="CA")
    friday = datetime(2026, 11, 20, 16, tzinfo=UTC)  # Thanksgiving week follows
    with mettel.uow("care rep 42") as uow:
        recorded = ledger.record_choice(
            uow,
            mettel.pack,
            person_id=person,
            choice_id="ccpa-sale",
            value=False,
            channel="phone",
            evidence={"rep": "42", "call": "C-9"},
            received_at=friday,
        )
    assert recorded.effective_at == friday
    assert recorded.legal_deadline_at is not None
    assert recorded.legal_deadline_at.date() == add_business_days(friday, 15)
    assert recorded.legal_deadline_at.date().isoformat() == "2026-12-14"  # 15 business days, skipping Thanksgiving
    assert recorded.within_legal_deadline is True
    with mettel.uow("test") as uow:
        event = ledger.history(uow, person)[-1]
    assert event.actor == "care rep 42" and event.evidence == {"rep": "42", "call": "C-9"} and event.channel == "phone"


def test_opt_in_is_accepted_only_through_the_choices_own_channels(metronet: Runtime) -> None:
    person = add_person(metronet)
    with metronet.uow("test") as uow:
        try:
            ledger.record_choice(uow, metronet.pack, person_id=person, choice_id="marketing-sms", value=True, channel="phone")
        except ConsentError as exc:
            assert "web_form" in str(exc)
        else:
            raise AssertionError("an SMS opt-in by phone must be refused")
    with metronet.uow("test") as uow:
        assert (
            ledger.record_choice(
                uow, metronet.pack, person_id=person, choice_id="marketing-sms", value=True, channel="web_form"
            ).value
            is True
        )


def test_unknown_choice_is_refused(metronet: Runtime) -> None:
    person = add_person(metronet)
    with metronet.uow("test") as uow:
        try:
            ledger.record_choice(uow, metronet.pack, person_id=person, choice_id="telepathy", value=False, channel="phone")
        except ConsentError as exc:
            assert "not offered" in str(exc)
        else:
            raise AssertionError("expected ConsentError")


def test_no_reask_for_twelve_months_after_a_ccpa_opt_out(mettel: Runtime) -> None:
    person = add_person(mettel, service_state="CA")
    at = datetime(2026, 2, 1, tzinfo=UTC)
    with mettel.uow("test") as uow:
        ledger.record_choice(
            uow, mettel.pack, person_id=person, choice_id="ccpa-sale", value=False, channel="email", received_at=at
        )
    with mettel.uow("test") as uow:
        allowed, from_when = ledger.may_ask_to_opt_back_in(uow, mettel.pack, person, "ccpa-sale", at + timedelta(days=300))
        assert allowed is False and from_when == at + timedelta(days=365)
        assert ledger.may_ask_to_opt_back_in(uow, mettel.pack, person, "ccpa-sale", at + timedelta(days=366))[0] is True
