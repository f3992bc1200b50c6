"""Shared by the CPNI, legal and retention tests: one migrated database per module and backend.

Migrating costs more than most of these tests, so each module migrates once per backend (a real
SQLite file, a real PostgreSQL schema) and every test makes its own people with unique ids, so
tests never see one another's rows. A hand-set clock makes dates exact without sleeping.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from privet.outbox.smtp import SmtpSettings, SmtpTransport
from privet.outbox.worker import Worker
from privet.runtime import Runtime
from privet.store.db import make_engine, session_factory
from privet.store.migrate import upgrade
from privet.store.uow import UnitOfWork
from tests.conftest import POLICIES, _postgres_engine, add_person, make_runtime
from tests.outbox.support import free_port


class Clock:
    """A clock a test sets and moves by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def module_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'privet.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    gen = _postgres_engine()
    eng = next(gen)
    upgrade(eng)
    yield eng
    gen.close()


class World:
    """Runtimes for any bundled pack over one database, and a clock for units of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.factory: sessionmaker[Session] = session_factory(engine)
        self.clock = Clock()
        self._runtimes: dict[str, Runtime] = {}

    def runtime(self, pack: str = "000-metronet") -> Runtime:
        if pack not in self._runtimes:
            self._runtimes[pack] = make_runtime(self.engine, self.factory, POLICIES / pack)
        return self._runtimes[pack]

    def uow(self, actor: str = "care:rep1") -> UnitOfWork:
        return UnitOfWork(self.factory, actor, clock=self.clock)

    def person(self, pack: str = "000-metronet", **fields: Any) -> int:
        return add_person(self.runtime(pack), **fields)


def world_fixture(engine: Engine) -> World:
    return World(engine)


PersonMaker = Callable[..., int]
__all__ = ["Clock", "Path", "PersonMaker", "World", "module_engine", "world_fixture"]


def api_client(runtime: Runtime) -> Any:
    """The real app with the CPNI, legal and retention routers mounted, as app.py will mount them."""
    from fastapi.testclient import TestClient

    from privet.api.app import create_app
    from privet.cpni.api import router as cpni_router
    from privet.cpni.api_records import router as cpni_records_router
    from privet.legal.api import router as legal_router

    app = create_app(runtime)
    mounted = {getattr(r, "path", "") for r in app.routes}
    for router in (cpni_router, cpni_records_router, legal_router):
        if not mounted & {getattr(r, "path", "") for r in router.routes}:  # the lead may already have wired it
            app.include_router(router)
    return TestClient(app, raise_server_exceptions=False)


def bearer(runtime: Runtime, role: str) -> dict[str, str]:
    from privet.access.tokens import create_token

    with runtime.uow("test") as uow:
        token, _ = create_token(uow, name=f"test {role} {uuid.uuid4().hex[:6]}", role=role)
    return {"Authorization": f"Bearer {token}"}


def days_ago(n: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=n)).isoformat()


class Desk:
    """A care rep's desk at the service layer: the same calls the API makes, without HTTP in between."""

    def __init__(self, world: World, pack: str = "000-metronet") -> None:
        self.world, self.runtime = world, world.runtime(pack)

    def attempt(
        self, person_id: int, interaction: str, channel: str = "inbound_call", method: str = "password", **kw: Any
    ) -> Any:
        from privet.cpni import auth
        from privet.cpni.rules import Channel, Method
        from privet.subjects.service import get_person

        with self.world.uow() as uow:
            person = get_person(uow, person_id)
            return auth.authenticate(
                uow, person, auth.account_for(person, None), auth.Attempt(interaction, Channel(channel), Method(method), **kw)
            )

    def ask(self, person_id: int, interaction: str, categories: tuple[str, ...] = ("user.telecom.cpni.call_detail",)) -> Any:
        from privet.cpni.disclosure import check_caller_disclosure

        with self.world.uow() as uow:
            return check_caller_disclosure(
                uow, self.runtime.decider, interaction_id=interaction, person_id=person_id, categories=categories
            )

    def set(self, person_id: int, kind: str, secret: str, **kw: Any) -> Any:
        from privet.cpni import auth, changes
        from privet.subjects.service import get_person

        with self.world.uow() as uow:
            person = get_person(uow, person_id)
            return changes.set_credential(uow, person, auth.account_for(person, None), kind=kind, secret=secret, **kw).id


class Inbox:
    """An SMTP handler that keeps every message it accepts, keyed by envelope recipient."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.messages if address in rcpts]


def smtp_listener() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP listener (aiosmtpd) on loopback at a free port."""
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def deliver(world: World, port: int) -> None:
    """Run the outbox worker until nothing due is left, sending email to the listener on `port`."""
    transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, sender="Privet <privet@isp.test>", timeout=5))
    worker = Worker(world.factory, {"email": transport}, clock=world.clock)
    try:
        while worker.run_once().claimed:
            pass
    finally:
        worker.close()
