"""Deadlines per regime, the one-extension rule, the frequency rules, and the due list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from privet.policy.model import Period, Right
from privet.requests import lifecycle
from privet.requests.deadlines import extended_date, schedule
from privet.requests.intake import verify_request
from privet.requests.kinds import Regime, RequestError, RequestKind
from privet.requests.verification import Evidence
from privet.store.uow import UnitOfWork
from tests.conftest import add_person
from tests.requests.conftest import ALICE_PROOF, Provider

FRIDAY = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # Thanksgiving week; the day after is a California holiday


def at(p: Provider, when: datetime) -> UnitOfWork:
    return UnitOfWork(p.runtime.factory, "test", clock=lambda: when)


def test_ccpa_acknowledgement_counts_california_business_days() -> None:
    plan = schedule(Regime.CCPA, RequestKind.DELETE, FRIDAY, None)
    # Mon 23, Tue 24, Wed 25, (Thanksgiving 26, Day After 27), Mon 30, Dec 1, 2, 3, 4, 7, 8.
    assert plan.acknowledge_by == date(2026, 12, 8)
    assert plan.respond_by == date(2027, 1, 4)  # 45 calendar days, holidays included
    assert plan.extension_days == 45


def test_each_regime_has_its_own_clock() -> None:
    assert schedule(Regime.CCPA, RequestKind.OPT_OUT_OF_SALE, FRIDAY, None).respond_by == date(2026, 12, 15)  # 15 business days
    assert schedule(Regime.CCPA, RequestKind.OPT_OUT_OF_SALE, FRIDAY, None).acknowledge_by is None
    nevada = schedule(Regime.NEVADA, RequestKind.OPT_OUT_OF_SALE, FRIDAY, None)
    assert (nevada.respond_by, nevada.extension_days) == (date(2027, 1, 19), 30)
    stl = schedule(Regime.SHINE_THE_LIGHT, RequestKind.SHINE_THE_LIGHT, FRIDAY, None)
    assert (stl.respond_by, stl.extension_days, stl.acknowledge_by) == (date(2026, 12, 20), None, None)
    elsewhere = schedule(Regime.SHINE_THE_LIGHT, RequestKind.SHINE_THE_LIGHT, FRIDAY, None, designated=False)
    assert elsewhere.respond_by == date(2027, 4, 19)  # 150 days when not sent to the designated address


def test_a_pack_may_promise_faster_never_slower() -> None:
    faster = Right(
        id="r", kind="know", description="d", channels=["email"], verification="none", respond_within=Period(count=30, unit="day")
    )
    slower = faster.model_copy(update={"respond_within": Period(count=60, unit="day")})
    assert schedule(Regime.CCPA, RequestKind.KNOW, FRIDAY, faster).respond_by == date(2026, 12, 20)
    assert schedule(Regime.CCPA, RequestKind.KNOW, FRIDAY, slower).respond_by == date(2027, 1, 4)


def test_an_extension_must_be_noticed_by_the_original_date_and_only_once() -> None:
    due = date(2027, 1, 4)
    on_day_45 = datetime(2027, 1, 4, 23, 0, tzinfo=UTC)
    assert extended_date(FRIDAY, due, 45, on_day_45, None) == date(2027, 2, 18)  # 90 days from receipt
    with pytest.raises(RequestError, match="must be noticed by 2027-01-04"):
        extended_date(FRIDAY, due, 45, on_day_45 + timedelta(days=1), None)
    with pytest.raises(RequestError, match="only one extension"):
        extended_date(FRIDAY, due, 45, on_day_45, date(2027, 2, 18))
    with pytest.raises(RequestError, match="allows no extension"):
        extended_date(FRIDAY, due, None, on_day_45, None)


def test_extending_a_ccpa_request_notifies_the_person_and_moves_the_due_date(
    local_provider_for: Callable[[str], Provider],
) -> None:
    p = local_provider_for("mettel")
    received = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    req = p.submit("know", evidence=ALICE_PROOF, received_at=received.isoformat())
    assert req.respond_by == date(2026, 4, 16)
    with at(p, datetime(2026, 4, 16, 18, 0, tzinfo=UTC)) as uow:
        r = lifecycle.get_request(uow, req.id)
        lifecycle.extend(uow, r, "we are gathering records from an archived billing system")
        assert r.extended_to == date(2026, 5, 31)
    with at(p, datetime(2026, 4, 17, 9, 0, tzinfo=UTC)) as uow, pytest.raises(RequestError, match="only one extension"):
        lifecycle.extend(uow, lifecycle.get_request(uow, req.id), "again")
    late = p.submit("know", evidence=ALICE_PROOF, received_at=received.isoformat())
    with at(p, datetime(2026, 4, 17, 9, 0, tzinfo=UTC)) as uow, pytest.raises(RequestError, match="must be noticed"):
        lifecycle.extend(uow, lifecycle.get_request(uow, late.id), "too late")
    from sqlalchemy import select

    from privet.outbox.tables import OutboxMessage

    with p.runtime.uow("test") as uow:
        notices = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "request.extension")).all()
    assert len(notices) == 1 and "archived billing system" in notices[0].body and "31 May 2026" in notices[0].body


@pytest.mark.promise("001-P075")
def test_nevada_opt_out_runs_on_sixty_days_plus_one_thirty_day_extension(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("mettel")
    received = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    req = p.submit(
        "opt_out_of_sale", who={"identity": {"kind": "email", "value": "bob@example.org"}}, received_at=received.isoformat()
    )
    assert (req.regime, req.right_id, req.status) == (
        "nevada",
        "nv-opt-out-of-sale",
        "received",
    )  # Nevada asks a verified request
    assert req.respond_by == date(2026, 5, 1)
    with at(p, datetime(2026, 4, 20, tzinfo=UTC)) as uow:
        r = lifecycle.get_request(uow, req.id)
        lifecycle.extend(uow, r, "verification by mail")
        assert r.extended_to == date(2026, 5, 31)
    with p.runtime.uow("test") as uow:
        r = lifecycle.get_request(uow, req.id)
        verify_request(uow, p.runtime.pack, r, Evidence.model_validate({"data_points": {"full_name": "Bob Baker"}}))
        assert r.status == "completed" and r.response["choice"] == "nevada-sale"
    from privet.consent.tables import ConsentState

    with p.runtime.uow("test") as uow:
        state = uow.session.get(ConsentState, (p.bob, "nevada-sale"))
        assert state is not None and state.value is False


@pytest.mark.promise("002-P078")
def test_shine_the_light_is_answered_once_per_calendar_year(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("metrofax")
    first = p.submit("shine_the_light", received_at="2026-02-01T10:00:00+00:00")
    assert p.execute(first.id).status == "completed"
    second = p.submit("shine_the_light", received_at="2026-09-01T10:00:00+00:00")
    assert second.status == "denied" and second.denial_basis == "frequency"
    assert p.request(second.id).response["notified"] is True
    with at(p, datetime(2027, 1, 5, tzinfo=UTC)) as uow:
        from privet.requests.intake import Submission, submit

        third = submit(
            uow,
            p.runtime.pack,
            Submission.model_validate({"kind": "shine_the_light", "person": {"person_id": p.alice}, "channel": "email"}),
        )
        assert third.status == "verified"


@pytest.mark.promise("001-P068")
def test_know_requests_are_capped_at_two_in_twelve_months(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("mettel")
    for _ in range(2):
        assert p.submit("know", evidence=ALICE_PROOF).status == "verified"
    third = p.submit("access", evidence=ALICE_PROOF)
    assert third.status == "denied" and third.denial_basis == "frequency"
    assert "1798.130(b)" in _answer(p, third.id)
    assert p.submit("delete", evidence=ALICE_PROOF).status == "verified"  # deletion is never capped


def _answer(p: Provider, request_id: int) -> str:
    from sqlalchemy import select

    from privet.outbox.tables import OutboxMessage

    with p.runtime.uow("test") as uow:
        bodies = uow.session.scalars(
            select(OutboxMessage.body).where(
                OutboxMessage.related == f"request:{request_id}", OutboxMessage.kind == "request.response"
            )
        ).all()
    assert len(bodies) == 1
    return bodies[0]


def test_the_due_list_puts_overdue_first_and_shows_what_is_due(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("mettel")
    carol = add_person(p.runtime, full_name="Carol Cole", emails=[], phones=["+15550100333"], service_state="CA")
    today = datetime.now(UTC)
    # A letter from Carol, who has no email of record: nobody has acknowledged it yet.
    old = p.submit("delete", who={"person_id": carol}, channel="mail", received_at=(today - timedelta(days=50)).isoformat())
    new = p.submit("know", evidence=ALICE_PROOF)
    with p.runtime.uow("test") as uow:
        items = lifecycle.due(uow, today.date())
    first = items[0]
    assert (first.request_id, first.what, first.overdue) == (old.id, "acknowledgement", True)
    assert [(i.request_id, i.what) for i in items] == [(old.id, "acknowledgement"), (old.id, "response"), (new.id, "response")]
    assert items[1].overdue and not items[2].overdue and items[2].days_left == 45


def test_request_records_are_kept_24_months_then_purged_unless_held(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    long_ago = datetime(2023, 1, 10, tzinfo=UTC)
    with at(p, long_ago) as uow:
        from privet.requests.intake import Submission, submit

        alice = submit(
            uow,
            p.runtime.pack,
            Submission.model_validate({"kind": "delete", "person": {"person_id": p.alice}, "channel": "email"}),
        )
        bob = submit(
            uow, p.runtime.pack, Submission.model_validate({"kind": "delete", "person": {"person_id": p.bob}, "channel": "email"})
        )
        lifecycle.deny(uow, alice, "fraud", "signs of fraud")
        lifecycle.deny(uow, bob, "fraud", "signs of fraud")
        assert alice.retain_until == date(2025, 1, 10)
    from privet.legal.tables import Hold

    with p.runtime.uow("legal") as uow:
        uow.session.add(
            Hold(
                kind="litigation",
                person_id=p.bob,
                scope=[],
                reason="case 12",
                starts_at=long_ago,
                ends_at=None,
                renewals=0,
                created_by="legal",
            )
        )
    recent = p.submit("know", evidence=ALICE_PROOF)
    with at(p, datetime(2025, 1, 9, tzinfo=UTC)) as uow:
        assert lifecycle.purge(uow, date(2025, 1, 9)) == 0  # not yet 24 months
    with p.runtime.uow("test") as uow:
        assert lifecycle.purge(uow, uow.now().date()) == 1
    with p.runtime.uow("test") as uow, pytest.raises(lifecycle.RequestNotFound):
        lifecycle.get_request(uow, alice.id)
    assert p.request(bob.id).status == "denied"  # under a hold: kept
    assert p.request(recent.id).status == "verified"
