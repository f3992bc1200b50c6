"""Routing an accepted notice: is it prohibited, is it recent, whose was it, and what follows.

The order matters. A notice about something the pack does not prohibit counts against no one;
one older than `max_notice_age` is answered "too old" without looking anyone up; only then is
the event attributed (hosted material by its URL, a fax by its number, everything else by
address, port and time), and only a single-subscriber answer files it in a case. Anything a
machine cannot settle (ours but unassigned, an account the assignments name but privet does not
know, no address or no time) goes to a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select

from privet.abuse import cases, hosted, messages
from privet.abuse.attribution import Answer, Attribution, lookup
from privet.abuse.desk import Desk
from privet.abuse.kinds import case_kind, prohibition_for
from privet.abuse.tables import AbuseNotice, AbuseStrike, AbuseTakedown
from privet.subjects.identities import IdentityKind
from privet.subjects.tables import Account, Identity, ServiceLineRecord

FUTURE_SLACK = timedelta(days=1)


@dataclass
class Routed:
    status: str
    reason: str | None = None
    case_id: int | None = None
    strike_id: int | None = None
    step: str | None = None
    takedown_id: int | None = None


def review(desk: Desk, notice: AbuseNotice, reason: str) -> Routed:
    notice.status, notice.reason = "review", reason[:500]
    desk.uow.record("abuse.notice_to_review", f"abuse_notice:{notice.id}", reason=reason[:500])
    return Routed("review", reason)


def classify(desk: Desk, notice: AbuseNotice) -> str | None:
    """Set kind and prohibition from the violation; the reason it is not actionable, if it is not."""
    if notice.violation is None:
        return "the report names no violation privet acts on"
    notice.kind = case_kind(notice.violation).value
    chosen = cases.prohibition_by_id(desk, notice.prohibition)  # a reviewer may name the exact rule
    prohibition = (
        chosen if chosen is not None and chosen.kind == notice.violation else prohibition_for(desk.pack, notice.violation)
    )
    if prohibition is None:
        return f"the policy does not prohibit {notice.violation.replace('_', ' ')}"
    notice.prohibition = prohibition.id
    notice.facts = {**(notice.facts or {}), "prohibition_text": prohibition.description}
    return None


def attribute(desk: Desk, notice: AbuseNotice) -> Attribution | None:
    """The address lookup a notice will need, done ahead so a batch can load its subscribers at once."""
    if notice.source_ip is None or notice.event_at is None:
        return None
    lengths = desk.prefix_lengths.get(4 if ":" not in notice.source_ip else 6)
    found = lookup(
        desk.uow.session, notice.source_ip, notice.event_at, port=notice.source_port, skew=desk.settings.skew, lengths=lengths
    )
    desk.prefix_lengths.setdefault(4 if ":" not in notice.source_ip else 6, list(found.lengths))
    return found


def route(desk: Desk, notice: AbuseNotice, *, staff_account: str | None = None, found: Attribution | None = None) -> Routed:
    notice.reason = None
    not_actionable = classify(desk, notice)
    if not_actionable:
        notice.status, notice.reason = "not_actionable", not_actionable
        desk.uow.record("abuse.notice_not_actionable", f"abuse_notice:{notice.id}", reason=not_actionable)
        return Routed("not_actionable", not_actionable)
    if notice.event_at is not None:
        if notice.event_at < notice.received_at - desk.settings.max_notice_age:
            return _unattributed(
                desk, notice, "too_old", "too_old", f"the event is older than {desk.settings.max_notice_age.days} days"
            )
        if notice.event_at > notice.received_at + desk.settings.skew + FUTURE_SLACK:
            return review(desk, notice, "the event time is later than the notice's arrival")
    account, why = _attribute(desk, notice, staff_account, found)
    if account is None:
        return why
    filing = cases.file_notice(desk, notice, account)
    routed = Routed(
        "filed",
        filing.note,
        filing.case.id,
        filing.strike.id if filing.strike else None,
        filing.action.step if filing.action else None,
    )
    if notice.attribution == "hosted":
        routed.takedown_id = hosted.take_down(desk, notice, account).id
    elif notice.kind == "copyright":
        cases.forward(desk, notice, account, filing)
    if notice.kind == "copyright":
        messages.reply(desk, notice, "forwarded")
    elif notice.format not in desk.settings.no_reply_formats:
        messages.reply(desk, notice, "received")
    return routed


def _attribute(
    desk: Desk, notice: AbuseNotice, staff_account: str | None, found: Attribution | None
) -> tuple[Account | None, Routed]:
    if staff_account is not None:
        account = desk.account(staff_account)
        notice.attribution = "staff"
        return (account, Routed("filed")) if account else (None, review(desk, notice, f"no account numbered {staff_account}"))
    if notice.material_url:
        account = hosted.hosted_account(desk, notice.material_url)
        if account is not None:
            notice.attribution = "hosted"
            return account, Routed("filed")
    if notice.source_number and not notice.source_ip:
        return _by_number(desk, notice)
    if notice.source_ip is None:
        return None, review(desk, notice, "the notice names no address privet can attribute")
    if notice.event_at is None:
        return None, review(desk, notice, "the notice gives no time, so the address cannot be attributed")
    if found is None:
        found = lookup(desk.uow.session, notice.source_ip, notice.event_at, port=notice.source_port, skew=desk.settings.skew)
    return _answer(desk, notice, found)


def _answer(desk: Desk, notice: AbuseNotice, found: Attribution) -> tuple[Account | None, Routed]:
    notice.attribution = found.answer.value
    notice.facts = {**notice.facts, "attribution": found.as_dict()}
    if found.answer is Answer.NOT_OURS:
        return None, _unattributed(desk, notice, "unattributed", "not_our_address", found.reason)
    if found.answer is Answer.AMBIGUOUS:
        detail = found.reason + (" Please include the source port." if "no source port" in found.reason else "")
        return None, _unattributed(desk, notice, "unattributed", "insufficient_information", detail)
    if found.answer is Answer.UNASSIGNED:
        return None, review(desk, notice, f"{found.reason}: check for use of an address we did not assign")
    assert found.account_number is not None
    account = desk.account(found.account_number)
    if account is None:
        return None, review(desk, notice, f"the assignment names account {found.account_number}, which privet does not know")
    return account, Routed("filed")


def _by_number(desk: Desk, notice: AbuseNotice) -> tuple[Account | None, Routed]:
    number = notice.source_number or ""
    variants = [number, number.removeprefix("+1")]
    line = desk.uow.session.scalars(
        select(ServiceLineRecord).where(
            ServiceLineRecord.kind.in_(("fax", "voice", "voip")), ServiceLineRecord.identifier.in_(variants)
        )
    ).first()
    if line is not None:
        notice.attribution = "number"
        return line.account, Routed("filed")
    identity = desk.uow.session.scalars(
        select(Identity).where(Identity.kind == IdentityKind.PHONE.value, Identity.value == number)
    ).first()
    accounts = [m.account for m in identity.person.roles if m.role == "holder"] if identity else []
    if len(accounts) == 1:
        notice.attribution = "number"
        return accounts[0], Routed("filed")
    if len(accounts) > 1:
        return None, review(desk, notice, f"the number {number} belongs to a person holding {len(accounts)} accounts")
    return None, _unattributed(
        desk, notice, "unattributed", "not_our_address", f"the number {number} is not one of our subscribers'"
    )


def _unattributed(desk: Desk, notice: AbuseNotice, attribution: str, code: str, reason: str) -> Routed:
    notice.status, notice.reason = "unattributed", reason[:500]
    notice.attribution = notice.attribution or attribution
    desk.uow.record("abuse.notice_unattributed", f"abuse_notice:{notice.id}", answer=notice.attribution, reason=reason[:500])
    if notice.format not in desk.settings.no_reply_formats:
        messages.reply(desk, notice, code, detail=reason)
    return Routed("unattributed", reason)


def withdraw(desk: Desk, notice: AbuseNotice, original_key: str) -> Routed:
    """An ACNS retraction: the complainant withdraws an earlier notice, and its strike goes with it."""
    original = desk.uow.session.scalars(select(AbuseNotice).where(AbuseNotice.case_key == original_key)).one_or_none()
    notice.status = "retraction"
    if original is None:
        notice.reason = "retracts a notice privet never received"
        return Routed("retraction", notice.reason)
    notice.reason = f"retracts notice {original.id}"
    original.status, original.reason = "withdrawn", f"withdrawn by the complainant (notice {notice.id})"
    strike = desk.uow.session.scalars(
        select(AbuseStrike).where(AbuseStrike.notice_id == original.id, AbuseStrike.removed_at.is_(None))
    ).first()
    if strike is not None:
        from privet.abuse.disputes import remove_strike
        from privet.abuse.ladder import on_strike_removed

        remove_strike(desk, strike, f"the complainant retracted notice {original.id}")
        account = desk.account(strike.account_number)
        if account is not None:
            on_strike_removed(desk, account)
    takedown = desk.uow.session.scalars(
        select(AbuseTakedown).where(
            AbuseTakedown.notice_id == original.id,
            or_(AbuseTakedown.status == "disabled", AbuseTakedown.status == "counter_noticed"),
        )
    ).first()
    if takedown is not None:
        takedown.status, takedown.restored_at = "restored", desk.now()
    desk.uow.record("abuse.notice_withdrawn", f"abuse_notice:{original.id}", retraction=notice.id)
    return Routed("retraction", notice.reason, original.case_id)
