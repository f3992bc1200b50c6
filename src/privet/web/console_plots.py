"""The console's plots page (/console/plots): weekly volumes and rates, aggregated in the database.

Every figure is counted by a GROUP BY in SQL, so the page costs the same on a table of ten rows
or ten million: Python only sees one row per (week, kind), never one per notice or request.
Week buckets start on Monday in UTC and are computed per dialect (SQLite's `date(x, 'weekday 0',
'-6 days')`, PostgreSQL's `date_trunc('week', x AT TIME ZONE 'UTC')`), both returned as
'YYYY-MM-DD' text so the rest of the code does not care which database answered. Constants go
into the SQL as literals, not bind parameters, so PostgreSQL sees the SELECT and GROUP BY
expressions as the same expression.

Median and 90th-percentile time to close are read off a histogram the database builds (requests
counted per week, kind and whole days to close), so percentiles need no per-dialect function and
no rows in Python. Each chart is shown only to a role that may read its source through the API.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import Date, Integer, cast, func, literal_column, or_, select
from sqlalchemy.sql.elements import ColumnElement

from privet.access.permissions import Permission
from privet.api.deps import RuntimeDep
from privet.store.uow import UnitOfWork
from privet.web import charts
from privet.web.common import page
from privet.web.staff import ConsoleCookie, Staff, context, signed_in, signin_redirect

router = APIRouter(prefix="/console", tags=["console pages"], include_in_schema=False)

PLOT_PERMISSIONS = (Permission.ABUSE_READ, Permission.REQUESTS_READ, Permission.CONSENT_READ)
DEFAULT_WEEKS = 12


def may_see_plots(staff: Staff) -> bool:
    """Whether any chart on the page is for this role (the nav link and the page itself ask this)."""
    return any(staff.may(p) for p in PLOT_PERMISSIONS)


# --- SQL building blocks, per dialect ---


def week_start(dialect: str, column: Any) -> ColumnElement[Any]:
    """The Monday (UTC) starting the week of `column`, as 'YYYY-MM-DD' text."""
    if dialect == "sqlite":
        # SQLite keeps UTC as naive text; 'weekday 0' moves to the coming Sunday (or stays), -6 days is its Monday.
        return func.date(column, literal_column("'weekday 0'"), literal_column("'-6 days'"))
    if dialect == "postgresql":
        utc = func.timezone(literal_column("'UTC'"), column)
        return func.to_char(func.date_trunc(literal_column("'week'"), utc), literal_column("'YYYY-MM-DD'"))
    raise NotImplementedError(f"weekly plots support SQLite and PostgreSQL, not {dialect}")


def days_between(dialect: str, start: Any, end: Any) -> ColumnElement[Any]:
    """Whole calendar days (UTC) from `start` to `end`: 0 for a request closed the day it came in."""
    if dialect == "sqlite":
        return cast(func.julianday(func.date(end)) - func.julianday(func.date(start)), Integer)
    if dialect == "postgresql":
        return cast(func.timezone(literal_column("'UTC'"), end), Date) - cast(func.timezone(literal_column("'UTC'"), start), Date)
    raise NotImplementedError(f"weekly plots support SQLite and PostgreSQL, not {dialect}")


def weeks_ending(today: date, count: int) -> list[str]:
    """The Mondays of the last `count` weeks, oldest first, the current week last."""
    monday = today - timedelta(days=today.weekday())
    return [(monday - timedelta(weeks=count - 1 - i)).isoformat() for i in range(count)]


def percentile(histogram: Mapping[int, int], q: float) -> float | None:
    """The nearest-rank q-quantile (0 < q ≤ 1) of values given as value → count; None when there are none."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return float(value)
    return float(max(histogram))


# --- the figures ---


@dataclass
class Figure:
    """One chart and the table beneath it: the SVG plus the same numbers as rows."""

    key: str
    heading: str
    svg: Markup
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""
    extra: list[tuple[str, list[str], list[list[Any]]]] = field(default_factory=list)


