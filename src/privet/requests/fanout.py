"""Passing a deletion on to those who received the person's data (CCPA-15: 1798.105(c)(1), 11 CCR 7022(b)).

A deletion does not end at the provider's own systems. Every service provider, contractor and
third party that privet's disclosure records show received the person's data is told to delete
it, or the reason that cannot be done is recorded. privet starts this when the deletion finishes,
in the transaction that answers the person, so the answer never names a recipient nobody will
ask:

- a recipient whose pack entry gives an email is asked at once, through the outbox (`asked`);
  should the outbox give up on that email, the fan-out is back on staff's list (`to_ask_by_hand`);
- one without goes on staff's list (`to_ask`, due on the request's own answer date), with its
  postal address when the pack gives one, until someone records how it was asked, that it
  confirmed, or why asking is impossible;
- data that went to the public or to other users of the service has nobody to ask; that is
  recorded as the reason at once (`impossible`).

The provider itself, government agencies and public-safety answering points are not asked
(`NO_FANOUT`): what they received under legal process or for an emergency is theirs to keep
under their own law. The message names the disclosures by date, categories and the recipient's
own reference where one was recorded with the disclosure (a demand's reference, say), never the
data itself: the recipient already holds what it received, and a deletion is no reason to
disclose more. A recipient that cannot match the disclosures to its records is asked to reply
quoting privet's reference, and staff identify the records to it over that channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import and_, or_, select

from privet.legal.tables import Disclosure
from privet.outbox.queue import DEAD
from privet.outbox.tables import OutboxMessage
from privet.policy.model import PolicyPack, Recipient
from privet.policy.taxonomy import RecipientKind
from privet.requests.kinds import RequestError
from privet.requests.lifecycle import RequestNotFound, due_on
from privet.requests.tables import DataRequest, DeletionFanout
from privet.store.uow import UnitOfWork

# The provider itself, government agencies and public-safety answering points.
NO_FANOUT = frozenset({RecipientKind.FIRST_PARTY.value, RecipientKind.GOVERNMENT.value, RecipientKind.PSAP.value})
NOBODY_TO_ASK = {
    RecipientKind.PUBLIC.value: "the information was made public, so there is no recipient to ask to delete it",
    RecipientKind.OTHER_USER.value: (
        "the information was shown to other users of the service in the course of it (such as caller ID), "
        "who cannot be identified or asked to delete it"
    ),
}
OPEN_STATUSES = ("to_ask", "asked")
# What each outcome may follow: a recipient may be asked by hand, then confirm; either may turn out impossible.
SETTLES_FROM = {"asked": ("to_ask",), "confirmed": ("to_ask", "asked"), "impossible": ("to_ask", "asked")}
MIN_EXPLANATION = 40  # "a detailed explanation" (7022(b)): a reason, not a word


class FanoutView(BaseModel):
    id: int
    request_id: int
    recipient: str
    recipient_name: str
    recipient_kind: str
    disclosures: list[int]
    categories: list[str]
    channel: str
    address: str | None
    status: str
    delivery: str | None  # for an emailed request: the outbox's pending, sent or dead
    delivery_error: str | None
    needs_hand: bool  # still to ask, or emailed and the outbox gave up on the email
    due_on: date
    overdue: bool
    note: str | None
    settled_by: str | None
    created_at: datetime
    updated_at: datetime


def views(uow: UnitOfWork, rows: Sequence[DeletionFanout]) -> list[FanoutView]:
    """Fan-outs as shown everywhere, each with what became of its email (from the outbox)."""
    today = uow.now().date()
    sent = _deliveries(uow, [r.message_id for r in rows if r.message_id])
    out = []
    for row in rows:
        delivery, error = sent.get(row.message_id or "", (None, None))
        needs_hand = row.status == "to_ask" or _bounced(row, delivery)
        out.append(
            FanoutView(
                id=row.id,
                request_id=row.request_id,
                recipient=row.recipient,
                recipient_name=row.recipient_name,
                recipient_kind=row.recipient_kind,
                disclosures=list(row.disclosures),
                categories=list(row.categories),
                channel=row.channel,
                address=row.address,
                status=row.status,
                delivery=delivery,
                delivery_error=error,
                needs_hand=needs_hand,
                due_on=row.due_on,
                overdue=row.status in OPEN_STATUSES and row.due_on < today,
                note=row.note,
                settled_by=row.settled_by,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
        )
    return out


def _bounced(row: DeletionFanout, delivery: str | None) -> bool:
    """Asked by email, and the outbox gave up on the email: the recipient must be asked by hand after all."""
    return row.status == "asked" and row.channel == "email" and delivery == DEAD


def _deliveries(uow: UnitOfWork, message_ids: list[str]) -> dict[str, tuple[str, str | None]]:
    if not message_ids:
        return {}
    query = select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.last_error).where(OutboxMessage.id.in_(message_ids))
    return {mid: (status, error) for mid, status, error in uow.session.execute(query)}


def fan_out(uow: UnitOfWork, pack: PolicyPack, req: DataRequest, disclosed: Sequence[Disclosure]) -> list[DeletionFanout]:
    """One fan-out per recipient of the person's disclosures; a recipient already fanned out to is left as it is."""
    existing = {f.recipient: f for f in fanouts_of(uow, req.id)}
    grouped: dict[str, list[Disclosure]] = {}
    for d in disclosed:
        if d.recipient_kind not in NO_FANOUT:
            grouped.setdefault(d.recipient, []).append(d)
    now = uow.now()
    due = max(due_on(req), now.date())
    out = []
    for recipient, rows in sorted(grouped.items()):
        if recipient in existing:
            out.append(existing[recipient])
            continue
        spec = pack.recipient(recipient)
        row = DeletionFanout(
            request_id=req.id,
            recipient=recipient,
            recipient_name=spec.name if spec else rows[0].recipient_name,
            recipient_kind=rows[0].recipient_kind,
            disclosures=[d.id for d in rows],
            categories=sorted({c for d in rows for c in d.categories}),
            due_on=due,
            created_at=now,
            updated_at=now,
        )
        _start(uow, pack, req, row, spec, rows)
        uow.session.add(row)
        uow.session.flush()
        uow.record(
            "request.deletion_fanout",
            f"request:{req.id}",
            fanout=row.id,
            recipient=recipient,
            channel=row.channel,
            status=row.status,
            disclosures=row.disclosures,
        )
        out.append(row)
    return out


