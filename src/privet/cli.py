"""The `privet` command: one Typer app per domain, mounted as `privet GROUP VERB`."""

from __future__ import annotations

import typer

from privet.abuse.cli import app as abuse_app
from privet.access.cli import app as token_app
from privet.audit.cli import app as audit_app
from privet.consent.cli import app as consent_app
from privet.cpni.cli import app as cpni_app
from privet.decide.cli import app as decide_app
from privet.legal.cli import app as legal_app
from privet.outbox.cli import app as outbox_app
from privet.policy.cli import app as policy_app
from privet.requests.cli import app as requests_app
from privet.requests.datasets.cli import app as datasets_app
from privet.retention.cli import app as retention_app
from privet.serve import serve
from privet.subjects.cli import app as subjects_app

app = typer.Typer(help="privet: privacy operations for communications providers.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
app.add_typer(subjects_app, name="subjects")
app.add_typer(consent_app, name="consent")
app.add_typer(token_app, name="token")
app.add_typer(outbox_app, name="outbox")
app.add_typer(audit_app, name="audit")
app.add_typer(cpni_app, name="cpni")
app.add_typer(legal_app, name="legal")
app.add_typer(retention_app, name="retention")
app.add_typer(requests_app, name="requests")
app.add_typer(datasets_app, name="datasets")
app.add_typer(abuse_app, name="abuse")
app.add_typer(decide_app, name="decide")
app.command()(serve)


def main() -> None:
    app()
