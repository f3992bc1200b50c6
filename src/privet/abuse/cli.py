"""`privet abuse …`: take notices in (files, a maildir, SMTP), load assignments, look addresses up.

Mount with `app.add_typer(privet.abuse.cli.app, name="abuse")`. Case work (review, disputes,
takedowns, reactivation, reports) is in `cli_cases` and mounted here.
"""

from __future__ import annotations

import hashlib
import json
import signal
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from privet.abuse import cli_cases
from privet.abuse.assignments import KINDS, AssignmentsRejected, add_network, import_rows, read_rows
from privet.abuse.attribution import lookup as attribute
from privet.abuse.cli_common import context
from privet.abuse.intake import IntakeResult, record_oversized
from privet.abuse.maildir import NotAMaildir, drain
from privet.abuse.prepare import ParsePool
from privet.abuse.timeparse import parse_time
from privet.cliopts import DbOpt, JsonOpt, PolicyOpt, fail
from privet.store.db import bound_url

app = typer.Typer(help="Abuse desk: copyright and acceptable-use notices, attribution, cases.", no_args_is_help=True)
assignments_app = typer.Typer(help="Address assignment records (DHCP, RADIUS, static, CGNAT).", no_args_is_help=True)
networks_app = typer.Typer(help="Address space the provider holds.", no_args_is_help=True)
app.add_typer(assignments_app, name="assignments")
app.add_typer(networks_app, name="networks")
cli_cases.mount(app)


def _show(results: list[IntakeResult], names: list[str], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([{"source": n, **r.as_dict()} for n, r in zip(names, results, strict=True)], indent=2, default=str))
        return
    for name, r in zip(names, results, strict=True):
        extra = "".join(
            f" {k}={v}" for k, v in (("case", r.case_id), ("strike", r.strike_id), ("step", r.step), ("reply", r.reply)) if v
        )
        typer.echo(f"{name}: notice {r.notice_id} {r.status}{extra}" + (f" ({r.reason})" if r.reason else ""))


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help=".eml, .xml or .json notices")],
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest notice files. Exit 1 when any was refused (the refusal is recorded), 2 when a file cannot be read."""
    for path in files:
        if not path.is_file():
            fail(f"{path}: no such file")
    ctx = context(db, policy)
    results: list[IntakeResult] = []
    for path in files:
        size = path.stat().st_size
        if size > ctx.settings.max_message_bytes:
            with ctx.desk("cli") as desk:
                results.append(record_oversized(desk, size=size, digest=_digest(path), channel="file"))
            continue
        results.extend(ctx.ingest([(path.read_bytes(), "file")], "cli"))
    _show(results, [str(p) for p in files], as_json)
    if any(r.status == "refused" for r in results):
        raise typer.Exit(1)


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@app.command()
def watch(
    folder: Annotated[Path, typer.Argument(help="A maildir (with new/, cur/, tmp/) that abuse@ is delivered to")],
    once: Annotated[bool, typer.Option("--once", help="Drain what is there now and exit")] = False,
    interval: Annotated[float, typer.Option("--interval", min=0.1, help="Seconds between drains")] = 5.0,
    workers: Annotated[
        int, typer.Option("--workers", min=0, max=64, help="Parse and attribute in this many worker processes (0: inline)")
    ] = 0,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Drain a maildir into the desk: processed messages move to cur/ marked seen."""
    ctx = context(db, policy)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    pool = ParsePool(workers, bound_url(ctx.factory)) if workers else None
    try:
        while True:
            report = drain(ctx, folder, pool=pool)
            if report.messages or once:
                counts = report.counts()
                typer.echo(
                    json.dumps({"messages": report.messages, **counts}) if as_json else f"{report.messages} message(s): {counts}"
                )
            if once or stop.wait(interval):
                return
    except NotAMaildir as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        return
    finally:
        if pool is not None:
            pool.executor.shutdown(cancel_futures=True)


