"""What a deletion must keep, and why: legal retention periods and legal holds.

A deletion erases everything it may and keeps, row by row, what a law or a hold keeps:
toll billing records for 18 months (47 CFR 42.6), CPNI approval records for a year, request
records for 24 months, anything under a preservation or litigation hold. Each kept item
carries the basis and citation the person is told (CCPA 1798.105(d), RET-01, RET-02).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from privet.legal.tables import Hold
from privet.policy.taxonomy import is_within
from privet.requests.datasets.model import LegalBasisId, Table


@dataclass(frozen=True)
class LegalBasis:
    id: str
    cite: str
    reason: str
    months: int | None


_B = LegalBasisId
BASES: dict[LegalBasisId, LegalBasis] = {
    _B.TOLL_RECORDS: LegalBasis(
        "toll_records", "47 CFR 42.6; Cal. Civ. Code 1798.105(d)(8)", "toll call billing records are kept for 18 months", 18
    ),
    _B.CPNI_APPROVAL: LegalBasis(
        "cpni_approval", "47 CFR 64.2007(a)(3)", "records of CPNI approvals are kept for at least one year", 12
    ),
    _B.CPNI_NOTICE: LegalBasis(
        "cpni_notice", "47 CFR 64.2008(a)(2)", "records of CPNI notices are kept for at least one year", 12
    ),
    _B.BREACH_RECORDS: LegalBasis("breach_records", "47 CFR 64.2011(d)", "records of CPNI breaches are kept for two years", 24),
    _B.REQUEST_RECORDS: LegalBasis(
        "request_records", "11 CCR 7101", "records of privacy requests and responses are kept for 24 months", 24
    ),
    _B.DNC_LIST: LegalBasis("dnc_list", "47 CFR 64.1200(d)(6)", "do-not-call requests are honoured for five years", 60),
    _B.FCRA_OPT_OUT: LegalBasis("fcra_opt_out", "15 U.S.C. 1681s-3(a)(3)", "affiliate-marketing opt-outs last five years", 60),
    _B.CSAM_REPORT: LegalBasis("csam_report", "18 U.S.C. 2258A(h)", "reported material is preserved for one year", 12),
    _B.SERVICE: LegalBasis(
        "service", "Cal. Civ. Code 1798.105(d)(1)", "needed to provide the service the person still subscribes to", None
    ),
}

HOLD_CITES = {
    "preservation_2703f": "18 U.S.C. 2703(f)",
    "csam_2258a": "18 U.S.C. 2258A(h)",
    "cable_551e": "47 U.S.C. 551(e)",
    "litigation": "litigation hold",
}


@dataclass(frozen=True)
class Kept:
    """One reason part of a row is kept; `columns` None means the whole row."""

    basis: str
    cite: str
    reason: str
    columns: frozenset[str] | None
    until: date | None


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def as_datetime(value: Any) -> datetime | None:
    """A provider's timestamp, whatever type its driver returns; naive values are taken as UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


class KeepRules:
    """Decides, for each row of one table, what a deletion must keep."""

    def __init__(
        self, dataset: str, table_name: str, table: Table, holds: Iterable[Hold], *, active_account: bool, now: datetime
    ) -> None:
        self.table = table
        self.now = now
        self.active_account = active_account
        self.static: list[Kept] = [k for hold in holds if (k := self._hold(hold, dataset, table_name)) is not None]

    def _hold(self, hold: Hold, dataset: str, table_name: str) -> Kept | None:
        cite = HOLD_CITES.get(hold.kind, "legal hold")
        reason = f"under legal hold #{hold.id}: {hold.reason}"
        if not hold.scope or f"{dataset}.{table_name}" in hold.scope or table_name in hold.scope:
            return Kept(f"hold:{hold.id}", cite, reason, None, hold.ends_at.date() if hold.ends_at else None)
        held = frozenset(
            name
            for name, col in self.table.columns.items()
            if col.category and any(is_within(col.category, scope) for scope in hold.scope)
        )
        return Kept(f"hold:{hold.id}", cite, reason, held, hold.ends_at.date() if hold.ends_at else None) if held else None

    def kept(self, row: dict[str, Any]) -> list[Kept]:
        out = list(self.static)
        for rule in self.table.retain:
            basis = BASES[rule.basis]
            columns = frozenset(rule.columns) or None
            if rule.basis is LegalBasisId.SERVICE:
                if self.active_account:
                    out.append(Kept(basis.id, basis.cite, basis.reason, columns, None))
                continue
            assert basis.months is not None and rule.since is not None
            start = as_datetime(row.get(rule.since))
            if start is None:
                out.append(Kept(basis.id, basis.cite, basis.reason + " (its start date is unknown)", columns, None))
                continue
            until = add_months(start.date(), basis.months)
            if until > self.now.date():
                out.append(Kept(basis.id, basis.cite, basis.reason, columns, until))
        return out


def kept_columns(kept: Iterable[Kept], all_columns: Iterable[str]) -> frozenset[str]:
    names = frozenset(all_columns)
    out: set[str] = set()
    for k in kept:
        out |= names if k.columns is None else k.columns
    return frozenset(out)
