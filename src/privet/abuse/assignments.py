"""Importing address assignments: DHCP leases, RADIUS accounting, static assignments, CGNAT port blocks.

Rows come from CSV or JSON exports, so extra columns are ignored but every required field is
checked, and each bad row gets its own error (`row 12, end: ...`). An import is all or
nothing unless the caller asks to skip bad rows: a half-imported lease log would attribute
some hours and silently not others. Times must carry a zone (or be epoch seconds) unless the
caller vouches the file is UTC, because a log in local time is the classic way to accuse the
wrong subscriber.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from privet.abuse.addresses import Prefix, parse_address, parse_prefix
from privet.abuse.attribution import tier_for
from privet.abuse.tables import AbuseAssignment, AbuseNetwork, AbusePrefixLength
from privet.abuse.timeparse import parse_time, to_epoch
from privet.store.uow import UnitOfWork
from privet.subjects.identities import IdentityKind, InvalidIdentity, normalize
from privet.subjects.service import RowError, find_person

KINDS = ("dhcp", "radius", "static", "cgnat")
CHUNK = 5000


class BadRow(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    inserted: int = 0
    closed: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def committed(self) -> bool:
        return not self.errors


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a .csv file (header line) or a .json file (a list, or an object with `records`)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.DictReader(handle)
    elif suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        rows = data.get("records") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise ValueError("a JSON assignment file is a list of rows, or an object with a 'records' list")
        yield from rows
    else:
        raise ValueError(f"cannot import '{suffix or path.name}': use a .csv or .json file")


def rows_from_text(body: str, fmt: str) -> list[dict[str, Any]]:
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(body)))
    data = json.loads(body)
    rows = data.get("records") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise ValueError("a JSON assignment body is a list of rows, or an object with a 'records' list")
    return rows


class _Reader:
    """Field access for one row, raising `BadRow` that names the field."""

    def __init__(self, row: dict[str, Any], assume_utc: bool) -> None:
        self.row = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
        self.assume_utc = assume_utc

    def get(self, *names: str) -> str | None:
        for name in names:
            value = self.row.get(name)
            if value is not None and str(value).strip() != "":
                return str(value).strip()
        return None

    def need(self, *names: str) -> str:
        value = self.get(*names)
        if value is None:
            raise BadRow(names[0], "is required")
        return value

    def time(self, *names: str, required: bool = True) -> int | None:
        raw = self.need(*names) if required else self.get(*names)
        if raw is None:
            return None
        found = parse_time(raw)
        if found is None:
            raise BadRow(names[0], f"{raw!r} is not a time")
        if found.assumed_utc and not self.assume_utc:
            raise BadRow(names[0], f"{raw!r} has no time zone; give 'Z' or an offset, or import with --assume-utc")
        return to_epoch(found.at)

    def prefix(self, *names: str) -> Prefix:
        raw = self.need(*names)
        try:
            return parse_prefix(raw)
        except ValueError as exc:
            raise BadRow(names[0], f"{raw!r} is not an address or prefix ({exc})") from None

    def port(self, name: str) -> int:
        raw = self.need(name)
        if not raw.isdigit() or not 0 <= int(raw) <= 65535:
            raise BadRow(name, f"{raw!r} is not a port number (0-65535)")
        return int(raw)


class _Accounts:
    """Account numbers, normalised, and usernames resolved to their one account (cached per import)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.cache: dict[str, str] = {}

    def of(self, reader: _Reader) -> str | None:
        number = reader.get("account", "account_number")
        if number is not None:
            try:
                return normalize(IdentityKind.ACCOUNT_NUMBER, number)
            except InvalidIdentity as exc:
                raise BadRow("account", str(exc)) from None
        username = reader.get("username", "user_name", "user-name")
        if username is None:
            return None
        if username not in self.cache:
            self.cache[username] = self._resolve(username)
        return self.cache[username]

    def _resolve(self, username: str) -> str:
        try:
            person = find_person(self.uow, IdentityKind.USERNAME, username)
        except InvalidIdentity as exc:
            raise BadRow("username", str(exc)) from None
        if person is None:
            raise BadRow("username", f"no subscriber has the username {username!r}")
        numbers = sorted(
            {m.account.number for m in person.roles if m.role == "holder"} or {m.account.number for m in person.roles}
        )
        if len(numbers) != 1:
            raise BadRow("username", f"username {username!r} belongs to {len(numbers)} accounts; give the account instead")
        return numbers[0]


