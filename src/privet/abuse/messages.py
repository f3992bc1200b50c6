"""What the desk says to people: subscribers (ladder steps, forwarded notices, takedowns) and complainants.

Every message goes through the outbox in the same unit of work as the decision behind it, so a
step is never taken without its notice queued and a notice never queued for a step rolled back.
Replies to complainants use the ACNS acknowledgement vocabulary where it fits: `forwarded`,
`not_our_address`, `too_old`, `insufficient_information`; `received` for an acceptable-use
report filed without a subscriber notice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from privet.abuse.desk import Desk
from privet.abuse.tables import AbuseNotice
from privet.policy.model import PolicyPack
from privet.subjects.identities import IdentityKind
from privet.subjects.service import current_contact
from privet.subjects.tables import Account, Person

REPLY_CODES = ("forwarded", "not_our_address", "too_old", "insufficient_information", "received")

_REPLY_TEXT = {
    "forwarded": "We have identified the subscriber and forwarded your notice to them under our policies.",
    "not_our_address": "The address in your notice is not one we assign to our subscribers.",
    "too_old": "The event in your notice is older than the records we keep, so we cannot identify a subscriber.",
    "insufficient_information": "We cannot act on your notice as sent.",
    "received": "We have received your report and filed it with the subscriber's account under our acceptable use policy.",
}


def holder(account: Account) -> Person | None:
    holders = [m.person for m in account.members if m.role == "holder"] or [m.person for m in account.members]
    return holders[0] if holders else None


def contact_of(account: Account) -> tuple[str, str] | None:
    """(channel, recipient) for the account holder: email of record, else any email, else SMS to the phone of record."""
    person = holder(account)
    if person is None:
        return None
    email = current_contact(person, "email")
    if email is not None:
        return "email", email.value
    emails = [i.value for i in person.identities if i.kind == IdentityKind.EMAIL.value]
    if emails:
        return "email", emails[0]
    phone = current_contact(person, "phone")
    return ("sms", phone.value) if phone is not None else None


def to_subscriber(
    desk: Desk,
    account: Account,
    *,
    kind: str,
    subject: str,
    body: str,
    related: str,
    on_sent: Callable[[str], None] | None = None,
) -> bool:
    """Queue a message to the account holder; False (and an audit entry) when privet has no way to reach them."""
    target = desk.contact(account.number) if desk.knows_contact(account.number) else contact_of(account)
    if target is None:
        desk.uow.record("abuse.subscriber_unreachable", f"account:{account.number}", kind=kind)
        return False
    channel, recipient = target
    if channel == "sms":
        body = f"{subject}. Details have been mailed to your address of record; call us to discuss."
    desk.send(on_sent, kind=kind, channel=channel, recipient=recipient, subject=subject, body=body, related=related)
    return True


def describe_event(notice: AbuseNotice) -> str:
    lines = [f"Reference: abuse notice {notice.id}" + (f" (your case {notice.sender_case_id})" if notice.sender_case_id else "")]
    if notice.complainant:
        lines.append(f"Complainant: {notice.complainant}")
    if notice.event_at:
        lines.append(f"Time: {notice.event_at.isoformat()}")
    if notice.source_ip:
        lines.append(f"Address: {notice.source_ip}" + (f" port {notice.source_port}" if notice.source_port else ""))
    if notice.source_number:
        lines.append(f"Number: {notice.source_number}")
    facts = notice.facts or {}
    for label, key in (("Work", "work_title"), ("Material", "material")):
        if facts.get(key):
            lines.append(f"{label}: {facts[key]}")
    if notice.material_url:
        lines.append(f"Location: {notice.material_url}")
    return "\n".join(lines)


def agent_block(pack: PolicyPack) -> str:
    program = pack.programs.copyright
    if program is None:
        return f"{pack.provider.name} abuse desk"
    agent = program.designated_agent
    parts = [p for p in (agent.name, agent.title, *agent.address, agent.phone, agent.email) if p]
    return "\n".join(parts)


def reply(desk: Desk, notice: AbuseNotice, code: str, *, detail: str = "", items: Sequence[str] = ()) -> bool:
    """Answer the complainant with one of `REPLY_CODES`; False when the notice gave no address to answer."""
    assert code in REPLY_CODES, code
    recipient = notice.reply_to
    if not recipient or "@" not in recipient:
        desk.uow.record("abuse.reply_impossible", f"abuse_notice:{notice.id}", code=code)
        return False
    body = [_REPLY_TEXT[code]]
    if detail:
        body.append(detail)
    if items:
        body.append("Missing from your notice:\n" + "\n".join(f"  - {item}" for item in items))
        body.append("Please send a complete notice; this one has not been acted on and counts against no one.")
    body.append(f"Status: {code}\n{describe_event_for_reply(notice)}")
    subject = f"Re: {notice.facts.get('subject') or 'your notice'} [{code}]"
    desk.send(
        kind=f"abuse.reply.{code}",
        channel="email",
        recipient=recipient,
        subject=subject[:500],
        body="\n\n".join(body),
        related=f"abuse_notice:{notice.id}",
    )
    notice.reply = code
    return True


def describe_event_for_reply(notice: AbuseNotice) -> str:
    lines = [f"Our reference: {notice.id}"]
    if notice.sender_case_id:
        lines.append(f"Your reference: {notice.sender_case_id}")
    if notice.source_ip:
        lines.append(f"Address: {notice.source_ip}" + (f":{notice.source_port}" if notice.source_port else ""))
    if notice.event_at:
        lines.append(f"Time: {notice.event_at.isoformat()}")
    return "\n".join(lines)


def when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "unknown"
