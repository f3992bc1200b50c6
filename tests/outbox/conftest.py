"""Outbox fixtures: a real SMTP receiver on loopback (aiosmtpd), a hand-driven clock, a worker."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session, sessionmaker

from privet.outbox.queue import RetryPolicy
from privet.outbox.smtp import SmtpSettings, SmtpTransport
from privet.outbox.worker import Worker
from tests.outbox.support import Clock, Receiver, SmtpServer, free_port


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP listener on 127.0.0.1 at a free port."""
    receiver = Receiver()
    port = free_port()
    controller = Controller(receiver, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield SmtpServer(receiver, port)
    finally:
        controller.stop()


@pytest.fixture
def receiver(smtp_server: SmtpServer) -> Receiver:
    return smtp_server.receiver


@pytest.fixture
def make_worker(factory: sessionmaker[Session], smtp_server: SmtpServer, clock: Clock) -> Iterator[Any]:
    """Build a Worker on the test database and receiver, with the hand-driven clock."""
    workers: list[Worker] = []

    def make(**kwargs: Any) -> Worker:
        transport = SmtpTransport(
            SmtpSettings(host="127.0.0.1", port=smtp_server.port, sender="Privet <privet@isp.test>", timeout=5)
        )
        options: dict[str, Any] = {
            "transports": {"email": transport},
            "clock": clock,
            "rng": random.Random(7),
            "lease": timedelta(seconds=60),
            "policy": RetryPolicy(max_attempts=3, base=timedelta(seconds=30), cap=timedelta(minutes=10)),
        }
        options.update(kwargs)
        worker = Worker(factory, **options)
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.close()
