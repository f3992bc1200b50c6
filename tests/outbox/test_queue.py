"""The queue's state machine on a real database: enqueue, lease, backoff, dead, requeue."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from privet.outbox.queue import (
    DEAD,
    PENDING,
    SENT,
    RetryPolicy,
    claim,
    enqueue,
    make_message_id,
    mark_failed,
    mark_sent,
    release,
    requeue,
)
from privet.outbox.tables import OutboxMessage
from privet.store.db import transaction
from privet.store.uow import UnitOfWork
from tests.outbox.support import Clock

LEASE = timedelta(seconds=60)
POLICY = RetryPolicy(max_attempts=3, base=timedelta(seconds=30), cap=timedelta(minutes=10), jitter=0.5)


def _enqueue(factory: sessionmaker[Session], clock: Clock, n: int = 1, **kwargs: str) -> list[str]:
    fields = {"kind": "notice", "channel": "email", "recipient": "ann@example.net", "subject": "Hello", "body": "Hi."} | kwargs
    with transaction(factory) as session:
        return [enqueue(session, now=clock(), **fields).id for _ in range(n)]  # type: ignore[arg-type]


def _row(factory: sessionmaker[Session], message_id: str) -> OutboxMessage:
    with transaction(factory) as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row


def test_enqueue_writes_a_pending_due_message_with_a_stable_message_id(factory: sessionmaker[Session], clock: Clock) -> None:
    with transaction(factory) as session:
        message = enqueue(
            session,
            kind="notice",
            channel="email",
            recipient="ann@example.net",
            subject="Hi",
            body="x",
            now=clock(),
            domain="isp.test",
        )
    row = _row(factory, message.id)
    assert row.status == PENDING and row.attempts == 0
    assert row.next_attempt_at == clock() and row.created_at == clock()
    assert row.message_id == make_message_id(row.id, "isp.test") == f"<{row.id}@isp.test>"


def test_message_id_domain_follows_the_sender(
    monkeypatch: pytest.MonkeyPatch, factory: sessionmaker[Session], clock: Clock
) -> None:
    monkeypatch.delenv("PRIVET_MESSAGE_ID_DOMAIN", raising=False)
    monkeypatch.setenv("PRIVET_SMTP_FROM", "Privacy Office <privacy@fiber.test>")
    [message_id] = _enqueue(factory, clock)
    assert _row(factory, message_id).message_id.endswith("@fiber.test>")


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("recipient", "not-an-address", "recipient"),
        ("recipient", "  ", "recipient"),
        ("subject", "Hi\r\nBcc: everyone@example.net", "subject"),
        ("recipient", "ann@example.net\nBcc: x@y", "recipient"),
        ("kind", "k" * 81, "kind"),
    ],
)
def test_enqueue_rejects_bad_input_before_writing(field: str, value: str, error: str) -> None:
    fields = {"kind": "notice", "channel": "email", "recipient": "ann@example.net", "subject": "Hello", "body": "Hi."}
    session = Session()  # unbound: validation must fail before anything reaches a database
    with pytest.raises(ValueError, match=error):
        enqueue(session, now=Clock()(), **(fields | {field: value}))  # type: ignore[arg-type]
    assert not session.new


def test_enqueue_rejects_headers_that_would_override_the_envelope() -> None:
    with pytest.raises(ValueError, match="headers: To"):
        enqueue(
            Session(), kind="k", channel="email", recipient="a@b.test", subject="s", body="b", now=Clock()(), headers={"To": "x"}
        )


def test_claim_leases_due_messages_and_an_expired_lease_is_claimed_again(factory: sessionmaker[Session], clock: Clock) -> None:
    ids = _enqueue(factory, clock, 3)
    with transaction(factory) as session:
        first = claim(session, worker_id="w1", now=clock(), lease=LEASE, limit=2)
    assert len(first) == 2 and all(m.attempts == 1 and m.locked_until == clock() + LEASE for m in first)
    with transaction(factory) as session:
        second = claim(session, worker_id="w2", now=clock(), lease=LEASE, limit=10)
    assert [m.id for m in second] == [i for i in ids if i not in {m.id for m in first}]
    clock.advance(seconds=61)
    with transaction(factory) as session:
        again = claim(session, worker_id="w3", now=clock(), lease=LEASE, limit=10)
    assert {m.id for m in again} == set(ids)
    assert _row(factory, first[0].id).locked_by == "w3"


def test_claim_takes_only_the_channels_it_can_deliver(factory: sessionmaker[Session], clock: Clock) -> None:
    [sms] = _enqueue(factory, clock, channel="sms", recipient="+1 555 010 0199")
    [email] = _enqueue(factory, clock)
    with transaction(factory) as session:
        claimed = claim(session, worker_id="w", now=clock(), lease=LEASE, channels=["email"])
    assert [m.id for m in claimed] == [email]
    assert _row(factory, sms).locked_by is None


def test_failure_backs_off_exponentially_with_jitter_then_dies(factory: sessionmaker[Session], clock: Clock) -> None:
    [message_id] = _enqueue(factory, clock)
    rng = random.Random(1)
    delays = []
    for attempt in (1, 2):
        with transaction(factory) as session:
            [m] = claim(session, worker_id="w", now=clock(), lease=LEASE, policy=POLICY)
            assert m.attempts == attempt
            status = mark_failed(
                session, m.id, worker_id="w", error="451 later", retryable=True, now=clock(), policy=POLICY, rng=rng
            )
        row = _row(factory, message_id)
        assert status == PENDING and row.last_error == "451 later" and row.locked_by is None
        delay = row.next_attempt_at - clock()
        ceiling = POLICY.base * 2 ** (attempt - 1)
        assert ceiling * 0.5 <= delay <= ceiling
        delays.append(delay)
        with transaction(factory) as session:  # not due before its backoff
            assert claim(session, worker_id="w", now=clock() + delay - timedelta(seconds=1), lease=LEASE, policy=POLICY) == []
        clock.advance(seconds=delay.total_seconds())
    with transaction(factory) as session:
        [m] = claim(session, worker_id="w", now=clock(), lease=LEASE, policy=POLICY)
        assert mark_failed(session, m.id, worker_id="w", error="451 later", retryable=True, now=clock(), policy=POLICY) == DEAD
    row = _row(factory, message_id)
    assert row.status == DEAD and row.attempts == 3 and row.last_error == "gave up after 3 attempts: 451 later"


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(base=timedelta(seconds=30), cap=timedelta(minutes=5), jitter=0.0)
    assert policy.delay(1, random.Random()) == timedelta(seconds=30)
    assert policy.delay(3, random.Random()) == timedelta(minutes=2)
    assert policy.delay(200, random.Random()) == timedelta(minutes=5)


def test_permanent_failure_is_dead_at_once_with_the_reason(factory: sessionmaker[Session], clock: Clock) -> None:
    [message_id] = _enqueue(factory, clock)
    with transaction(factory) as session:
        [m] = claim(session, worker_id="w", now=clock(), lease=LEASE)
        assert mark_failed(session, m.id, worker_id="w", error="RCPT 550 no such user", retryable=False, now=clock()) == DEAD
    assert _row(factory, message_id).last_error == "RCPT 550 no such user"


def test_a_worker_that_lost_its_lease_cannot_overwrite_the_new_holder(factory: sessionmaker[Session], clock: Clock) -> None:
    [message_id] = _enqueue(factory, clock)
    with transaction(factory) as session:
        claim(session, worker_id="slow", now=clock(), lease=LEASE)
    clock.advance(minutes=2)
    with transaction(factory) as session:
        claim(session, worker_id="fresh", now=clock(), lease=LEASE)
        assert mark_failed(session, message_id, worker_id="slow", error="timeout", retryable=True, now=clock()) is None
    assert _row(factory, message_id).locked_by == "fresh"


def test_mark_sent_is_idempotent_and_wins_over_dead(factory: sessionmaker[Session], clock: Clock) -> None:
    [message_id] = _enqueue(factory, clock)
    with transaction(factory) as session:
        claim(session, worker_id="w", now=clock(), lease=LEASE)
        mark_failed(session, message_id, worker_id="w", error="550", retryable=False, now=clock())
    with transaction(factory) as session:
        assert mark_sent(session, message_id, now=clock()) is True
        assert mark_sent(session, message_id, now=clock() + LEASE) is False
    row = _row(factory, message_id)
    assert row.status == SENT and row.sent_at == clock() and row.last_error is None


def test_a_claim_never_resolved_on_the_last_attempt_becomes_dead(factory: sessionmaker[Session], clock: Clock) -> None:
    [message_id] = _enqueue(factory, clock)
    for _ in range(POLICY.max_attempts):  # each worker dies holding the message
        with transaction(factory) as session:
            assert len(claim(session, worker_id="doomed", now=clock(), lease=LEASE, policy=POLICY)) == 1
        clock.advance(seconds=61)
    with transaction(factory) as session:
        assert claim(session, worker_id="next", now=clock(), lease=LEASE, policy=POLICY) == []
    row = _row(factory, message_id)
    assert row.status == DEAD and row.last_error is not None and "abandoned" in row.last_error


def test_release_gives_the_lease_back_without_counting_an_attempt(factory: sessionmaker[Session], clock: Clock) -> None:
    ids = _enqueue(factory, clock, 2)
    with transaction(factory) as session:
        claim(session, worker_id="w", now=clock(), lease=LEASE)
    with transaction(factory) as session:
        assert release(session, ids, worker_id="other") == 0
        assert release(session, ids, worker_id="w") == 2
    assert all(_row(factory, i).locked_by is None and _row(factory, i).attempts == 0 for i in ids)


def test_requeue_revives_only_dead_messages(factory: sessionmaker[Session], clock: Clock) -> None:
    [message_id] = _enqueue(factory, clock)
    with transaction(factory) as session, pytest.raises(ValueError, match="pending, not dead"):
        requeue(session, message_id, now=clock())
    with transaction(factory) as session:
        claim(session, worker_id="w", now=clock(), lease=LEASE)
        mark_failed(session, message_id, worker_id="w", error="550 gone", retryable=False, now=clock())
    clock.advance(hours=1)
    with transaction(factory) as session:
        requeue(session, message_id, now=clock())
    row = _row(factory, message_id)
    assert (row.status, row.attempts, row.next_attempt_at) == (PENDING, 0, clock())
    with transaction(factory) as session, pytest.raises(LookupError):
        requeue(session, "no-such-id", now=clock())


def test_concurrent_claims_take_disjoint_messages(factory: sessionmaker[Session], clock: Clock) -> None:
    ids = set(_enqueue(factory, clock, 20))
    results: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with transaction(factory) as session:
                results[name] = [m.id for m in claim(session, worker_id=name, now=clock(), lease=LEASE, limit=5)]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    claimed = [i for got in results.values() for i in got]
    assert len(claimed) == len(set(claimed)) == 20 and set(claimed) == ids


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)  # SQLite serializes claims with BEGIN IMMEDIATE instead
def test_postgres_claim_skips_rows_locked_by_an_open_claim(factory: sessionmaker[Session], clock: Clock) -> None:
    ids = set(_enqueue(factory, clock, 4))
    with factory() as first, first.begin():
        held = {m.id for m in claim(first, worker_id="a", now=clock(), lease=LEASE, limit=2)}
        with factory() as second, second.begin():
            second.execute(text("SET LOCAL lock_timeout = '5s'"))  # waiting instead of skipping would fail, not hang
            other = {m.id for m in claim(second, worker_id="b", now=clock(), lease=LEASE, limit=4)}
    assert held | other == ids and not held & other


def test_enqueue_joins_the_unit_of_work(factory: sessionmaker[Session], clock: Clock) -> None:
    with UnitOfWork(factory, actor="test", clock=clock) as uow:
        message_id = uow.send(
            kind="notice", channel="email", recipient="ann@example.net", subject="s", body="b", related="person:1"
        )
    assert _row(factory, message_id).related == "person:1"
