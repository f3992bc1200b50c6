"""`privet serve`: the API on an embedded default, ready after one command."""

from __future__ import annotations

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
) -> None:
    """Start the API, creating and migrating the database on first start."""
    runtime = runtime_for(db, policy, history)
    url = f"http://{host}:{port}"
    typer.echo(f"privet: policy {runtime.pack.pack.id} version {runtime.pack.pack.version}, database {database_url(db)}")
    token = ensure_admin_token(runtime)
    if token:
        typer.echo("first start: an admin token was created; keep it safe, it is shown only now:")
        typer.echo(f"  {token}")
    typer.echo(f"privet: serving {url}  (API docs {url}/docs, OpenAPI {url}/openapi.json)")
    app = create_app(runtime)
    app.state.policy_path = policy_path(policy)
    uvicorn.run(app, host=host, port=port, log_level="info")


__all__ = ["Path", "serve"]
