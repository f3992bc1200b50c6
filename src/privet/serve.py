"""`privet serve`: the API on an embedded default, ready after one command."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlalchemy import select

from privet.access.tables import ApiToken
from privet.access.tokens import create_token
from privet.api.app import create_app
from privet.cliopts import DbOpt, HistoryOpt, PolicyOpt, policy_path, runtime_for
from privet.runtime import Runtime
from privet.store.db import database_url
from privet.web.privacy import BANNER_ORIGINS_ENV, parse_origins


def ensure_admin_token(runtime: Runtime) -> str | None:
    """On first start, create an admin token and return it; later starts return None."""
    with runtime.uow("system") as uow:
        if (
            uow.session.scalars(select(ApiToken.id).where(ApiToken.role == "admin", ApiToken.revoked_at.is_(None))).first()
            is not None
        ):
            return None
        token, _ = create_token(uow, name="initial admin", role="admin")
        return token


def serve(
    policy: PolicyOpt = None,
    db: DbOpt = None,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on")] = 8000,
    history: HistoryOpt = None,
    banner_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--banner-origin",
            help="An origin whose pages may run the cookie banner, e.g. https://www.example.net; repeat for several "
            "(default $PRIVET_BANNER_ORIGINS, separated by commas)",
        ),
    ] = None,
) -> None:
    """Start the API, creating and migrating the database on first start."""
    try:
        origins = parse_origins(banner_origin or [os.environ.get(BANNER_ORIGINS_ENV, "")])
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--banner-origin / $" + BANNER_ORIGINS_ENV) from None
    runtime = runtime_for(db, policy, history)
    url = f"http://{host}:{port}"
    typer.echo(f"privet: policy {runtime.pack.pack.id} version {runtime.pack.pack.version}, database {database_url(db)}")
    token = ensure_admin_token(runtime)
    if token:
        typer.echo("first start: an admin token was created; keep it safe, it is shown only now:")
        typer.echo(f"  {token}")
    typer.echo(f"privet: serving {url}  (API docs {url}/docs, OpenAPI {url}/openapi.json)")
    typer.echo(f"privet: staff console {url}/console, subscribers' privacy center {url}/privacy")
    app = create_app(runtime)
    app.state.policy_path = policy_path(policy)
    app.state.banner_origins = origins
    if origins:
        typer.echo(f"privet: the cookie banner may be used from {', '.join(sorted(origins))}")
    uvicorn.run(app, host=host, port=port, log_level="info")


__all__ = ["Path", "serve"]
