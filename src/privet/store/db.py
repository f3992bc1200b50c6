"""Engines, the declarative base and the unit of work.

One database URL decides everything: a SQLite file by default (created on first start, WAL
mode, foreign keys on) so nothing needs installing, PostgreSQL through psycopg in production.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, TypeDecorator, create_engine, event, make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

DEFAULT_DB_URL = "sqlite:///privet.db"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


SQLITE_TIME_FORMAT = "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
"""How SQLAlchemy's SQLite dialect stores a DATETIME (its default, which privet keeps): sortable text."""


_SQLITE_TIME_TUPLE = "%04d-%02d-%02d %02d:%02d:%02d.%06d"


def _as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive time is refused, since privet could only guess its zone."""
    if value.tzinfo is None:
        raise ValueError("privet stores only timezone-aware datetimes")
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _sqlite_utc_text(value: datetime | None) -> str | None:
    """An aware time as the UTC text SQLite stores: the text converting to UTC and then applying the
    dialect's format gives, at half the cost (the dialect builds a dictionary of seven fields a value)."""
    if value is None:
        return None
    value = _as_utc(value)
    return _SQLITE_TIME_TUPLE % (value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _as_utc(value)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, one function from aware time to stored text (a batch binds tens of thousands)."""
        if (
            dialect.name == "sqlite"
            and getattr(self.impl_instance.dialect_impl(dialect), "_storage_format", None) == SQLITE_TIME_FORMAT
        ):
            return _sqlite_utc_text
        return super().bind_processor(dialect)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}  # noqa: RUF012 - SQLAlchemy reads it as a class attribute


def utcnow() -> datetime:
    return datetime.now(UTC)


def database_url(explicit: str | None = None) -> str:
    """The URL to use: the flag, else $PRIVET_DB, else a SQLite file in the working folder."""
    return explicit or os.environ.get("PRIVET_DB") or DEFAULT_DB_URL


def make_engine(url: str, *, read_only: bool = False, **kwargs: Any) -> Engine:
    """An engine configured for privet: WAL and foreign keys on SQLite, pre-ping on servers.

    A `read_only` SQLite engine takes no write lock at BEGIN (see `reader_engine`).
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        if not read_only:
            event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def reader_engine(url: str) -> Engine | None:
    """An engine for another process that only reads the same database; None for an in-memory one.

    On SQLite it takes no write lock at BEGIN (each statement reads the latest commit, which WAL
    lets it do while a writer works), so readers never queue behind the writer they serve.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and (
        parsed.database in (None, "", ":memory:") or "mode=memory" in str(parsed.query)
    ):
        return None
    return make_engine(url, read_only=True)


def bound_url(factory: sessionmaker[Session]) -> str:
    """The full URL (password included) of the database a session factory is bound to."""
    bind = factory.kw["bind"]
    return str(bind.url.render_as_string(hide_password=False))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy manage transactions explicitly so BEGIN IMMEDIATE below takes effect.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    """Take SQLite's write lock at BEGIN, so two writers queue instead of deadlocking mid-transaction."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session
