"""`privet policy draft POLICY`: write a draft pack and its review report from a published policy.

Register it on the policy app with `app.command()(draft)` (see docs/compiler.md). Exit codes
follow privet's convention: 0 the draft was written and passes `privet policy check`, 1 it was
written but the check still finds errors (a drafter bug worth reporting), 2 the input or the
environment is unusable, said in one plain sentence and never with a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from privet.policy.draft.encoder import ModelUnavailable
from privet.policy.draft.pipeline import draft_policy
from privet.policy.draft.report import build_report, markdown
from privet.policy.draft.segment import DraftInputError


def draft(
    policy: Annotated[Path, typer.Argument(help="A published privacy policy: .txt, .md or .html")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for pack.yaml, review.md and review.json (default ./draft-<name>)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the review report as JSON")] = False,
) -> None:
    """Draft a policy pack from a published policy, with a review report of evidence and confidence."""
    folder = out if out is not None else Path.cwd() / f"draft-{policy.stem}"
    if folder.exists() and not folder.is_dir():
        typer.echo(f"error: --out {folder} exists and is not a folder", err=True)
        raise typer.Exit(2)
    try:
        result = draft_policy(policy)
    except DraftInputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except ModelUnavailable as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.echo(f"error: cannot read {policy}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
    report = build_report(result)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "pack.yaml").write_text(result.yaml_text, encoding="utf-8")
        (folder / "review.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        (folder / "review.md").write_text(markdown(report), encoding="utf-8")
    except OSError as exc:
        typer.echo(f"error: cannot write to {folder}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
    s = report["summary"]
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        typer.echo(f"{policy.name}: drafted pack '{report['pack_id']}' into {folder}")
        typer.echo(
            f"  {s['rules']} rules ({s['never_rules']} never), {s['choices']} choices, {s['rights']} rights, "
            f"{len(result.pack.get('retention', []))} retention periods"
        )
        typer.echo(
            f"  {s['negative_statements']} negative statements, {s['telecom_rule_hits']} telecom rule hits, {s['could_not_place']} statements not placed"
        )
        typer.echo(f"  check: {s['check']['errors']} errors, {s['check']['warnings']} warnings; review {folder / 'review.md'}")
    raise typer.Exit(1 if s["check"]["errors"] else 0)
