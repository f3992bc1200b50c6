"""Concurrent writers, as threads and as separate processes: one chain, no forks, no gaps."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from privet.audit.verify import verify_chain
from privet.store.uow import UnitOfWork
from tests.audit.conftest import ENTRIES, cli_url

WORKER = """
import sys
from privet.store.db import make_engine, session_factory
from privet.store.uow import UnitOfWork

url, name, units = sys.argv[1], sys.argv[2], int(sys.argv[3])
factory = session_factory(make_engine(url))
for i in range(units):
    with UnitOfWork(factory, actor=name) as uow:
        uow.record("test.concurrent", f"person:{i}", worker=name, i=i)
        uow.record("test.concurrent", f"person:{i}", worker=name, i=i, part=2)
"""


def _assert_one_unbroken_chain(engine: Engine, expected: int) -> None:
    with engine.connect() as conn:
        seqs = conn.execute(select(ENTRIES.c.seq).order_by(ENTRIES.c.seq)).scalars().all()
        forks = conn.execute(
            select(func.count()).select_from(ENTRIES).group_by(ENTRIES.c.prev_hash).having(func.count() > 1)
        ).all()
    assert seqs == list(range(1, expected + 1))
    assert forks == []
    result = verify_chain(engine)
    assert result.ok, result.problem
    assert result.entries == expected


def test_threads_append_one_chain(engine: Engine, factory: sessionmaker[Session]) -> None:
    threads, units = 6, 15
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            start.wait()  # all threads race for the very first append, when there is no head row yet
            for i in range(units):
                with UnitOfWork(factory, actor=f"thread-{n}") as uow:
                    for part in range(1 + i % 3):
                        uow.record("test.concurrent", f"person:{i}", thread=n, part=part)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert errors == []
    _assert_one_unbroken_chain(engine, threads * sum(1 + i % 3 for i in range(units)))


def test_processes_append_one_chain(engine: Engine) -> None:
    processes, units = 3, 40
    env = {**os.environ, "PRIVET_AUDIT_SEGMENT_SIZE": "16"}
    url = cli_url(engine)
    running = [subprocess.Popen([sys.executable, "-c", WORKER, url, f"proc-{n}", str(units)], env=env) for n in range(processes)]
    assert [p.wait(timeout=300) for p in running] == [0] * processes
    _assert_one_unbroken_chain(engine, processes * units * 2)