def _by_week_and_kind(rows: list[Any], weeks: list[str]) -> tuple[list[str], dict[str, dict[str, int]]]:
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for week, kind, n in rows:
        counts[kind or "unclassified"][str(week)] = int(n)
    kinds = sorted(counts, key=lambda k: (-sum(counts[k].values()), k))
    return kinds, counts


def _weekly_figure(key: str, heading: str, what: str, rows: list[Any], weeks: list[str]) -> Figure:
    kinds, counts = _by_week_and_kind(rows, weeks)
    series = [charts.Series(k, tuple(float(counts[k].get(w, 0)) for w in weeks)) for k in kinds]
    total = sum(sum(c.values()) for c in counts.values())
    desc = f"{what} per week from {weeks[0]} to {weeks[-1]}, stacked by kind; {total} in all."
    svg = charts.stacked_bars(key, heading, desc, weeks, series)
    table = [[w, *(counts[k].get(w, 0) for k in kinds), sum(counts[k].get(w, 0) for k in kinds)] for w in weeks]
    return Figure(key, heading, Markup(svg), ["Week of", *kinds, "Total"], table)


def abuse_notices(uow: UnitOfWork, weeks: list[str]) -> Figure:
    from privet.abuse.tables import AbuseNotice

    dialect = uow.session.get_bind().dialect.name
    week = week_start(dialect, AbuseNotice.received_at)
    start = datetime.fromisoformat(weeks[0]).replace(tzinfo=UTC)
    rows = uow.session.execute(
        select(week, AbuseNotice.kind, func.count()).where(AbuseNotice.received_at >= start).group_by(week, AbuseNotice.kind)
    ).all()
    return _weekly_figure("abuse-notices", "Abuse notices per week, by kind", "Abuse notices received", list(rows), weeks)


def request_volumes(uow: UnitOfWork, weeks: list[str]) -> Figure:
    from privet.requests.tables import DataRequest

    dialect = uow.session.get_bind().dialect.name
    week = week_start(dialect, DataRequest.received_at)
    start = datetime.fromisoformat(weeks[0]).replace(tzinfo=UTC)
    rows = uow.session.execute(
        select(week, DataRequest.kind, func.count()).where(DataRequest.received_at >= start).group_by(week, DataRequest.kind)
    ).all()
    return _weekly_figure(
        "request-volumes", "Data-subject requests per week, by kind", "Data-subject requests received", list(rows), weeks
    )


def time_to_close(uow: UnitOfWork, weeks: list[str]) -> Figure:
    """Median and 90th-percentile days from receipt to answer, by the week a request was closed, and by kind."""
    from privet.requests.tables import DataRequest

    dialect = uow.session.get_bind().dialect.name
    week = week_start(dialect, DataRequest.responded_at)
    days = days_between(dialect, DataRequest.received_at, DataRequest.responded_at)
    start = datetime.fromisoformat(weeks[0]).replace(tzinfo=UTC)
    rows = uow.session.execute(
        select(week, DataRequest.kind, days, func.count())
        .where(DataRequest.responded_at.is_not(None), DataRequest.responded_at >= start)
        .group_by(week, DataRequest.kind, days)
    ).all()
    per_week: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    per_kind: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for wk, kind, d, n in rows:
        per_week[str(wk)][int(d)] += int(n)
        per_kind[str(kind)][int(d)] += int(n)
    medians = tuple(percentile(per_week[w], 0.5) if w in per_week else None for w in weeks)
    p90s = tuple(percentile(per_week[w], 0.9) if w in per_week else None for w in weeks)
    closed = sum(sum(h.values()) for h in per_week.values())
    heading = "Days to close a request: median and 90th percentile, by week closed"
    desc = f"Whole days from receipt to answer for {closed} requests closed from {weeks[0]} to {weeks[-1]}."
    svg = charts.lines(
        "time-to-close", heading, desc, weeks, [charts.Series("median", medians), charts.Series("90th percentile", p90s)], "d"
    )
    table = [
        [w, sum(per_week[w].values()) if w in per_week else 0, _fmt(m), _fmt(p)]
        for w, m, p in zip(weeks, medians, p90s, strict=True)
    ]
    by_kind = [[k, sum(h.values()), _fmt(percentile(h, 0.5)), _fmt(percentile(h, 0.9))] for k, h in sorted(per_kind.items())]
    figure = Figure(
        "time-to-close",
        heading,
        Markup(svg),
        ["Week closed", "Closed", "Median days", "90th percentile days"],
        table,
        note="Nearest-rank percentiles over whole calendar days (UTC).",
    )
    figure.extra.append(("By kind, over the whole period", ["Kind", "Closed", "Median days", "90th percentile days"], by_kind))
    return figure


