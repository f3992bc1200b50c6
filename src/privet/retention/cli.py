"""`privet retention …`: sweep once (or show the plan), or run the sweep on a schedule."""

from __future__ import annotations

import json
import os
import signal
import threading
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from privet.cliopts import DbOpt, JsonOpt, PolicyOpt, fail, runtime_for
from privet.policy.model import Period
from privet.retention.datasets import Dataset, DatasetError
from privet.retention.declare import load
from privet.retention.jobs import run_every
from privet.retention.sweep import Report, sweep

app = typer.Typer(help="Retention: delete, de-identify, lock or release what is past its period.", no_args_is_help=True)
DatasetsOpt = Annotated[
    Path | None,
    typer.Option("--datasets", help="Declaration of the provider's datasets (YAML; default $PRIVET_RETENTION_DATASETS)"),
]


def _datasets(path: Path | None) -> list[Dataset]:
    chosen = path or (Path(os.environ["PRIVET_RETENTION_DATASETS"]) if os.environ.get("PRIVET_RETENTION_DATASETS") else None)
    if chosen is None:
        return []
    try:
        return list(load(chosen))
    except DatasetError as exc:
        fail(str(exc))


def _print(report: Report, as_json: bool) -> None:
    if as_json:
        data: dict[str, Any] = {
            "at": report.at.isoformat(),
            "dry_run": report.dry_run,
            "applied": report.applied,
            "steps": [asdict(s) for s in report.steps],
            "manual": [{"rule": r, "why": w} for r, w in report.manual],
        }
        typer.echo(json.dumps(data, indent=2))
        return
    verb = "would apply" if report.dry_run else "applied"
    typer.echo(f"retention sweep at {report.at:%Y-%m-%d %H:%M} UTC{' (dry run: nothing changed)' if report.dry_run else ''}")
    for s in report.steps:
        typer.echo(f"  {s.rule:<32} {s.dataset:<28} {s.action:<18} {verb} {s.applied}, held {s.held}, kept by law {s.kept}")
        for example in s.examples:
            typer.echo(f"      {example}")
    for rule, why in report.manual:
        typer.echo(f"  {rule:<32} not automated: {why}")


@app.command("sweep")
def sweep_cmd(
    datasets: DatasetsOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan; change nothing")] = False,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Find what is past its period in the declared datasets and privet's store, and act on it (holds and legal minimums keep)."""
    found = _datasets(datasets)
    runtime = runtime_for(db, policy)
    try:
        report = sweep(lambda: runtime.uow("retention"), runtime.pack, found, dry_run=dry_run)
    except DatasetError as exc:
        fail(str(exc))
    _print(report, as_json)


@app.command("work")
def work(
    every: Annotated[str, typer.Option(help="How often to sweep, e.g. '1 day' or '6 hours'")] = "1 day",
    datasets: DatasetsOpt = None,
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Sweep now and then every EVERY until stopped (SIGTERM or Ctrl-C finishes the sweep in hand)."""
    interval = _interval(every)
    found = _datasets(datasets)
    runtime = runtime_for(db, policy)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    run_every(lambda: _print(sweep(lambda: runtime.uow("retention"), runtime.pack, found), False), interval, stop)


def _interval(text: str) -> timedelta:
    if text.strip().endswith(("hour", "hours")):
        count = text.split()[0]
        if count.isdigit() and int(count) > 0:
            return timedelta(hours=int(count))
    try:
        period = Period.parse(text)
    except ValueError as exc:
        fail(f"--every: {exc}")
    if period.unit not in ("day", "week") or period.count < 1:
        fail("--every: give hours, days or weeks (at least 1)")
    return timedelta(days=period.count * (7 if period.unit == "week" else 1))
