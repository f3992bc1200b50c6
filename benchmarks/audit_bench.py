"""Audit log benchmark: appends per second with group commit, against a plain-INSERT floor, and verify time.

    .venv/bin/python benchmarks/audit_bench.py --entries 1000000 --db sqlite:///audit-bench.db \\
        --db postgresql+psycopg://postgres@127.0.0.1:5432/test

For every --db, in a scratch database (a new SQLite file, removed afterwards; or a new
PostgreSQL schema, dropped afterwards):

1. appends: the same entries written in transactions of 1, 100 and 1000 entries, once through
   `append_entries` (hash, lock the head, insert, update the head, checkpoint every 1024) and
   once as the floor: plain INSERTs of the same rows with no hashing, no head and no checkpoints;
   floor and chain runs alternate --repeat times and the median rate of each is reported;
2. verify: a chain of --entries entries is bulk-loaded, then `verify_chain` runs in a fresh
   process, which reports its time and peak memory.

It prints a Markdown table for BENCHMARKS.md, and the same numbers as JSON with --json FILE.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, insert, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from privet.audit.chain import DEFAULT_SEGMENT_SIZE, append_entries
from privet.audit.encoding import GENESIS_HASH, canonical_json
from privet.audit.tables import AuditEntry
from privet.audit.verify import verify_chain
from privet.store.db import make_engine, session_factory, utcnow
from privet.store.migrate import upgrade
from privet.store.uow import PendingEntry

ENTRIES = cast(Table, AuditEntry.__table__)
Writer = Callable[[Session, list[PendingEntry], int], None]


def pending(i: int) -> PendingEntry:
    """A typical entry: a consent change taken on the phone (about 200 bytes stored)."""
    data = {"choice": "marketing.email", "channel": "phone", "value": i % 2 == 0, "n": i, "policy": "000-metronet@2026-01"}
    return PendingEntry("care:alice", "consent.changed", f"person:{i % 50_000}", data, utcnow())


def write_chain(session: Session, batch: list[PendingEntry], _first_seq: int) -> None:
    append_entries(session, batch)


def write_floor(session: Session, batch: list[PendingEntry], first_seq: int) -> None:
    """The same rows as plain INSERTs: what storing the log costs with no chain at all."""
    rows = [
        {
            "seq": first_seq + k,
            "at": p.at,
            "actor": p.actor,
            "action": p.action,
            "subject": p.subject,
            "data": canonical_json(p.data),
            "prev_hash": GENESIS_HASH,
            "hash": GENESIS_HASH,
        }
        for k, p in enumerate(batch)
    ]
    session.connection().execute(insert(ENTRIES), rows)


def timed_appends(factory: sessionmaker[Session], total: int, batch: int, write: Writer) -> tuple[float, float]:
    """(entries per wall-clock second, CPU µs of this process per entry) writing `total` in transactions of `batch`.

    On a shared machine the CPU time is the steadier number; it covers SQLite's own work (it runs
    in this process) but not the PostgreSQL server's.
    """
    done = 0
    started, cpu = time.perf_counter(), time.process_time()
    while done < total:
        entries = [pending(done + k) for k in range(min(batch, total - done))]
        with factory.begin() as session:
            write(session, entries, done + 1)
        done += len(entries)
    return total / (time.perf_counter() - started), (time.process_time() - cpu) * 1e6 / total


def reset(engine: Engine) -> None:
    """Empty the audit tables so every run starts from the same empty log."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_entries, audit_head, audit_checkpoints"))
        return
    with engine.begin() as conn:
        for table in ("audit_entries", "audit_head", "audit_checkpoints"):
            conn.execute(text(f"DELETE FROM {table}"))
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("VACUUM")
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


@contextmanager
def scratch(url: str, overwrite: bool) -> Iterator[str]:
    """A URL to a new, migrated database made from `url`; removed afterwards."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not parsed.database or parsed.database == ":memory:":
            sys.exit("--db sqlite needs a file: sqlite:///audit-bench.db")
        if path.exists() and not overwrite:
            sys.exit(f"{path} exists; pass --overwrite to replace it")
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        for f in files:
            f.unlink(missing_ok=True)
        try:
            yield url
        finally:
            for f in files:
                f.unlink(missing_ok=True)
        return
    schema = f"audit_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def database_info(engine: Engine) -> tuple[str, int]:
    """(server version, bytes used by the audit entries)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            version = str(conn.execute(text("SHOW server_version")).scalar())
            size = int(conn.execute(text("SELECT pg_total_relation_size('audit_entries')")).scalar() or 0)
            return f"PostgreSQL {version.split()[0]}", size
    path = Path(engine.url.database or "")
    return f"SQLite {sqlite3.sqlite_version}", sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def verify_in_child(url: str, batch_size: int) -> dict[str, Any]:
    """Run verify in a fresh process, so its peak memory is its own."""
    cmd = [sys.executable, __file__, "--verify-only", "--db", url, "--verify-batch", str(batch_size)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return cast(dict[str, Any], json.loads(out.stdout))


def verify_only(url: str, batch_size: int) -> None:
    engine = make_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    result = verify_chain(engine, batch_size=batch_size)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "ok": result.ok,
                "entries": result.entries,
                "checkpoints": result.checkpoints,
                "peak_rss_mb": peak_mb,
            }
        )
    )