def consent_rates(uow: UnitOfWork, pack: Any) -> Figure:
    """The share of people whose current state allows each choice: their recorded value, else the pack's default.

    Read from the `consent_state` projection (one row per person and choice), counted by choice
    and value; a state that has expired counts as never set.
    """
    from privet.consent.tables import ConsentState
    from privet.subjects.tables import Person

    people = int(uow.session.scalar(select(func.count()).select_from(Person)) or 0)
    ids = [c.id for c in pack.choices]
    now = uow.now()
    rows = uow.session.execute(
        select(ConsentState.choice_id, ConsentState.value, func.count())
        .where(ConsentState.choice_id.in_(ids), or_(ConsentState.expires_at.is_(None), ConsentState.expires_at > now))
        .group_by(ConsentState.choice_id, ConsentState.value)
    ).all()
    recorded: dict[tuple[str, bool], int] = {(str(c), bool(v)): int(n) for c, v, n in rows}
    table: list[list[Any]] = []
    shares: list[tuple[str, float]] = []
    for choice in pack.choices:
        allowed, refused = recorded.get((choice.id, True), 0), recorded.get((choice.id, False), 0)
        unset = max(0, people - allowed - refused)
        allowing = allowed + (unset if choice.default == "allowed" else 0)
        share = allowing / people if people else 0.0
        shares.append((choice.name, share))
        table.append([choice.name, choice.default, allowed, refused, unset, allowing, f"{share * 100:.1f}%"])
    heading = "Consent rates: share of people whose current state allows each choice"
    desc = f"For each choice the pack offers, the share of {people} people whose current state allows it."
    svg = charts.share_bars("consent-rates", heading, desc, shares if people else [])
    return Figure(
        "consent-rates",
        heading,
        Markup(svg),
        ["Choice", "Default", "Allowed (recorded)", "Refused (recorded)", "Not set", "Allowing now", "Share"],
        table,
        note="People who never set a choice count as its default.",
    )


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


@router.get("/plots", response_class=HTMLResponse, response_model=None)
def plots(
    runtime: RuntimeDep,
    weeks: Annotated[int, Query(ge=1, le=104, description="how many weeks back, the current one included")] = DEFAULT_WEEKS,
    session: ConsoleCookie = None,
) -> Response:
    """The plots a role may read; a role that may read none of their sources is refused."""
    staff = signed_in(runtime, session)
    if staff is None:
        return signin_redirect()
    if not may_see_plots(staff):
        raise HTTPException(403, f"the {staff.principal.role} role may not read abuse, request or consent figures")
    figures: list[Figure] = []
    with runtime.uow(staff.principal.actor) as uow:
        buckets = weeks_ending(uow.now().date(), weeks)
        if staff.may(Permission.ABUSE_READ):
            figures.append(abuse_notices(uow, buckets))
        if staff.may(Permission.REQUESTS_READ):
            figures.append(request_volumes(uow, buckets))
            figures.append(time_to_close(uow, buckets))
        if staff.may(Permission.CONSENT_READ):
            figures.append(consent_rates(uow, runtime.pack))
    return page("console/plots.html", **context(runtime, staff, figures=figures, weeks=weeks, since=buckets[0]))
