"""`privet outbox …`: run the delivery worker, list messages, requeue a dead one.

SMTP settings come from flags and PRIVET_SMTP_* variables (HOST, PORT, FROM, USER, PASSWORD,
STARTTLS, TIMEOUT); SMS goes through an email-to-SMS gateway when PRIVET_SMS_GATEWAY holds an
address format such as `{digits}@sms.example.net`. Message-IDs end in $PRIVET_MESSAGE_ID_DOMAIN, else
the domain of PRIVET_SMTP_FROM. Secrets are never read from the database.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
from dataclasses import replace
from datetime import timedelta
from typing import Annotated, Any

import typer
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from privet.outbox.queue import STATUSES, RetryPolicy, requeue
from privet.outbox.sms import SmsGatewayTransport
from privet.outbox.smtp import SmtpSettings, SmtpTransport
from privet.outbox.tables import OutboxMessage
from privet.outbox.transport import Transport
from privet.outbox.worker import Worker, stop_on_signals
from privet.store.db import database_url, make_engine, session_factory, transaction
from privet.store.migrate import upgrade
from privet.store.uow import UnitOfWork

app = typer.Typer(help="The outbox: deliver messages to people, inspect and requeue them.", no_args_is_help=True)

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default $PRIVET_DB, else sqlite:///privet.db)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def _engine(db: str | None) -> Engine:
    """An engine on a database brought to the current schema; exit 2 if it cannot be opened."""
    try:
        engine = make_engine(database_url(db))
        upgrade(engine)
    except SQLAlchemyError as exc:
        typer.echo(f"cannot open database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", err=True)
        raise typer.Exit(2) from None
    return engine


def make_transports(settings: SmtpSettings, sms_gateway: str | None) -> dict[str, Transport]:
    """Email over SMTP always; SMS through the same relay when a gateway format is configured."""
    smtp = SmtpTransport(settings)
    transports: dict[str, Transport] = {"email": smtp}
    if sms_gateway:
        transports["sms"] = SmsGatewayTransport(smtp, sms_gateway)
    return transports


@app.command()
def work(
    db: DbOpt = None,
    smtp_host: Annotated[str | None, typer.Option(help="SMTP relay host (default $PRIVET_SMTP_HOST, else localhost)")] = None,
    smtp_port: Annotated[int | None, typer.Option(help="SMTP relay port (default $PRIVET_SMTP_PORT, else 25)")] = None,
    once: Annotated[bool, typer.Option("--once", help="Deliver one batch and exit")] = False,
    lease: Annotated[
        float, typer.Option(min=1, help="Seconds a claimed message stays ours; a crashed worker's messages return after it")
    ] = 60,
    poll: Annotated[float, typer.Option(min=0.01, help="Seconds to wait when nothing is due")] = 5,
    batch: Annotated[int, typer.Option(min=1, max=1000, help="Messages claimed at a time")] = 10,
    max_attempts: Annotated[int, typer.Option(min=1, help="Attempts before a message is dead")] = RetryPolicy.max_attempts,
    backoff: Annotated[
        float, typer.Option(min=0.01, help="Seconds before the first retry; doubles per attempt, capped at an hour, with jitter")
    ] = RetryPolicy.base.total_seconds(),
    worker_id: Annotated[str | None, typer.Option(help="Name in locked_by (default host:pid:random)")] = None,
) -> None:
    """Run the delivery worker until SIGTERM (or one batch with --once)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = SmtpSettings.from_env(host=smtp_host, port=smtp_port)
        # A single SMTP operation must not outlive the lease, or another worker could claim mid-send.
        if settings.timeout > lease / 3:
            settings = replace(settings, timeout=lease / 3)
        transports = make_transports(settings, os.environ.get("PRIVET_SMS_GATEWAY"))
    except ValueError as exc:
        typer.echo(f"bad settings: {exc}", err=True)
        raise typer.Exit(2) from None
    engine = _engine(db)
    policy = RetryPolicy(max_attempts=max_attempts, base=timedelta(seconds=backoff))
    options: dict[str, Any] = {"lease": timedelta(seconds=lease), "batch": batch, "policy": policy}
    if worker_id:
        options["worker_id"] = worker_id[:100]
    worker = Worker(session_factory(engine), transports, **options)
    try:
        if once:
            result = worker.run_once()
            worker.close()
            typer.echo(json.dumps(result.__dict__))
            return
        stop_on_signals(worker)
        worker.run(poll=poll)
    finally:
        engine.dispose()


@app.command("list")
def list_messages(
    db: DbOpt = None,
    status: Annotated[str | None, typer.Option(help=f"Only messages in this status: {', '.join(STATUSES)}")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List outbox messages, newest first."""
    if status is not None and status not in STATUSES:
        typer.echo(f"--status: {status!r} is not one of {', '.join(STATUSES)}", err=True)
        raise typer.Exit(2)
    engine = _engine(db)
    try:
        query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id).limit(limit)
        if status is not None:
            query = query.where(OutboxMessage.status == status)
        with transaction(session_factory(engine)) as session:
            rows = [_row(m) for m in session.scalars(query)]
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        when = r["sent_at"] or r["next_attempt_at"]
        error = f"  {r['last_error'][:80]}" if r["last_error"] else ""
        typer.echo(
            f"{r['id']}  {r['status']:<7} {r['attempts']:>2}  {r['channel']:<5} {r['kind']:<24} {r['recipient']:<32} {when}{error}"
        )


def _row(m: OutboxMessage) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": m.id,
        "message_id": m.message_id,
        "status": m.status,
        "attempts": m.attempts,
        "kind": m.kind,
        "channel": m.channel,
        "recipient": m.recipient,
        "subject": m.subject,
        "related": m.related,
        "created_at": iso(m.created_at),
        "next_attempt_at": iso(m.next_attempt_at),
        "locked_by": m.locked_by,
        "locked_until": iso(m.locked_until),
        "sent_at": iso(m.sent_at),
        "last_error": m.last_error,
    }


@app.command()
def retry(message_id: Annotated[str, typer.Argument(help="The outbox id of a dead message")], db: DbOpt = None) -> None:
    """Requeue a dead message with a fresh set of attempts. Exit 1 if it is not dead, 2 if there is none."""
    engine = _engine(db)
    try:
        with UnitOfWork(session_factory(engine), actor=f"cli:{_user()}") as uow:
            row = requeue(uow.session, message_id, now=uow.now())
            uow.record("outbox.requeued", row.related, message_id=row.message_id, kind=row.kind)
    except LookupError as exc:
        typer.echo(str(exc.args[0]), err=True)
        raise typer.Exit(2) from None
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(f"{message_id}: requeued")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
