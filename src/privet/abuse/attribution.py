"""Who had this address (and port) at that time? One subscriber, ambiguous, not ours, or ours but unassigned.

The index. Every assignment is a prefix held over an interval. A lookup masks the address to
each prefix length in use and asks, per length, for rows with that exact network whose
interval meets the window `[t - skew, t + skew]`. Interval overlap is not a B-tree question
by itself, so each row carries a `tier` by duration (at most 1, 8, 64, 512 days, or longer or
still open): a row of tier k that overlaps the window must have started within `bound_k`
before it, so each tier is one bounded range scan of the index
`(family, prefix_len, network, tier, start_s)`. The same plan runs on SQLite and PostgreSQL;
the bounds are fixed constants because rows were tiered with them when imported.

Only `ONE` may ever lead to a strike: a shared address without a port, records that overlap,
or an address that changed hands within the skew tolerance are all `AMBIGUOUS`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import text
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


_COLUMNS = "id, start_s, end_s, port_lo, port_hi, account_number, inside_address"


ENOUGH = 32  # rows that settle a question in the common case; a single holder that fills them is re-read in full


@cache
def _statement(lengths: int, with_port: bool, limited: bool) -> Any:
    """One UNION ALL of (prefix length × tier) bounded index probes, built once per shape.

    With a port, port blocks that do not contain it are filtered by the database, so a CGNAT
    address with sixty-four blocks returns one row, not sixty-four.
    """
    port = " AND (port_lo IS NULL OR (port_lo <= :port AND port_hi >= :port))" if with_port else ""
    parts = []
    for i in range(lengths):
        for k, bound in enumerate(TIERS):
            low = f"start_s >= :lo{k} AND " if bound is not None else ""
            parts.append(
                f"SELECT {_COLUMNS} FROM abuse_assignments WHERE family = :family AND prefix_len = :len{i} "
                f"AND network = :net{i} AND tier = {k} AND {low}start_s <= :b AND (end_s IS NULL OR end_s >= :a){port}"
            )
    return text(" UNION ALL ".join(parts) + (f" LIMIT {ENOUGH}" if limited else ""))


def prefix_lengths(session: Session, family: int) -> list[int]:
    rows = session.execute(
        text("SELECT prefix_len FROM abuse_prefix_lengths WHERE family = :f ORDER BY prefix_len DESC"), {"f": family}
    )
    return [int(r[0]) for r in rows]


def _candidates(session: Session, address: IPAddress, a: int, b: int, lengths: list[int], port: int | None) -> list[_Row]:
    if not lengths:
        return []
    params: dict[str, Any] = {"family": address.version, "a": a, "b": b, "port": port}
    for i, length in enumerate(lengths):
        params[f"len{i}"] = length
        params[f"net{i}"] = masked(address, length)
    for k, bound in enumerate(TIERS):
        if bound is not None:
            params[f"lo{k}"] = a - bound
    rows = [_Row(*r) for r in session.execute(_statement(len(lengths), port is not None, True), params)]
    if len(rows) == ENOUGH and len({r.account_number or r.inside_address for r in rows}) == 1:
        rows = [_Row(*r) for r in session.execute(_statement(len(lengths), port is not None, False), params)]
    return rows


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
    looks up many addresses in one transaction; the answer reports the ones it used.
    """
    parsed = parse_address(address)
    used = lengths if lengths is not None else prefix_lengths(session, parsed.version)
    found = _lookup(session, parsed, port, to_epoch(at), int(skew.total_seconds()), 0, used)
    return replace(found, lengths=tuple(used))


def _lookup(
    session: Session, address: IPAddress, port: int | None, t: int, skew: int, depth: int, lengths: list[int]
) -> Attribution:
    a, b = t - skew, t + skew
    rows = _candidates(session, address, a, b, lengths, port)
    if not rows:
        return _unheld(session, address)
    holders: dict[str, list[_Row]] = {}
    for row in rows:
        holder = row.account_number or _inside(session, row, t, skew, depth)
        holders.setdefault(holder, []).append(row)
    ids = tuple(sorted(r.id for r in rows))
    if len(holders) == 1:
        (holder,) = holders
        if holder.startswith("?"):
            return Attribution(Answer.AMBIGUOUS, None, holder[1:], ids)
        return Attribution(Answer.ONE, holder, "one subscriber held the address then", ids, (holder,))
    accounts = tuple(sorted(h for h in holders if not h.startswith("?")))
    return Attribution(Answer.AMBIGUOUS, None, _why(rows, holders, port, t), ids, accounts)


def _inside(session: Session, row: _Row, t: int, skew: int, depth: int) -> str:
    """The holder behind a NAT block that names an inside address instead of an account ("?reason" if unknown)."""
    if row.inside_address is None:
        return f"?assignment record {row.id} names no subscriber"
    if depth > 0:
        return f"?inside address {row.inside_address} is itself translated"
    inside = parse_address(row.inside_address)
    inner = _lookup(session, inside, None, t, skew, depth + 1, prefix_lengths(session, inside.version))
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


def _unheld(session: Session, address: IPAddress) -> Attribution:
    """No one held it then: ours (in a network we hold, or assigned at some other time) or not ours."""
    family = address.version
    for length, network in session.execute(
        text("SELECT prefix_len, network FROM abuse_networks WHERE family = :f"), {"f": family}
    ):
        if masked(address, int(length)) == bytes(network):
            return Attribution(Answer.UNASSIGNED, None, "the address is ours but no subscriber held it then")
    for length in prefix_lengths(session, family):
        hit = session.execute(
            text("SELECT 1 FROM abuse_assignments WHERE family = :f AND prefix_len = :p AND network = :n LIMIT 1"),
            {"f": family, "p": length, "n": masked(address, length)},
        ).first()
        if hit:
            return Attribution(Answer.UNASSIGNED, None, "the address is ours but no subscriber held it then")
    return Attribution(Answer.NOT_OURS, None, "the address is not in any network we hold")
