"""Options every store-touching command shares, and the way commands report expected errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from privet.policy.load import PackError
from privet.runtime import Runtime, open_runtime
from privet.store.db import database_url

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default $PRIVET_DB, else sqlite:///privet.db)")]
PolicyOpt = Annotated[Path | None, typer.Option("--policy", help="Policy pack (default $PRIVET_POLICY)")]
HistoryOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--history",
        help="An earlier version of the pack whose data stays under it (repeatable; default $PRIVET_POLICY_HISTORY, ':'-separated)",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def policy_path(policy: Path | None) -> Path:
    chosen = policy or (Path(os.environ["PRIVET_POLICY"]) if os.environ.get("PRIVET_POLICY") else None)
    if chosen is None:
        fail("no policy pack given: pass --policy PACK or set PRIVET_POLICY")
    return chosen


def history_paths(history: list[Path] | None) -> tuple[Path, ...]:
    if history:
        return tuple(history)
    env = os.environ.get("PRIVET_POLICY_HISTORY", "")
    return tuple(Path(p) for p in env.split(os.pathsep) if p)


def runtime_for(db: str | None, policy: Path | None, history: list[Path] | None = None) -> Runtime:
    """Open the store and the pack for a command, turning expected failures into exit 2."""
    try:
        return open_runtime(database_url(db), policy_path(policy), history_paths(history))
    except PackError as exc:
        for p in exc.problems:
            typer.echo(str(p), err=True)
        fail("the policy pack is not usable; run `privet policy check`")
    except Exception as exc:  # connection refused, bad URL, unreadable file
        if isinstance(exc, typer.Exit):
            raise
        fail(f"cannot open the store: {exc.__class__.__name__}: {exc}")
