"""`privet policy …`: check, render, diff and trace promises of policy packs."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from privet.policy.check import check_pack
from privet.policy.diff import any_material, diff_packs
from privet.policy.draft.cli import draft
from privet.policy.load import PackError, Problem, format_path, load_pack, load_pack_or_raise
from privet.policy.model import PolicyPack
from privet.policy.promises import check_promises, load_promises, pending_counts, promises_path, status_counts
from privet.policy.render import render as render_notice
from privet.regimes.pack_check import shortfalls

app = typer.Typer(help="Policy packs: check, render, diff, promises.", no_args_is_help=True)

PackArg = Annotated[Path, typer.Argument(help="A pack directory or its pack.yaml")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def _problems_for(path: Path) -> list[Problem]:
    pack, doc, problems = load_pack(path)
    if pack is None or doc is None:
        return problems
    problems = problems + check_pack(pack, doc)
    for short in shortfalls(pack):
        where = ("rules", short.rule_index, "basis")
        problems.append(Problem(doc.file, doc.line_of(where), format_path(where), short.message, "warning"))
    ppath = promises_path(path)
    if ppath.exists():
        plist, pdoc, pproblems = load_promises(ppath)
        problems += pproblems
        if plist is not None and pdoc is not None:
            problems += check_promises(plist, pdoc, pack)
    return problems


@app.command()
def check(packs: Annotated[list[Path], typer.Argument(help="One or more packs")], as_json: JsonOpt = False) -> None:
    """Validate packs (and their promise lists). Exit 0 when every pack is valid, 1 otherwise."""
    failed = False
    report = []
    for path in packs:
        problems = _problems_for(path)
        errors = [p for p in problems if p.severity == "error"]
        failed |= bool(errors)
        report.append({"pack": str(path), "valid": not errors, "problems": [p.__dict__ for p in problems]})
        if not as_json:
            for p in problems:
                typer.echo(str(p), err=True)
            verdict = "valid" if not errors else f"INVALID ({len(errors)} error{'s' if len(errors) != 1 else ''})"
            warnings = len(problems) - len(errors)
            typer.echo(f"{path}: {verdict}" + (f", {warnings} warning(s)" if warnings else ""))
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    raise typer.Exit(1 if failed else 0)


@app.command()
def promises(pack: PackArg, as_json: JsonOpt = False) -> None:
    """Count the promises of a pack's promise list by status."""
    plist, _, problems = load_promises(promises_path(pack))
    if plist is None:
        for p in problems:
            typer.echo(str(p), err=True)
        raise typer.Exit(2)
    counts, pending = status_counts(plist), pending_counts(plist)
    if as_json:
        typer.echo(
            json.dumps({"seed": plist.seed, "total": len(plist.promises), "by_status": counts, "pending_by_capability": pending})
        )
        return
    typer.echo(f"{plist.title} (seed {plist.seed}): {len(plist.promises)} promises")
    for status, n in counts.items():
        typer.echo(f"  {status:<10} {n}")
    if pending:
        typer.echo("  not yet enforced, by the capability that will enforce them:")
        for cap, n in pending.items():
            typer.echo(f"    {cap:<28} {n}")


class Format(StrEnum):
    md = "md"
    html = "html"


@app.command()
def render(
    pack: PackArg,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="md or html")] = Format.md,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of standard output")] = None,
) -> None:
    """Render the human-readable notice generated from a pack."""
    text = render_notice(_usable(pack), fmt.value)
    if out:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)
    else:
        typer.echo(text, nl=False)


def _usable(path: Path) -> PolicyPack:
    """Load a pack a command needs to act on, or exit 2 with its problems."""
    try:
        return load_pack_or_raise(path)
    except PackError as exc:
        for p in exc.problems:
            typer.echo(str(p), err=True)
        typer.echo(f"{path}: not a usable pack; run `privet policy check {path}`", err=True)
        raise typer.Exit(2) from None


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier version")],
    new: Annotated[Path, typer.Argument(help="The later version")],
    as_json: JsonOpt = False,
) -> None:
    """List every change between two versions, each material or not with its reason.

    Exit 0 when nothing material changed, 1 when something did, 2 when a pack is unusable.
    """
    changes = diff_packs(_usable(old), _usable(new))
    material = any_material(changes)
    if as_json:
        typer.echo(json.dumps({"material": material, "changes": [c.as_dict() for c in changes]}, indent=2))
    else:
        for c in changes:
            detail = " -> ".join(x for x in (c.before, c.after) if x)
            typer.echo(
                f"{'MATERIAL' if c.material else 'minor   '}  {c.element}: {c.reason}" + (f" [{detail}]" if detail else "")
            )
        typer.echo(f"{len(changes)} change(s), {sum(c.material for c in changes)} material")
    raise typer.Exit(1 if material else 0)


app.command("draft")(draft)
