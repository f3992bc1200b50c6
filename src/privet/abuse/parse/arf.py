"""ARF feedback reports (RFC 5965): `multipart/report; report-type=feedback-report`.

The machine-readable part is `message/feedback-report`: `Feedback-Type`, `Source-IP`,
`Arrival-Date` (or the older `Received-Date`), `Reported-Domain`. Feedback loops are one-way
by design, so privet files these but does not reply to them (settings.no_reply_formats).
"""

from __future__ import annotations

import email
from email.message import Message
from email.policy import compat32

from privet.abuse.addresses import clean_ip
from privet.abuse.kinds import violation_from_report
from privet.abuse.parse import mime
from privet.abuse.parse.model import ParsedNotice
from privet.abuse.settings import AbuseSettings
from privet.abuse.timeparse import parse_time


def is_arf(message: Message) -> bool:
    return message.get_content_type() == "multipart/report" and (message.get_param("report-type") or "") == "feedback-report"


def _fields(part: Message) -> Message:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return email.message_from_bytes(mime.part_bytes(part), policy=compat32)


def parse_arf(message: Message, settings: AbuseSettings) -> ParsedNotice:
    notice = ParsedNotice(format="arf")
    report: Message | None = None
    original: Message | None = None
    texts: list[str] = []
    for part in mime.walk(message, settings):
        kind = part.get_content_type()
        if kind == "message/feedback-report" and report is None:
            report = _fields(part)
        elif kind in ("message/rfc822", "text/rfc822-headers") and original is None:
            payload = part.get_payload()
            original = payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None
        elif kind == "text/plain" and report is None:
            texts.append(mime.part_text(part))
    notice.letter = "\n".join(texts)
    if report is None:
        notice.flag("the feedback report has no message/feedback-report part")
        return notice
    feedback_type = mime.header(report, "Feedback-Type")
    notice.violation = violation_from_report(feedback_type)
    if feedback_type and feedback_type.lower() == "not-spam":
        notice.violation = None
        notice.details["not_spam"] = True
    raw_ip = mime.header(report, "Source-IP")
    notice.source_ip = clean_ip(raw_ip)
    when = parse_time(mime.header(report, "Arrival-Date") or mime.header(report, "Received-Date"))
    if when:
        notice.event_at, notice.time_assumed_utc = when.at, when.assumed_utc
    notice.details = {
        k: v
        for k, v in {
            "feedback_type": feedback_type,
            "user_agent": mime.header(report, "User-Agent"),
            "reported_domain": mime.header(report, "Reported-Domain"),
            "original_mail_from": mime.header(report, "Original-Mail-From"),
            "original_subject": mime.header(original, "Subject") if original is not None else None,
            "original_message_id": mime.header(original, "Message-ID") if original is not None else None,
            **notice.details,
        }.items()
        if v is not None
    }
    if notice.source_ip is None:
        notice.flag(
            f"the feedback report's Source-IP {raw_ip!r} is not an address" if raw_ip else "the feedback report has no Source-IP"
        )
    if notice.event_at is None:
        notice.flag("the feedback report gives no arrival time")
    return notice
