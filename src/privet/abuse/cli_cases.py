"""`privet abuse review|cases|case|dispute|takedown|immediate|reactivate|run-due|report`: working cases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy import select

from privet.abuse import disputes, hosted, ladder, reports, review
from privet.abuse.cli_common import context
from privet.abuse.desk import AbuseError
from privet.abuse.tables import AbuseCase
from privet.abuse.timeparse import parse_time
from privet.abuse.views import NoticeView, case_view, dispute_view, takedown_view
from privet.cliopts import DbOpt, JsonOpt, PolicyOpt, fail

review_app = typer.Typer(help="Notices waiting for a person.", no_args_is_help=True)
dispute_app = typer.Typer(help="Subscriber disputes of strikes.", no_args_is_help=True)
takedown_app = typer.Typer(help="Hosted-content takedowns under 512(g).", no_args_is_help=True)
report_app = typer.Typer(help="Repeat infringers, volumes, latency.", no_args_is_help=True)


def mount(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
    app.add_typer(dispute_app, name="dispute")
    app.add_typer(takedown_app, name="takedown")
    app.add_typer(report_app, name="report")
    app.command("cases")(cases)
    app.command("immediate")(immediate)
    app.command("reactivate")(reactivate)
    app.command("run-due")(run_due)


def _refuse(exc: Exception) -> NoReturn:
    fail(str(exc), 1 if isinstance(exc, PermissionError) else 2)


def _echo(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


@review_app.command("list")
def review_list(db: DbOpt = None, policy: PolicyOpt = None, limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """Notices waiting for review, oldest first."""
    with context(db, policy).desk("cli") as desk:
        _echo([NoticeView.model_validate(n).model_dump(mode="json") for n in review.queue(desk, limit)])


@review_app.command("confirm")
def review_confirm(
    notice_id: int,
    note: Annotated[str, typer.Option("--note", help="Why the notice is accepted")],
    address: Annotated[str | None, typer.Option("--address")] = None,
    port: Annotated[int | None, typer.Option("--port")] = None,
    at: Annotated[str | None, typer.Option("--at", help="Event time, with a zone")] = None,
    violation: Annotated[str | None, typer.Option("--violation")] = None,
    prohibition: Annotated[str | None, typer.Option("--prohibition", help="The pack prohibition broken, by id")] = None,
    account: Annotated[str | None, typer.Option("--account", help="Attribute by hand after an investigation")] = None,
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    when = parse_time(at) if at else None
    if at and (when is None or when.assumed_utc):
        fail(f"--at: '{at}' is not a time with a zone")
    try:
        with context(db, policy).desk("cli") as desk:
            routed = review.confirm(
                desk, notice_id, note=note, source_ip=address, source_port=port, event_at=when.at if when else None,
                violation=violation, prohibition=prohibition, account_number=account,
            )  # fmt: skip
    except AbuseError as exc:
        _refuse(exc)
    typer.echo(f"notice {notice_id} {routed.status}" + (f" ({routed.reason})" if routed.reason else ""))


@review_app.command("dismiss")
def review_dismiss(
    notice_id: int, reason: Annotated[str, typer.Option("--reason")], db: DbOpt = None, policy: PolicyOpt = None
) -> None:
    try:
        with context(db, policy).desk("cli") as desk:
            review.dismiss(desk, notice_id, reason)
    except AbuseError as exc:
        _refuse(exc)
    typer.echo(f"notice {notice_id} dismissed")


def cases(
    account: Annotated[str | None, typer.Option("--account")] = None,
    case_id: Annotated[int | None, typer.Option("--id", help="One case, in full")] = None,
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Cases (with their strikes and the account's steps), newest first."""
    with context(db, policy).desk("cli") as desk:
        query = select(AbuseCase).order_by(AbuseCase.updated_at.desc()).limit(200)
        if case_id is not None:
            query = query.where(AbuseCase.id == case_id)
        if account:
            query = query.where(AbuseCase.account_number == account.replace("-", "").upper())
        found = [case_view(desk.uow.session, c).model_dump(mode="json") for c in desk.uow.session.scalars(query)]
    if case_id is not None and not found:
        fail(f"no case {case_id}", 1)
    _echo(found)


