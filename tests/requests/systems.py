"""A small provider, built for real: billing, CRM, ticketing, mail and network systems.

Each system is its own SQLite file, or its own PostgreSQL schema, created by the test with
SQLAlchemy Core and filled with two people who must never be confused: Alice (the requester,
reached through five systems and several identities) and Bob (who shares her IP address a
year later, was referred by her, and files tickets of his own). The declarations privet reads
are the repository's examples (examples/datasets), copied beside them unchanged: their
connection URLs come from the environment, as a provider would run them.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
RECENT_CALL = NOW - timedelta(days=60)
OLD_CALL = NOW - timedelta(days=3 * 365)

ALICE = {"email": "alice@example.net", "phone": "+15550100111", "account": "A1001", "username": "alice"}
BOB = {"email": "bob@example.org", "phone": "+15550100222", "account": "B2002", "username": "bobby"}

md = sa.MetaData()
TABLES: dict[str, list[sa.Table]] = {}


def _t(system: str, name: str, *cols: Any) -> sa.Table:
    table = sa.Table(f"{system}__{name}", md, *cols)
    TABLES.setdefault(system, []).append(table)
    return table


S, N, D = sa.String, sa.Integer, sa.DateTime
customers = _t(
    "billing",
    "customers",
    sa.Column("id", N, primary_key=True),
    sa.Column("account_no", S(20), unique=True, nullable=False),
    sa.Column("full_name", S(100)),
    sa.Column("email", S(120), index=True),
    sa.Column("phone", S(20), index=True),
    sa.Column("street", S(200)),
    sa.Column("ssn", S(11)),
    sa.Column("card_number", S(19)),
    sa.Column("created_at", D),
)
invoices = _t(
    "billing",
    "invoices",
    sa.Column("id", N, primary_key=True),
    sa.Column("customer_id", N, index=True),
    sa.Column("issued_on", D),
    sa.Column("amount_cents", N),
    sa.Column("billing_email", S(120)),
)
calls = _t(
    "billing",
    "call_records",
    sa.Column("id", N, primary_key=True),
    sa.Column("account_no", S(20), index=True),
    sa.Column("called_number", S(20)),
    sa.Column("started_at", D),
    sa.Column("seconds", N),
)
approvals = _t(
    "billing",
    "cpni_approvals",
    sa.Column("id", N, primary_key=True),
    sa.Column("account_no", S(20), index=True),
    sa.Column("choice", S(40)),
    sa.Column("recorded_at", D),
    sa.Column("recorded_by", S(100)),
)
contacts = _t(
    "crm",
    "contacts",
    sa.Column("id", N, primary_key=True),
    sa.Column("email", S(120), index=True),
    sa.Column("work_email", S(120), index=True),
    sa.Column("phone", S(20), index=True),
    sa.Column("account_no", S(20), index=True),
    sa.Column("full_name", S(100)),
    sa.Column("notes", sa.Text),
    sa.Column("referred_by", N),
)
interactions = _t(
    "crm",
    "interactions",
    sa.Column("id", N, primary_key=True),
    sa.Column("contact_id", N, index=True),
    sa.Column("at", D),
    sa.Column("summary", sa.Text),
)
tickets = _t(
    "tickets",
    "tickets",
    sa.Column("id", N, primary_key=True),
    sa.Column("reporter_email", S(120), index=True),
    sa.Column("subject", S(200)),
    sa.Column("body", sa.Text),
    sa.Column("opened_at", D),
)
mailboxes = _t(
    "mail",
    "mailboxes",
    sa.Column("id", N, primary_key=True),
    sa.Column("username", S(64), index=True, nullable=False),
    sa.Column("forward_to", S(120)),
    sa.Column("password_hash", S(100)),
    sa.Column("security_answer", S(100)),
    sa.Column("quota_mb", N),
)
ips = _t(
    "network",
    "ip_assignments",
    sa.Column("id", N, primary_key=True),
    sa.Column("account_no", S(20), index=True),
    sa.Column("ip", S(45), index=True),
    sa.Column("assigned_from", D),
    sa.Column("assigned_to", D),
)
sessions = _t(
    "network",
    "sessions",
    sa.Column("id", N, primary_key=True),
    sa.Column("username", S(64), index=True),
    sa.Column("framed_ip", S(45), index=True),
    sa.Column("started_at", D),
    sa.Column("octets", N),
)

ROWS: dict[sa.Table, list[dict[str, Any]]] = {
    customers: [
        {
            "id": 1,
            "account_no": "A1001",
            "full_name": "Alice Able",
            "email": "alice@example.net",
            "phone": "5550100111",
            "street": "1 Alice Way",
            "ssn": "123-45-6789",
            "card_number": "4111111111111111",
            "created_at": OLD_CALL,
        },
        {
            "id": 2,
            "account_no": "B2002",
            "full_name": "Bob Baker",
            "email": "bob@example.org",
            "phone": "5550100222",
            "street": "2 Bob Road",
            "ssn": "987-65-4321",
            "card_number": "5500000000000004",
            "created_at": OLD_CALL,
        },
    ],
    invoices: [
        {"id": 10, "customer_id": 1, "issued_on": RECENT_CALL, "amount_cents": 4999, "billing_email": "alice@example.net"},
        {"id": 11, "customer_id": 1, "issued_on": OLD_CALL, "amount_cents": 4999, "billing_email": "alice@example.net"},
        {"id": 12, "customer_id": 2, "issued_on": RECENT_CALL, "amount_cents": 2999, "billing_email": "bob@example.org"},
    ],
    calls: [
        {"id": 100, "account_no": "A1001", "called_number": "5550109999", "started_at": RECENT_CALL, "seconds": 60},
        {"id": 101, "account_no": "A1001", "called_number": "5550108888", "started_at": OLD_CALL, "seconds": 30},
        {"id": 102, "account_no": "B2002", "called_number": "5550107777", "started_at": RECENT_CALL, "seconds": 90},
    ],
    approvals: [
        {"id": 200, "account_no": "A1001", "choice": "cpni-marketing:opt_in", "recorded_at": RECENT_CALL, "recorded_by": "rep 7"},
        {
            "id": 201,
            "account_no": "B2002",
            "choice": "cpni-marketing:opt_out",
            "recorded_at": RECENT_CALL,
            "recorded_by": "rep 8",
        },
    ],
    contacts: [
        {
            "id": 300,
            "email": "alice@example.net",
            "work_email": "alice.work@example.com",
            "phone": "+15550100111",
            "account_no": "A1001",
            "full_name": "Alice Able",
            "notes": "prefers email",
            "referred_by": None,
        },
        {
            "id": 301,
            "email": "bob@example.org",
            "work_email": None,
            "phone": "+15550100222",
            "account_no": "B2002",
            "full_name": "Bob Baker",
            "notes": "referred by a friend",
            "referred_by": 300,
        },
    ],
    interactions: [
        {"id": 400, "contact_id": 300, "at": RECENT_CALL, "summary": "Alice asked about fiber"},
        {"id": 401, "contact_id": 301, "at": RECENT_CALL, "summary": "Bob asked about TV"},
    ],
    tickets: [
        {
            "id": 500,
            "reporter_email": "alice.work@example.com",
            "subject": "Slow line",
            "body": "Alice's line is slow",
            "opened_at": RECENT_CALL,
        },
        {
            "id": 501,
            "reporter_email": "bob@example.org",
            "subject": "No dial tone",
            "body": "Bob has no dial tone",
            "opened_at": RECENT_CALL,
        },
    ],
    mailboxes: [
        {
            "id": 600,
            "username": "alice",
            "forward_to": "alice@example.net",
            "password_hash": "$2b$alicehash",
            "security_answer": "Fluffy",
            "quota_mb": 500,
        },
        {
            "id": 601,
            "username": "bobby",
            "forward_to": "bob@example.org",
            "password_hash": "$2b$bobhash",
            "security_answer": "Rex",
            "quota_mb": 500,
        },
    ],
    ips: [
        {
            "id": 700,
            "account_no": "A1001",
            "ip": "203.0.113.7",
            "assigned_from": OLD_CALL,
            "assigned_to": NOW - timedelta(days=400),
        },
        {"id": 701, "account_no": "B2002", "ip": "203.0.113.7", "assigned_from": NOW - timedelta(days=399), "assigned_to": None},
    ],
    sessions: [
        {"id": 800, "username": "alice", "framed_ip": "203.0.113.7", "started_at": OLD_CALL, "octets": 1000},
        {"id": 801, "username": "bobby", "framed_ip": "203.0.113.7", "started_at": RECENT_CALL, "octets": 2000},
    ],
}

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "datasets"


def url_env(system: str) -> str:
    """The variable the example declaration of `system` reads its connection URL from."""
    return f"PRIVET_DATASET_{system.upper()}_URL"


@dataclass
class Systems:
    """The five systems of one test and the folder of their declarations."""

    folder: Path
    urls: dict[str, str]
    engines: dict[str, sa.Engine] = field(default_factory=dict)
    schemas: dict[str, str | None] = field(default_factory=dict)

    def _table(self, system: str, table: str) -> sa.TableClause:
        cols = (sa.column(c.name) for c in md.tables[f"{system}__{table}"].columns)
        return sa.table(table, *cols, schema=self.schemas.get(system))

    def rows(self, system: str, table: str) -> dict[int, dict[str, Any]]:
        with self.engines[system].connect() as conn:
            return {r._mapping["id"]: dict(r._mapping) for r in conn.execute(sa.select(self._table(system, table)))}

    def execute(self, system: str, sql: str) -> None:
        """Run SQL in one system (PostgreSQL: with its schema first on the search path)."""
        with self.engines[system].begin() as conn:
            if self.schemas.get(system):
                conn.execute(sa.text(f"SET LOCAL search_path TO {self.schemas[system]}"))
            conn.execute(sa.text(sql))


def _create(conn: sa.Connection, system: str, schema: str | None) -> None:
    for table in TABLES[system]:
        plain = table.to_metadata(sa.MetaData(), name=table.name.split("__", 1)[1], schema=schema)
        plain.create(conn)
        rows = ROWS.get(table, [])
        if rows:
            conn.execute(plain.insert(), rows)


def build(tmp_path: Path, admin: sa.Engine | None, template: Path | None = None) -> Iterator[Systems]:
    """Create the systems (SQLite files, copied from `template` when given, or schemas through the
    PostgreSQL `admin` engine) and their declarations."""
    folder = tmp_path / "datasets"
    folder.mkdir()
    systems = Systems(folder, {})
    tag = uuid.uuid4().hex[:8]
    if admin is None:
        for system in TABLES:
            systems.urls[system] = f"sqlite:///{tmp_path / (system + '.db')}"
            if template is not None:
                shutil.copy(template / f"{system}.db", tmp_path / f"{system}.db")
            systems.engines[system] = sa.create_engine(systems.urls[system])
            if template is None:
                with systems.engines[system].begin() as conn:
                    _create(conn, system, None)
    else:
        base = admin.url.render_as_string(hide_password=False)
        with admin.begin() as conn:
            for system in TABLES:
                schema = systems.schemas[system] = f"sys_{system}_{tag}"
                conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
                _create(conn, system, schema)
                systems.urls[system] = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
                systems.engines[system] = admin
    for system in systems.urls:
        shutil.copy(EXAMPLES / f"{system}.yaml", folder / f"{system}.yaml")
    try:
        yield systems
    finally:
        if admin is None:
            for engine in systems.engines.values():
                engine.dispose()
        else:
            with admin.begin() as conn:
                for schema in systems.schemas.values():
                    conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
