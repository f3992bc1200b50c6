"""Audiences over millions of synthetic subscribers: DuckDB (the fast path) and PostgreSQL, each against its floor.

The floor is a bare one-column filter over the same table in the same run (`WHERE NOT gpc`),
returning what an audience returns (a count, and the ids); nothing that reads the data can be
cheaper, so the ratio says what deciding costs on top of reading.

    .venv/bin/python benchmarks/audience_bench.py --rows 10000000
    .venv/bin/python benchmarks/audience_bench.py --rows 10000000 --pg postgresql+psycopg://postgres@127.0.0.1:5432/test --pg-rows 1000000

Prints one JSON object per measurement and a summary table (times in seconds, median of
`--repeat` runs after one warm-up run).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from sqlalchemy import create_engine, text

from privet.decide.bulk import DuckBackend, PopulationTableBackend, count_audience, eligible_ids
from privet.decide.bulk_duck import load_population
from privet.decide.bulk_population import choice_column
from privet.decide.bulk_synth import synthetic_population
from privet.decide.decider import Decider
from privet.decide.engine import Request
from privet.policy.load import load_pack_or_raise

ROOT = Path(__file__).resolve().parents[1]
AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
CAMPAIGNS = {
    "cpni-marketing-to-affiliates": Request(("user.telecom.cpni.usage",), "marketing.cpni.communications_related", "mettel-affiliates"),
    "ads-to-ad-networks": Request(("user.device.cookie_id", "user.behavior.browsing_history"), "marketing.advertising.third_party.targeted", "ad-networks"),
    "deidentified-sale": Request(("user.behavior.browsing_history",), "third_party_sharing.sale", "mettel-affiliates"),
    "telemarketing-calls": Request(("user.name", "user.contact.phone_number"), "marketing.communications.phone", "mettel", "phone"),
}  # fmt: skip
PG_TYPES = {pl.Int64: "BIGINT", pl.String: "TEXT", pl.Date: "DATE", pl.Boolean: "BOOLEAN", pl.Datetime("us"): "TIMESTAMP"}


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(median, min) seconds over `repeat` runs after a warm-up, and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), result


def emit(**row: Any) -> dict[str, Any]:
    print(json.dumps(row), flush=True)
    return row


def duck_runs(frame: pl.DataFrame, decider: Decider, repeat: int) -> list[dict[str, Any]]:
    con = duckdb.connect()
    start = time.perf_counter()
    load_population(con, frame)
    emit(engine="duckdb", step="load", rows=frame.height, seconds=round(time.perf_counter() - start, 3))
    threads = con.execute("SELECT current_setting('threads')").fetchone()
    backend = DuckBackend(con)
    out = []
    floor_count, _, _ = timed(lambda: con.execute("SELECT count(*) FROM population WHERE NOT gpc").fetchone(), repeat)
    floor_ids, _, ids = timed(
        lambda: con.execute("SELECT person_id FROM population WHERE NOT gpc").fetchnumpy()["person_id"], repeat
    )
    out.append(
        emit(
            engine="duckdb",
            campaign="floor: WHERE NOT gpc",
            count_s=round(floor_count, 3),
            count_and_ids_s=round(floor_ids, 3),
            ids=len(ids),
        )
    )
    for name, request in CAMPAIGNS.items():
        count_s, count_min, audience = timed(lambda r=request: count_audience(backend, decider, r, AT), repeat)

        def both(r: Request = request) -> tuple[Any, int]:
            a = count_audience(backend, decider, r, AT, keep_keys=True)
            found = sum(len(x) for x in backend.id_arrays(a))
            return a, found

        both_s, both_min, (audience, found) = timed(both, repeat)
        assert found == audience.eligible
        out.append(
            emit(
                engine="duckdb", threads=threads[0] if threads else None, campaign=name, rows=audience.total,
                eligible=audience.eligible, signatures=len(audience.counts), decisions=audience.decisions,
                count_s=round(count_s, 3), count_min_s=round(count_min, 3), count_and_ids_s=round(both_s, 3),
                count_and_ids_min_s=round(both_min, 3), ratio_count=round(count_s / floor_count, 1),
                ratio_count_and_ids=round(both_s / floor_ids, 1),
            )
        )  # fmt: skip
    return out


def pg_runs(url: str, frame: pl.DataFrame, decider: Decider, repeat: int) -> list[dict[str, Any]]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    out = []
    try:
        start = time.perf_counter()
        columns = ", ".join(f'"{n}" {PG_TYPES[t]}' for n, t in frame.schema.items())
        with engine.begin() as conn:
            conn.execute(text(f"CREATE TABLE population ({columns})"))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "population.csv"
            frame.write_csv(path, datetime_format="%Y-%m-%d %H:%M:%S%.f", null_value="")
            raw = engine.raw_connection()
            try:
                with (
                    raw.cursor() as cur,
                    path.open("rb") as f,
                    cur.copy("COPY population FROM STDIN (FORMAT csv, HEADER true)") as copy,
                ):
                    while chunk := f.read(1 << 22):
                        copy.write(chunk)
                raw.commit()
            finally:
                raw.close()
        with engine.begin() as conn:
            conn.execute(text("ANALYZE population"))
        emit(engine="postgresql", step="load (COPY + ANALYZE)", rows=frame.height, seconds=round(time.perf_counter() - start, 1))
        choice_ids = [n.removeprefix(choice_column("")) for n in frame.columns if n.startswith(choice_column(""))]
        with engine.connect() as conn:
            backend = PopulationTableBackend(conn, "population", choice_ids)
            floor_count, _, _ = timed(
                lambda: conn.execute(text("SELECT count(*) FROM population WHERE NOT gpc")).scalar(), repeat
            )

            def floor_ids() -> int:
                result = conn.execution_options(stream_results=True, yield_per=50_000).execute(
                    text("SELECT person_id FROM population WHERE NOT gpc")
                )
                return sum(len(part) for part in result.partitions())

            floor_ids_s, _, n = timed(floor_ids, repeat)
            out.append(
                emit(
                    engine="postgresql",
                    campaign="floor: WHERE NOT gpc",
                    count_s=round(floor_count, 3),
                    count_and_ids_s=round(floor_ids_s, 3),
                    ids=n,
                )
            )
            for name, request in CAMPAIGNS.items():
                count_s, _, audience = timed(lambda r=request: count_audience(backend, decider, r, AT), repeat)

                def both(r: Request = request) -> tuple[Any, int]:
                    a = count_audience(backend, decider, r, AT)
                    return a, sum(len(b) for b in eligible_ids(backend, a))

                both_s, _, (audience, found) = timed(both, repeat)
                assert found == audience.eligible
                out.append(
                    emit(
                        engine="postgresql", campaign=name, rows=audience.total, eligible=audience.eligible,
                        signatures=len(audience.counts), decisions=audience.decisions, count_s=round(count_s, 3),
                        count_and_ids_s=round(both_s, 3), ratio_count=round(count_s / floor_count, 1),
                        ratio_count_and_ids=round(both_s / floor_ids_s, 1),
                    )
                )  # fmt: skip
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", help="PostgreSQL URL; the population is loaded into a scratch schema and dropped afterwards")
    parser.add_argument("--pg-rows", type=int, help="load only the first N rows into PostgreSQL (default: all)")
    parser.add_argument("--skip-duckdb", action="store_true")
    args = parser.parse_args()
    pack = load_pack_or_raise(ROOT / "policies" / "001-mettel")
    decider = Decider(pack)
    start = time.perf_counter()
    frame = synthetic_population(
        args.rows, seed=args.seed, choices=list(decider.current.choices.values()), now=AT, current_version=pack.pack.version
    )
    emit(step="generate", rows=args.rows, seconds=round(time.perf_counter() - start, 2), columns=frame.width)
    if not args.skip_duckdb:
        duck_runs(frame, decider, args.repeat)
    if args.pg:
        pg_frame = frame.head(args.pg_rows) if args.pg_rows else frame
        del frame
        pg_runs(args.pg, pg_frame, decider, args.repeat)


if __name__ == "__main__":
    main()
