"""The outbox queue: enqueue in the deciding transaction, then claim, mark sent, mark failed.

Every function takes a `Session` inside a transaction the caller owns, so `enqueue` joins the
unit of work that decided to send (the message exists only if that decision commits) and the
worker keeps each claim and each mark in its own short transaction.

A message is `pending` until it is `sent` or `dead`. A worker claims a pending, due message by
writing a lease (`locked_by`, `locked_until`); the lease is the only lock, so a worker that
dies mid-delivery holds nothing once it expires and the message is claimed again. On
PostgreSQL the claim reads with `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint
rows without waiting on one another; on SQLite every write transaction starts with
`BEGIN IMMEDIATE` (see `privet.store.db`), which serializes claims outright.

`attempts` counts delivery attempts started: it grows at claim time, so a message that crashes
its worker every time still reaches `max_attempts` and goes dead instead of looping forever.
"""

from __future__ import annotations

import os
import random
import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.orm import Session

from privet.outbox.tables import OutboxMessage
from privet.store.bulk import insert_rows

PENDING, SENT, DEAD = "pending", "sent", "dead"
STATUSES = (PENDING, SENT, DEAD)

DEFAULT_MESSAGE_ID_DOMAIN = "privet.invalid"
_outbox: Table = cast(Table, OutboxMessage.__table__)

# Headers the sender builds itself; a caller may add others (Reply-To, In-Reply-To, References ...).
RESERVED_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "subject", "message-id", "date", "mime-version", "content-type", "content-transfer-encoding"}
)
_HEADER_NAME = re.compile(r"^[!-9;-~]+$")  # RFC 5322 field name: printable ASCII except ':'


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped, and a limit after which a message is dead.

    The n-th failed attempt waits `min(cap, base * 2**(n-1))`, scaled by a random factor in
    `[1 - jitter, 1]` so workers that failed together (a relay restart) do not retry together.
    """

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.5

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        ceiling: timedelta = min(self.cap, self.base * float(2 ** min(max(attempts - 1, 0), 40)))
        return ceiling * (1.0 - self.jitter * rng.random())


@dataclass(frozen=True)
class ClaimedMessage:
    """A snapshot of a leased message: what a transport needs, detached from any session."""

    id: str
    message_id: str
    kind: str
    channel: str
    related: str | None
    recipient: str
    subject: str
    body: str
    headers: dict[str, str]
    created_at: datetime
    attempts: int
    locked_until: datetime


def message_id_domain() -> str:
    """The right-hand side of Message-IDs: $PRIVET_MESSAGE_ID_DOMAIN, else the domain of $PRIVET_SMTP_FROM."""
    explicit = os.environ.get("PRIVET_MESSAGE_ID_DOMAIN")
    if explicit:
        return explicit
    sender = os.environ.get("PRIVET_SMTP_FROM", "")
    domain = sender.rpartition("@")[2].strip(" >")
    return domain or DEFAULT_MESSAGE_ID_DOMAIN


def make_message_id(message_uuid: str, domain: str) -> str:
    """An RFC 5322 msg-id that is a pure function of the row id, so every re-send carries the same one."""
    return f"<{message_uuid}@{domain}>"


def _check_text(field: str, value: str, *, limit: int, single_line: bool = True) -> None:
    if len(value) > limit:
        raise ValueError(f"{field}: longer than {limit} characters")
    if single_line and ("\r" in value or "\n" in value):
        raise ValueError(f"{field}: must be a single line (no CR or LF)")


def _check_headers(headers: Mapping[str, str]) -> dict[str, str]:
    clean: dict[str, str] = {}
    for name, value in headers.items():
        if not _HEADER_NAME.match(name):
            raise ValueError(f"headers: {name!r} is not a valid header name")
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"headers: {name} is set by the outbox and cannot be overridden")
        _check_text(f"headers.{name}", value, limit=998)
        clean[name] = value
    return clean


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message for `enqueue_many`: what `enqueue` takes, less the time and domain a batch shares."""

    kind: str
    channel: str
    recipient: str
    subject: str
    body: str
    related: str | None = None
    headers: Mapping[str, str] | None = None


class Queued(NamedTuple):
    """What `enqueue_many` made of one message: its row id and its Message-ID."""

    id: str
    message_id: str


def _row(
    *,
    kind: str,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    now: datetime,
    related: str | None,
    headers: Mapping[str, str] | None,
    domain: str,
) -> dict[str, Any]:
    """Validate one message and return its new row's column values.

    The one place the outbox checks what it is given, so `enqueue` and `enqueue_many` refuse
    exactly the same input with exactly the same errors.
    """
    _check_text("kind", kind, limit=80)
    _check_text("channel", channel, limit=20)
    _check_text("recipient", recipient, limit=320)
    _check_text("subject", subject, limit=500)
    _check_text("body", body, limit=1_000_000, single_line=False)
    if not recipient.strip():
        raise ValueError("recipient: must not be empty")
    if channel == "email" and "@" not in recipient:
        raise ValueError(f"recipient: {recipient!r} is not an email address")
    if now.tzinfo is None:
        raise ValueError("now: must be timezone-aware")
    message_uuid = str(uuid.uuid4())
    return {
        "id": message_uuid,
        "created_at": now,
        "kind": kind,
        "channel": channel,
        "recipient": recipient,
        "subject": subject,
        "body": body,
        "headers": _check_headers(headers or {}),
        "related": related,
        "message_id": make_message_id(message_uuid, domain),
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "locked_until": None,
        "locked_by": None,
        "sent_at": None,
        "last_error": None,
    }


