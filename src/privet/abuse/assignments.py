"""Importing address assignments: DHCP leases, RADIUS accounting, static assignments, CGNAT port blocks.

Rows come from CSV or JSON exports, so extra columns are ignored but every required field is
checked, and each bad row gets its own error (`row 12, end: ...`). An import is all or
nothing unless the caller asks to skip bad rows: a half-imported lease log would attribute
some hours and silently not others. Times must carry a zone (or be epoch seconds) unless the
caller vouches the file is UTC, because a log in local time is the classic way to accuse the
wrong subscriber.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from privet.abuse.addresses import parse_prefix
from privet.abuse.assignment_rows import Accounts, BadRow, Reader, convert, read_rows, record
from privet.abuse.attribution import tier_for
from privet.abuse.tables import AbuseAssignment, AbuseNetwork, AbusePrefixLength
from privet.store.uow import UnitOfWork
from privet.subjects.service import RowError

__all__ = ["KINDS", "AssignmentsRejected", "ImportReport", "add_network", "import_rows", "read_rows", "record"]

KINDS = ("dhcp", "radius", "static", "cgnat")
CHUNK = 5000


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


def import_rows(
    uow: UnitOfWork, kind: str, rows: Iterable[Any], *, assume_utc: bool = False, skip_bad: bool = False
) -> ImportReport:
    """Validate and insert; with any bad row and not `skip_bad`, raise `AssignmentsRejected` (the caller rolls back)."""
    if kind not in KINDS:
        raise ValueError(f"'{kind}' is not an assignment kind ({', '.join(KINDS)})")
    report = ImportReport(kind)
    accounts = Accounts(uow)
    pending: list[dict[str, Any]] = []
    stops: list[tuple[int, str, int]] = []
    shapes: set[tuple[int, int]] = set()
    for index, raw in enumerate(rows, start=1):
        report.rows = index
        if not isinstance(raw, dict):
            report.errors.append(RowError(index, "", "a row must be an object of named fields"))
            continue
        try:
            made = convert(kind, Reader(raw, assume_utc), accounts)
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
