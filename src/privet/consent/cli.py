"""`privet consent …`: announce a material policy change to the people it concerns."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from privet.cliopts import DbOpt, HistoryOpt, JsonOpt, PolicyOpt, fail, runtime_for
from privet.consent.announcements import NOTICE_PURPOSE, AnnouncementError, announce

app = typer.Typer(help="Consent and policy changes: announce a material change.", no_args_is_help=True)


@app.command("announce")
def announce_(
    base_url: Annotated[str, typer.Option("--base-url", help="Where the privacy center is served (linked from the email)")],
    purpose: Annotated[str, typer.Option(help="The purpose the pack's rules give service notices by email")] = NOTICE_PURPOSE,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count who would be told; send nothing")] = False,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    history: HistoryOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Email the material changes of the version in force (from the one it replaces, given with --history) to
    everyone whose data stays under an earlier version and whom the pack lets privet write to; each once."""
    runtime = runtime_for(db, policy, history)
    try:
        done = announce(runtime, base_url=base_url, purpose=purpose, dry_run=dry_run, actor="cli")
    except AnnouncementError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(done.as_dict(), indent=2))
        return
    typer.echo(f"version {done.version} (from {done.previous}): {len(done.changes)} material change(s)")
    for change in done.changes:
        typer.echo(f"  - {change}")
    denied = done.people - done.may_be_written_to
    typer.echo(
        f"{done.people} people; {denied} may not be written to"
        + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(done.denied_by_reason.items()))})" if denied else "")
        + f"; {done.under_this_version} already under this version; {done.told_before} told before; "
        f"{done.nothing_material} with nothing material changed for them; {done.no_email} without an email"
    )
    typer.echo(f"would send {done.sent}" if dry_run else f"sent {done.sent} announcement(s) to the outbox")
