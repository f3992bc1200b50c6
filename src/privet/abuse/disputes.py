"""Disputes: a subscriber contests a strike; an upheld dispute removes it and revisits the ladder.

Grounds are the ones subscribers actually have: the address was misidentified, the use was
fair, they own the rights, or it was not their traffic. The strike keeps counting while the
dispute is open (the desk can act faster than a dispute can be decided); upholding it removes
the strike, revokes ladder steps above the new count and lifts a suspension they caused.
"""

from __future__ import annotations

from sqlalchemy import select

from privet.abuse import ladder, messages
from privet.abuse.desk import AbuseError, Conflict, Desk, NotFound
from privet.abuse.tables import AbuseCase, AbuseDispute, AbuseStrike

GROUNDS = ("misidentified", "fair_use", "owns_rights", "not_their_traffic")


def remove_strike(desk: Desk, strike: AbuseStrike, reason: str) -> None:
    standing = desk.standing(strike.account_number)
    now = desk.now()
    if strike.removed_at is None and (strike.expires_at is None or strike.expires_at > now):
        standing.active = max(standing.active - 1, 0)
    standing.strike_times[strike.case_id] = [
        (t, sid) for t, sid in standing.strike_times.get(strike.case_id, []) if sid != strike.id
    ]
    strike.removed_at, strike.removed_reason = now, reason[:500]
    case = desk.uow.session.get(AbuseCase, strike.case_id)
    if case is not None:
        case.strike_count = max(case.strike_count - 1, 0)
    desk.uow.record("abuse.strike_removed", f"abuse_case:{strike.case_id}", strike=strike.id, reason=reason[:500])


def open_dispute(desk: Desk, strike_id: int, ground: str, statement: str) -> AbuseDispute:
    strike = desk.uow.session.get(AbuseStrike, strike_id)
    if strike is None:
        raise NotFound(f"no strike {strike_id}")
    if ground not in GROUNDS:
        raise AbuseError(f"'{ground}' is not a ground for a dispute ({', '.join(GROUNDS)})")
    if not statement.strip():
        raise AbuseError("a dispute needs the subscriber's statement")
    if strike.removed_at is not None:
        raise Conflict(f"strike {strike.id} was already removed")
    open_one = desk.uow.session.scalars(
        select(AbuseDispute.id).where(AbuseDispute.strike_id == strike.id, AbuseDispute.status == "open")
    ).first()
    if open_one is not None:
        raise Conflict(f"strike {strike.id} already has an open dispute ({open_one})")
    dispute = desk.add(
        AbuseDispute(
            strike_id=strike.id,
            ground=ground,
            statement=statement[:20_000],
            opened_at=desk.now(),
            opened_by=desk.uow.actor,
            status="open",
        )
    )
    desk.uow.record("abuse.dispute_opened", f"abuse_dispute:{dispute.id}", strike=strike.id, ground=ground)
    return dispute


def decide(desk: Desk, dispute_id: int, *, uphold: bool, reason: str) -> AbuseDispute:
    dispute = desk.uow.session.get(AbuseDispute, dispute_id)
    if dispute is None:
        raise NotFound(f"no dispute {dispute_id}")
    if dispute.status != "open":
        raise Conflict(f"dispute {dispute.id} was already decided ({dispute.status})")
    if not reason.strip():
        raise AbuseError("a decision needs a reason")
    strike = desk.uow.session.get(AbuseStrike, dispute.strike_id)
    assert strike is not None
    dispute.status = "upheld" if uphold else "rejected"
    dispute.decided_at, dispute.decided_by, dispute.decision_reason = desk.now(), desk.uow.actor, reason[:1000]
    account = desk.need_account(strike.account_number)
    outcome = f"Your dispute of strike {strike.id} ({dispute.ground.replace('_', ' ')}) was {dispute.status}: {reason}"
    if uphold and strike.removed_at is None:
        remove_strike(desk, strike, f"dispute {dispute.id} upheld ({dispute.ground}): {reason}")
        ladder.on_strike_removed(desk, account)
        if ladder.terminated(desk, account.number) is not None:
            outcome += "\n\nYour account stays terminated until it is reviewed for reactivation; we will contact you."
    messages.to_subscriber(
        desk,
        account,
        kind=f"abuse.dispute_{dispute.status}",
        subject="The outcome of your dispute",
        body=outcome,
        related=f"abuse_dispute:{dispute.id}",
    )
    desk.uow.record("abuse.dispute_decided", f"abuse_dispute:{dispute.id}", outcome=dispute.status, strike=strike.id)
    return dispute
