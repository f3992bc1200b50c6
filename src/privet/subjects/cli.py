"""`privet subjects …`: import subscriber files and look people up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from privet.cliopts import DbOpt, JsonOpt, PolicyOpt, fail, runtime_for
from privet.subjects import service
from privet.subjects.identities import IdentityKind, InvalidIdentity
from privet.subjects.importing import parse_rows, read_file
from privet.subjects.service import ImportRejected, RowError
from privet.subjects.views import person_view

app = typer.Typer(help="Subscribers: accounts, people, identities, services.", no_args_is_help=True)


def _report(errors: list[RowError], source: Path) -> None:
    for e in errors:
        typer.echo(f"{source}: {e}", err=True)
    typer.echo(f"{source}: {len(errors)} problem(s); nothing was imported", err=True)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A .csv or .json file of subscriber records")],
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import subscribers. Every bad row is reported; if any row is bad, nothing is written."""
    try:
        rows = read_file(file)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        fail(f"{file}: {exc}")
    records, errors = parse_rows(rows)
    if errors:
        _report(errors, file)
        raise typer.Exit(2)
    runtime = runtime_for(db, policy)
    try:
        with runtime.uow("cli") as uow:
            result = service.import_records(uow, records, runtime.policy_version_id)
    except ImportRejected as exc:
        _report(exc.errors, file)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(result.__dict__))
    else:
        typer.echo(
            f"imported {result.rows} rows: {result.accounts_created} new accounts, "
            f"{result.persons_created} new people, {result.identities_added} new identities"
        )


@app.command()
def show(
    kind: Annotated[IdentityKind, typer.Argument(help="email, phone, account_number or username")],
    value: Annotated[str, typer.Argument(help="The identity")],
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Show the person behind an identity (as the privacy officer sees them)."""
    runtime = runtime_for(db, policy)
    try:
        with runtime.uow("cli") as uow:
            person = service.find_person(uow, kind, value)
            if person is None:
                fail(f"no person has that {kind.value}", 1)
            view = person_view(person, runtime.pack, "privacy_officer")
    except InvalidIdentity as exc:
        fail(str(exc))
    typer.echo(view.model_dump_json(indent=2))


@app.command("privacy-link")
def privacy_link(
    kind: Annotated[IdentityKind, typer.Argument(help="email, phone, account_number or username")],
    value: Annotated[str, typer.Argument(help="The identity")],
    base_url: Annotated[str, typer.Option(help="Where the privacy center is served")] = "http://127.0.0.1:8000",
    db: DbOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Print a signed privacy-center sign-in link for a subscriber (valid 12 hours), to send them or to try the pages.

    It is the link the provider's portal would hand a customer who has signed in there; opening it
    signs that browser in to the subscriber's preference center, account page and request form.
    Opening one is recorded in the audit log as a session opened from the command line.
    """
    from privet.consent.links import make_session_token

    runtime = runtime_for(db, policy)
    try:
        with runtime.uow("cli") as uow:
            person = service.find_person(uow, kind, value)
            if person is None:
                fail(f"no person has that {kind.value}", 1)
            token = make_session_token(person.id, uow.now())
            uow.record("privacy_center.session_opened", f"person:{person.id}", by="cli")
    except InvalidIdentity as exc:
        fail(str(exc))
    typer.echo(f"{base_url.rstrip('/')}/privacy/session/{token}")
