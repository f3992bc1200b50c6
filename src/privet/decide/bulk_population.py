"""The population table: one row per person holding every fact a decision reads, for the fast path.

The store is normalised (people, accounts, memberships, service lines, a consent projection);
an audience over millions of people is faster over one wide table in a columnar engine. This
is that table's shape, the SQL facts over it, and `facts_from_row`, which reads a row the way
`privet.decide.facts.load_facts` reads the store (the property tests hold bulk answers to
single decisions made from it). Times are UTC without a zone; a service line's column holds
the last day any line of that kind runs (`OPEN_ENDED` when one has no end), or NULL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Integer, String, TableClause, case, literal_column, or_, table, true

from privet.decide.bulk_signature import AGE_BAND_AGE, subjects_of
from privet.decide.bulk_sql import FactColumns, flag
from privet.regimes.base import ChoiceState, SubjectFacts

LINES = ("broadband", "voice", "voip", "wireless", "fax", "cable", "email", "hosting", "managed_it")
OPEN_ENDED = date(9999, 12, 31)
BASE_COLUMNS: dict[str, Any] = {
    "person_id": Integer,
    "state": String,
    "billing_state": String,
    "birth_date": Date,
    "age_band": String,
    "account_type": String,
    "account_status": String,
    "parental_consent": Boolean,
    "gpc": Boolean,
    "cpni_notice_at": DateTime,
    "cpni_notice_mailed": Boolean,
    "collected_under": String,
    "accepted_versions": String,  # "|v1|v2|": versions the person accepted, each between bars
    "subject_kinds": String,  # "|prospect|visitor|": the person's own subject kinds (Person.kinds), each between bars
}


def line_column(kind: str) -> str:
    return f"line.{kind}"


def choice_column(choice_id: str) -> str:
    return f"choice.{choice_id}"


def choice_at_column(choice_id: str) -> str:
    return f"choice_at.{choice_id}"


def population_table(name: str, choice_ids: Iterable[str]) -> TableClause:
    """The table's columns as SQLAlchemy sees them (for building queries, not for creating it)."""
    columns = [Column(n, t) for n, t in BASE_COLUMNS.items()]
    columns += [Column(line_column(k), Date) for k in LINES]
    for cid in choice_ids:
        columns += [Column(choice_column(cid), Boolean), Column(choice_at_column(cid), DateTime)]
    return table(name, *columns)


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def population_facts(tbl: TableClause, at: datetime) -> FactColumns:
    """Facts over a population table, with moments written as SQL literals (DuckDB and PostgreSQL read them alike)."""
    c = tbl.c
    day = at.date()

    def date_value(d: date) -> Any:
        return literal_column(f"DATE '{d.isoformat()}'", Date)

    def time_value(t: datetime) -> Any:
        return literal_column(f"TIMESTAMP '{naive_utc(t).isoformat(sep=' ')}'", DateTime)

    def line_code(kind: str) -> Any:
        col = c.get(line_column(kind))
        if col is None:
            return literal_column("0", Integer)
        return flag(col >= date_value(day))

    def choice_code(cid: str, fallback: Any) -> Any:
        """Without a fallback: 2 on record as yes and in effect at `at`, 1 as no, 0 nothing in effect.
        With one: 1 when the choice allows at `at`, 0 when not, `fallback` when nothing is in effect."""
        value, since = c.get(choice_column(cid)), c.get(choice_at_column(cid))
        yes, no, none = (2, 1, literal_column("0", Integer)) if fallback is None else (1, 0, fallback)
        if value is None or since is None:
            return none
        return case((since <= time_value(at), case((value.is_(true()), yes), else_=no)), else_=none)

    def accepted(version: str) -> Any:
        return c.accepted_versions.contains(f"|{version}|", autoescape=True)

    def has_kind_within(key: str) -> Any:
        return or_(c.subject_kinds.contains(f"|{key}|", autoescape=True), c.subject_kinds.contains(f"|{key}.", autoescape=True))

    return FactColumns(
        source=tbl,
        person_id=c.person_id,
        state=c.state,
        billing_state=c.billing_state,
        birth_date=c.birth_date,
        age_band=c.age_band,
        account_type=c.account_type,
        account_status=c.account_status,
        parental_consent=c.parental_consent,
        gpc=c.gpc,
        cpni_notice_at=c.cpni_notice_at,
        cpni_notice_mailed=c.cpni_notice_mailed,
        collected_under=c.collected_under,
        line_code=line_code,
        choice_code=choice_code,
        accepted=accepted,
        has_kind_within=has_kind_within,
        date_value=date_value,
        time_value=time_value,
    )


def facts_from_row(row: Mapping[str, Any], at: datetime) -> SubjectFacts:
    """A person's facts from one population row, as load_facts would build them from the store."""
    day = at.date()
    birth: date | None = row.get("birth_date")
    if birth is not None:
        age: int | None = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    else:
        age = AGE_BAND_AGE.get(row.get("age_band") or "")
    lines = frozenset(k for k in LINES if (end := row.get(line_column(k))) is not None and end >= day)
    choices = {}
    for name, value in row.items():
        if name.startswith("choice.") and value is not None:
            cid = name.removeprefix("choice.")
            since = row[choice_at_column(cid)]
            choices[cid] = ChoiceState(bool(value), since.replace(tzinfo=UTC))
    notice = row.get("cpni_notice_at")
    accepted = frozenset(v for v in (row.get("accepted_versions") or "").split("|") if v)
    kinds = [k for k in (row.get("subject_kinds") or "").split("|") if k]
    return SubjectFacts(
        person_id=row["person_id"],
        state=row.get("state"),
        billing_state=row.get("billing_state"),
        age=age,
        account_type=row.get("account_type"),
        account_status=row.get("account_status"),
        service_lines=lines,
        subjects=subjects_of(row.get("account_type"), row.get("account_status"), age, kinds),
        choices=choices,
        parental_consent=bool(row.get("parental_consent")),
        cpni_notice_sent_at=notice.replace(tzinfo=UTC) if notice is not None else None,
        cpni_notice_mailed=bool(row.get("cpni_notice_mailed")),
        collected_under=row.get("collected_under"),
        accepted_versions=accepted,
        gpc=bool(row.get("gpc")),
    )


def polars_schema(choice_ids: Iterable[str]) -> dict[str, Any]:
    """Polars column types of a population table with these choices (for building one from rows)."""
    import polars as pl

    kinds = {Integer: pl.Int64, String: pl.String, Date: pl.Date, Boolean: pl.Boolean, DateTime: pl.Datetime("us")}
    return {column.name: kinds[type(column.type)] for column in population_table("population", choice_ids).columns}
