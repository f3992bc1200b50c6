"""`privet datasets …`: validate declarations against the policy and the live databases, list them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from privet.cliopts import JsonOpt, PolicyOpt, fail, policy_path
from privet.policy.load import PackError, Problem, load_pack_or_raise
from privet.policy.model import PolicyPack
from privet.requests.datasets.check import check_live
from privet.requests.datasets.load import load_declarations
from privet.requests.datasets.registry import DATASETS_ENV, Registry

app = typer.Typer(help="Dataset declarations: where personal data lives in the provider's systems.", no_args_is_help=True)

WhereArg = Annotated[
    Path | None, typer.Argument(help=f"A declaration file or a folder of them (default ${DATASETS_ENV})", show_default=False)
]


def datasets_path(where: Path | None) -> Path:
    chosen = where or (Path(os.environ[DATASETS_ENV]) if os.environ.get(DATASETS_ENV) else None)
    if chosen is None:
        fail(f"no dataset declarations given: pass a file or folder, or set {DATASETS_ENV}")
    if not chosen.exists():
        fail(f"{chosen} does not exist")
    return chosen


def _pack(policy: Path | None) -> PolicyPack:
    try:
        return load_pack_or_raise(policy_path(policy))
    except PackError as exc:
        for p in exc.problems:
            typer.echo(str(p), err=True)
        fail("the policy pack is not usable; run `privet policy check`")


@app.command()
def check(
    where: WhereArg = None,
    policy: PolicyOpt = None,
    live: Annotated[bool, typer.Option("--live/--no-live", help="Also compare with the live databases")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Validate declarations: shape, references, categories in the policy, then tables and columns live.

    Exit 0 when there is no error (warnings allowed), 1 when a check found problems.
    """
    folder = datasets_path(where)
    pack = _pack(policy)
    decls, problems = load_declarations(folder, pack)
    file_errors = [p for p in problems if p.severity == "error"]
    if live and not file_errors and decls:
        registry = Registry(decls)
        try:
            problems += check_live(registry)
        finally:
            registry.close()
    _report(problems, as_json, len(decls))
    raise typer.Exit(1 if any(p.severity == "error" for p in problems) else 0)


def _report(problems: list[Problem], as_json: bool, count: int) -> None:
    errors = sum(1 for p in problems if p.severity == "error")
    if as_json:
        typer.echo(
            json.dumps({"datasets": count, "errors": errors, "problems": [p.__dict__ for p in sorted(problems)]}, indent=2)
        )
        return
    for p in sorted(problems):
        typer.echo(str(p), err=True)
    verdict = "valid" if not errors else f"INVALID ({errors} error{'s' if errors != 1 else ''})"
    warnings = len(problems) - errors
    typer.echo(f"{count} dataset(s): {verdict}" + (f", {warnings} warning(s)" if warnings else ""))


@app.command("list")
def list_(where: WhereArg = None, policy: PolicyOpt = None, as_json: JsonOpt = False) -> None:
    """The declared datasets, their tables, and the columns holding personal data (with categories)."""
    decls, problems = load_declarations(datasets_path(where), _pack(policy))
    if any(p.severity == "error" for p in problems):
        _report(problems, False, len(decls))
        raise typer.Exit(1)
    out = {
        d.dataset.dataset: {
            t: {c: col.category for c, col in spec.columns.items() if col.category} for t, spec in d.dataset.tables.items()
        }
        for d in decls
    }
    if as_json:
        typer.echo(json.dumps(out, indent=2))
        return
    for dataset, tables in out.items():
        typer.echo(dataset)
        for table, cols in tables.items():
            typer.echo(f"  {table}: " + ", ".join(f"{c} ({cat})" for c, cat in cols.items()))
