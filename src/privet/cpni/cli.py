"""`privet cpni …`: what is due on CPNI breaches, recording them, and the annual certification."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from privet.cliopts import DbOpt, JsonOpt, PolicyOpt, fail, runtime_for
from privet.cpni import breaches, certify
from privet.cpni.contacts import CpniError
from privet.store.uow import UnitOfWork

app = typer.Typer(help="CPNI safeguards: breaches and their deadlines, the annual certification.", no_args_is_help=True)
breach_app = typer.Typer(help="Record a breach, its law-enforcement report and agency holds.", no_args_is_help=True)
app.add_typer(breach_app, name="breach")

DateOpt = Annotated[datetime | None, typer.Option("--at", formats=["%Y-%m-%d"], help="As of this date (default today)")]


def _day(value: datetime) -> date:
    return value.date()


def _uow(db: str | None, policy: Path | None, at: datetime | None = None) -> UnitOfWork:
    runtime = runtime_for(db, policy)
    if at is None:
        return runtime.uow("cli")
    moment = at.replace(tzinfo=UTC, hour=12)
    return UnitOfWork(runtime.factory, "cli", clock=lambda: moment)


@app.command("breaches")
def list_breaches(db: DbOpt = None, policy: PolicyOpt = None, at: DateOpt = None, as_json: JsonOpt = False) -> None:
    """Open breaches: the law-enforcement report deadline and when customers may (and must) be told."""
    with _uow(db, policy, at) as uow:
        rows = breaches.open_breaches(uow)
        today = uow.now().date()
        out: list[dict[str, Any]] = [
            {
                "id": st.breach.id,
                "rule": st.breach.rule,
                "determined_on": st.breach.determined_on.isoformat(),
                "report_to": list(st.dates.report_to),
                "report_due": st.dates.report_due.isoformat(),
                "reported_on": st.breach.reported_on.isoformat() if st.breach.reported_on else None,
                "report_overdue": st.breach.reported_on is None and today > st.dates.report_due,
                "earliest_customer_notice": _iso(st.dates.earliest_customer_notice),
                "customer_notice_due": _iso(st.dates.customer_notice_due),
                "hold_until": _iso(st.hold_until),
                "due_now": list(st.due_now),
            }
            for st in rows
        ]
    if as_json:
        typer.echo(json.dumps(out, indent=2))
        return
    if not out:
        typer.echo("no open breaches")
    for b in out:
        late = "  OVERDUE" if b["report_overdue"] else ""
        typer.echo(f"breach {b['id']} (rule {b['rule']}), determined {b['determined_on']}{late}")
        for line in b["due_now"] or ["nothing due"]:
            typer.echo(f"  {line}")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


@breach_app.command("record")
def record(
    discovered: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="Date the breach was discovered")],
    determined: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="Date it was reasonably determined")],
    description: Annotated[str, typer.Option(help="What happened")],
    data: Annotated[str, typer.Option(help="The CPNI involved, in detail")],
    circumstances: Annotated[str, typer.Option(help="How it happened")],
    unintentional: Annotated[bool, typer.Option(help="Inadvertent (counts only under the 2023 rule)")] = False,
    affected: Annotated[int | None, typer.Option(help="Customers affected")] = None,
    person: Annotated[list[int] | None, typer.Option(help="An affected person's id (repeatable)")] = None,
    rule: Annotated[str | None, typer.Option(help="2007 or 2023 (default: $PRIVET_CPNI_BREACH_RULES_2023)")] = None,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a breach and print its deadlines."""
    try:
        with _uow(db, policy) as uow:
            row = breaches.record_breach(
                uow,
                discovered_on=_day(discovered),
                determined_on=_day(determined),
                description=description,
                data_description=data,
                circumstances=circumstances,
                intentional=not unintentional,
                affected_count=affected,
                person_ids=person or [],
                rule=rule,
            )
            st = breaches.status(uow, row)
    except CpniError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps({"id": row.id, "report_due": st.dates.report_due.isoformat(), "due_now": list(st.due_now)}))
    else:
        typer.echo(f"breach {row.id} recorded under the {row.rule} rule")
        for reason in st.dates.reasons:
            typer.echo(f"  {reason}")


@breach_app.command("report")
def report(
    breach_id: Annotated[int, typer.Argument(help="The breach")],
    on: Annotated[datetime, typer.Option("--on", formats=["%Y-%m-%d"], help="Date reported")],
    reference: Annotated[str, typer.Option(help="The reporting facility's confirmation")],
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Record the report to the USSS and FBI (and the FCC under the 2023 rule)."""
    try:
        with _uow(db, policy) as uow:
            breaches.record_report(uow, breach_id, reported_on=_day(on), reference=reference)
            st = breaches.status(uow, breaches.get_breach(uow, breach_id))
    except CpniError as exc:
        fail(str(exc))
    typer.echo(f"breach {breach_id}: customers may be told from {st.dates.earliest_customer_notice}")


@breach_app.command("hold")
def hold(
    breach_id: Annotated[int, typer.Argument(help="The breach")],
    agency: Annotated[str, typer.Option(help="The directing agency")],
    directed: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="Date of the written direction")],
    reference: Annotated[str, typer.Option(help="The written direction")],
    until: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Customers may be told from this date")] = None,
    kind: Annotated[str, typer.Option(help="initial, extension or release")] = "initial",
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Record an agency's direction to delay customer notice (initial up to 30 days), an extension or a release."""
    try:
        with _uow(db, policy) as uow:
            breaches.add_hold(
                uow,
                breach_id,
                kind=kind,
                agency=agency,
                directed_on=_day(directed),
                until=_day(until) if until else None,
                reference=reference,
            )
            held = breaches.hold_until(uow, breach_id)
    except CpniError as exc:
        fail(str(exc))
    typer.echo(f"breach {breach_id}: customers may be told from {held} at the earliest")


@app.command("certify")
def certify_cmd(
    year: Annotated[int, typer.Option("--year", help="The calendar year certified")],
    officer: Annotated[str, typer.Option(help="The signing officer's name")],
    title: Annotated[str, typer.Option(help="The officer's title")],
    out: Annotated[Path, typer.Option(help="Folder to write the certificate into")] = Path("."),
    fmt: Annotated[str, typer.Option("--format", help="md, pdf or both")] = "both",
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Write the officer's certificate and accompanying statement for YEAR, from privet's records."""
    if fmt not in ("md", "pdf", "both"):
        fail("--format: md, pdf or both")
    runtime = runtime_for(db, policy)
    try:
        with runtime.uow("cli") as uow:
            cert = certify.build(uow, runtime.pack, year=year, officer=officer, title=title)
    except CpniError as exc:
        fail(str(exc))
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"cpni-certification-{year}"
    written = []
    if fmt in ("md", "both"):
        stem.with_suffix(".md").write_text(cert.markdown(), encoding="utf-8")
        written.append(stem.with_suffix(".md"))
    if fmt in ("pdf", "both"):
        stem.with_suffix(".pdf").write_bytes(cert.pdf())
        written.append(stem.with_suffix(".pdf"))
    typer.echo(f"certification for {year} (due {cert.due}): " + ", ".join(str(p) for p in written))
