"""`UnitOfWork.send_many`: the same rows, checks and audit entries as `send`, in one insert, with the unit of work."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from privet.audit.tables import AuditEntry
from privet.outbox.queue import PENDING, Outgoing, enqueue_many
from privet.outbox.tables import OutboxMessage
from privet.store.db import transaction
from privet.store.uow import UnitOfWork
from tests.outbox.support import Clock

MESSAGES = [
    Outgoing(kind="notice", channel="email", recipient="ann@example.net", subject="Hello", body="Hi.\nBye.", related="person:1"),
    Outgoing(kind="reminder", channel="sms", recipient="+1 555 010 0199", subject="Pay", body="Due."),
]
# Columns whose values differ between any two messages by construction (a fresh uuid each).
UNIQUE = {"id", "message_id"}


def _rows(factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with transaction(factory) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.kind)))


def _audited(factory: sessionmaker[Session]) -> list[tuple[str, str | None, str]]:
    with transaction(factory) as session:
        return [(e.action, e.subject, e.data) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


def _columns(row: OutboxMessage) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in OutboxMessage.__table__.columns if c.key not in UNIQUE}


def test_send_many_writes_the_rows_and_audit_entries_send_writes(
    factory: sessionmaker[Session], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRIVET_MESSAGE_ID_DOMAIN", "isp.test")
    with UnitOfWork(factory, actor="one", clock=clock) as uow:
        singly = [
            uow.send(kind=m.kind, channel=m.channel, recipient=m.recipient, subject=m.subject, body=m.body, related=m.related)
            for m in MESSAGES
        ]
    one_by_one, audited_singly = _rows(factory), _audited(factory)
    clock.advance(minutes=1)
    with UnitOfWork(factory, actor="one", clock=clock) as uow:
        together = uow.send_many(MESSAGES)
    rows = {row.id: row for row in _rows(factory)}
    assert [rows[i].kind for i in together] == ["notice", "reminder"]
    for single, batched in zip(singly, together, strict=True):
        expected = _columns(rows[single]) | {"created_at": clock(), "next_attempt_at": clock()}
        assert _columns(rows[batched]) == expected
        assert rows[batched].status == PENDING and rows[batched].headers == {}
        assert rows[batched].message_id == f"<{batched}@isp.test>"
    assert len(one_by_one) == 2
    audited = _audited(factory)[len(audited_singly) :]
    assert [(a, s) for a, s, _ in audited] == [(a, s) for a, s, _ in audited_singly]
    assert [d for _, _, d in audited] == [
        d.replace(f"<{s}@", f"<{b}@") for (_, _, d), s, b in zip(audited_singly, singly, together, strict=True)
    ]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("recipient", "not-an-address", "recipient"),
        ("recipient", "   ", "recipient"),
        ("subject", "Hi\r\nBcc: everyone@example.net", "subject"),
        ("recipient", "ann@example.net\nBcc: x@y", "recipient"),
        ("kind", "k" * 81, "kind"),
        ("body", "b" * 1_000_001, "body"),
    ],
)
def test_one_bad_message_refuses_the_batch_before_anything_is_written_or_audited(
    factory: sessionmaker[Session], clock: Clock, field: str, value: str, error: str
) -> None:
    bad = Outgoing(**({"kind": "k", "channel": "email", "recipient": "a@b.test", "subject": "s", "body": "b"} | {field: value}))
    with pytest.raises(ValueError, match=error), UnitOfWork(factory, actor="test", clock=clock) as uow:
        try:
            uow.send_many([MESSAGES[0], bad])
        finally:
            assert uow._pending == []
    assert _rows(factory) == [] and _audited(factory) == []


def test_headers_are_checked_as_enqueue_checks_them(clock: Clock) -> None:
    message = Outgoing(kind="k", channel="email", recipient="a@b.test", subject="s", body="b", headers={"To": "x"})
    session = Session()  # unbound: validation must fail before anything reaches a database
    with pytest.raises(ValueError, match="headers: To"):
        enqueue_many(session, [message], now=clock())
    with pytest.raises(ValueError, match="timezone-aware"):
        enqueue_many(session, MESSAGES, now=clock().replace(tzinfo=None))


def test_messages_queued_together_roll_back_with_the_unit_of_work(factory: sessionmaker[Session], clock: Clock) -> None:
    with pytest.raises(RuntimeError), UnitOfWork(factory, actor="test", clock=clock) as uow:
        assert len(uow.send_many(MESSAGES)) == 2
        raise RuntimeError("the decision behind the messages failed")
    assert _rows(factory) == [] and _audited(factory) == []


def test_an_empty_batch_writes_nothing(factory: sessionmaker[Session], clock: Clock) -> None:
    with UnitOfWork(factory, actor="test", clock=clock) as uow:
        assert uow.send_many([]) == []
    assert _rows(factory) == [] and _audited(factory) == []
