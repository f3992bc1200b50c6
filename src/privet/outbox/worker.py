"""The delivery worker: claim a batch, send each message, record each result at once.

What it guarantees, and what it cannot
--------------------------------------
Exactly-once delivery over SMTP is impossible in general: the server's acceptance (250 to
DATA) and our record of it (a database commit) are two events on two machines, and a crash can
fall between them. The worker orders them so that the gap is as small as it can be and the
failure on each side of it is the safe one:

* A message is marked sent only after the server accepted it, in its own short transaction
  immediately after the 250, one message at a time. Nothing is ever marked sent that was not.
* A crash before the 250 (worker killed, machine lost, connection cut during DATA) leaves the
  message pending under a lease. When the lease expires any worker claims it again and sends
  it again: nothing is lost. A compliant server discards a transaction whose client vanished
  before the final reply, so this is not a duplicate.
* A crash in the window between the server's 250 and our commit (milliseconds) sends the
  message a second time after the lease expires. That copy is the same message byte for byte,
  with the same Message-ID (derived from the outbox id) and the same Date, so a receiver or a
  mail client can recognise and drop the duplicate. That is the honest limit: at-least-once
  delivery, duplicates only in that narrow window, each identifiable.

A lease must outlast one delivery; the worker stops starting sends when little of its lease is
left and gives the rest of the batch back, so a slow batch does not overrun into a second
worker's claim. Delivery results (sent, dead) are audited through the unit of work, without the
recipient: the audit chain is permanent and addresses are personal data.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType

from sqlalchemy.orm import Session, sessionmaker

from privet.outbox.queue import DEAD, ClaimedMessage, RetryPolicy, claim, mark_failed, mark_sent, release
from privet.outbox.transport import DeliveryError, Transport
from privet.store.db import transaction, utcnow
from privet.store.uow import UnitOfWork

log = logging.getLogger("privet.outbox")


def default_worker_id() -> str:
    """Host, process and a random suffix: unique per worker, and readable in `outbox list`."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[-100:]


@dataclass
class BatchResult:
    """What one `run_once` did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    released: int = 0


@dataclass
class Worker:
    """Delivers outbox messages through one transport per channel.

    Only channels with a transport are claimed, so a worker without SMS settings leaves SMS
    messages for one that has them. `clock` and `rng` are injectable so tests drive backoff
    without sleeping.
    """

    factory: sessionmaker[Session]
    transports: Mapping[str, Transport]
    worker_id: str = field(default_factory=default_worker_id)
    lease: timedelta = timedelta(seconds=60)
    batch: int = 10
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    clock: Callable[[], datetime] = utcnow
    rng: random.Random = field(default_factory=random.Random)
    _stopping: bool = field(default=False, init=False)

    def stop(self) -> None:
        """Ask the worker to finish the message in hand and return. Safe to call from a signal handler."""
        self._stopping = True

    @property
    def stopping(self) -> bool:
        return self._stopping

    def run_once(self) -> BatchResult:
        """Claim one batch and deliver it; returns counts. Database errors propagate."""
        with transaction(self.factory) as session:
            batch = claim(
                session,
                worker_id=self.worker_id,
                now=self.clock(),
                lease=self.lease,
                limit=self.batch,
                channels=list(self.transports),
                policy=self.policy,
            )
        result = BatchResult(claimed=len(batch))
        for index, message in enumerate(batch):
            if self._stopping or message.locked_until - self.clock() < self.lease / 3:
                result.released = self._release([m.id for m in batch[index:]])
                break
            self._deliver(message, result)
        return result

    def run(self, poll: float = 5.0) -> None:
        """Deliver until stopped, waiting `poll` seconds whenever the queue has nothing due.

        A failing batch (database unreachable) is logged and retried after `poll`; claimed
        messages it could not finish come back when their lease expires.
        """
        try:
            while not self._stopping:
                try:
                    result = self.run_once()
                except Exception:
                    log.exception("outbox batch failed; trying again in %.1fs", poll)
                    result = BatchResult()
                if result.claimed < self.batch:
                    self._wait(poll)
        finally:
            self.close()

    def close(self) -> None:
        for transport in {id(t): t for t in self.transports.values()}.values():
            try:
                transport.close()
            except Exception:
                log.exception("closing a transport failed")

    def _wait(self, seconds: float) -> None:
        # Short sleeps and a plain flag: a signal handler may not take locks (threading.Event does).
        deadline = time.monotonic() + seconds
        while not self._stopping and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.05))

    def _deliver(self, message: ClaimedMessage, result: BatchResult) -> None:
        try:
            self.transports[message.channel].send(message)
        except DeliveryError as exc:
            error, retryable = exc.reason, exc.retryable
        except Exception as exc:  # a transport bug must delay a message, never destroy it
            log.exception("transport %s failed on %s", message.channel, message.id)
            error, retryable = f"{type(exc).__name__}: {exc}", True
        else:
            self._mark_sent(message)
            result.sent += 1
            return
        status = self._mark_failed(message, error, retryable)
        if status == DEAD:
            result.dead += 1
        elif status is not None:
            result.retrying += 1

    def _mark_sent(self, message: ClaimedMessage) -> None:
        with UnitOfWork(self.factory, actor=f"outbox:{self.worker_id}", clock=self.clock) as uow:
            if mark_sent(uow.session, message.id, now=uow.now()):
                uow.record(
                    "outbox.sent", message.related, message_id=message.message_id, kind=message.kind, attempts=message.attempts
                )
        log.info("sent %s %s (attempt %d)", message.id, message.message_id, message.attempts)

    def _mark_failed(self, message: ClaimedMessage, error: str, retryable: bool) -> str | None:
        with UnitOfWork(self.factory, actor=f"outbox:{self.worker_id}", clock=self.clock) as uow:
            status = mark_failed(
                uow.session,
                message.id,
                worker_id=self.worker_id,
                error=error,
                retryable=retryable,
                now=uow.now(),
                policy=self.policy,
                rng=self.rng,
            )
            if status == DEAD:
                uow.record("outbox.dead", message.related, message_id=message.message_id, kind=message.kind, error=error)
        log.warning("delivery of %s failed (%s): %s", message.id, status or "no longer ours", error)
        return status

    def _release(self, ids: list[str]) -> int:
        with transaction(self.factory) as session:
            return release(session, ids, worker_id=self.worker_id)


def stop_on_signals(worker: Worker, signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)) -> None:
    """Make SIGTERM (and Ctrl-C) a graceful stop: the message in flight finishes, the rest is released."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        worker.stop()  # nothing else here: a handler must not take locks the interrupted code may hold

    for sig in signals:
        signal.signal(sig, handler)
