"""Who had this address (and port) at that time? One subscriber, ambiguous, not ours, or ours but unassigned.

The index. Every assignment is a prefix held over an interval. A lookup masks the address to
each prefix length in use and asks, per length, for rows with that exact network whose
interval meets the window `[t - skew, t + skew]`. Interval overlap is not a B-tree question
by itself, so each row carries a `tier` by duration (at most 1, 8, 64, 512 days, or longer or
still open): a row of tier k that overlaps the window must have started within `bound_k`
before it, so each tier is one bounded range scan of the index
`(family, prefix_len, network, tier, start_s)`. The same plan runs on SQLite and PostgreSQL;
the bounds are fixed constants because rows were tiered with them when imported.

One statement per lookup. On PostgreSQL every statement is a round trip to a server process,
so a lookup is a single statement that carries everything: the probes, a check that the
prefix lengths it masked with are still exactly the ones in use, and, evaluated only when no
record matched, whether the address is ours all the same (held at some other time, or inside
a network we declared). The prefix lengths are remembered per process and database; the
check in the statement makes a stale memory (an import added a length, another process
changed the table) cost one more round trip, never a wrong answer. With a fixed text per
shape, the driver prepares the statement on the server after a few uses, so PostgreSQL plans
it once per connection instead of once per lookup.

Only `ONE` may ever lead to a strike: a shared address without a port, records that overlap,
or an address that changed hands within the skew tolerance are all `AMBIGUOUS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from privet.abuse.addresses import IPAddress, masked, parse_address
from privet.abuse.timeparse import to_epoch

DAY = 86_400
TIERS: tuple[int | None, ...] = (DAY, 8 * DAY, 64 * DAY, 512 * DAY, None)


def tier_for(start_s: int, end_s: int | None) -> int:
    """The tier of a record lasting from `start_s` to `end_s` (an open record is in the last tier)."""
    if end_s is None:
        return len(TIERS) - 1
    span = max(end_s - start_s, 0)
    return next(i for i, bound in enumerate(TIERS) if bound is None or span <= bound)


class Answer(StrEnum):
    ONE = "one_subscriber"
    AMBIGUOUS = "ambiguous"
    NOT_OURS = "not_ours"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class Attribution:
    answer: Answer
    account_number: str | None
    reason: str
    records: tuple[int, ...] = ()
    accounts: tuple[str, ...] = ()
    lengths: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer.value,
            "account_number": self.account_number,
            "reason": self.reason,
            "records": list(self.records),
            "accounts": list(self.accounts),
        }


@dataclass(frozen=True)
class _Row:
    id: int
    start_s: int
    end_s: int | None
    port_lo: int | None
    port_hi: int | None
    account_number: str | None
    inside_address: str | None


_COLUMNS = ("id", "start_s", "end_s", "port_lo", "port_hi", "account_number", "inside_address")

ENOUGH = 32  # rows that settle a question in the common case; a single holder that fills them is re-read in full
ATTEMPTS = 4  # statements a lookup may spend catching up with prefix lengths that changed under it

OURS = "the address is ours but no subscriber held it then"

# Remembered per process: (database, family) -> the assignment prefix lengths, longest first, and
# (database, family) -> the prefix lengths of declared networks. Only a guess each time: the
# statement checks it, and a miss re-reads the table (see the module docstring).
_LENGTHS: dict[tuple[int, int], list[int]] = {}
_NETWORK_LENGTHS: dict[tuple[int, int], list[int]] = {}


@dataclass(frozen=True)
class _Statement:
    """One statement's text in the parameter styles of the drivers it is sent to directly, and as a SQLAlchemy clause."""

    clause: TextClause
    named: str  # sqlite3: `:name`
    pyformat: str  # psycopg: `%(name)s`

    @classmethod
    def of(cls, sql: str) -> _Statement:
        return cls(text(sql), sql, _NAMED.sub(r"%(\1)s", sql))


_NAMED = re.compile(r"(?<![:\w]):(\w+)")
_DRIVERS = {"psycopg": "pyformat", "psycopg2": "pyformat", "pysqlite": "named"}


def _probes(lengths: int, with_port: bool) -> str:
    """One UNION ALL of (prefix length × tier) bounded index probes.

    With a port, port blocks that do not contain it are filtered by the database, so a CGNAT
    address with sixty-four blocks returns one row, not sixty-four.
    """
    port = " AND (port_lo IS NULL OR (port_lo <= :port AND port_hi >= :port))" if with_port else ""
    parts = []
    for i in range(lengths):
        for k, bound in enumerate(TIERS):
            low = f"start_s >= :lo{k} AND " if bound is not None else ""
            parts.append(
                f"SELECT {', '.join(_COLUMNS)} FROM abuse_assignments WHERE family = :family AND prefix_len = :len{i} "
                f"AND network = :net{i} AND tier = {k} AND {low}start_s <= :b AND (end_s IS NULL OR end_s >= :a){port}"
            )
    return " UNION ALL ".join(parts)


