"""Filing an attributed notice in the subscriber's case and deciding whether it is a strike.

A case is one subscriber and one kind; it keeps the raw count of notices beside the strikes.
A notice is a strike when the pack prohibits what it reports, the prohibition applies to this
account (servers are prohibited on residential service only), the copyright program counts
valid notices, and no strike of the same case falls within `strike_spacing` of it: a burst of
reports about one incident is one strike, not a walk down the ladder in an afternoon. Some
kinds (an open Wi-Fi network) get a reminder before any strike, as the policy offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from privet.abuse import ladder, messages
from privet.abuse.desk import Desk
from privet.abuse.tables import AbuseAction, AbuseCase, AbuseNotice, AbuseStrike
from privet.policy.model import Period, Prohibition
from privet.regimes.calendar import add_business_days
from privet.subjects.tables import Account


@dataclass(frozen=True)
class Filing:
    case: AbuseCase
    strike: AbuseStrike | None
    action: AbuseAction | None
    note: str


def prohibition_by_id(desk: Desk, prohibition_id: str | None) -> Prohibition | None:
    aup = desk.pack.programs.acceptable_use
    if aup is None or prohibition_id is None:
        return None
    return next((p for p in aup.prohibited if p.id == prohibition_id), None)


def file_notice(desk: Desk, notice: AbuseNotice, account: Account) -> Filing:
    assert notice.kind is not None
    case = desk.case(account.number, notice.kind)
    standing = desk.standing(account.number)
    now = desk.now()
    notice.case_id, notice.account_number, notice.status = case.id, account.number, "filed"
    case.notice_count += 1
    case.updated_at = now
    at = notice.event_at or notice.received_at
    note = _no_strike_reason(desk, notice, account, case, at)
    if note == "reminder":
        case.reminders += 1
        _remind(desk, notice, account)
        return Filing(case, None, None, "a reminder was sent before any strike, as the policy offers")
    if note:
        notice.reason = note[:500]
        desk.uow.record("abuse.notice_filed", f"abuse_case:{case.id}", notice=notice.id, strike=False, note=note)
        return Filing(case, None, None, note)
    strike = desk.new(
        AbuseStrike, case_id=case.id, notice_id=notice.id, account_number=account.number, kind=case.kind,
        prohibition=notice.prohibition, at=at, expires_at=_expiry(desk, case.kind, at),
    )  # fmt: skip
    standing.active += 1
    standing.strike_times.setdefault(case.id, []).append((at, strike.id))
    case.strike_count += 1
    desk.uow.record("abuse.strike_added", f"abuse_case:{case.id}", notice=notice.id, strike=strike.id, account=account.number)
    action = ladder.on_strike(desk, account, case, notice)
    return Filing(case, strike, action, "counted as a strike")


def _no_strike_reason(desk: Desk, notice: AbuseNotice, account: Account, case: AbuseCase, at: datetime) -> str | None:
    prohibition = prohibition_by_id(desk, notice.prohibition)
    if prohibition is None:
        return "the policy does not prohibit what the notice reports"
    if prohibition.residential_only and account.type != "residential":
        return f"'{prohibition.id}' applies to residential accounts only; this account is {account.type}"
    program = desk.pack.programs.copyright
    if case.kind == "copyright" and program is not None and "valid_notice" not in program.counts_as_strike:
        return "the copyright program does not count notices as strikes"
    if case.kind in desk.settings.reminder_first_kinds and case.reminders == 0:
        return "reminder"
    spacing = desk.settings.strike_spacing
    near = next(
        (sid for when, sid in desk.standing(account.number).strike_times.get(case.id, []) if abs(when - at) < spacing), None
    )
    if near is not None:
        return f"within {spacing} of strike {near} in the same case: counted once"
    return None


def _expiry(desk: Desk, kind: str, at: datetime) -> datetime | None:
    program = desk.pack.programs.copyright
    window: Period | None = program.strike_window if program is not None and kind == "copyright" else None
    if window is None:
        return None
    if window.unit == "business_day":
        day = add_business_days(at, window.count)
        return at + timedelta(days=(day - at.date()).days)
    return at + timedelta(days=window.approx_days())


def _remind(desk: Desk, notice: AbuseNotice, account: Account) -> None:
    prohibition = notice.facts.get("prohibition_text") or "our acceptable use policy"
    body = (
        f"{desk.pack.provider.name} found something on your service that breaks this rule: {prohibition}\n\n"
        f"{messages.describe_event(notice)}\n\nThis is a reminder, not a strike. Please fix it (for a Wi-Fi network, turn on "
        "WPA2 or WPA3 security with a password of your own); later reports may count against your account."
    )
    message = messages.to_subscriber(
        desk,
        account,
        kind=f"abuse.reminder.{notice.kind}",
        subject="Please secure your service",
        body=body,
        related=f"abuse_notice:{notice.id}",
    )
    if message:
        notice.subscriber_notified_at = desk.now()
    desk.uow.record("abuse.reminder_sent", f"account:{account.number}", notice=notice.id, kind=notice.kind)


def forward(desk: Desk, notice: AbuseNotice, account: Account, filing: Filing) -> None:
    """Send the subscriber the copyright notice itself when no ladder step message already carried it."""
    if filing.action is not None and notice.subscriber_notified_at is not None:
        return
    strikes = desk.standing(account.number).active
    body = (
        f"{desk.pack.provider.name} received a copyright notice about your service and is forwarding it to you.\n\n"
        f"{messages.describe_event(notice)}\n\n{filing.note.capitalize()}. Strikes on your account: {strikes}.\n\n"
        "Repeated infringement leads to suspension and termination under our repeat-infringer policy. If the notice is wrong "
        f"(misidentified, fair use, you hold the rights, or not your traffic), reply to dispute it.\n\n{messages.agent_block(desk.pack)}"
    )
    message = messages.to_subscriber(
        desk,
        account,
        kind="abuse.notice_forwarded",
        subject="A copyright notice about your service",
        body=body,
        related=f"abuse_notice:{notice.id}",
    )
    if message:
        notice.subscriber_notified_at = desk.now()