def bench_database(url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    factory = session_factory(engine)
    appends = []
    for batch in args.batch_sizes:
        total = args.single_entries if batch == 1 else args.append_entries
        runs: dict[str, list[tuple[float, float]]] = {"floor": [], "chain": []}
        for _ in range(args.repeat):  # interleaved, so a noisy neighbour slows both alike
            for name, write in (("floor", write_floor), ("chain", write_chain)):
                reset(engine)
                runs[name].append(timed_appends(factory, total, batch, write))
        rates = {name: statistics.median(rate for rate, _ in values) for name, values in runs.items()}
        cpu = {f"{name}_cpu_us": statistics.median(us for _, us in values) for name, values in runs.items()}
        appends.append({"batch": batch, "entries": total, **rates, **cpu, "overhead": rates["floor"] / rates["chain"]})
        print(f"  batch {batch:>5}: chain {rates['chain']:>9,.0f}/s  floor {rates['floor']:>9,.0f}/s", file=sys.stderr)
    reset(engine)
    load_rate, _ = timed_appends(factory, args.entries, args.load_batch, write_chain)
    print(f"  loaded {args.entries:,} entries at {load_rate:,.0f}/s; verifying", file=sys.stderr)
    verify = verify_in_child(url, args.verify_batch)
    if not verify["ok"] or verify["entries"] != args.entries:
        sys.exit(f"verify failed on an intact chain: {verify}")
    server, size = database_info(engine)
    engine.dispose()
    return {"database": server, "appends": appends, "load_rate": load_rate, "verify": verify, "bytes": size}


def markdown(results: Sequence[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        "| database | entries per transaction | chain appends/s | plain INSERT floor/s | floor ÷ chain | chain CPU µs/entry | floor CPU µs/entry |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for a in r["appends"]:
            lines.append(
                f"| {r['database']} | {a['batch']:,} | {a['chain']:,.0f} | {a['floor']:,.0f} | {a['overhead']:.2f}×"
                f" | {a['chain_cpu_us']:,.0f} | {a['floor_cpu_us']:,.0f} |"
            )
    lines += [
        "",
        f"| database | chain of | bulk load (batches of {args.load_batch:,}) | verify | verify rate | verify CPU (client) | verify peak RSS | size on disk |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        v = r["verify"]
        lines.append(
            f"| {r['database']} | {v['entries']:,} | {r['load_rate']:,.0f}/s | {v['seconds']:.1f} s | {v['entries'] / v['seconds']:,.0f}/s"
            f" | {v['cpu_seconds']:.1f} s | {v['peak_rss_mb']:.0f} MB | {r['bytes'] / 2**20:,.0f} MiB |"
        )
    return "\n".join(lines)


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--db", action="append", required=True, help="database URL; repeat to compare backends")
    p.add_argument("--entries", type=int, default=1_000_000, help="chain length for the verify benchmark")
    p.add_argument("--append-entries", type=int, default=50_000, help="entries per append run with batches > 1")
    p.add_argument("--single-entries", type=int, default=5_000, help="entries (= transactions) per append run with batch 1")
    p.add_argument("--repeat", type=int, default=3, help="append runs per measurement; the median is reported")
    p.add_argument("--batch-sizes", type=lambda s: [int(x) for x in s.split(",")], default=[1, 100, 1000])
    p.add_argument("--load-batch", type=int, default=10_000, help="entries per transaction when loading the verify chain")
    p.add_argument("--verify-batch", type=int, default=5_000, help="entries per page read by verify")
    p.add_argument("--overwrite", action="store_true", help="replace an existing SQLite file")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--verify-only", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main() -> None:
    args = parse()
    if args.verify_only:
        verify_only(args.db[0], args.verify_batch)
        return
    os.environ.setdefault("PRIVET_AUDIT_SEGMENT_SIZE", str(DEFAULT_SEGMENT_SIZE))
    results = []
    for url in args.db:
        print(f"{make_url(url).get_backend_name()}:", file=sys.stderr)
        with scratch(url, args.overwrite) as scratch_url:
            results.append(bench_database(scratch_url, args))
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; load average at the end {load}"
    print(f"machine: {machine}\n\n{markdown(results, args)}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "args": sys.argv[1:], "results": results}, indent=2))


if __name__ == "__main__":
    main()
