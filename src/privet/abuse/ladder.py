"""The enforcement ladder: which step a subscriber's strikes call for, and taking it.

The pack's `acceptable_use.ladder` lists steps with strike thresholds (educational notice,
warning, acknowledgement required, temporary suspension, termination review, termination).
On each new strike the highest step whose threshold the active strikes reach is taken, unless
it already was; removing a strike (an upheld dispute) revokes steps above the new count and
lifts a suspension it caused, but never undoes a termination: only `reactivate`, with a
recorded reason and a role allowed to, brings a terminated account back, and it resets the
ladder position (the strikes stay) so a further strike terminates again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from privet.abuse import messages
from privet.abuse.desk import LADDER_STEPS, AbuseError, Conflict, Desk
from privet.abuse.permissions import may_reactivate
from privet.abuse.tables import AbuseAction, AbuseCase, AbuseNotice
from privet.policy.model import LadderStep
from privet.subjects.service import set_account_status
from privet.subjects.tables import Account

LADDER = LADDER_STEPS
IMMEDIATE = {"suspend": ("immediate_suspension", "suspended"), "terminate": ("immediate_termination", "disconnected")}
TERMINATING = ("termination", "immediate_termination")
_SUBJECTS = {
    "educational_notice": "About the use of your service",
    "warning": "Warning: your service was used in breach of our acceptable use policy",
    "acknowledgement_required": "Action required: acknowledge this notice to keep your service",
    "temporary_suspension": "Your service has been suspended",
    "termination_review": "Your account is under review for termination",
    "termination": "Your service has been terminated",
    "immediate_suspension": "Your service has been suspended",
    "immediate_termination": "Your service has been terminated",
}


def steps(desk: Desk) -> list[LadderStep]:
    aup = desk.pack.programs.acceptable_use
    return list(aup.ladder) if aup else []


def target(desk: Desk, strikes: int) -> LadderStep | None:
    """The highest step whose threshold `strikes` reaches."""
    reached = [s for s in steps(desk) if s.at_strikes <= strikes]
    return reached[-1] if reached else None


def active_strikes(desk: Desk, account_number: str) -> int:
    return desk.standing(account_number).active


def live_actions(desk: Desk, account_number: str) -> list[AbuseAction]:
    """Ladder steps taken and not revoked (a reactivation revokes all earlier ones)."""
    return [a for a in desk.standing(account_number).actions if a.revoked_at is None]


def on_strike(desk: Desk, account: Account, case: AbuseCase, notice: AbuseNotice) -> AbuseAction | None:
    """After a new strike: take the step the strikes now call for, if it has not been taken."""
    count = active_strikes(desk, account.number)
    step = target(desk, count)
    if step is None or any(a.step == step.step for a in live_actions(desk, account.number)):
        return None
    return take(desk, account, case, step, count, notice)


def take(
    desk: Desk, account: Account, case: AbuseCase | None, step: LadderStep, count: int, notice: AbuseNotice | None
) -> AbuseAction:
    now = desk.now()
    reason = f"abuse case {case.id if case else '-'}: {step.step.replace('_', ' ')} at {count} strike(s)"
    action = desk.new(
        AbuseAction, account_number=account.number, case_id=case.id if case else None, step=step.step, at_strikes=count,
        at=now, reason=reason, actor=desk.uow.actor,
    )  # fmt: skip
    desk.standing(account.number).actions.append(action)
    _set_status(desk, account, step.account_status.value if step.account_status else None, reason, action)
    if step.step == "temporary_suspension" and action.to_status == "suspended":
        action.resume_at = now + desk.settings.suspension
    body = _body(desk, step.step, step.description, count, notice, action.resume_at)
    notified = messages.to_subscriber(
        desk, account, kind=f"abuse.step.{step.step}", subject=_SUBJECTS[step.step], body=body,
        related=f"abuse_action:{action.id}", on_sent=lambda message_id: setattr(action, "message_id", message_id),
    )  # fmt: skip
    desk.uow.record(
        "abuse.step_taken", f"account:{account.number}", step=step.step, strikes=count, case=action.case_id, action_id=action.id
    )
    if notice is not None and notified:
        notice.subscriber_notified_at = now
    return action


def _set_status(desk: Desk, account: Account, wanted: str | None, reason: str, action: AbuseAction) -> None:
    action.from_status = account.status
    if wanted is None or wanted == account.status or account.status == "disconnected":
        action.to_status = account.status
        return
    set_account_status(desk.uow, account, wanted, reason)
    action.to_status = wanted


def _body(desk: Desk, step: str, description: str, count: int, notice: AbuseNotice | None, resume_at: datetime | None) -> str:
    parts = [f"{desk.pack.provider.name}: {description}", f"Strikes on your account: {count}."]
    if notice is not None:
        prohibition = notice.facts.get("prohibition_text")
        if prohibition:
            parts.append(f"The rule: {prohibition}")
        parts.append(messages.describe_event(notice))
    if resume_at is not None:
        parts.append(f"The suspension ends on {messages.when(resume_at)} unless it is extended.")
    if step == "acknowledgement_required":
        parts.append("Reply to this message or call us to acknowledge it; your service continues once you do.")
    parts.append(
        "If you believe this is wrong (the address was not yours, the use was fair, you hold the rights, or it was not your "
        f"traffic), you may dispute it by replying to this message.\n\n{messages.agent_block(desk.pack)}"
    )
    return "\n\n".join(parts)


def on_strike_removed(desk: Desk, account: Account) -> list[AbuseAction]:
    """Revoke steps above the new strike count; lift a suspension they caused. A termination stands."""
    count = active_strikes(desk, account.number)
    thresholds = {s.step: s.at_strikes for s in steps(desk)}
    revoked = []
    for action in live_actions(desk, account.number):
        if action.step in TERMINATING or thresholds.get(action.step, 0) <= count:
            continue
        action.revoked_at = desk.now()
        if action.to_status == "suspended" and account.status == "suspended" and action.resumed_at is None:
            _restore(desk, account, action, f"abuse: strike removed, {action.step.replace('_', ' ')} revoked")
        revoked.append(action)
        desk.uow.record("abuse.step_revoked", f"account:{account.number}", step=action.step, action_id=action.id, strikes=count)
    return revoked


def _restore(desk: Desk, account: Account, action: AbuseAction, reason: str) -> None:
    set_account_status(desk.uow, account, "active", reason)
    action.resumed_at = desk.now()
    messages.to_subscriber(
        desk,
        account,
        kind="abuse.service_restored",
        subject="Your service has been restored",
        body=f"{desk.pack.provider.name} has restored your service. {reason}.",
        related=f"account:{account.number}",
    )


def resume_due(desk: Desk) -> list[AbuseAction]:
    """End temporary suspensions whose time is up (if the account is still suspended by that step)."""
    query = select(AbuseAction).where(
        AbuseAction.step == "temporary_suspension",
        AbuseAction.resume_at <= desk.now(),
        AbuseAction.resumed_at.is_(None),
        AbuseAction.revoked_at.is_(None),
    )
    resumed = []
    for action in desk.uow.session.scalars(query):
        account = desk.need_account(action.account_number)
        latest = max(account.status_history, key=lambda change: change.id, default=None)
        if account.status != "suspended" or latest is None or not latest.reason.startswith("abuse"):
            action.resumed_at = desk.now()
            continue
        _restore(desk, account, action, "abuse: temporary suspension ended")
        desk.uow.record("abuse.suspension_ended", f"account:{account.number}", action_id=action.id)
        resumed.append(action)
    return resumed


def immediate(desk: Desk, account: Account, case: AbuseCase | None, ground: str, what: str, reason: str) -> AbuseAction:
    """Suspend or terminate at once on one of the pack's `immediate_grounds`."""
    aup = desk.pack.programs.acceptable_use
    grounds = {g.lower(): g for g in (aup.immediate_grounds if aup else [])}
    if ground.lower() not in grounds:
        raise AbuseError(
            f"'{ground}' is not a ground for immediate action in this policy ({'; '.join(grounds.values()) or 'none'})"
        )
    if what not in IMMEDIATE:
        raise AbuseError("immediate action is 'suspend' or 'terminate'")
    if not reason.strip():
        raise AbuseError("immediate action needs a reason")
    step, status = IMMEDIATE[what]
    now = desk.now()
    full = f"abuse: {step.replace('_', ' ')} on ground '{grounds[ground.lower()]}': {reason}"
    action = desk.add(
        AbuseAction(
            account_number=account.number, case_id=case.id if case else None, step=step, at_strikes=0, at=now, reason=full[:500],
            ground=grounds[ground.lower()], actor=desk.uow.actor,
        )
    )  # fmt: skip
    _set_status(desk, account, status, full[:500], action)
    body = (
        f"{desk.pack.provider.name} has acted at once under its acceptable use policy.\n\nGround: {action.ground}\n"
        f"Reason: {reason}\n\n{messages.agent_block(desk.pack)}"
    )
    messages.to_subscriber(
        desk, account, kind=f"abuse.{step}", subject=_SUBJECTS[step], body=body, related=f"abuse_action:{action.id}",
        on_sent=lambda message_id: setattr(action, "message_id", message_id),
    )  # fmt: skip
    desk.uow.record("abuse.immediate_action", f"account:{account.number}", step=step, ground=action.ground, action_id=action.id)
    return action


