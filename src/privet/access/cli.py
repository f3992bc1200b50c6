"""`privet token …`: create, list and revoke API tokens."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from privet.access.tokens import create_token, list_tokens, revoke_token
from privet.cliopts import DbOpt, JsonOpt, PolicyOpt, fail, runtime_for

app = typer.Typer(help="API tokens: each carries one role from the policy pack.", no_args_is_help=True)


@app.command()
def create(
    role: Annotated[str, typer.Option("--role", help="A role id from the pack's roles")],
    name: Annotated[str, typer.Option("--name", help="Who or what will use the token")] = "cli",
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a token and print it once; privet stores only its hash."""
    runtime = runtime_for(db, policy)
    roles = sorted(r.id for r in runtime.pack.roles)
    if role not in roles:
        fail(f"role '{role}' is not one of the policy's roles: {', '.join(roles)}")
    with runtime.uow("cli") as uow:
        token, row = create_token(uow, name=name, role=role)
    if as_json:
        typer.echo(json.dumps({"id": row.id, "role": role, "name": name, "token": token}))
    else:
        typer.echo(token)
        typer.echo(f"token {row.id} for role {role}; it is shown only now", err=True)


@app.command("list")
def list_(db: DbOpt = None, policy: PolicyOpt = None, as_json: JsonOpt = False) -> None:
    """List tokens (never their values)."""
    runtime = runtime_for(db, policy)
    with runtime.uow("cli") as uow:
        rows = [
            {"id": t.id, "name": t.name, "role": t.role, "prefix": t.prefix, "revoked": t.revoked_at is not None}
            for t in list_tokens(uow)
        ]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for r in rows:
        typer.echo(f"{r['id']:>4}  {r['prefix']}…  {r['role']:<20} {r['name']}{'  (revoked)' if r['revoked'] else ''}")


@app.command()
def revoke(token_id: int, db: DbOpt = None, policy: PolicyOpt = None) -> None:
    """Revoke a token; calls with it are refused from now on."""
    runtime = runtime_for(db, policy)
    with runtime.uow("cli") as uow:
        done = revoke_token(uow, token_id)
    if not done:
        fail(f"no active token with id {token_id}", 1)
    typer.echo(f"token {token_id} revoked")
