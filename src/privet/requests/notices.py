"""The messages a requester receives, queued in the outbox inside the request's own transaction.

Each notice exists only if the state change that causes it commits (acknowledgement with the
receipt, extension notice with the extension, answer with the closing), so a person is never
told of a step that did not happen, and no step happens untold. Notices go to the person's
email of record; where privet holds none, the request shows it still needs a letter.
"""

from __future__ import annotations

from datetime import date

from privet.requests.tables import DataRequest
from privet.store.uow import UnitOfWork
from privet.subjects.service import current_contact, get_person

KIND_WORDS = {
    "access": "a copy of your personal information",
    "know": "what personal information we collect, use and share about you",
    "delete": "deletion of your personal information",
    "correct": "correction of your personal information",
    "opt_out_of_sale": "that we do not sell or share your personal information",
    "shine_the_light": "the disclosures of your information for others' direct marketing (Shine the Light)",
}


def reply_address(uow: UnitOfWork, person_id: int) -> str | None:
    person = get_person(uow, person_id)
    contact = current_contact(person, "email")
    if contact is not None:
        return contact.value
    emails = sorted(i.value for i in person.identities if i.kind == "email")
    return emails[0] if emails else None


def send(uow: UnitOfWork, req: DataRequest, kind: str, subject: str, body: str) -> bool:
    """Queue one notice about `req`; False when there is no address to send it to."""
    to = reply_address(uow, req.person_id)
    if to is None:
        uow.record("request.notice_unsent", f"request:{req.id}", notice=kind, reason="no email of record")
        return False
    uow.send(kind=f"request.{kind}", channel="email", recipient=to, subject=subject, body=body, related=f"request:{req.id}")
    return True


def _d(day: date | None) -> str:
    return day.strftime("%d %B %Y") if day else "-"


def acknowledgement(uow: UnitOfWork, req: DataRequest) -> bool:
    what = KIND_WORDS[req.kind]
    verify = (
        "No further proof of identity is needed."
        if req.status != "received"
        else "We will confirm your identity by matching details you give us against our records before we act."
    )
    body = (
        f"We received your request (reference {req.id}) on {_d(req.received_at.date())} asking for {what}.\n"
        f"{verify}\nWe will answer by {_d(req.respond_by)}."
    )
    return send(uow, req, "acknowledgement", f"We received your privacy request {req.id}", body)


def extension(uow: UnitOfWork, req: DataRequest) -> bool:
    body = (
        f"We need more time to answer your request {req.id}: {req.extension_reason}\n"
        f"We will answer by {_d(req.extended_to)} instead of {_d(req.respond_by)}."
    )
    return send(uow, req, "extension", f"More time needed for your privacy request {req.id}", body)


def answer(uow: UnitOfWork, req: DataRequest, text: str) -> bool:
    return send(uow, req, "response", f"Our answer to your privacy request {req.id}", text)
