"""A real worker process killed mid-delivery and restarted: nothing lost, nothing received twice.

The receiver holds one DATA open until the worker is gone, so the kill lands deterministically
between "message sent" and "server replied"; like a real MTA it then discards that transaction.
The restarted worker reclaims the dead worker's leased messages once the lease expires.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from privet.outbox.queue import PENDING, SENT
from privet.outbox.tables import OutboxMessage
from privet.store.db import transaction
from privet.store.uow import UnitOfWork
from tests.outbox.support import Clock, SmtpServer, database_url_of

MESSAGES = 30
LEASE = 2  # seconds: short, so the restarted worker reclaims quickly


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def start_worker(engine: Engine, smtp_server: SmtpServer, tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    """Start `python -m privet.outbox work` as a real process; kill whatever is left at the end."""
    procs: list[subprocess.Popen[bytes]] = []
    url = database_url_of(engine)

    def start(name: str) -> subprocess.Popen[bytes]:
        args = [sys.executable, "-m", "privet.outbox", "work", "--db", url, "--smtp-host", "127.0.0.1"]
        args += ["--smtp-port", str(smtp_server.port), "--lease", str(LEASE), "--poll", "0.05", "--batch", "5"]
        args += ["--backoff", "0.05", "--worker-id", name]
        log = (tmp_path / f"{name}.log").open("wb")
        env = os.environ | {"PRIVET_SMTP_FROM": "privet@isp.test"}
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def _statuses(factory: sessionmaker[Session]) -> dict[str, int]:
    with transaction(factory) as session:
        rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return {status: n for status, n in rows}


def test_a_killed_worker_loses_nothing_and_sends_nothing_twice(
    factory: sessionmaker[Session], smtp_server: SmtpServer, start_worker: Callable[[str], subprocess.Popen[bytes]]
) -> None:
    receiver = smtp_server.receiver
    receiver.data_delay = 0.02  # a slow receiver, so the kill finds work in flight
    receiver.hold_at = 8  # the 8th DATA waits until its client is gone
    with UnitOfWork(factory, actor="abuse:desk", clock=Clock()) as uow:
        ids = [
            uow.send(
                kind="aup.warning", channel="email", recipient=f"sub{i}@example.net", subject=f"Notice {i}", body="Please stop."
            )
            for i in range(MESSAGES)
        ]
    with transaction(factory) as session:
        expected = {m.message_id for m in session.scalars(select(OutboxMessage))}

    first = start_worker("first")
    assert receiver.holding.wait(timeout=20), "the worker never reached the 8th message"
    first.send_signal(signal.SIGKILL)
    assert first.wait(timeout=10) == -signal.SIGKILL
    _wait_for(lambda: len(receiver.dropped) == 1, 10, "the receiver to drop the orphaned transaction")
    [orphan] = receiver.dropped
    with transaction(factory) as session:
        in_flight = session.scalars(select(OutboxMessage).where(OutboxMessage.message_id == orphan)).one()
    assert (in_flight.status, in_flight.locked_by) == (PENDING, "first")  # still leased to the dead worker
    assert 0 < _statuses(factory).get(SENT, 0) < MESSAGES

    second = start_worker("second")
    _wait_for(lambda: _statuses(factory) == {SENT: MESSAGES}, 25, "every message to be marked sent")
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=10) == 0  # a graceful stop

    received = receiver.message_ids()
    assert set(received) == expected
    assert [mid for mid, n in received.items() if n != 1] == []
    with transaction(factory) as session:
        orphan_row = session.scalars(select(OutboxMessage).where(OutboxMessage.message_id == orphan)).one()
        assert orphan_row.attempts == 2 and orphan_row.id in ids