def _record(kind: str, prefix: Prefix, start: int, end: int | None, **extra: Any) -> dict[str, Any]:
    if end is not None and end < start:
        raise BadRow("end", "ends before it starts")
    return {
        "kind": kind,
        "family": prefix.family,
        "prefix_len": prefix.length,
        "network": prefix.network,
        "tier": tier_for(start, end),
        "start_s": start,
        "end_s": end,
        "port_lo": extra.get("port_lo"),
        "port_hi": extra.get("port_hi"),
        "account_number": extra.get("account_number"),
        "inside_address": extra.get("inside_address"),
        "session_id": extra.get("session_id"),
    }


def _holder(accounts: _Accounts, reader: _Reader, *, inside_ok: bool = False) -> dict[str, Any]:
    account = accounts.of(reader)
    inside = reader.get("inside_address", "internal_address", "private_address") if inside_ok else None
    if account is None and inside is None:
        raise BadRow("account", "is required (or username" + (", or inside_address)" if inside_ok else ")"))
    if inside is not None:
        try:
            inside = str(parse_address(inside))
        except ValueError:
            raise BadRow("inside_address", f"{inside!r} is not an address") from None
    return {"account_number": account, "inside_address": inside}


def convert(kind: str, reader: _Reader, accounts: _Accounts) -> list[dict[str, Any]] | tuple[str, str, int]:
    """The records a row makes, or for a RADIUS stop the (session, address key, stop time) it closes."""
    if kind == "dhcp":
        prefix = reader.prefix("address", "ip", "ip_address")
        start = reader.time("start", "starts", "lease_start")
        return [
            _record(
                kind, prefix, start or 0, reader.time("end", "ends", "lease_end", required=False), **_holder(accounts, reader)
            )
        ]
    if kind == "static":
        prefix = reader.prefix("prefix", "address", "network")
        start = reader.time("start", required=False) or 0
        return [_record(kind, prefix, start, reader.time("end", required=False), **_holder(accounts, reader))]
    if kind == "cgnat":
        prefix = reader.prefix("address", "public_address", "outside_address")
        if prefix.length != (32 if prefix.family == 4 else 128):
            raise BadRow("address", "a CGNAT block is on one public address, not a prefix")
        lo, hi = reader.port("port_first"), reader.port("port_last")
        if hi < lo:
            raise BadRow("port_last", "is lower than port_first")
        start = reader.time("start")
        holder = _holder(accounts, reader, inside_ok=True)
        return [_record(kind, prefix, start or 0, reader.time("end", required=False), port_lo=lo, port_hi=hi, **holder)]
    return _radius(reader, accounts)


def _radius(reader: _Reader, accounts: _Accounts) -> list[dict[str, Any]] | tuple[str, str, int]:
    event = reader.need("event", "acct_status_type", "status").lower().replace("-", "_")
    session = reader.need("session_id", "acct_session_id")
    at = reader.time("time", "event_timestamp", "timestamp")
    assert at is not None
    if event in ("interim", "interim_update", "alive"):
        return []
    if event not in ("start", "stop"):
        raise BadRow("event", f"{event!r} is not start, stop or interim-update")
    prefixes = []
    for name in ("address", "framed_ip_address", "framed_ipv6_prefix", "delegated_ipv6_prefix"):
        if reader.get(name):
            prefixes.append(reader.prefix(name))
    if not prefixes:
        raise BadRow("address", "a RADIUS record needs an address or an IPv6 prefix")
    if event == "stop":
        duration = reader.get("session_time", "acct_session_time")
        if duration is None:
            return (session, ",".join(str(p) for p in prefixes), at)
        if not duration.isdigit():
            raise BadRow("session_time", f"{duration!r} is not a number of seconds")
        holder = _holder(accounts, reader)
        return [_record("radius", p, at - int(duration), at, session_id=session, **holder) for p in prefixes]
    holder = _holder(accounts, reader)
    return [_record("radius", p, at, None, session_id=session, **holder) for p in prefixes]


