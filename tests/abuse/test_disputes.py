"""Disputes: an upheld dispute removes the strike and what it caused; a rejected one changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from privet.abuse import disputes
from privet.abuse.desk import AbuseError, Conflict
from privet.abuse.service import AbuseContext
from privet.abuse.tables import AbuseStrike
from privet.runtime import Runtime
from privet.subjects.tables import Account
from tests.abuse.conftest import assign, copyright_notice, lease, outbox, subscriber


def _strikes(runtime: Runtime, ctx: AbuseContext, account: str, count: int) -> list[int]:
    subscriber(runtime, account)
    ip = f"192.0.2.{len(account) * 7 % 250 + 1}"
    assign(ctx, "dhcp", [lease(ip, account, "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z")])
    ids = []
    for day in range(1, count + 1):
        (result,) = ctx.ingest([(copyright_notice(f"{account}-{day}", f"2025-02-0{day}T10:00:00Z", ip=ip), "smtp")], "test")
        assert result.strike_id is not None
        ids.append(result.strike_id)
    return ids


def _status(ctx: AbuseContext, number: str) -> str:
    with ctx.factory() as session:
        return session.scalars(select(Account.status).where(Account.number == number)).one()


def test_an_upheld_dispute_removes_the_strike_and_lifts_the_suspension(runtime: Runtime, ctx: AbuseContext) -> None:
    first, second = _strikes(runtime, ctx, "DIS-100", 2)
    assert _status(ctx, "DIS100") == "suspended"
    with ctx.desk("care:ann") as desk:
        dispute = disputes.open_dispute(desk, second, "misidentified", "I was abroad; the router was off.")
    with ctx.desk("desk:jo") as desk:
        disputes.decide(desk, dispute.id, uphold=True, reason="lease log shows the router offline")
    assert _status(ctx, "DIS100") == "active"
    with ctx.factory() as session:
        removed = session.get(AbuseStrike, second)
        kept = session.get(AbuseStrike, first)
        assert removed is not None and removed.removed_at is not None and "upheld" in (removed.removed_reason or "")
        assert kept is not None and kept.removed_at is None
    assert "upheld" in outbox(ctx, "abuse.dispute_upheld")[0].body
    assert outbox(ctx, "abuse.service_restored")


@pytest.mark.promise("000-P029")
def test_a_rejected_dispute_keeps_the_strike(runtime: Runtime, ctx: AbuseContext) -> None:
    (strike,) = _strikes(runtime, ctx, "DIS-200", 1)
    with ctx.desk("care:ann") as desk:
        dispute = disputes.open_dispute(desk, strike, "not_their_traffic", "A guest used my Wi-Fi.")
    with pytest.raises(Conflict, match="open dispute"), ctx.desk("care:ann") as desk:
        disputes.open_dispute(desk, strike, "fair_use", "again")
    with ctx.desk("desk:jo") as desk:
        disputes.decide(desk, dispute.id, uphold=False, reason="the subscriber answers for use of their connection (AUP 4)")
    with pytest.raises(Conflict, match="already decided"), ctx.desk("desk:jo") as desk:
        disputes.decide(desk, dispute.id, uphold=True, reason="changed my mind")
    with ctx.factory() as session:
        kept = session.get(AbuseStrike, strike)
        assert kept is not None and kept.removed_at is None
    assert "rejected" in outbox(ctx, "abuse.dispute_rejected")[0].body


def test_an_upheld_dispute_does_not_undo_a_termination(runtime: Runtime, ctx: AbuseContext) -> None:
    strikes = _strikes(runtime, ctx, "DIS-300", 3)
    assert _status(ctx, "DIS300") == "disconnected"
    with ctx.desk("care:ann") as desk:
        dispute = disputes.open_dispute(desk, strikes[0], "owns_rights", "I licensed that film.")
    with ctx.desk("desk:jo") as desk:
        disputes.decide(desk, dispute.id, uphold=True, reason="licence produced")
    assert _status(ctx, "DIS300") == "disconnected"
    assert "reviewed for reactivation" in outbox(ctx, "abuse.dispute_upheld")[0].body


def test_bad_disputes_are_refused(runtime: Runtime, ctx: AbuseContext) -> None:
    (strike,) = _strikes(runtime, ctx, "DIS-400", 1)
    with pytest.raises(AbuseError, match="not a ground"), ctx.desk("care:ann") as desk:
        disputes.open_dispute(desk, strike, "because", "x")
    with pytest.raises(AbuseError, match="statement"), ctx.desk("care:ann") as desk:
        disputes.open_dispute(desk, strike, "fair_use", " ")
    with pytest.raises(AbuseError, match="no strike"), ctx.desk("care:ann") as desk:
        disputes.open_dispute(desk, 9999, "fair_use", "x")
