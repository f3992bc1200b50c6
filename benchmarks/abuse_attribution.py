"""Attribution benchmark: lookups over ten million assignment records, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/abuse_attribution.py --records 10000000 --lookups 100000 --db sqlite:///
    .venv/bin/python benchmarks/abuse_attribution.py --records 10000000 --db postgresql+psycopg://postgres@127.0.0.1:5432/test

A scratch database (a new SQLite file, or a new PostgreSQL schema, removed afterwards) is filled
with a year of assignment history in the shape an ISP has: DHCP leases (1 hour to 3 days,
back to back on each address), RADIUS sessions with delegated IPv6 /56 prefixes (1 hour to 30
days), CGNAT port blocks (64 blocks of 1000 ports per public address, 1 hour to 7 days), and
static /29s and /32s that never end. Rows are generated with the importer's own record builder
(so tiers and networks are what an import would store) and bulk-loaded (COPY on PostgreSQL,
executemany on SQLite) with the lookup index built after the load. The importer's own rate is
measured separately on a CSV of --import-rows rows.

Then --lookups random (address, time[, port]) questions go through `privet.abuse.attribution.lookup`
in-process, each timed alone; the report gives p50, p99, p99.9 and max, and the answers' mix.
Beside each lookup a floor is timed: a one-row primary-key probe on the same connection. On a
shared machine the tail is mostly the scheduler, and the floor's percentiles, taken interleaved
in the same run, show how much; the load averages before and after the lookups are printed too.
Prints Markdown rows for BENCHMARKS.md, and JSON with --json FILE.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, make_url, text

from privet.abuse.addresses import parse_prefix
from privet.abuse.assignments import import_rows, read_rows, record
from privet.abuse.attribution import lookup
from privet.abuse.tables import AbuseAssignment
from privet.store.db import make_engine, session_factory
from privet.store.migrate import upgrade
from privet.store.uow import UnitOfWork

YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = 365 * 86_400
T0 = int(YEAR_START.timestamp())
COLUMNS = (
    "kind",
    "family",
    "prefix_len",
    "network",
    "tier",
    "start_s",
    "end_s",
    "port_lo",
    "port_hi",
    "account_number",
    "inside_address",
    "session_id",
)
SHARES = {"dhcp": 0.60, "radius": 0.20, "cgnat": 0.15, "static": 0.05}


def _back_to_back(rng: random.Random, low: int, high: int) -> Iterator[tuple[int, int]]:
    """Consecutive (start, end) intervals over the year, each lasting between low and high seconds, with small gaps."""
    t = T0 - rng.randrange(high)
    while t < T0 + YEAR:
        length = rng.randrange(low, high)
        yield t, t + length
        t += length + rng.choice((0, 0, 0, 30, 600))


def generate(total: int, seed: int) -> Iterator[dict[str, Any]]:
    """Assignment rows, as `assignments._record` builds them, until `total` rows are made."""
    rng = random.Random(seed)
    made = 0
    budgets = {kind: int(total * share) for kind, share in SHARES.items()}
    budgets["dhcp"] += total - sum(budgets.values())
    # DHCP on 10.0.0.0/12 and 100.64.0.0/10-style pools
    address = 0
    while budgets["dhcp"] > 0:
        prefix = parse_prefix(f"10.{address >> 16 & 15}.{address >> 8 & 255}.{address & 255}")
        for start, end in _back_to_back(rng, 3_600, 3 * 86_400):
            if budgets["dhcp"] <= 0:
                break
            yield record("dhcp", prefix, start, end, account_number=f"D{rng.randrange(10**7):07d}")
            budgets["dhcp"] -= 1
            made += 1
        address += 1
    n = 0
    while budgets["radius"] > 0:
        prefix = parse_prefix(f"2001:db8:{n >> 8 & 0xFFFF:x}:{(n & 0xFF) << 8:x}::/56")
        for start, end in _back_to_back(rng, 3_600, 30 * 86_400):
            if budgets["radius"] <= 0:
                break
            yield record(
                "radius",
                prefix,
                start,
                end,
                account_number=f"R{rng.randrange(10**7):07d}",
                session_id=uuid.UUID(int=rng.getrandbits(128)).hex,
            )
            budgets["radius"] -= 1
        n += 1
    public = 0
    while budgets["cgnat"] > 0:
        prefix = parse_prefix(f"100.{64 + (public >> 16 & 63)}.{public >> 8 & 255}.{public & 255}")
        for block in range(64):
            for start, end in _back_to_back(rng, 3_600, 7 * 86_400):
                if budgets["cgnat"] <= 0:
                    break
                lo = 1024 + block * 1000
                yield record(
                    "cgnat", prefix, start, end, port_lo=lo, port_hi=lo + 999, account_number=f"C{rng.randrange(10**7):07d}"
                )
                budgets["cgnat"] -= 1
        public += 1
    s = 0
    while budgets["static"] > 0:
        text_prefix = f"192.0.{s >> 5 & 255}.{(s & 31) * 8}/29" if s % 2 else f"198.{18 + (s >> 16 & 1)}.{s >> 8 & 255}.{s & 255}"
        yield record("static", parse_prefix(text_prefix), T0 - 400 * 86_400, None, account_number=f"S{s:07d}")
        budgets["static"] -= 1
        s += 1


def load(engine: Engine, total: int, seed: int) -> float:
    """Bulk-load `total` rows with the lookup index dropped, then build it; returns seconds."""
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_abuse_assignments_lookup"))
        conn.execute(text("DROP INDEX ix_abuse_assignments_session"))
    rows = generate(total, seed)
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            with cursor.copy(f"COPY abuse_assignments ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in COLUMNS])
            raw.commit()
        finally:
            raw.close()
    else:
        chunk: list[dict[str, Any]] = []
        with engine.begin() as conn:
            for row in rows:
                chunk.append(row)
                if len(chunk) == 50_000:
                    conn.execute(insert(AbuseAssignment), chunk)
                    chunk = []
            if chunk:
                conn.execute(insert(AbuseAssignment), chunk)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE INDEX ix_abuse_assignments_lookup ON abuse_assignments (family, prefix_len, network, tier, start_s, end_s, port_lo, port_hi)"
            )
        )
        conn.execute(
            text("CREATE INDEX ix_abuse_assignments_session ON abuse_assignments (session_id) WHERE session_id IS NOT NULL")
        )
        conn.execute(text("DELETE FROM abuse_prefix_lengths"))
        conn.execute(text("INSERT INTO abuse_prefix_lengths (family, prefix_len) VALUES (4, 32), (4, 29), (6, 56)"))
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def importer_rate(engine: Engine, rows: int, folder: Path) -> float:
    """Rows per second through `privet abuse assignments import`'s code path (CSV parse, validate, insert)."""
    path = folder / "leases.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["address", "start", "end", "account"])
        for i in range(rows):
            start = YEAR_START + timedelta(seconds=i * 37)
            writer.writerow(
                [f"172.16.{i >> 8 & 255}.{i & 255}", start.isoformat(), (start + timedelta(hours=8)).isoformat(), f"IMP{i:07d}"]
            )
    started = time.perf_counter()
    with UnitOfWork(session_factory(engine), "bench") as uow:
        import_rows(uow, "dhcp", read_rows(path))
    return rows / (time.perf_counter() - started)