def enqueue(
    session: Session,
    *,
    kind: str,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    now: datetime,
    related: str | None = None,
    headers: Mapping[str, str] | None = None,
    domain: str | None = None,
) -> OutboxMessage:
    """Add a message to the caller's transaction; it is delivered only if that transaction commits.

    Bad input fails here, in the deciding transaction, rather than later as a dead message.
    """
    values = _row(
        kind=kind,
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        now=now,
        related=related,
        headers=headers,
        domain=domain or message_id_domain(),
    )
    message = OutboxMessage(**values)
    session.add(message)
    session.flush()
    return message


def enqueue_many(session: Session, messages: Sequence[Outgoing], *, now: datetime, domain: str | None = None) -> list[Queued]:
    """Add many messages to the caller's transaction in one INSERT, without an ORM object each.

    For batches (the abuse desk queues two messages per notice): each message is validated by
    the same rules as `enqueue`, all of them before anything is written, so one bad message
    leaves the session untouched and the caller's transaction can roll the rest back with it.
    The rows are not in the session's identity map; nothing that queues reads them back.
    """
    domain = domain or message_id_domain()
    rows = [
        _row(
            kind=m.kind,
            channel=m.channel,
            recipient=m.recipient,
            subject=m.subject,
            body=m.body,
            now=now,
            related=m.related,
            headers=m.headers,
            domain=domain,
        )
        for m in messages
    ]
    insert_rows(session.connection(), _outbox, rows)
    return [Queued(row["id"], row["message_id"]) for row in rows]


def claim(
    session: Session,
    *,
    worker_id: str,
    now: datetime,
    lease: timedelta,
    limit: int = 10,
    channels: Collection[str] | None = None,
    policy: RetryPolicy | None = None,
) -> list[ClaimedMessage]:
    """Lease up to `limit` due messages to `worker_id` until `now + lease`, oldest due first.

    Only `channels` are claimed when given, so a worker never takes a message it has no transport
    for. A message whose final attempt was claimed and never resolved (its worker died) is made
    dead here instead of being tried again.
    """
    policy = policy or RetryPolicy()
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == PENDING,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until <= now),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if channels is not None:
        query = query.where(OutboxMessage.channel.in_(list(channels)))
    claimed: list[ClaimedMessage] = []
    for row in session.scalars(query):
        if row.attempts >= policy.max_attempts:
            _kill(row, f"abandoned: no result after {row.attempts} attempts (the worker stopped mid-delivery)")
            continue
        row.attempts += 1
        row.locked_by = worker_id
        row.locked_until = now + lease
        claimed.append(_snapshot(row, row.locked_until))
    session.flush()
    return claimed


def _snapshot(row: OutboxMessage, locked_until: datetime) -> ClaimedMessage:
    return ClaimedMessage(
        id=row.id,
        message_id=row.message_id,
        kind=row.kind,
        channel=row.channel,
        related=row.related,
        recipient=row.recipient,
        subject=row.subject,
        body=row.body,
        headers={str(k): str(v) for k, v in (row.headers or {}).items()},
        created_at=row.created_at,
        attempts=row.attempts,
        locked_until=locked_until,
    )


def _kill(row: OutboxMessage, error: str) -> None:
    row.status = DEAD
    row.last_error = error
    row.locked_by = None
    row.locked_until = None


def mark_sent(session: Session, message_id: str, *, now: datetime) -> bool:
    """Record that the server accepted the message. Idempotent; True if this call changed the row.

    Whoever holds the lease, the server's acceptance is the truth: a slow worker whose lease ran
    out still records the send, and a message already made dead is corrected to sent.
    """
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status != SENT)
        .values(status=SENT, sent_at=now, locked_by=None, locked_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def mark_failed(
    session: Session,
    message_id: str,
    *,
    worker_id: str,
    error: str,
    retryable: bool,
    now: datetime,
    policy: RetryPolicy | None = None,
    rng: random.Random | None = None,
) -> str | None:
    """Record a failed attempt: back off and retry, or make the message dead.

    Returns the new status, or None when `worker_id` no longer holds the message (its lease
    expired and another worker took it, or it was sent), in which case nothing is changed.
    """
    policy = policy or RetryPolicy()
    row = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == PENDING, OutboxMessage.locked_by == worker_id)
        .with_for_update()
    ).one_or_none()
    if row is None:
        return None
    if not retryable or row.attempts >= policy.max_attempts:
        reason = error if not retryable else f"gave up after {row.attempts} attempts: {error}"
        _kill(row, reason)
    else:
        row.last_error = error
        row.next_attempt_at = now + policy.delay(row.attempts, rng or random.Random())
        row.locked_by = None
        row.locked_until = None
    session.flush()
    return row.status


def release(session: Session, message_ids: Collection[str], *, worker_id: str) -> int:
    """Give back leases a worker will not use (stopping, or too little lease left), without an attempt."""
    if not message_ids:
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.status == PENDING, OutboxMessage.locked_by == worker_id)
        .values(locked_by=None, locked_until=None, attempts=OutboxMessage.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


def requeue(session: Session, message_id: str, *, now: datetime) -> OutboxMessage:
    """Make a dead message pending again with a fresh set of attempts (an operator's decision).

    Raises LookupError if there is no such message and ValueError if it is not dead: requeueing
    a sent message would send it twice, and a pending one is already queued.
    """
    row = session.get(OutboxMessage, message_id, with_for_update=True)
    if row is None:
        raise LookupError(f"no outbox message {message_id}")
    if row.status != DEAD:
        raise ValueError(f"message {message_id} is {row.status}, not dead")
    row.status = PENDING
    row.attempts = 0
    row.next_attempt_at = now
    row.locked_by = None
    row.locked_until = None
    session.flush()
    return row


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