def import_rows(
    uow: UnitOfWork, kind: str, rows: Iterable[Any], *, assume_utc: bool = False, skip_bad: bool = False
) -> ImportReport:
    """Validate and insert; with any bad row and not `skip_bad`, raise `AssignmentsRejected` (the caller rolls back)."""
    if kind not in KINDS:
        raise ValueError(f"'{kind}' is not an assignment kind ({', '.join(KINDS)})")
    report = ImportReport(kind)
    accounts = _Accounts(uow)
    pending: list[dict[str, Any]] = []
    stops: list[tuple[int, str, int]] = []
    shapes: set[tuple[int, int]] = set()
    for index, raw in enumerate(rows, start=1):
        report.rows = index
        if not isinstance(raw, dict):
            report.errors.append(RowError(index, "", "a row must be an object of named fields"))
            continue
        try:
            made = convert(kind, _Reader(raw, assume_utc), accounts)
        except BadRow as exc:
            report.errors.append(RowError(index, exc.field, str(exc)))
            continue
        if isinstance(made, tuple):
            stops.append((index, made[0], made[2]))
            continue
        pending.extend(made)
        shapes.update((r["family"], r["prefix_len"]) for r in made)
        if len(pending) >= CHUNK:
            report.inserted += _flush(uow.session, pending)
    report.inserted += _flush(uow.session, pending)
    _close_sessions(uow.session, stops, report)
    if report.errors and not skip_bad:
        raise AssignmentsRejected(report)
    _remember_shapes(uow.session, shapes)
    uow.record(
        "abuse.assignments_imported",
        None,
        kind=kind,
        rows=report.rows,
        inserted=report.inserted,
        closed=report.closed,
        skipped=len(report.errors),
    )
    return report


def _flush(session: Session, pending: list[dict[str, Any]]) -> int:
    if not pending:
        return 0
    count = len(pending)
    session.execute(insert(AbuseAssignment), pending)
    pending.clear()
    return count


def _close_sessions(session: Session, stops: list[tuple[int, str, int]], report: ImportReport) -> None:
    """Close the open RADIUS records of each stopped session (started in this file or an earlier one)."""
    for index, session_id, at in stops:
        open_rows = session.execute(
            select(AbuseAssignment.id, AbuseAssignment.start_s).where(
                AbuseAssignment.session_id == session_id, AbuseAssignment.end_s.is_(None)
            )
        ).all()
        if not open_rows:
            report.errors.append(
                RowError(index, "session_id", f"stop for session {session_id!r}, which has no open start (give session_time)")
            )
            continue
        for row_id, start_s in open_rows:
            if at < start_s:
                report.errors.append(RowError(index, "time", f"stop at {at} is before its session started"))
                continue
            session.execute(
                text("UPDATE abuse_assignments SET end_s = :e, tier = :t WHERE id = :i"),
                {"e": at, "t": tier_for(start_s, at), "i": row_id},
            )
            report.closed += 1


def _remember_shapes(session: Session, shapes: set[tuple[int, int]]) -> None:
    known = {(f, p) for f, p in session.execute(select(AbusePrefixLength.family, AbusePrefixLength.prefix_len))}
    for family, length in sorted(shapes - known):
        session.add(AbusePrefixLength(family=family, prefix_len=length))
    session.flush()


def add_network(uow: UnitOfWork, cidr: str, description: str = "", *, shared: bool = False) -> AbuseNetwork:
    """Declare address space the provider holds (a CGNAT pool is `shared`)."""
    prefix = parse_prefix(cidr)
    existing = uow.session.scalars(
        select(AbuseNetwork).where(
            AbuseNetwork.family == prefix.family, AbuseNetwork.prefix_len == prefix.length, AbuseNetwork.network == prefix.network
        )
    ).one_or_none()
    if existing is not None:
        return existing
    network = AbuseNetwork(
        family=prefix.family, prefix_len=prefix.length, network=prefix.network, description=description, shared=shared
    )
    uow.session.add(network)
    uow.session.flush()
    uow.record("abuse.network_added", f"network:{prefix}", description=description, shared=shared)
    return network


class AssignmentsRejected(ValueError):
    """An import refused as a whole; `report.errors` names every bad row."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(f"{len(report.errors)} problem(s) in {report.rows} rows; nothing was imported")
