"""`privet requests …`: the same work from the command line, with its exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from privet.requests.cli import app
from tests.conftest import POLICIES
from tests.requests.conftest import Provider


@pytest.fixture
def cli(local_provider_for: Callable[[str], Provider]) -> Callable[..., tuple[int, str]]:
    p = local_provider_for("county")
    opts = ["--db", p.runtime.engine.url.render_as_string(hide_password=False), "--policy", str(POLICIES / "004-county-micro")]

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, [*args, *opts])
        return result.exit_code, result.output

    return run


def test_a_request_from_intake_to_package(
    cli: Callable[..., tuple[int, str]], tmp_path: Path, local_provider_for: object
) -> None:
    code, out = cli(
        "submit", "access", "--phone", "555 010 0111", "--channel", "phone", "--by", "care_rep",
        "--point", "full_name=Alice Able", "--point", "postal_address=1 Alice Way, Springfield", "--declaration", "--json",
    )  # fmt: skip
    assert code == 0, out
    view = json.loads(out)
    assert view["status"] == "verified" and view["deadlines"]["respond_by"]
    code, out = cli("show", str(view["id"]))
    assert code == 0 and "respond by" in out and "acknowledge by" in out
    code, out = cli("due")
    assert code == 0 and f"request {view['id']}" in out
    datasets = tmp_path / "datasets"
    code, out = cli("execute", str(view["id"]), "--datasets", str(datasets), "--json")
    assert code == 0, out
    assert json.loads(out)["records"]["mail.mailboxes"] == 1
    report = tmp_path / "report.html"
    code, out = cli("package", str(view["id"]), "--datasets", str(datasets), "--out", str(report), "--format", "html")
    assert code == 0 and "Alice Able" in report.read_text()
    code, out = cli("list")
    assert code == 0 and "completed" in out


def test_expected_errors_exit_without_a_traceback(cli: Callable[..., tuple[int, str]]) -> None:
    code, out = cli("submit", "delete")
    assert code == 2 and "exactly one of" in out
    code, out = cli("submit", "delete", "--email", "nobody@example.com")
    assert code == 1 and "no person has the email given" in out
    code, out = cli("submit", "delete", "--email", "alice@example.net", "--point", "shoe_size=9")
    assert code == 2 and "NAME=VALUE" in out
    code, out = cli("submit", "correct", "--email", "alice@example.net")
    assert code == 2 and "corrections" in out
    code, out = cli("show", "4242")
    assert code == 1 and "no request with id 4242" in out
    code, out = cli("submit", "delete", "--email", "alice@example.net", "--json")
    request_id = str(json.loads(out)["id"])
    code, out = cli("acknowledge", request_id)
    assert code == 2 and "already acknowledged" in out
    code, out = cli("deny", request_id, "--basis", "fraud", "--explanation", "signs of fraud")
    assert code == 0
    code, out = cli("extend", request_id, "--reason", "late")
    assert code == 2 and "answered" in out
    assert "Traceback" not in out


def test_sweeps_and_purge(cli: Callable[..., tuple[int, str]]) -> None:
    code, out = cli("children")
    assert code == 0 and "opened 0 deletion(s)" in out
    code, out = cli("purge")
    assert code == 0 and "purged 0" in out