def _start(
    uow: UnitOfWork, pack: PolicyPack, req: DataRequest, row: DeletionFanout, spec: Recipient | None, rows: list[Disclosure]
) -> None:
    """Ask by email, put on staff's list, or record that there is nobody to ask."""
    contact = spec.contact if spec is not None else None
    if row.recipient_kind in NOBODY_TO_ASK:
        row.channel, row.status = "none", "impossible"
        row.note, row.settled_by = NOBODY_TO_ASK[row.recipient_kind], "privet"
    elif contact is not None and contact.email:
        subject, body = letter(pack, req, row.recipient_name, rows)
        row.channel, row.address, row.status = "email", contact.email, "asked"
        row.message_id = uow.send(
            kind="request.deletion_fanout",
            channel="email",
            recipient=contact.email,
            subject=subject,
            body=body,
            related=f"request:{req.id}",
        )
    else:
        row.channel, row.status = "by_hand", "to_ask"
        row.address = contact.postal() if contact is not None else None


def letter(pack: PolicyPack, req: DataRequest, recipient_name: str, rows: Sequence[Disclosure]) -> tuple[str, str]:
    """The request to delete: which disclosures, the law, and where to confirm (also the text staff send by hand)."""
    provider = pack.provider
    reference = f"{req.id}-{rows[0].recipient}"
    reply = provider.privacy_contact.email or provider.privacy_contact.postal() or provider.name
    lines = [
        f"To {recipient_name},",
        "",
        f"{provider.name} has verified and carried out a consumer's request to delete their personal information.",
        "Our records show that we disclosed personal information of this consumer to you:",
        "",
    ]
    for d in rows:
        theirs = d.details.get("reference") if isinstance(d.details, dict) else None
        lines.append(
            f"- disclosure {d.id} on {d.at:%d %B %Y}: {', '.join(d.categories)}"
            + (f" (your reference {theirs})" if theirs else "")
        )
    lines += [
        "",
        "Under California Civil Code 1798.105(c)(1), please delete this personal information, and tell anyone you passed",
        "it to in turn to delete it as well.",
        f"Please confirm the deletion, or name the exception under which you keep any of it, to {reply},",
        f"quoting reference {reference}. If you cannot match these disclosures to your records, reply the same",
        "way and we will identify the records to you.",
    ]
    return f"Deletion request {reference} from {provider.name}", "\n".join(lines)


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str
    post_to: str | None  # the recipient's postal address as the pack now gives it, for a letter sent by hand


