"""Test helpers for the outbox: a hand-driven clock and an SMTP receiver that behaves like an MTA."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Engine, text


class Clock:
    """A clock the test moves by hand, so backoff is checked without sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def client_gone(server: Any) -> bool:
    transport = server.transport
    return transport is None or transport.is_closing()


class Receiver:
    """An aiosmtpd handler that behaves like a real MTA about disappearing clients.

    A message counts as received only if the client is still connected when the 250 is due;
    if it left during DATA (aiosmtpd cancels the handler on EOF, or the transport is closing),
    the transaction is discarded, as an MTA does when the client vanishes before the final reply.
    Replies can be scripted (`rcpt_replies`, `data_replies`) and the `hold_at`-th DATA waits
    until the client is gone, so a test can kill a worker exactly mid-delivery.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[EmailMessage] = []
        self.dropped: list[str] = []
        self.rcpt_replies: list[str] = []
        self.data_replies: list[str] = []
        self.data_delay = 0.0
        self.hold_at: int | None = None
        self.holding = threading.Event()
        self.data_count = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        with self.lock:
            reply = self.rcpt_replies.pop(0) if self.rcpt_replies else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.data_count += 1
            count = self.data_count
            reply = self.data_replies.pop(0) if self.data_replies else None
        if reply:
            return reply
        try:
            if count == self.hold_at:
                self.holding.set()
                loop = asyncio.get_running_loop()
                deadline = loop.time() + 15
                while not client_gone(server) and loop.time() < deadline:
                    await asyncio.sleep(0.01)
            elif self.data_delay:
                await asyncio.sleep(self.data_delay)
        except asyncio.CancelledError:
            with self.lock:
                self.dropped.append(str(message["Message-ID"]))
            raise
        if client_gone(server):
            with self.lock:
                self.dropped.append(str(message["Message-ID"]))
            return "421 4.4.2 client went away"
        with self.lock:
            self.received.append(message)
        return "250 2.0.0 OK"

    def message_ids(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m["Message-ID"]) for m in self.received)


class SmtpServer:
    def __init__(self, receiver: Receiver, port: int) -> None:
        self.receiver = receiver
        self.port = port


def database_url_of(engine: Engine) -> str:
    """A URL another process can open to reach the same database (and PostgreSQL schema)."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        with engine.connect() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)
