"""How privet's column types store values: the SQLite fast path gives exactly what the general path gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text

from privet.store.db import UTCDateTime, make_engine

SQLITE = make_engine("sqlite://").dialect
OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
AWARE = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.one_of(st.just(UTC), OFFSETS))


def _general(value: datetime) -> str:
    """What SQLAlchemy would bind without privet's processor: to UTC, then the dialect's DATETIME format."""
    processed = UTCDateTime().process_bind_param(value, SQLITE)
    process = UTCDateTime().impl_instance.dialect_impl(SQLITE).bind_processor(SQLITE)  # the dialect's own DATETIME
    assert process is not None
    return str(process(processed))


@given(AWARE)
def test_sqlite_binds_an_aware_time_as_the_dialect_would(value: datetime) -> None:
    fast = UTCDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    assert fast is not None
    assert fast(value) == _general(value)


def test_sqlite_refuses_a_naive_time_and_passes_none() -> None:
    fast = UTCDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    assert fast is not None
    with pytest.raises(ValueError, match="timezone-aware"):
        fast(datetime(2026, 1, 1, 12, 0))
    assert fast(None) is None


def test_stored_times_sort_and_read_back_as_the_same_instant(tmp_path: Path) -> None:
    """Through a real SQLite file: the text sorts in time order and reads back as the aware UTC instant."""
    engine = make_engine(f"sqlite:///{tmp_path / 'times.db'}")
    table = Table("times", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime()))
    table.metadata.create_all(engine)
    east = timezone(timedelta(hours=9))
    values = [
        datetime(2026, 3, 1, 9, 0, tzinfo=east),
        datetime(2026, 3, 1, 0, 30, 0, 5, tzinfo=UTC),
        datetime(2025, 12, 31, 23, 59, tzinfo=UTC),
    ]
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": i, "at": v} for i, v in enumerate(values)])
        stored = conn.execute(text("SELECT at FROM times ORDER BY at")).scalars().all()
        read = conn.execute(select(table.c.at).order_by(table.c.id)).scalars().all()
    assert stored == ["2025-12-31 23:59:00.000000", "2026-03-01 00:00:00.000000", "2026-03-01 00:30:00.000005"]
    assert read == [v.astimezone(UTC) for v in values]
    assert all(r.tzinfo is UTC for r in read)