def letter_for(uow: UnitOfWork, pack: PolicyPack, fanout_id: int) -> Letter:
    """The request to delete for one fan-out, as emailed or as staff send it by hand (also after an email bounced)."""
    row = get_fanout(uow, fanout_id)
    req = uow.session.get(DataRequest, row.request_id)
    if req is None:  # request records are purged after 24 months; their fan-outs go with them
        raise RequestNotFound(f"the request of deletion fan-out {fanout_id} is no longer kept")
    rows = list(uow.session.scalars(select(Disclosure).where(Disclosure.id.in_(row.disclosures)).order_by(Disclosure.id)))
    if not rows:
        raise RequestError(f"the disclosures of deletion fan-out {fanout_id} are no longer kept")
    spec = pack.recipient(row.recipient)
    post_to = spec.contact.postal() if spec is not None and spec.contact is not None else None
    return Letter(*letter(pack, req, row.recipient_name, rows), post_to=post_to)


def fanouts_of(uow: UnitOfWork, request_id: int) -> list[DeletionFanout]:
    query = select(DeletionFanout).where(DeletionFanout.request_id == request_id).order_by(DeletionFanout.id)
    return list(uow.session.scalars(query))


def open_fanouts(uow: UnitOfWork, limit: int = 200) -> list[DeletionFanout]:
    """Recipients still to be asked or to confirm, soonest due first."""
    query = (
        select(DeletionFanout)
        .where(DeletionFanout.status.in_(OPEN_STATUSES))
        .order_by(DeletionFanout.due_on, DeletionFanout.id)
        .limit(limit)
    )
    return list(uow.session.scalars(query))


def to_ask_by_hand(uow: UnitOfWork, limit: int = 200) -> list[DeletionFanout]:
    """Recipients staff must ask themselves: those without an email, and those whose email the outbox gave up on."""
    dead = select(OutboxMessage.id).where(OutboxMessage.status == DEAD)
    query = (
        select(DeletionFanout)
        .where(
            or_(
                DeletionFanout.status == "to_ask",
                and_(DeletionFanout.status == "asked", DeletionFanout.channel == "email", DeletionFanout.message_id.in_(dead)),
            )
        )
        .order_by(DeletionFanout.due_on, DeletionFanout.id)
        .limit(limit)
    )
    return list(uow.session.scalars(query))


def get_fanout(uow: UnitOfWork, fanout_id: int, *, lock: bool = False) -> DeletionFanout:
    """The fan-out; `lock` holds its row until commit (PostgreSQL), so two people cannot settle it at once."""
    row = uow.session.get(DeletionFanout, fanout_id, with_for_update=lock or None)
    if row is None:
        raise RequestNotFound(f"no deletion fan-out {fanout_id}")
    return row


def settle(uow: UnitOfWork, fanout_id: int, outcome: str, note: str) -> DeletionFanout:
    """Record what became of a recipient: asked by hand (how), confirmed (what it said), or impossible (why)."""
    if outcome not in SETTLES_FROM:
        raise RequestError(f"a fan-out outcome is one of {', '.join(SETTLES_FROM)}; got '{outcome}'")
    row = get_fanout(uow, fanout_id, lock=True)
    sent = _deliveries(uow, [row.message_id]) if row.message_id else {}
    undelivered = _bounced(row, sent.get(row.message_id or "", (None, None))[0])
    if row.status not in SETTLES_FROM[outcome] and not (outcome == "asked" and undelivered):
        raise RequestError(
            f"fan-out {row.id} to {row.recipient_name} is {row.status.replace('_', ' ')}; it cannot become {outcome}"
        )
    text = " ".join(note.split())
    if outcome == "impossible" and len(text) < MIN_EXPLANATION:
        raise RequestError(
            f"say in detail why {row.recipient_name} cannot be asked to delete (at least {MIN_EXPLANATION} characters); "
            "the explanation is the record the law asks for"
        )
    if not text:
        what = "how it was asked" if outcome == "asked" else "how the recipient confirmed"
        raise RequestError(f"say {what} (a letter's date, a portal reference, a named person)")
    if undelivered and outcome == "asked":
        row.channel = "by_hand"  # the email never arrived; the request went by hand (the message id stays, as history)
    row.status, row.note, row.settled_by, row.updated_at = outcome, text, uow.actor, uow.now()
    uow.record(
        f"request.deletion_fanout_{outcome}", f"request:{row.request_id}", fanout=row.id, recipient=row.recipient, note=text
    )
    return row