def terminated(desk: Desk, account_number: str) -> AbuseAction | None:
    """The termination in force on the account, if the abuse desk terminated it."""
    query = (
        select(AbuseAction)
        .where(AbuseAction.account_number == account_number, AbuseAction.step.in_(TERMINATING), AbuseAction.revoked_at.is_(None))
        .order_by(AbuseAction.id.desc())
    )
    return desk.uow.session.scalars(query).first()


def reactivate(desk: Desk, account: Account, reason: str, role: str) -> AbuseAction:
    """Bring back an account the desk terminated: only with a reason, and only for a role allowed to."""
    if not reason.strip():
        raise AbuseError("reactivating a terminated account needs a recorded reason")
    if not may_reactivate(role):
        raise PermissionError(f"the {role} role may not reactivate an account terminated for abuse")
    ended = terminated(desk, account.number)
    if ended is None or account.status != "disconnected":
        raise Conflict(f"account {account.number} is not terminated by the abuse desk")
    now = desk.now()
    for action in [*live_actions(desk, account.number), ended]:
        action.revoked_at = now
    full = f"abuse: reactivated after termination: {reason}"[:500]
    set_account_status(desk.uow, account, "active", full)
    action = desk.add(
        AbuseAction(
            account_number=account.number, case_id=ended.case_id, step="reactivation", at_strikes=0, at=now, from_status="disconnected",
            to_status="active", reason=full, actor=desk.uow.actor, role=role,
        )
    )  # fmt: skip
    desk.uow.record("abuse.reactivated", f"account:{account.number}", role=role, reason=reason, action_id=action.id)
    return action


def acknowledge(desk: Desk, action_id: int) -> AbuseAction:
    action = desk.uow.session.get(AbuseAction, action_id)
    if action is None or action.step != "acknowledgement_required":
        raise AbuseError(f"no acknowledgement is required by action {action_id}")
    if action.acknowledged_at is None:
        action.acknowledged_at = desk.now()
        desk.uow.record("abuse.acknowledged", f"account:{action.account_number}", action_id=action.id)
    return action
