"""`privet outbox work --once | list | retry` on a real database and SMTP listener."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from privet.outbox.cli import app
from privet.store.uow import UnitOfWork
from tests.outbox.support import SmtpServer, database_url_of

runner = CliRunner()


def test_work_list_and_retry(engine: Engine, factory: sessionmaker[Session], smtp_server: SmtpServer) -> None:
    db = database_url_of(engine)
    with UnitOfWork(factory, actor="legal:desk") as uow:
        good = uow.send(kind="legal.notice", channel="email", recipient="ann@example.net", subject="Notice", body="b")
        bad = uow.send(kind="legal.notice", channel="email", recipient="bob@example.net", subject="Notice", body="b")
    # the first message in claim order is refused for good; which one that is does not matter
    smtp_server.receiver.rcpt_replies.append("550 5.1.1 unknown")
    args = ["work", "--db", db, "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp_server.port), "--once"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1]) == {
        "claimed": 2,
        "sent": 1,
        "retrying": 0,
        "dead": 1,
        "released": 0,
    }

    listed = runner.invoke(app, ["list", "--db", db, "--status", "dead", "--json"])
    assert listed.exit_code == 0, listed.output
    [dead] = json.loads(listed.output)
    assert dead["id"] in {good, bad} and dead["last_error"] == "RCPT 550 5.1.1 unknown"
    text = runner.invoke(app, ["list", "--db", db])
    assert text.exit_code == 0 and "sent" in text.output and "dead" in text.output

    assert runner.invoke(app, ["retry", dead["id"], "--db", db]).exit_code == 0
    assert runner.invoke(app, ["retry", dead["id"], "--db", db]).exit_code == 1  # pending now, not dead
    assert runner.invoke(app, ["retry", "no-such-id", "--db", db]).exit_code == 2
    assert runner.invoke(app, ["list", "--db", db, "--status", "bogus"]).exit_code == 2

    assert runner.invoke(app, args).exit_code == 0
    assert len(smtp_server.receiver.received) == 2
    assert json.loads(runner.invoke(app, ["list", "--db", db, "--status", "dead", "--json"]).output) == []