@app.command()
def smtpd(
    host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on")] = 2525,
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Listen for SMTP: point the mail server's abuse@ forwarding here. Stops on Ctrl-C or SIGTERM."""
    from privet.abuse.smtpd import AbuseController

    ctx = context(db, policy)
    controller = AbuseController(ctx, host, port)
    try:
        controller.start()
    except Exception as exc:
        fail(f"cannot listen on {host}:{port}: {exc}")
    typer.echo(f"privet abuse smtpd listening on {host}:{port}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(1.0):
            time.sleep(0)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@assignments_app.command("import")
def import_assignments(
    file: Annotated[Path, typer.Argument(help="A .csv or .json file of assignment records")],
    kind: Annotated[str, typer.Option("--kind", help=f"One of {', '.join(KINDS)}")],
    assume_utc: Annotated[bool, typer.Option("--assume-utc", help="Read times without a zone as UTC")] = False,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Import the good rows and report the bad ones")] = False,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import assignment records; every bad row is reported, and with any bad row nothing is written (unless --skip-bad)."""
    if kind not in KINDS:
        fail(f"--kind: '{kind}' is not one of {', '.join(KINDS)}")
    if not file.is_file():
        fail(f"{file}: no such file")
    ctx = context(db, policy)
    try:
        with ctx.desk("cli") as desk:
            report = import_rows(desk.uow, kind, read_rows(file), assume_utc=assume_utc, skip_bad=skip_bad)
    except AssignmentsRejected as exc:
        for error in exc.report.errors:
            typer.echo(f"{file}: {error}", err=True)
        fail(f"{file}: {exc}")
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        fail(f"{file}: {exc}")
    for error in report.errors:
        typer.echo(f"{file}: skipped {error}", err=True)
    summary = {
        "kind": kind,
        "rows": report.rows,
        "inserted": report.inserted,
        "closed": report.closed,
        "skipped": len(report.errors),
    }
    typer.echo(
        json.dumps(summary)
        if as_json
        else f"{report.inserted} record(s) imported, {report.closed} session(s) closed, {len(report.errors)} skipped"
    )


@networks_app.command("add")
def networks_add(
    cidr: Annotated[str, typer.Argument(help="e.g. 203.0.113.0/24 or 2001:db8::/32")],
    description: Annotated[str, typer.Option("--description")] = "",
    shared: Annotated[bool, typer.Option("--shared", help="A CGNAT pool (addresses shared by port block)")] = False,
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Declare address space the provider holds."""
    ctx = context(db, policy)
    try:
        with ctx.desk("cli") as desk:
            add_network(desk.uow, cidr, description, shared=shared)
    except ValueError as exc:
        fail(f"{cidr}: {exc}")
    typer.echo(f"network {cidr} recorded")


@app.command()
def lookup(
    address: Annotated[str, typer.Argument(help="The IP address in the notice")],
    at: Annotated[str, typer.Option("--at", help="The event time, with a zone")],
    port: Annotated[int | None, typer.Option("--port", min=1, max=65535)] = None,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Who held ADDRESS (and PORT) at the time given? Exit 1 unless exactly one subscriber did."""
    when = parse_time(at)
    if when is None or when.assumed_utc:
        fail(f"--at: '{at}' is not a time with a zone")
    ctx = context(db, policy)
    try:
        with ctx.desk("cli") as desk:
            found = attribute(desk.uow.session, address, when.at, port=port, skew=ctx.settings.skew)
            desk.uow.record(
                "abuse.attribution_looked_up", None, address=address, port=port, at=when.at.isoformat(), answer=found.answer.value
            )
    except ValueError:
        fail(f"'{address}' is not an IP address")
    typer.echo(
        json.dumps(found.as_dict()) if as_json else f"{found.answer.value}: {found.account_number or '-'} ({found.reason})"
    )
    if found.account_number is None:
        raise typer.Exit(1)
