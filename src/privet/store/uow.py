"""The unit of work: a state change, its audit entries and its outbox messages commit together.

Services receive a `UnitOfWork` and never open transactions of their own. Audit entries are
buffered during the work and chained in one batch just before commit (a group commit: one
lock of the chain head per transaction, however many entries), so nothing is audited that
did not happen and nothing happens unaudited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy.orm import Session, sessionmaker

from privet.store.db import utcnow

if TYPE_CHECKING:
    from privet.outbox.queue import Outgoing


class PendingEntry(NamedTuple):
    """An audit entry waiting for the transaction to commit.

    A named tuple rather than a frozen dataclass: a batch records thousands, and a frozen
    dataclass pays for `object.__setattr__` on every field of every one.
    """

    actor: str
    action: str
    subject: str | None
    data: dict[str, Any]
    at: datetime


@dataclass
class UnitOfWork:
    factory: sessionmaker[Session]
    actor: str
    clock: Callable[[], datetime] = utcnow
    session: Session = field(init=False)
    _pending: list[PendingEntry] = field(init=False, default_factory=list)

    def __enter__(self) -> UnitOfWork:
        self.session = self.factory()
        self.session.begin()
        self._pending = []
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                self.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()

    def now(self) -> datetime:
        return self.clock()

    def record(self, action: str, subject: str | None, **data: Any) -> None:
        """Audit `action` on `subject` (e.g. 'person:12') as part of this unit of work."""
        self._pending.append(PendingEntry(self.actor, action, subject, data, self.now()))

    def send(self, *, kind: str, channel: str, recipient: str, subject: str, body: str, related: str | None = None) -> str:
        """Queue a message to a person; it is delivered only if this unit of work commits."""
        from privet.outbox.queue import enqueue

        message = enqueue(
            self.session,
            kind=kind,
            channel=channel,
            recipient=recipient,
            subject=subject,
            body=body,
            related=related,
            now=self.now(),
        )
        self.record("outbox.queued", related, message_id=message.message_id, kind=kind, channel=channel)
        return message.id

    def send_many(self, messages: Sequence[Outgoing]) -> list[str]:
        """Queue many messages at once, each validated and audited exactly as `send` does; their ids, in order.

        One INSERT for the lot instead of an ORM object and a flush each, for batch work (an abuse
        intake batch queues about two messages per notice). A bad message raises before anything is
        written or audited; the rest commit or roll back with this unit of work like any `send`.
        """
        from privet.outbox.queue import enqueue_many

        queued = enqueue_many(self.session, messages, now=self.now())
        for message, done in zip(messages, queued, strict=True):
            self.record("outbox.queued", message.related, message_id=done.message_id, kind=message.kind, channel=message.channel)
        return [done.id for done in queued]

    def flush_audit(self) -> None:
        from privet.audit.chain import append_entries

        if self._pending:
            self.session.flush()
            append_entries(self.session, self._pending)
            self._pending = []

    def commit(self) -> None:
        self.flush_audit()
        self.session.commit()