@dispute_app.command("open")
def dispute_open(
    strike_id: int,
    ground: Annotated[str, typer.Option("--ground", help=", ".join(disputes.GROUNDS))],
    statement: Annotated[str, typer.Option("--statement")],
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    try:
        with context(db, policy).desk("cli") as desk:
            _echo(dispute_view(disputes.open_dispute(desk, strike_id, ground, statement)).model_dump(mode="json"))
    except AbuseError as exc:
        _refuse(exc)


@dispute_app.command("decide")
def dispute_decide(
    dispute_id: int,
    reason: Annotated[str, typer.Option("--reason")],
    uphold: Annotated[bool, typer.Option("--uphold/--reject")] = False,
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    try:
        with context(db, policy).desk("cli") as desk:
            _echo(dispute_view(disputes.decide(desk, dispute_id, uphold=uphold, reason=reason)).model_dump(mode="json"))
    except AbuseError as exc:
        _refuse(exc)


@takedown_app.command("counter-notice")
def takedown_counter(
    takedown_id: int,
    file: Annotated[Path, typer.Argument(help="The counter-notice text")],
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Record a counter-notice; exit 1 when it lacks a 512(g)(3) element (the subscriber is told which)."""
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        fail(f"{file}: {exc}")
    try:
        with context(db, policy).desk("cli") as desk:
            counter = hosted.counter_notice(desk, takedown_id, text)
            _echo(takedown_view(desk.uow.session, hosted.get(desk, takedown_id)).model_dump(mode="json"))
    except AbuseError as exc:
        _refuse(exc)
    if not counter.valid:
        raise typer.Exit(1)


@takedown_app.command("lawsuit")
def takedown_lawsuit(
    takedown_id: int, detail: Annotated[str, typer.Option("--detail")], db: DbOpt = None, policy: PolicyOpt = None
) -> None:
    try:
        with context(db, policy).desk("cli") as desk:
            _echo(takedown_view(desk.uow.session, hosted.report_lawsuit(desk, takedown_id, detail)).model_dump(mode="json"))
    except AbuseError as exc:
        _refuse(exc)


def immediate(
    case_id: int,
    ground: Annotated[str, typer.Option("--ground")],
    reason: Annotated[str, typer.Option("--reason")],
    action: Annotated[str, typer.Option("--action", help="suspend or terminate")] = "suspend",
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Suspend or terminate at once on one of the pack's immediate grounds."""
    try:
        with context(db, policy).desk("cli") as desk:
            case = desk.uow.session.get(AbuseCase, case_id)
            if case is None:
                fail(f"no case {case_id}", 1)
            done = ladder.immediate(desk, desk.need_account(case.account_number), case, ground, action, reason)
            typer.echo(f"{done.step}: account {done.account_number} {done.from_status} -> {done.to_status}")
    except AbuseError as exc:
        _refuse(exc)


def reactivate(
    account: str,
    reason: Annotated[str, typer.Option("--reason")],
    as_role: Annotated[str, typer.Option("--as-role", help="The role taking the decision; it must be allowed to")],
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Reactivate an account the desk terminated (exit 1 when the role may not)."""
    try:
        with context(db, policy).desk("cli") as desk:
            ladder.reactivate(desk, desk.need_account(account), reason, as_role)
    except (AbuseError, PermissionError) as exc:
        _refuse(exc)
    typer.echo(f"account {account} reactivated")


def run_due(db: DbOpt = None, policy: PolicyOpt = None, as_json: JsonOpt = False) -> None:
    """Restore counter-noticed material whose day has come; end temporary suspensions that are over."""
    with context(db, policy).desk("cli") as desk:
        restored = [t.id for t in hosted.restore_due(desk)]
        resumed = [a.id for a in ladder.resume_due(desk)]
    if as_json:
        _echo({"restored_takedowns": restored, "resumed_actions": resumed})
    else:
        typer.echo(f"{len(restored)} takedown(s) restored, {len(resumed)} suspension(s) ended")


def _window(days: int) -> tuple[datetime, datetime]:
    end = datetime.now(UTC)
    return end - timedelta(days=days), end + timedelta(seconds=1)


@report_app.command("repeat-infringers")
def report_repeat(
    kind: Annotated[str, typer.Option("--kind", help="A case kind, or 'all'")] = "copyright",
    min_strikes: Annotated[int, typer.Option("--min-strikes", min=0)] = 1,
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    with context(db, policy).desk("cli") as desk:
        _echo(
            reports.repeat_infringers(
                desk.uow.session, kind=None if kind == "all" else kind, min_strikes=min_strikes, now=desk.now()
            )
        )


@report_app.command("volumes")
def report_volumes(days: Annotated[int, typer.Option("--days", min=1)] = 30, db: DbOpt = None, policy: PolicyOpt = None) -> None:
    since, until = _window(days)
    with context(db, policy).desk("cli") as desk:
        _echo(reports.volumes(desk.uow.session, since=since, until=until))


@report_app.command("latency")
def report_latency(days: Annotated[int, typer.Option("--days", min=1)] = 30, db: DbOpt = None, policy: PolicyOpt = None) -> None:
    since, until = _window(days)
    with context(db, policy).desk("cli") as desk:
        _echo(reports.latency(desk.uow.session, since=since, until=until))
