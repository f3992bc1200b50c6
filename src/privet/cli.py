"""The `privet` command: one Typer app per domain, mounted as `privet GROUP VERB`."""

from __future__ import annotations

import typer

from privet.policy.cli import app as policy_app

app = typer.Typer(help="privet: privacy operations for communications providers.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


def main() -> None:
    app()
