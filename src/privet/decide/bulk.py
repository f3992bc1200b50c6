"""Audiences: for a campaign, how many people may be reached, how many are denied and why, and who is eligible.

An audience applies the same decision as `POST /v1/decisions` to everyone at once, without a
loop over people in Python:
1. `Signature` finds the few facts the campaign can depend on and packs each person's classes
   of them into one integer, as a SQL expression (`bulk_sql`);
2. the database groups the population by that integer (one pass);
3. the policy decides the distinct integers, each decision answering for every signature that
   agrees on what it read (`bulk_verdicts`): hundreds of decisions for millions of people;
4. the database returns the ids of the allowed signatures (a second pass, or a scan of the
   keys kept from the first when the backend can keep them).
Two backends run the same SQL: the store itself through SQLAlchemy (SQLite or PostgreSQL, for
the live API and CLI; `PopulationTableBackend` for a population table in such a database) and
DuckDB over a population table (`bulk_population`: an export of the store, or a synthetic
population), the fast path for very large audiences.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Select, select
from sqlalchemy.dialects.postgresql.base import PGDialect

from privet.decide.bulk_population import choice_column, population_facts, population_table
from privet.decide.bulk_signature import Signature, Verdict, tally
from privet.decide.bulk_sql import FactColumns, counts_query, ids_query, keyed
from privet.decide.bulk_store import store_facts
from privet.decide.bulk_verdicts import verdicts_by_reads
from privet.decide.decider import Decider
from privet.decide.engine import Request
from privet.store.uow import UnitOfWork

ID_BATCH = 50_000


class Backend(Protocol):
    """Where the population lives: it supplies the facts as SQL and runs the two passes."""

    def facts(self, sig: Signature) -> FactColumns: ...

    def count(self, sig: Signature, cols: FactColumns, keep_keys: bool) -> dict[int, int]: ...

    def id_batches(self, audience: Audience) -> Iterator[list[int]]: ...

    def pairs(self, query: Select[Any]) -> list[tuple[int, int]]: ...


@dataclass
class Audience:
    """A counted audience: people per signature, each signature's verdict, and the totals."""

    sig: Signature
    cols: FactColumns
    counts: dict[int, int]
    verdicts: dict[int, Verdict]
    decisions: int  # how many decisions the policy made to find every signature's verdict
    total: int = field(init=False)
    eligible: int = field(init=False)
    denied_by_reason: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.total, self.eligible, self.denied_by_reason = tally(self.counts, self.verdicts)

    @property
    def allowed_keys(self) -> list[int]:
        return sorted(k for k, v in self.verdicts.items() if v.allowed)

    @property
    def denied_keys(self) -> list[int]:
        return sorted(k for k, v in self.verdicts.items() if not v.allowed)

    @property
    def policy_version(self) -> str:
        return self.sig.decider.current.version

    def summary(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "eligible": self.eligible,
            "denied": self.total - self.eligible,
            "denied_by_reason": self.denied_by_reason,
            "policy_version": self.policy_version,
            "signatures": len(self.counts),
            "decisions": self.decisions,
            "at": self.sig.at.isoformat(),
        }


def count_audience(backend: Backend, decider: Decider, request: Request, at: datetime, *, keep_keys: bool = False) -> Audience:
    """Group the population by signature in the backend and decide the signatures.

    `keep_keys` asks the backend to keep each person's signature for the ids that will follow
    (DuckDB keeps them in a temporary table; the others ignore it and compute them again).
    """
    sig = Signature(decider, request, at)
    cols = backend.facts(sig)
    counts = backend.count(sig, cols, keep_keys)
    verdicts, decisions = verdicts_by_reads(sig, counts)
    return Audience(sig, cols, counts, verdicts, decisions)


def compute_audience(
    engine: Engine, decider: Decider, request: Request, at: datetime, *, with_ids: bool = False
) -> tuple[dict[str, Any], array[int]]:
    """Counts (and the eligible ids) of an audience over the store, from one consistent read of it."""
    ids: array[int] = array("q")
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            backend = StoreBackend(conn)
            audience = count_audience(backend, decider, request, at)
            if with_ids:
                for batch in eligible_ids(backend, audience):
                    ids.extend(batch)
    return audience.summary(), ids


def record_audience(uow: UnitOfWork, request: Request, at: datetime, summary: dict[str, Any], **extra: Any) -> None:
    """Audit a computed audience the same way from the API and the command line: the use, the moment, the counts."""
    uow.record(
        "audience.computed",
        None,
        categories=list(request.categories),
        purpose=request.purpose,
        recipient=request.recipient,
        channel=request.channel,
        at=at.isoformat(),
        total=summary["total"],
        eligible=summary["eligible"],
        denied_by_reason=summary["denied_by_reason"],
        policy_version=summary["policy_version"],
        **extra,
    )


def eligible_ids(backend: Backend, audience: Audience) -> Iterator[list[int]]:
    """The eligible people's ids, in batches (ascending from the store, in table order from DuckDB)."""
    if audience.eligible == 0:
        return iter(())
    return backend.id_batches(audience)


