"""Abuse-desk fixtures: the Metronet pack over a real database, a hand-driven clock, subscribers, letters.

Real notices come from ../shared/samples (skipped with a reason when absent); everything else
here is synthetic, written for these tests.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from privet.abuse.assignments import import_rows
from privet.abuse.service import AbuseContext
from privet.abuse.settings import AbuseSettings
from privet.outbox.tables import OutboxMessage
from privet.policy.load import load_pack_or_raise
from privet.policy.model import PolicyPack
from privet.runtime import Runtime, register_policy_version
from privet.store.db import make_engine
from privet.store.migrate import upgrade
from privet.store.models import Base
from tests.conftest import POLICIES, add_person, shared_path

METRONET = POLICIES / "000-metronet"
METROFAX = POLICIES / "002-metrofax"

STATEMENTS = (
    "In good faith we believe this use of the listed works is not authorized by the "
    "rights holder, its agent, or the law.\n\n"
    "The information in this notification is accurate, and under penalty of perjury, we are authorized to act on "
    "behalf of the holder of the rights said to be infringed."
)


# --- databases: migrated once per session, then copied (SQLite) or truncated (PostgreSQL) per test ---


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("abuse-template") / "privet.db"
    template = make_engine(f"sqlite:///{path}")
    upgrade(template)
    template.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_schema() -> Iterator[str]:
    url = os.environ.get("PRIVET_TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL tests need PRIVET_TEST_DATABASE_URL (set by .ci/run when a server answers)")
    schema = f"t_abuse_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    scoped = f"{url}{separator}options=-csearch_path%3D{schema}"
    migrated = make_engine(scoped)
    upgrade(migrated)
    migrated.dispose()
    try:
        yield scoped
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database: a copy of a migrated SQLite file, or an emptied PostgreSQL schema migrated once."""
    if request.param == "sqlite":
        shutil.copy(request.getfixturevalue("_sqlite_template"), tmp_path / "privet.db")
        eng = make_engine(f"sqlite:///{tmp_path / 'privet.db'}")
    else:
        eng = make_engine(request.getfixturevalue("_postgres_schema"))
        with eng.begin() as conn:  # DELETE, not TRUNCATE: on a few rows it is fifty times faster
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    yield eng
    eng.dispose()


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2025, 3, 3, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings() -> AbuseSettings:
    # The real samples date from 2008 to 2025; "too old" has its own test.
    return AbuseSettings(max_notice_age=timedelta(days=365 * 30))


@functools.cache
def pack(path: Path) -> PolicyPack:
    """A bundled pack, loaded once per test session (loading and checking one takes a quarter second)."""
    return load_pack_or_raise(path)


def runtime_with(engine: Engine, factory: sessionmaker[Session], path: Path) -> Runtime:
    loaded = pack(path)
    version = register_policy_version(factory, loaded, hashlib.sha256(str(path).encode()).hexdigest())
    return Runtime(engine, factory, loaded, version)


@pytest.fixture
def runtime(engine: Engine, factory: sessionmaker[Session]) -> Runtime:
    return runtime_with(engine, factory, METRONET)


@pytest.fixture
def ctx(runtime: Runtime, settings: AbuseSettings, clock: Clock) -> AbuseContext:
    return AbuseContext(runtime.factory, runtime.pack, settings, clock)


def subscriber(runtime: Runtime, account: str, *, kind: str = "residential", email: str | None = None, **extra: Any) -> str:
    """A subscriber holding `account`; returns the account number as privet stores it."""
    add_person(runtime, account_number=account, account_type=kind, emails=[email or f"{account.lower()}@example.net"], **extra)
    return account.replace("-", "").upper()


def assign(ctx: AbuseContext, kind: str, rows: list[dict[str, Any]], **options: Any) -> None:
    with ctx.desk("test") as desk:
        import_rows(desk.uow, kind, rows, **options)


def lease(address: str, account: str, start: str, end: str) -> dict[str, str]:
    return {"address": address, "account": account, "start": start, "end": end}


def outbox(ctx: AbuseContext, kind_prefix: str = "") -> list[OutboxMessage]:
    with ctx.factory() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id))
        return [m for m in rows if m.kind.startswith(kind_prefix)]


def sample(name: str) -> bytes:
    return shared_path("samples", name).read_bytes()


def letter(
    attachment: bytes | None = None,
    *,
    filename: str = "notice.xml",
    mime: str = "application/xml",
    body: str = "",
    statements: bool = True,
    message_id: str = "<n1@complainant.example>",
    sender: str = "Rights Agent <notices@complainant.example>",
    subject: str = "Notice of claimed infringement",
) -> bytes:
    """A complainant's email: a letter (with the sworn statements and a signature) and the report attached."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "abuse@metronet.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    text = body or "Dear Sir or Madam,\n\nOur monitoring found the infringement described in the attached report.\n\n"
    if statements:
        text += STATEMENTS + "\n\n/s/ Alex Rivera\nRights Agent"
    message.set_content(text)
    if attachment is not None:
        maintype, subtype = mime.split("/")
        message.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(message)


def pgp_inline(xml: bytes, message_id: str = "<pgp1@copyright-compliance.example>") -> bytes:
    """The XML pasted into a PGP clear-signed body between markers, dash-escaped twice as real mail shows it."""
    body = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\nDear Service Provider,\n\n"
        + STATEMENTS
        + "\n\nSincerely,\nDana Example\nCopyright Compliance\n\n- - ---Start ACNS XML\n"
        + xml.decode()
        + "\n- - ---End ACNS XML\n-----BEGIN PGP SIGNATURE-----\nVersion: GnuPG v1\n\niQEcBAEBAgAGBQJV6abc\n=abcd\n-----END PGP SIGNATURE-----\n"
    )
    message = EmailMessage()
    message["From"] = "Copyright Compliance <notices@copyright-compliance.example>"
    message["To"] = "abuse@metronet.example"
    message["Subject"] = "Unauthorized distribution of copyrighted material"
    message["Message-ID"] = message_id
    message.set_content(body)
    return bytes(message)


@pytest.fixture
def samples_dir() -> Path:
    return shared_path("samples")


ACNS_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<Infringement xmlns="http://www.acns.net/ACNS">
 <Case><ID>{case}</ID><Status>Open</Status></Case>
 <Complainant><Entity>Northwind Pictures</Entity><Email>notices@northwind.example</Email></Complainant>
 <Source><TimeStamp>{when}</TimeStamp><IP_Address>{ip}</IP_Address><Port>{port}</Port><Type>BitTorrent</Type></Source>
 <Content><Item><Title>The Long Harbour</Title><FileName>The.Long.Harbour.2024.1080p</FileName>
 <Hash Type="SHA1">0123456789abcdef0123456789abcdef01234567</Hash></Item></Content>
</Infringement>
"""


def copyright_notice(case: str, when: str, ip: str = "192.0.2.10", port: int = 51413) -> bytes:
    """A complete (all six elements) synthetic ACNS notice in a letter, unique per `case`."""
    xml = ACNS_TEMPLATE.format(case=case, when=when, ip=ip, port=port).encode()
    return letter(xml, message_id=f"<{case}@northwind.example>", sender="Northwind Pictures <notices@northwind.example>")


def complaint(text: str, sender: str = "Pat <pat@victim.example>") -> bytes:
    return f"From: {sender}\nSubject: abuse report\n\n{text}\n".encode()


def audited(ctx: AbuseContext, action: str) -> list[dict[str, Any]]:
    """The data of every audit entry of `action`, oldest first."""
    import json

    from privet.audit.tables import AuditEntry

    with ctx.factory() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))
        return [json.loads(r.data) for r in rows]
