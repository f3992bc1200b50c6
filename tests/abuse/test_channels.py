"""Intake channels with real components: a maildir in tmp_path, an SMTP listener on 127.0.0.1, the command line."""

from __future__ import annotations

import json
import os
import smtplib
import socket
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from privet.abuse.cli import app
from privet.abuse.maildir import NotAMaildir, drain
from privet.abuse.prepare import WORKER_NICENESS, ParsePool, Pending
from privet.abuse.service import AbuseContext
from privet.abuse.smtpd import AbuseController
from privet.abuse.tables import AbuseEvidence, AbuseNotice
from privet.runtime import Runtime
from privet.store.db import bound_url
from tests.abuse.conftest import METRONET, assign, copyright_notice, lease, subscriber
from tests.abuse.test_parsers import BOMB

SQLITE_ONLY = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


def _maildir(root: Path) -> Path:
    for sub in ("new", "cur", "tmp"):
        (root / sub).mkdir(parents=True)
    return root


@SQLITE_ONLY
def test_watch_drains_a_real_maildir(runtime: Runtime, ctx: AbuseContext, tmp_path: Path) -> None:
    subscriber(runtime, "MDR-100")
    assign(ctx, "dhcp", [lease("192.0.2.10", "MDR-100", "2025-02-01T00:00:00Z", "2025-02-02T00:00:00Z")])
    box = _maildir(tmp_path / "abuse")
    good = copyright_notice("M1", "2025-02-01T10:00:00Z")
    (box / "new" / "1.host").write_bytes(good)
    (box / "new" / "2.host").write_bytes(BOMB)
    with (box / "new" / "3.host").open("wb") as huge:
        huge.truncate(50 * 1024 * 1024)  # a 50 MB message: refused without being read into memory
    (box / "tmp" / "4.host").write_bytes(good)  # still being delivered: not ours yet
    report = drain(ctx, box)
    assert report.messages == 3 and report.counts() == {"filed": 1, "refused": 2}
    assert sorted(p.name for p in (box / "cur").iterdir()) == ["1.host:2,S", "2.host:2,S", "3.host:2,S"]
    assert not list((box / "new").iterdir()) and (box / "tmp" / "4.host").exists()
    with ctx.factory() as session:
        notices = {n.status: n for n in session.scalars(select(AbuseNotice))}
        assert notices["filed"].channel == "maildir"
        evidence = session.get(AbuseEvidence, notices["filed"].id)
        assert evidence is not None and bytes(evidence.raw) == good
        oversized = session.scalars(select(AbuseNotice).where(AbuseNotice.size == 50 * 1024 * 1024)).one()
        assert oversized.status == "refused" and session.get(AbuseEvidence, oversized.id) is None
    assert drain(ctx, box).messages == 0
    with pytest.raises(NotAMaildir):
        drain(ctx, tmp_path)