def assignments(backend: Backend, audience: Audience) -> Iterator[tuple[int, Verdict]]:
    """Each person with their verdict. For checking bulk against single decisions; it returns every row."""
    inner = keyed(audience.sig, audience.cols)
    for person_id, key in backend.pairs(select(inner.c.person_id, inner.c.k).order_by(inner.c.person_id)):
        yield person_id, audience.verdicts[key]


def _eligible_query(audience: Audience, *, ordered: bool = True) -> Select[Any]:
    return ids_query(audience.sig, audience.cols, audience.allowed_keys, audience.denied_keys, ordered=ordered)


# --- the store (SQLite or PostgreSQL) through SQLAlchemy ---


class StoreBackend:
    """The live store. Run counts and ids on one connection in one transaction so they agree."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def facts(self, sig: Signature) -> FactColumns:
        return store_facts(sig)

    def count(self, sig: Signature, cols: FactColumns, keep_keys: bool) -> dict[int, int]:
        return dict(self.pairs(counts_query(sig, cols)))

    def pairs(self, query: Select[Any]) -> list[tuple[int, int]]:
        return [(int(a), int(b)) for a, b in self.conn.execute(query)]

    def id_batches(self, audience: Audience) -> Iterator[list[int]]:
        result = self.conn.execution_options(stream_results=True, yield_per=ID_BATCH).execute(_eligible_query(audience))
        for part in result.partitions():
            yield [int(row[0]) for row in part]


class PopulationTableBackend(StoreBackend):
    """A population table (`bulk_population`) in a SQL database reached through SQLAlchemy (e.g. PostgreSQL)."""

    def __init__(self, conn: Connection, table: str, choice_ids: Iterable[str]):
        super().__init__(conn)
        self.table = population_table(table, choice_ids)

    def facts(self, sig: Signature) -> FactColumns:
        return population_facts(self.table, sig.at)


# --- DuckDB over a population table ---

DUCK_DIALECT = PGDialect(paramstyle="qmark")  # type: ignore[no-untyped-call]  # SQLAlchemy leaves __init__ untyped
KEPT = "_privet_audience_keys"


def duck_sql(query: Select[Any]) -> str:
    """SQL text for DuckDB: PostgreSQL syntax with every value written inline."""
    return str(query.compile(dialect=DUCK_DIALECT, compile_kwargs={"literal_binds": True}))


class DuckBackend:
    """A population table (or view) in a DuckDB connection (see `bulk_duck.load_population`)."""

    def __init__(self, con: Any, table: str = "population"):
        self.con = con
        self.table = table
        self._kept: int | None = None  # id() of the signature whose keys the temporary table holds
        con.execute("SET enable_progress_bar = false")
        columns = [row[0] for row in con.execute(f'DESCRIBE "{table}"').fetchall()]
        prefix = choice_column("")
        self.choice_ids = tuple(c.removeprefix(prefix) for c in columns if c.startswith(prefix))

    def facts(self, sig: Signature) -> FactColumns:
        return population_facts(population_table(self.table, self.choice_ids), sig.at)

    def count(self, sig: Signature, cols: FactColumns, keep_keys: bool) -> dict[int, int]:
        if not keep_keys:
            return dict(self.pairs(counts_query(sig, cols)))
        inner = keyed(sig, cols)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {KEPT} AS " + duck_sql(select(inner.c.person_id, inner.c.k)))
        self._kept = id(sig)
        return dict(self.pairs_sql(f"SELECT k, count(*) FROM {KEPT} GROUP BY k"))

    def pairs(self, query: Select[Any]) -> list[tuple[int, int]]:
        return self.pairs_sql(duck_sql(query))

    def pairs_sql(self, sql: str) -> list[tuple[int, int]]:
        result = self.con.execute(sql).fetchnumpy()
        first, second = (result[k] for k in list(result)[:2])
        return list(zip(first.tolist(), second.tolist(), strict=True))

    def id_batches(self, audience: Audience) -> Iterator[list[int]]:
        yield from (batch.tolist() for batch in self.id_arrays(audience))

    def id_arrays(self, audience: Audience) -> Iterator[Any]:
        """The eligible ids as one NumPy array, in table order, without making a Python int per person."""
        if audience.eligible == 0:
            return
        if self._kept == id(audience.sig):
            allowed, denied = audience.allowed_keys, audience.denied_keys
            where = f"k IN ({', '.join(map(str, allowed))})" if len(allowed) <= len(denied) else (
                f"k NOT IN ({', '.join(map(str, denied))})" if denied else "true"
            )  # fmt: skip
            yield self.con.execute(f"SELECT person_id FROM {KEPT} WHERE {where}").fetchnumpy()["person_id"]
        else:
            yield self.con.execute(duck_sql(_eligible_query(audience, ordered=False))).fetchnumpy()["person_id"]
