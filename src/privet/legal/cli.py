"""`privet legal …`: the demand register, subscriber notices due, the disclosure log and the transparency report."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from privet.cliopts import DbOpt, JsonOpt, PolicyOpt, fail, runtime_for
from privet.legal import demands, notices, reports
from privet.legal.holds import HoldError
from privet.legal.process import DemandKind, LegalError

app = typer.Typer(help="Legal process: demands, releases, holds, notices and reports.", no_args_is_help=True)
Day = Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="A date (UTC)")]


def _utc(day: datetime) -> datetime:
    return day.replace(tzinfo=UTC)


@app.command("record")
def record(
    kind: Annotated[DemandKind, typer.Argument(help="subpoena, court_order, search_warrant, order_2703d, ...")],
    issuer: Annotated[str, typer.Option(help="Who served or sent it")],
    scope: Annotated[list[str] | None, typer.Option(help="A data category asked for (repeatable)")] = None,
    person: Annotated[int | None, typer.Option(help="The person's id")] = None,
    account: Annotated[str | None, typer.Option(help="The account number")] = None,
    reference: Annotated[str | None, typer.Option(help="Case or docket number")] = None,
    deadline: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Respond by (UTC date)")] = None,
    recipient: Annotated[str | None, typer.Option(help="Pack recipient id (default by kind)")] = None,
    gag_until: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Non-disclosure order ends")] = None,
    basis: Annotated[str | None, typer.Option(help="Good-faith basis (voluntary disclosures)")] = None,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a demand (a preservation request also places its 90-day hold)."""
    runtime = runtime_for(db, policy)
    try:
        with runtime.uow("cli") as uow:
            row = demands.record_demand(
                uow,
                kind=kind,
                issuer=issuer,
                person_id=person,
                account_number=account,
                scope=scope or [],
                reference=reference,
                deadline=_utc(deadline) if deadline else None,
                recipient=recipient,
                nondisclosure_until=gag_until.date() if gag_until else None,
                good_faith_basis=basis,
            )
            demand_id = row.id
    except (LegalError, HoldError) as exc:
        fail(str(exc))
    typer.echo(json.dumps({"id": demand_id}) if as_json else f"demand {demand_id} recorded")


@app.command("demands")
def list_demands(db: DbOpt = None, policy: PolicyOpt = None, as_json: JsonOpt = False) -> None:
    """Open demands, soonest deadline first."""
    runtime = runtime_for(db, policy)
    with runtime.uow("cli") as uow:
        rows = [
            {
                "id": d.id,
                "kind": d.kind,
                "issuer": d.issuer,
                "reference": d.reference,
                "deadline": d.deadline.isoformat() if d.deadline else None,
                "nondisclosure": bool(d.nondisclosure_until or d.nondisclosure_indefinite),
            }
            for d in demands.open_demands(uow)
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['id']:>5}  {r['kind']:<26} {r['issuer']:<30} due {r['deadline'] or '-'}")
    if not rows:
        typer.echo("no open demands")


@app.command("notices")
def send_notices(db: DbOpt = None, policy: PolicyOpt = None) -> None:
    """Queue subscriber notices whose non-disclosure orders have ended (run daily)."""
    runtime = runtime_for(db, policy)
    with runtime.uow("cli") as uow:
        count = notices.send_due(uow)
    typer.echo(f"{count} subscriber notices queued")


@app.command("disclosures")
def disclosure_log(
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (UTC)")],
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Day after the last (UTC)")],
    recipient_kind: Annotated[str | None, typer.Option(help="Only this kind of recipient")] = None,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The disclosure log by recipient kind, recipient and category."""
    if end <= start:
        fail("--to must be after --from")
    runtime = runtime_for(db, policy)
    with runtime.uow("cli") as uow:
        lines = reports.disclosure_log(uow, _utc(start), _utc(end), recipient_kind=recipient_kind)
    if as_json:
        typer.echo(json.dumps([line.__dict__ for line in lines], indent=2))
        return
    for line in lines:
        typer.echo(
            f"{line.recipient_kind:<18} {line.recipient:<24} {line.category:<40} {line.disclosures:>5} disclosures, {line.persons} people"
        )


@app.command("transparency")
def transparency(
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (UTC)")],
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Day after the last (UTC)")],
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Demands received in the period, by kind and outcome."""
    if end <= start:
        fail("--to must be after --from")
    runtime = runtime_for(db, policy)
    with runtime.uow("cli") as uow:
        report = reports.transparency_report(uow, _utc(start), _utc(end))
    data: dict[str, Any] = {
        "total": report.total,
        "emergency_disclosures": report.emergency_disclosures,
        "kinds": [k.__dict__ for k in report.kinds],
    }
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(f"{report.total} demands received {start.date()} to {end.date()} (exclusive)")
    for k in report.kinds:
        outcomes = ", ".join(f"{n} {o}" for o, n in sorted(k.outcomes.items()))
        typer.echo(
            f"  {k.kind:<26} {k.received:>4} received: {outcomes}; {k.with_nondisclosure_order} under a non-disclosure order"
        )
