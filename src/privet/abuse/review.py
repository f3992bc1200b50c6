"""The review queue: notices a machine could not settle wait here for a person.

A reviewer confirms a notice (correcting the address, port, time or violation the parser
guessed, or naming the account after an investigation) and it is routed like any other, or
dismisses it, and the complainant is told privet cannot act on it. Either way the person and
their reason are in the audit chain: "Metronet alone decides whether a violation occurred",
but it decides on the record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from privet.abuse import messages
from privet.abuse.addresses import clean_ip
from privet.abuse.cases import prohibition_by_id
from privet.abuse.desk import AbuseError, Conflict, Desk, NotFound
from privet.abuse.kinds import VIOLATIONS
from privet.abuse.route import Routed, route
from privet.abuse.tables import AbuseNotice


def queue(desk: Desk, limit: int = 100) -> list[AbuseNotice]:
    query = (
        select(AbuseNotice).where(AbuseNotice.status == "review").order_by(AbuseNotice.received_at, AbuseNotice.id).limit(limit)
    )
    return list(desk.uow.session.scalars(query))


def _pending(desk: Desk, notice_id: int) -> AbuseNotice:
    notice = desk.uow.session.get(AbuseNotice, notice_id)
    if notice is None:
        raise NotFound(f"no notice {notice_id}")
    if notice.status != "review":
        raise Conflict(f"notice {notice_id} is {notice.status}, not waiting for review")
    return notice


def confirm(
    desk: Desk,
    notice_id: int,
    *,
    note: str,
    source_ip: str | None = None,
    source_port: int | None = None,
    event_at: datetime | None = None,
    violation: str | None = None,
    prohibition: str | None = None,
    account_number: str | None = None,
) -> Routed:
    """Accept the notice (with corrections) and route it; `prohibition` names the exact rule broken,
    `account_number` attributes it by hand after an investigation."""
    notice = _pending(desk, notice_id)
    if not note.strip():
        raise AbuseError("a review decision needs a note saying why")
    changes: dict[str, object] = {}
    if source_ip is not None:
        cleaned = clean_ip(source_ip)
        if cleaned is None:
            raise AbuseError(f"'{source_ip}' is not an IP address")
        notice.source_ip = changes["source_ip"] = cleaned
    if source_port is not None:
        if not 0 < source_port <= 65535:
            raise AbuseError(f"{source_port} is not a port number")
        notice.source_port = changes["source_port"] = source_port
    if event_at is not None:
        if event_at.tzinfo is None:
            raise AbuseError("the event time must carry a time zone")
        notice.event_at = event_at
        changes["event_at"] = event_at.isoformat()
    if violation is not None:
        if violation not in VIOLATIONS:
            raise AbuseError(f"'{violation}' is not a violation ({', '.join(VIOLATIONS)})")
        notice.violation = changes["violation"] = violation
    if prohibition is not None:
        rule = prohibition_by_id(desk, prohibition)
        if rule is None:
            raise AbuseError(f"'{prohibition}' is not a prohibition of this policy")
        notice.prohibition, notice.violation = rule.id, rule.kind
        changes["prohibition"] = rule.id
    if account_number is not None:
        changes["account_number"] = account_number
    notice.facts = {**notice.facts, "review": {"by": desk.uow.actor, "note": note[:1000], "changes": changes}}
    desk.uow.record("abuse.notice_confirmed", f"abuse_notice:{notice.id}", note=note[:1000], changes=changes)
    return route(desk, notice, staff_account=account_number)


def dismiss(desk: Desk, notice_id: int, reason: str) -> AbuseNotice:
    notice = _pending(desk, notice_id)
    if not reason.strip():
        raise AbuseError("dismissing a notice needs a reason")
    notice.status, notice.reason = "dismissed", reason[:500]
    desk.uow.record("abuse.notice_dismissed", f"abuse_notice:{notice.id}", reason=reason[:500])
    if notice.format not in desk.settings.no_reply_formats:
        messages.reply(desk, notice, "insufficient_information", detail=reason)
    return notice