def questions(count: int, seed: int, total: int) -> list[tuple[str, datetime, int | None]]:
    rng = random.Random(seed + 1)
    dhcp_addresses = max(int(total * SHARES["dhcp"]) // 240, 1)
    asked: list[tuple[str, datetime, int | None]] = []
    for _ in range(count):
        at = YEAR_START + timedelta(seconds=rng.randrange(YEAR))
        roll = rng.random()
        if roll < 0.55:
            a = rng.randrange(dhcp_addresses)
            asked.append((f"10.{a >> 16 & 15}.{a >> 8 & 255}.{a & 255}", at, None))
        elif roll < 0.75:
            n = rng.randrange(max(int(total * SHARES["radius"]) // 60, 1))
            asked.append((f"2001:db8:{n >> 8 & 0xFFFF:x}:{(n & 0xFF) << 8:x}:{rng.randrange(65536):x}::1", at, None))
        elif roll < 0.90:
            p = rng.randrange(max(int(total * SHARES["cgnat"]) // (64 * 110), 1))
            asked.append(
                (f"100.{64 + (p >> 16 & 63)}.{p >> 8 & 255}.{p & 255}", at, rng.choice((None, rng.randrange(1024, 65024))))
            )
        elif roll < 0.95:
            s = rng.randrange(max(int(total * SHARES["static"]), 1))
            asked.append(
                (
                    f"192.0.{s >> 5 & 255}.{(s & 31) * 8 + 3}" if s % 2 else f"198.{18 + (s >> 16 & 1)}.{s >> 8 & 255}.{s & 255}",
                    at,
                    None,
                )
            )
        else:
            asked.append((f"203.0.113.{rng.randrange(256)}", at, None))
    return asked


def measure(engine: Engine, asked: list[tuple[str, datetime, int | None]]) -> dict[str, Any]:
    """Time each lookup alone, and beside it a floor: a one-row primary-key probe on the same connection.

    The floor is the cheapest round trip the database can answer (one index probe, one row, the
    driver's cursor with no SQLAlchemy around it), taken just before each lookup, so both share
    the machine's state at that moment; on a busy machine the floor's tail shows how much of the
    lookup's tail is the scheduler rather than the lookup.
    """
    latencies: list[int] = []
    floors: list[int] = []
    answers: Counter[str] = Counter()
    skew = timedelta(seconds=120)
    with session_factory(engine)() as session:
        highest = int(session.execute(text("SELECT max(id) FROM abuse_assignments")).scalar_one())
        cursor = session.connection().connection.cursor()
        probe = "SELECT id, account_number FROM abuse_assignments WHERE id = " + (
            "%(id)s" if engine.dialect.name == "postgresql" else ":id"
        )
        rng = random.Random(7)
        for address, at, port in asked[:1000]:  # warm the page cache and the statement cache
            lookup(session, address, at, port=port, skew=skew)
            cursor.execute(probe, {"id": rng.randrange(1, highest + 1)})
            cursor.fetchall()
        for address, at, port in asked:
            key = {"id": rng.randrange(1, highest + 1)}
            started = time.perf_counter_ns()
            cursor.execute(probe, key)
            cursor.fetchall()
            floors.append(time.perf_counter_ns() - started)
            started = time.perf_counter_ns()
            found = lookup(session, address, at, port=port, skew=skew)
            latencies.append(time.perf_counter_ns() - started)
            answers[found.answer.value] += 1
        cursor.close()
    result = _percentiles(latencies)
    result.update(answers=dict(answers), floor=_percentiles(floors))
    return result


def _percentiles(samples: list[int]) -> dict[str, Any]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return round(ordered[min(int(len(ordered) * p), len(ordered) - 1)] / 1000, 1)

    return {
        "lookups": len(ordered),
        "p50_us": pct(0.50),
        "p99_us": pct(0.99),
        "p999_us": pct(0.999),
        "max_us": round(ordered[-1] / 1000, 1),
        "mean_us": round(statistics.fmean(ordered) / 1000, 1),
    }


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (what `uptime` shows), or "n/a" where the OS has none."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def scratch(base: str, folder: Path) -> tuple[Engine, Any]:
    if base.startswith("sqlite"):
        engine = make_engine(f"sqlite:///{folder / 'abuse-attribution.db'}")
        return engine, engine.dispose
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}")

    def drop() -> None:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))

    return engine, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--lookups", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite:///")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="abuse-attr-"))
    engine, cleanup = scratch(args.db, folder)
    try:
        upgrade(engine)
        load_seconds = load(engine, args.records, args.seed)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM abuse_assignments")).scalar_one()
        load_before = load_average()
        result = measure(engine, questions(args.lookups, args.seed, args.records))
        load_after = load_average()
        rate = importer_rate(engine, args.import_rows, folder)
        size = (folder / "abuse-attribution.db").stat().st_size if args.db.startswith("sqlite") else None
    finally:
        cleanup()
        shutil.rmtree(folder, ignore_errors=True)
    result.update(
        backend=make_url(args.db).get_backend_name(),
        records=stored,
        load_seconds=round(load_seconds, 1),
        importer_rows_per_second=round(rate),
        database_bytes=size,
        machine=f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        load_average_before=load_before,
        load_average_after=load_after,
    )
    floor = result["floor"]
    print(
        f"| {result['backend']} | {stored:,} | {result['load_seconds']} s | {result['lookups']:,} | {result['p50_us']} µs | "
        f"**{result['p99_us']} µs** | {result['p999_us']} µs | {result['max_us']} µs | {floor['p50_us']} µs | "
        f"{floor['p99_us']} µs | {load_before} → {load_after} | {result['importer_rows_per_second']:,}/s |"
    )
    print(json.dumps(result["answers"]))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
