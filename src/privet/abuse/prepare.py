"""Parsing (and, in workers, attribution) ahead of the transaction, optionally in worker processes.

Parsing is pure CPU work on bytes and is the largest single cost of intake, so it happens before
the unit of work opens (the database write lock is then held only for the writing) and, for a
large batch such as a maildir drain, in a pool of worker processes while the main process
writes the previous batch. A parser failure of any kind costs one notice, never the batch.

Workers given the database's URL also answer each notice's attribution question (who held the
address then) on a read-only connection of their own, so the single writing process does not
spend its time on lookups. The answer is read a moment before the batch is written, as it would
be by a drain that started a moment earlier; a notice whose lookup failed in the worker is
attributed by the writer as before.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from privet.abuse import dmca
from privet.abuse.attribution import Attribution, lookup
from privet.abuse.parse import ParsedNotice, Refused, parse_notice
from privet.abuse.settings import AbuseSettings
from privet.store.db import reader_engine, session_factory

CHUNK = 64
WORKER_NICENESS = 10


@dataclass
class Prepared:
    raw: bytes
    channel: str
    sha256: str
    parsed: ParsedNotice | None
    refusal: str | None
    found: Attribution | None = None  # answered ahead by a worker (`attributed`), else by the writer
    attributed: bool = False

    keys: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        """What identifies a repeat: the bytes, the Message-ID, the sender's own case id."""
        keys = [("sha256", self.sha256)]
        if self.parsed is not None and self.parsed.message_id:
            keys.append(("message_id", self.parsed.message_id))
        case_key = self.parsed.case_key if self.parsed is not None else None
        if case_key:
            keys.append(("case_key", case_key))
        self.keys = tuple(keys)


def _parse(raw: bytes, settings: AbuseSettings) -> tuple[str, ParsedNotice | None, str | None]:
    digest = hashlib.sha256(raw).hexdigest()
    try:
        notice = parse_notice(raw, settings)
        if notice.violation == "copyright":
            notice.dmca_elements = dmca.notice_elements(notice)
        return digest, notice, None
    except Refused as exc:
        return digest, None, exc.reason
    except Exception as exc:  # a parser bug must cost one notice, not the intake
        return digest, None, f"the notice could not be parsed ({exc.__class__.__name__})"


Parsed = tuple[str, ParsedNotice | None, str | None, Attribution | None, bool]

_reader: sessionmaker[Session] | None = None  # a worker's read-only connection, when given the database
_lengths: dict[int, list[int]] = {}  # a worker's memory of the prefix lengths in use, per address family


def _start_worker(database_url: str | None) -> None:
    """Open the worker's read-only connection, and step back in the scheduler's queue.

    The writer is intake's one serial stage; the workers only ever work a batch ahead of it.
    At a higher niceness they take the CPU the writer leaves idle instead of an equal share
    of it: on a two-core machine, four busy workers and the writer would otherwise each get
    two fifths of a core, and the writer's batches would wait on parsing it does not need yet.
    """
    global _reader
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)
    engine = reader_engine(database_url) if database_url else None
    _reader = session_factory(engine) if engine is not None else None


def _attribute(session: Session, notice: ParsedNotice, settings: AbuseSettings) -> tuple[Attribution | None, bool]:
    """The lookup the writer would make for this notice; (None, False) leaves it to the writer."""
    if notice.needs_review or notice.source_ip is None or notice.event_at is None:
        return None, False
    family = 6 if ":" in notice.source_ip else 4
    try:
        found = lookup(
            session, notice.source_ip, notice.event_at, port=notice.source_port, skew=settings.skew, lengths=_lengths.get(family)
        )
    except Exception:  # the writer asks again and handles it as it always has
        return None, False
    _lengths[family] = list(found.lengths)
    return found, True


def _parse_chunk(raws: list[bytes], settings: AbuseSettings) -> list[Parsed]:
    done: list[Parsed] = [(*_parse(raw, settings), None, False) for raw in raws]
    if _reader is None:
        return done
    with _reader() as session:
        return [(d, n, r, *_attribute(session, n, settings)) if n is not None else (d, n, r, f, a) for d, n, r, f, a in done]


class ParsePool:
    """Worker processes for parsing (started with `forkserver`, so no database connection is inherited).

    With `database_url`, each worker opens its own read-only connection and attributes the
    notices it parses (see the module's docstring); an in-memory database is not shared, so
    then the writer attributes.
    """

    def __init__(self, workers: int, database_url: str | None = None) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])  # each worker forks with parsing and the database layer imported
        self.executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(database_url,)
        )
        # Start every worker now (the executor starts one per task that finds none idle), so the
        # first batches are not parsed by one worker while the others are still importing.
        for started in [self.executor.submit(os.getpid) for _ in range(workers)]:
            started.result()

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.executor.shutdown(cancel_futures=True)


class Pending:
    """A batch being parsed in the pool while the caller writes the previous one."""

    def __init__(self, items: Sequence[tuple[bytes, str]], settings: AbuseSettings, pool: ParsePool) -> None:
        self.items = list(items)
        raws = [raw for raw, _ in self.items]
        chunks = [raws[i : i + CHUNK] for i in range(0, len(raws), CHUNK)]
        self.futures = [pool.executor.submit(_parse_chunk, chunk, settings) for chunk in chunks]

    def result(self) -> list[Prepared]:
        parsed = [p for future in self.futures for p in future.result()]
        return [Prepared(raw, channel, *done) for (raw, channel), done in zip(self.items, parsed, strict=True)]


def prepare_all(items: Sequence[tuple[bytes, str]], settings: AbuseSettings, pool: ParsePool | None = None) -> list[Prepared]:
    raws = [raw for raw, _ in items]
    if pool is None or len(raws) < 2 * CHUNK:
        parsed: list[Parsed] = [(*_parse(raw, settings), None, False) for raw in raws]
    else:
        chunks = [raws[i : i + CHUNK] for i in range(0, len(raws), CHUNK)]
        parsed = [p for done in pool.executor.map(_parse_chunk, chunks, [settings] * len(chunks)) for p in done]
    return [Prepared(raw, channel, *done) for (raw, channel), done in zip(items, parsed, strict=True)]
