"""The worker against a real SMTP listener on loopback: headers, rollback, retry, dead, SMS, stop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from privet.audit.tables import AuditEntry
from privet.outbox.queue import DEAD, PENDING, SENT, ClaimedMessage, RetryPolicy
from privet.outbox.sms import SmsGatewayTransport
from privet.outbox.smtp import SmtpSettings, SmtpTransport
from privet.outbox.tables import OutboxMessage
from privet.outbox.transport import Transport
from privet.outbox.worker import Worker
from privet.store.db import transaction
from privet.store.uow import UnitOfWork
from tests.outbox.support import Clock, Receiver, SmtpServer, free_port

MakeWorker = Callable[..., Worker]

# Worker logic that does not depend on the backend runs on SQLite only, to keep the suite fast.
sqlite_only = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


def _send(factory: sessionmaker[Session], clock: Clock, n: int = 1, **kwargs: str) -> list[str]:
    fields = {"kind": "dsr.confirmation", "channel": "email", "recipient": "ann@example.net", "subject": "Hello", "body": "Hi."}
    with UnitOfWork(factory, actor="care:rep7", clock=clock) as uow:
        return [uow.send(**(fields | kwargs)) for _ in range(n)]


def _row(factory: sessionmaker[Session], message_id: str) -> OutboxMessage:
    with transaction(factory) as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row


def _audited(factory: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with transaction(factory) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_committed_message_is_delivered_with_its_headers_and_body(
    factory: sessionmaker[Session], clock: Clock, receiver: Receiver, make_worker: MakeWorker
) -> None:
    body = "Wir haben Ihre Anfrage erhalten.\nAktenzeichen: DSR-7 — Frist 45 Tage.\n"
    [message_id] = _send(factory, clock, subject="Bestätigung Ihrer Anfrage", body=body, related="request:7")
    clock.advance(seconds=5)

    result = make_worker().run_once()

    assert (result.claimed, result.sent) == (1, 1)
    [mail] = receiver.received
    row = _row(factory, message_id)
    assert mail["From"] == "Privet <privet@isp.test>"
    assert mail["To"] == "ann@example.net" and mail["X-Envelope-To"] == "ann@example.net"
    assert mail["Subject"] == "Bestätigung Ihrer Anfrage"
    assert mail["Message-ID"] == row.message_id
    assert mail["Date"].datetime == row.created_at
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail.get_content_type() == "text/plain" and mail.get_content_charset() == "utf-8"
    assert mail.get_content().replace("\r\n", "\n") == body  # CRLF on the wire
    assert (row.status, row.attempts, row.sent_at, row.locked_by) == (SENT, 1, clock(), None)
    [audit] = _audited(factory, "outbox.sent")
    assert audit.subject == "request:7" and row.message_id in audit.data and "ann@example.net" not in audit.data


def test_a_rolled_back_unit_of_work_sends_nothing(
    factory: sessionmaker[Session], clock: Clock, receiver: Receiver, make_worker: MakeWorker
) -> None:
    with pytest.raises(RuntimeError), UnitOfWork(factory, actor="care:rep7", clock=clock) as uow:
        uow.send(kind="notice", channel="email", recipient="ann@example.net", subject="s", body="b")
        raise RuntimeError("the decision failed after queueing")

    assert make_worker().run_once().claimed == 0
    assert receiver.received == []
    with transaction(factory) as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_a_temporary_failure_is_retried_after_backoff(
    factory: sessionmaker[Session], clock: Clock, receiver: Receiver, make_worker: MakeWorker
) -> None:
    [message_id] = _send(factory, clock)
    receiver.data_replies.append("451 4.3.0 mailbox busy, try later")
    worker = make_worker()

    assert worker.run_once().retrying == 1
    row = _row(factory, message_id)
    assert row.status == PENDING and row.attempts == 1 and row.last_error == "DATA 451 4.3.0 mailbox busy, try later"
    assert clock() + timedelta(seconds=15) <= row.next_attempt_at <= clock() + timedelta(seconds=30)

    assert worker.run_once().claimed == 0  # not before its time
    clock.now = row.next_attempt_at
    assert worker.run_once().sent == 1
    assert list(receiver.message_ids().values()) == [1]
    assert _row(factory, message_id).status == SENT and _row(factory, message_id).attempts == 2


def test_a_permanent_refusal_makes_the_message_dead_with_the_reason(
    factory: sessionmaker[Session], clock: Clock, receiver: Receiver, make_worker: MakeWorker
) -> None:
    [message_id] = _send(factory, clock, related="complaint:3")
    receiver.rcpt_replies.append("550 5.1.1 no such user here")

    assert make_worker().run_once().dead == 1
    row = _row(factory, message_id)
    assert (row.status, row.attempts, row.last_error) == (DEAD, 1, "RCPT 550 5.1.1 no such user here")
    assert receiver.received == []
    [audit] = _audited(factory, "outbox.dead")
    assert audit.subject == "complaint:3" and "550" in audit.data


def test_temporary_failures_until_the_limit_make_it_dead(
    factory: sessionmaker[Session], clock: Clock, receiver: Receiver, make_worker: MakeWorker
) -> None:
    [message_id] = _send(factory, clock)
    receiver.data_replies.extend(["421 4.7.0 slow down"] * 3)
    worker = make_worker()
    for _ in range(3):
        worker.run_once()
        clock.advance(hours=1)
    row = _row(factory, message_id)
    assert row.status == DEAD and row.last_error == "gave up after 3 attempts: DATA 421 4.7.0 slow down"


@sqlite_only
def test_an_unreachable_relay_is_retryable(factory: sessionmaker[Session], clock: Clock, make_worker: MakeWorker) -> None:
    [message_id] = _send(factory, clock)
    nowhere = SmtpTransport(SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2))

    assert make_worker(transports={"email": nowhere}).run_once().retrying == 1
    row = _row(factory, message_id)
    assert row.status == PENDING and row.last_error is not None and row.last_error.startswith("connect 127.0.0.1")


@sqlite_only
def test_a_connection_dropped_between_messages_is_reopened(
    factory: sessionmaker[Session], clock: Clock, receiver: Receiver, smtp_server: SmtpServer, make_worker: MakeWorker
) -> None:
    smtp = SmtpTransport(SmtpSettings(host="127.0.0.1", port=smtp_server.port, timeout=5))
    worker = make_worker(transports={"email": smtp})
    _send(factory, clock)
    assert worker.run_once().sent == 1
    assert smtp._conn is not None
    smtp._conn.close()  # as if the relay timed the idle connection out
    _send(factory, clock)
    assert worker.run_once().sent == 1
    assert len(receiver.received) == 2


def test_sms_goes_through_the_email_gateway(
    factory: sessionmaker[Session], clock: Clock, receiver: Receiver, smtp_server: SmtpServer, make_worker: MakeWorker
) -> None:
    smtp = SmtpTransport(SmtpSettings(host="127.0.0.1", port=smtp_server.port, timeout=5))
    worker = make_worker(transports={"email": smtp, "sms": SmsGatewayTransport(smtp, "{digits}@sms.isp.test")})
    [good] = _send(factory, clock, channel="sms", recipient="+1 (555) 010-0199", subject="", body="Reply STOP to opt out.")
    [bad] = _send(factory, clock, channel="sms", recipient="call me", subject="", body="x")

    result = worker.run_once()

    assert (result.sent, result.dead) == (1, 1)
    [mail] = receiver.received
    assert mail["X-Envelope-To"] == "15550100199@sms.isp.test" and mail.get_content().strip() == "Reply STOP to opt out."
    assert _row(factory, good).status == SENT
    assert "not a phone number" in (_row(factory, bad).last_error or "")


class _Wrapping:
    """A transport that runs `after` once each message is sent: stops the worker, moves the clock."""

    def __init__(self, inner: Transport, after: Callable[[], None]) -> None:
        self.inner, self.after = inner, after

    def send(self, message: ClaimedMessage) -> None:
        self.inner.send(message)
        self.after()

    def close(self) -> None:
        self.inner.close()


@sqlite_only
def test_stopping_mid_batch_gives_the_rest_back(
    factory: sessionmaker[Session], clock: Clock, smtp_server: SmtpServer, make_worker: MakeWorker
) -> None:
    ids = _send(factory, clock, 4)
    smtp = SmtpTransport(SmtpSettings(host="127.0.0.1", port=smtp_server.port, timeout=5))
    holder: list[Worker] = []
    worker = make_worker(transports={"email": _Wrapping(smtp, lambda: holder[0].stop())})
    holder.append(worker)

    result = worker.run_once()

    assert (result.claimed, result.sent, result.released) == (4, 1, 3)
    rows = [_row(factory, i) for i in ids]
    assert sorted(r.status for r in rows) == [PENDING, PENDING, PENDING, SENT]
    assert all(r.locked_by is None and r.attempts == 0 for r in rows if r.status == PENDING)


@sqlite_only
def test_a_worker_short_of_lease_stops_starting_sends(
    factory: sessionmaker[Session], clock: Clock, smtp_server: SmtpServer, make_worker: MakeWorker
) -> None:
    _send(factory, clock, 3)
    smtp = SmtpTransport(SmtpSettings(host="127.0.0.1", port=smtp_server.port, timeout=5))
    worker = make_worker(transports={"email": _Wrapping(smtp, lambda: clock.advance(seconds=45))})

    result = worker.run_once()

    assert (result.sent, result.released) == (1, 2)


@sqlite_only
def test_a_transport_bug_delays_the_message_instead_of_losing_it(
    factory: sessionmaker[Session], clock: Clock, make_worker: MakeWorker
) -> None:
    class Broken:
        def send(self, message: ClaimedMessage) -> None:
            raise KeyError("oops")

        def close(self) -> None:
            pass

    [message_id] = _send(factory, clock)
    assert make_worker(transports={"email": Broken()}, policy=RetryPolicy(max_attempts=2)).run_once().retrying == 1
    assert _row(factory, message_id).status == PENDING


def test_settings_refuse_a_password_in_clear_over_the_network() -> None:
    with pytest.raises(ValueError, match="STARTTLS"):
        SmtpSettings.from_env({"PRIVET_SMTP_HOST": "relay.isp.test", "PRIVET_SMTP_USER": "u", "PRIVET_SMTP_PASSWORD": "p"})
    settings = SmtpSettings.from_env(
        {
            "PRIVET_SMTP_HOST": "relay.isp.test",
            "PRIVET_SMTP_PORT": "587",
            "PRIVET_SMTP_USER": "u",
            "PRIVET_SMTP_STARTTLS": "true",
        },
        port=2525,
    )
    assert (settings.host, settings.port, settings.starttls, settings.user) == ("relay.isp.test", 2525, True, "u")