@SQLITE_ONLY
def test_a_drain_takes_messages_in_the_order_they_arrived(runtime: Runtime, ctx: AbuseContext, tmp_path: Path) -> None:
    """Oldest delivery first, across batches, whatever the file names: a retraction must not overtake its notice."""
    subscriber(runtime, "ORD-100")
    assign(ctx, "dhcp", [lease("192.0.2.10", "ORD-100", "2025-02-01T00:00:00Z", "2025-02-02T00:00:00Z")])
    box = _maildir(tmp_path / "abuse")
    for name, case, delivered in (("a.host", "ORD-A", 2_000), ("b.host", "ORD-B", 3_000), ("c.host", "ORD-C", 1_000)):
        path = box / "new" / name
        path.write_bytes(copyright_notice(case, "2025-02-01T10:00:00Z"))
        os.utime(path, (delivered, delivered))
    assert drain(ctx, box, batch=2).messages == 3
    with ctx.factory() as session:
        taken = session.scalars(select(AbuseNotice.message_id).order_by(AbuseNotice.id)).all()
    assert taken == ["<ORD-C@northwind.example>", "<ORD-A@northwind.example>", "<ORD-B@northwind.example>"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@SQLITE_ONLY
def test_the_smtp_listener_records_what_a_mail_server_forwards(runtime: Runtime, ctx: AbuseContext) -> None:
    subscriber(runtime, "SMT-100")
    assign(ctx, "dhcp", [lease("192.0.2.10", "SMT-100", "2025-02-01T00:00:00Z", "2025-02-02T00:00:00Z")])
    small = AbuseContext(ctx.factory, ctx.pack, replace(ctx.settings, max_message_bytes=64 * 1024), ctx.clock)
    port = _free_port()
    controller = AbuseController(small, "127.0.0.1", port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            wire = copyright_notice("SM1", "2025-02-01T10:00:00Z").replace(b"\n", b"\r\n")  # what an MTA sends
            good = client.sendmail("mx@metronet.example", ["abuse@metronet.example"], wire)
            assert good == {}
            code, _ = client.docmd("NOOP")
            assert code == 250
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail("mx@metronet.example", ["abuse@metronet.example"], BOMB + b"\r\n")
        big = b"Subject: x\r\n\r\n" + (b"A" * 70 + b"\r\n") * 1500
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client, pytest.raises(smtplib.SMTPSenderRefused) as declared:
            client.sendmail("mx@metronet.example", ["abuse@metronet.example"], big)  # announces SIZE: refused at MAIL
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.ehlo()
            client.mail("mx@metronet.example")
            client.rcpt("abuse@metronet.example")
            streamed, _ = client.data(big)  # no SIZE given: cut off during DATA
        assert declared.value.smtp_code == streamed == 552
    finally:
        controller.stop()
    with ctx.factory() as session:
        statuses = sorted((n.channel, n.status) for n in session.scalars(select(AbuseNotice)))
        reasons = [n.reason or "" for n in session.scalars(select(AbuseNotice).where(AbuseNotice.status == "refused"))]
    assert statuses == [("smtp", "filed")] + [("smtp", "refused")] * 3
    assert any("552" in r for r in reasons) and any("entities" in r for r in reasons)


@SQLITE_ONLY
def test_the_command_line(runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIVET_ABUSE_MAX_NOTICE_AGE_DAYS", "20000")
    db = ["--db", str(runtime.engine.url), "--policy", str(METRONET)]
    runner = CliRunner()
    subscriber(runtime, "CLI-100")
    leases = tmp_path / "leases.csv"
    leases.write_text(
        "address,start,end,account\n192.0.2.10,2025-02-01T00:00:00Z,2025-02-02T00:00:00Z,CLI-100\n192.0.2.11,yesterday,,CLI-100\n"
    )
    bad = runner.invoke(app, ["assignments", "import", str(leases), "--kind", "dhcp", *db])
    assert bad.exit_code == 2 and "row 2, start: 'yesterday' is not a time" in bad.output
    leases.write_text("address,start,end,account\n192.0.2.10,2025-02-01T00:00:00Z,2025-02-02T00:00:00Z,CLI-100\n")
    assert runner.invoke(app, ["assignments", "import", str(leases), "--kind", "dhcp", *db]).exit_code == 0
    found = runner.invoke(app, ["lookup", "192.0.2.10", "--at", "2025-02-01T10:00:00Z", "--json", *db])
    assert found.exit_code == 0 and json.loads(found.output)["account_number"] == "CLI100"
    assert runner.invoke(app, ["lookup", "8.8.8.8", "--at", "2025-02-01T10:00:00Z", *db]).exit_code == 1
    assert runner.invoke(app, ["lookup", "nope", "--at", "2025-02-01T10:00:00Z", *db]).exit_code == 2
    notice = tmp_path / "n1.eml"
    notice.write_bytes(copyright_notice("C1", "2025-02-01T10:00:00Z"))
    hostile = tmp_path / "bomb.xml"
    hostile.write_bytes(BOMB)
    ok = runner.invoke(app, ["ingest", str(notice), "--json", *db])
    assert ok.exit_code == 0 and json.loads(ok.output)[0]["status"] == "filed"
    refused = runner.invoke(app, ["ingest", str(hostile), str(notice), *db])
    assert refused.exit_code == 1 and "refused" in refused.output and "duplicate" in refused.output
    assert runner.invoke(app, ["ingest", str(tmp_path / "missing.eml"), *db]).exit_code == 2
    report = runner.invoke(app, ["report", "repeat-infringers", *db])
    assert report.exit_code == 0 and json.loads(report.output)[0]["account_number"] == "CLI100"
    assert runner.invoke(app, ["run-due", *db]).exit_code == 0
    assert runner.invoke(app, ["reactivate", "CLI-100", "--reason", "x", "--as-role", "abuse_desk", *db]).exit_code == 1
    box = _maildir(tmp_path / "box")
    watched = runner.invoke(app, ["watch", str(box), "--once", "--json", *db])
    assert watched.exit_code == 0 and json.loads(watched.output) == {"messages": 0}
    assert runner.invoke(app, ["watch", str(tmp_path), "--once", *db]).exit_code == 2


def test_parse_workers_attribute_on_their_own_connection_and_the_writer_files_by_their_answer(
    runtime: Runtime, ctx: AbuseContext
) -> None:
    """A drain with workers: each worker looks the address up on its own read-only connection (SQLite
    or PostgreSQL), and the notices land in the same cases, with the same answers, as inline."""
    first, second = subscriber(runtime, "PW-1"), subscriber(runtime, "PW-2")
    assign(
        ctx,
        "dhcp",
        [
            lease("192.0.2.21", "PW-1", "2025-02-01T00:00:00Z", "2025-02-02T00:00:00Z"),
            lease("192.0.2.22", "PW-2", "2025-02-01T00:00:00Z", "2025-02-02T00:00:00Z"),
        ],
    )
    raws = [
        copyright_notice("PW-A", "2025-02-01T10:00:00Z", ip="192.0.2.21"),
        copyright_notice("PW-B", "2025-02-01T11:00:00Z", ip="192.0.2.22"),
        copyright_notice("PW-C", "2025-02-01T12:00:00Z", ip="198.51.100.9"),  # not one of ours
        BOMB,
    ]
    items = [(raw, "maildir") for raw in raws]
    with ParsePool(2, bound_url(ctx.factory)) as pool:
        prepared = Pending(items, ctx.settings, pool).result()
    answered = [
        (p.attributed, p.found.answer.value if p.found else None, p.found.account_number if p.found else None) for p in prepared
    ]
    assert answered == [
        (True, "one_subscriber", first),
        (True, "one_subscriber", second),
        (True, "not_ours", None),
        (False, None, None),  # refused: nothing to look up
    ]
    results = ctx.ingest_prepared(prepared, "maildir")
    assert [r.status for r in results] == ["filed", "filed", "unattributed", "refused"]
    with ctx.factory() as session:
        filed = {
            n.account_number: n.attribution for n in session.scalars(select(AbuseNotice).where(AbuseNotice.status == "filed"))
        }
    assert filed == {first: "one_subscriber", second: "one_subscriber"}


@SQLITE_ONLY
def test_parse_workers_leave_attribution_to_the_writer_for_an_in_memory_database(ctx: AbuseContext) -> None:
    """An in-memory database is not shared with other processes, so workers only parse."""
    with ParsePool(1, "sqlite://") as pool:
        (done,) = Pending([(copyright_notice("PW-M", "2025-02-01T10:00:00Z"), "api")], ctx.settings, pool).result()
    assert done.parsed is not None and done.parsed.source_ip == "192.0.2.10"
    assert (done.attributed, done.found) == (False, None)


def test_parse_workers_yield_the_cpu_to_the_writer() -> None:
    """Workers run at a higher niceness than the process that writes, so parsing ahead never starves the writer."""
    with ParsePool(2) as pool:
        niceness = {pool.executor.submit(os.nice, 0).result() for _ in range(4)}
    assert niceness == {min(os.nice(0) + WORKER_NICENESS, 19)}  # 19 is the ceiling
