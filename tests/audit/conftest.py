"""Audit test helpers: build a chain through the unit of work, tamper with rows, point the CLI at it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import Engine, Table, delete, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from privet.audit.encoding import GENESIS_HASH, entry_hash
from privet.audit.tables import AuditCheckpoint, AuditEntry, AuditHead
from privet.store.uow import UnitOfWork

ENTRIES = cast(Table, AuditEntry.__table__)
HEAD = cast(Table, AuditHead.__table__)
CHECKPOINTS = cast(Table, AuditCheckpoint.__table__)
SEGMENT = 4
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def ticking_clock(start: datetime = T0) -> Callable[[], datetime]:
    """A deterministic clock that moves 1.5 ms per reading."""
    now = [start]

    def tick() -> datetime:
        now[0] += timedelta(microseconds=1500)
        return now[0]

    return tick


def build_chain(factory: sessionmaker[Session], entries: int, per_unit: int = 3) -> None:
    """`entries` entries through the unit of work, `per_unit` per transaction."""
    clock = ticking_clock()
    n = 0
    while n < entries:
        with UnitOfWork(factory, actor="care:alice", clock=clock) as uow:
            for _ in range(min(per_unit, entries - n)):
                n += 1
                uow.record(
                    "consent.changed", f"person:{n % 5}" if n % 7 else None, choice="marketing.email", value=n % 2 == 0, n=n
                )


def row(engine: Engine, seq: int) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(conn.execute(select(ENTRIES).where(ENTRIES.c.seq == seq)).one()._mapping)


def set_entry(engine: Engine, seq: int, /, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(update(ENTRIES).where(ENTRIES.c.seq == seq).values(**values))


def delete_entries(engine: Engine, first: int, last: int) -> None:
    with engine.begin() as conn:
        conn.execute(delete(ENTRIES).where(ENTRIES.c.seq.between(first, last)))


def rehash_from(engine: Engine, first: int, last: int = 15) -> None:
    """What a careful forger does: recompute every hash from `first` on, and the head."""
    prev = row(engine, first - 1)["hash"] if first > 1 else GENESIS_HASH
    for seq in range(first, last + 1):
        r = row(engine, seq)
        digest = entry_hash(seq, r["at"], r["actor"], r["action"], r["subject"], r["data"], prev)
        set_entry(engine, seq, prev_hash=prev, hash=digest)
        prev = digest
    if last == 15:
        set_head(engine, seq=last, hash=prev)


def set_head(engine: Engine, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(update(HEAD).values(**values))


def swap_contents(engine: Engine, a: int, b: int) -> None:
    """Exchange every column but seq between two entries: the rows now appear in the other order."""
    ra, rb = row(engine, a), row(engine, b)
    for target, source in ((a, rb), (b, ra)):
        set_entry(engine, target, **{k: v for k, v in source.items() if k != "seq"})


def cli_url(engine: Engine) -> str:
    """A URL that reaches the same database (for PostgreSQL: the same test schema) from a fresh engine."""
    if engine.dialect.name == "sqlite":
        return engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        schema = conn.execute(text("select current_schema()")).scalar()
    return engine.url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checkpoint every 4 entries so small chains have several sealed segments."""
    monkeypatch.setenv("PRIVET_AUDIT_SEGMENT_SIZE", str(SEGMENT))


@pytest.fixture
def chain(engine: Engine, factory: sessionmaker[Session]) -> Engine:
    """15 entries in 5 transactions: checkpoints seal 1..4, 5..8, 9..12; 13..15 are open."""
    build_chain(factory, 15)
    return engine