def _any_of(conditions: list[str]) -> str:
    return " OR ".join(conditions) if conditions else "1 = 0"


@cache
def _statement(lengths: int, networks: int, with_port: bool, limited: bool) -> _Statement:
    """The whole lookup as one statement, built once per shape (how many lengths, a port or not).

    Columns: `fresh` (1 when `:len0..` are exactly the assignment prefix lengths in use), the
    record columns (NULL on the one row that says no record matched), and `ours`, computed only
    when no record matched: 1 if the address was held at some other time or lies in a declared
    network, 0 if not, -1 if a network has a prefix length outside `:nlen0..` (re-read and ask again).
    """
    in_use = ", ".join(f":len{i}" for i in range(lengths))
    fresh = "(SELECT count(*) FROM abuse_prefix_lengths WHERE family = :family) = :n_lengths"
    if lengths:
        fresh += f" AND NOT EXISTS (SELECT 1 FROM abuse_prefix_lengths WHERE family = :family AND prefix_len NOT IN ({in_use}))"
    ever = _any_of(
        [
            f"EXISTS (SELECT 1 FROM abuse_assignments WHERE family = :family AND prefix_len = :len{i} AND network = :net{i})"
            for i in range(lengths)
        ]
    )
    known = ", ".join(f":nlen{j}" for j in range(networks))
    stale = "EXISTS (SELECT 1 FROM abuse_networks WHERE family = :family" + (
        f" AND prefix_len NOT IN ({known}))" if networks else ")"
    )
    inside = _any_of(
        [
            f"EXISTS (SELECT 1 FROM abuse_networks WHERE family = :family AND prefix_len = :nlen{j} AND network = :nnet{j})"
            for j in range(networks)
        ]
    )
    ours = f"CASE WHEN {ever} THEN 1 WHEN {stale} THEN -1 WHEN {inside} THEN 1 ELSE 0 END"
    head = f"SELECT CASE WHEN {fresh} THEN 1 ELSE 0 END AS fresh"
    if not lengths:
        return _Statement.of(f"{head}, {', '.join(f'NULL AS {c}' for c in _COLUMNS)}, {ours} AS ours")
    limit = f" LIMIT {ENOUGH}" if limited else ""
    return _Statement.of(
        f"{head}, {', '.join(f'r.{c}' for c in _COLUMNS)}, CASE WHEN r.id IS NULL THEN {ours} END AS ours "
        f"FROM (SELECT 1 AS one) AS o LEFT JOIN ({_probes(lengths, with_port)}{limit}) AS r ON 1 = 1"
    )


def _fetch(session: Session, statement: _Statement, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Run `statement` in the session's transaction, straight on the driver's cursor where the driver is known.

    A lookup is one small statement, and SQLAlchemy's per-execution work (parameter processing,
    result metadata for an untyped text clause, row objects) costs more CPU than the database
    spends answering it; the raw cursor of the same connection, in the same transaction, skips
    that. psycopg still prepares the statement on the server once it has been run a few times.
    """
    connection = session.connection()
    style = _DRIVERS.get(connection.dialect.driver)
    if style is None:
        return [tuple(row) for row in session.execute(statement.clause, params)]
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement.pyformat if style == "pyformat" else statement.named, params)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def prefix_lengths(session: Session, family: int) -> list[int]:
    """The assignment prefix lengths in use for `family`, longest first (read from the table, and remembered)."""
    rows = session.execute(
        text("SELECT prefix_len FROM abuse_prefix_lengths WHERE family = :f ORDER BY prefix_len DESC"), {"f": family}
    )
    found = [int(r[0]) for r in rows]
    _LENGTHS[(id(session.get_bind()), family)] = found
    return found


def _network_lengths(session: Session, family: int) -> list[int]:
    rows = session.execute(
        text("SELECT DISTINCT prefix_len FROM abuse_networks WHERE family = :f ORDER BY prefix_len DESC"), {"f": family}
    )
    found = [int(r[0]) for r in rows]
    _NETWORK_LENGTHS[(id(session.get_bind()), family)] = found
    return found


@dataclass(frozen=True)
class _Probed:
    rows: list[_Row]
    ours: bool  # when `rows` is empty: held at another time, or inside a declared network
    lengths: list[int]


def _probe(session: Session, address: IPAddress, a: int, b: int, port: int | None, guess: list[int] | None = None) -> _Probed:
    """Candidate records for the window, in one statement unless a remembered prefix length set turns out stale."""
    family = address.version
    key = (id(session.get_bind()), family)
    # a caller's guess may even be another family's lengths; those that cannot apply are dropped, the check does the rest
    lengths = [n for n in guess if 0 <= n <= address.max_prefixlen] if guess is not None else _LENGTHS.get(key)
    if lengths is None:
        lengths = prefix_lengths(session, family)
    networks = _NETWORK_LENGTHS.get(key)
    if networks is None:
        networks = _network_lengths(session, family)
    for _ in range(ATTEMPTS):
        params = _params(address, a, b, port, lengths, networks)
        limited = _statement(len(lengths), len(networks), port is not None, True)
        result = _fetch(session, limited, params)
        if not result[0][0]:
            lengths = prefix_lengths(session, family)
            continue
        rows = [_Row(*r[1:-1]) for r in result if r[1] is not None]
        if not rows:
            if result[0][-1] == -1:
                networks = _network_lengths(session, family)
                continue
            return _Probed([], bool(result[0][-1]), lengths)
        if len(rows) == ENOUGH and len({r.account_number or r.inside_address for r in rows}) == 1:
            full = _statement(len(lengths), len(networks), port is not None, False)
            rows = [_Row(*r[1:-1]) for r in _fetch(session, full, params) if r[1] is not None]
        return _Probed(rows, True, lengths)
    raise RuntimeError(f"the prefix lengths in use for IPv{family} kept changing during a lookup; ask again")


def _params(address: IPAddress, a: int, b: int, port: int | None, lengths: list[int], networks: list[int]) -> dict[str, Any]:
    params: dict[str, Any] = {"family": address.version, "a": a, "b": b, "port": port, "n_lengths": len(lengths)}
    for i, length in enumerate(lengths):
        params[f"len{i}"] = length
        params[f"net{i}"] = masked(address, length)
    for j, length in enumerate(networks):
        params[f"nlen{j}"] = length
        params[f"nnet{j}"] = masked(address, length)
    for k, bound in enumerate(TIERS):
        if bound is not None:
            params[f"lo{k}"] = a - bound
    return params


def lookup(
    session: Session,
    address: str,
    at: datetime,
    *,
    port: int | None = None,
    skew: timedelta = timedelta(0),
    lengths: list[int] | None = None,
) -> Attribution:
    """Attribute `address` (and `port`, if the complainant gave one) at `at`, allowing `skew` either way.

    `lengths` (the prefix lengths in use for the address family) may be passed by a caller that
    keeps its own; like the per-process memory it is only a guess that the statement checks.
    The answer reports the lengths it used.
    """
    parsed = parse_address(address)
    found, used = _lookup(session, parsed, port, to_epoch(at), int(skew.total_seconds()), 0, lengths)
    return replace(found, lengths=tuple(used))


def _lookup(
    session: Session, address: IPAddress, port: int | None, t: int, skew: int, depth: int, guess: list[int] | None
) -> tuple[Attribution, list[int]]:
    a, b = t - skew, t + skew
    probed = _probe(session, address, a, b, port, guess)
    rows = probed.rows
    if not rows:
        if probed.ours:
            return Attribution(Answer.UNASSIGNED, None, OURS), probed.lengths
        return Attribution(Answer.NOT_OURS, None, "the address is not in any network we hold"), probed.lengths
    holders: dict[str, list[_Row]] = {}
    for row in rows:
        holder = row.account_number or _inside(session, row, t, skew, depth)
        holders.setdefault(holder, []).append(row)
    ids = tuple(sorted(r.id for r in rows))
    if len(holders) == 1:
        (holder,) = holders
        if holder.startswith("?"):
            return Attribution(Answer.AMBIGUOUS, None, holder[1:], ids), probed.lengths
        return Attribution(Answer.ONE, holder, "one subscriber held the address then", ids, (holder,)), probed.lengths
    accounts = tuple(sorted(h for h in holders if not h.startswith("?")))
    return Attribution(Answer.AMBIGUOUS, None, _why(rows, holders, port, t), ids, accounts), probed.lengths


def _inside(session: Session, row: _Row, t: int, skew: int, depth: int) -> str:
    """The holder behind a NAT block that names an inside address instead of an account ("?reason" if unknown)."""
    if row.inside_address is None:
        return f"?assignment record {row.id} names no subscriber"
    if depth > 0:
        return f"?inside address {row.inside_address} is itself translated"
    inner, _ = _lookup(session, parse_address(row.inside_address), None, t, skew, depth + 1, None)
    if inner.answer is Answer.ONE and inner.account_number:
        return inner.account_number
    return f"?inside address {row.inside_address}: {inner.reason}"


def _why(rows: list[_Row], holders: dict[str, list[_Row]], port: int | None, t: int) -> str:
    if port is None and any(r.port_lo is not None for r in rows):
        return f"the address was shared by {len(holders)} or more subscribers (port blocks) and the notice gives no source port"
    at_t = {h for h, rs in holders.items() if any(r.start_s <= t and (r.end_s is None or r.end_s >= t) for r in rs)}
    if len(at_t) <= 1:
        return "the address changed hands within the clock-skew tolerance of the reported time"
    return f"{len(at_t)} overlapping assignment records name different subscribers"
