"""`privet retention sweep` over a declared dataset file, its dry run, bad declarations, and the schedule."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from privet.retention.cli import app
from privet.retention.datasets import DatasetError
from privet.retention.declare import load
from privet.retention.jobs import run_every
from privet.subjects.service import change_account_status
from privet.subjects.tables import Person
from tests.conftest import POLICIES
from tests.cpni.support import World
from tests.retention.support import Provider, naive

PACK = str(POLICIES / "000-metronet")


def _declaration(tmp_path: Path, prov: Provider, table: str) -> Path:
    path = tmp_path / "datasets.yaml"
    path.write_text(
        "datasets:\n"
        "  - name: mail.usernames\n"
        "    url_env: PROVIDER_DB_URL\n"
        f"    table: {table}\n"
        "    key: id\n"
        "    account_column: account_number\n"
        "    columns: {username: user.account.username}\n"
        "    released_column: released_at\n"
        "    purposes: [essential.service]\n"
    )
    return path


def test_sweep_command_plans_with_dry_run_then_releases_usernames(
    world: World, provider: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = world.person(services=["email"])
    with world.uow() as uow:
        number = uow.session.get_one(Person, person).roles[0].account.number
        change_account_status(uow, number, "disconnected", "non-payment")
    prov = Provider(provider)
    names = prov.usernames()
    prov.rows(
        names, {"id": 1, "account_number": f"{number[:2]}-{number[2:]}".lower(), "username": "gone.user"}
    )  # the provider's own format
    monkeypatch.setenv("PROVIDER_DB_URL", provider.url.render_as_string(hide_password=False))
    declaration = _declaration(tmp_path, prov, str(names.name))
    url = world.engine.url.render_as_string(hide_password=False)
    args = ["sweep", "--datasets", str(declaration), "--db", url, "--policy", PACK]

    planned = CliRunner().invoke(app, [*args, "--dry-run", "--json"])
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.output)
    step = next(s for s in plan["steps"] if s["dataset"] == "mail.usernames")
    assert plan["dry_run"] and step["rule"] == "username-release" and step["applied"] == 1
    assert prov.read(names)[1]["released_at"] is None

    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0 and "username-release" in done.output and "applied 1" in done.output
    assert prov.read(names)[1]["released_at"] is not None
    assert "mailbox-routine-deletion" in done.output  # rules no dataset can serve are listed, not silently skipped


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("datasets: []\n", "datasets"),
        ("datasets:\n  - {name: a, url: 'sqlite://', table: t, key: id}\n", "categories"),
        ("datasets:\n  - {name: a, table: t, key: id, columns: {c: user.name}}\n", "url or url_env"),
        (
            "datasets:\n  - {name: a, url: 'sqlite://', table: t, key: id, columns: {c: user.name}, times: {whenever: c}}\n",
            "unknown trigger",
        ),
        ("datasets:\n  - {name: a, url: 'sqlite://', table: 'x; drop', key: id, columns: {c: user.name}}\n", "table"),
        ("datasets:\n  - {name: a, url_env: NOPE_NOT_SET, table: t, key: id, columns: {c: user.name}}\n", "NOPE_NOT_SET"),
        ("datasets:\n  - {name: a, url: 'sqlite://', table: t, key: id, columns: {c: user.name}}\n", "no table t"),
        ("datasets: [\n", "while parsing"),
        ("datasets:\n  - {name: privet.mine, url: 'sqlite://', table: t, key: id, columns: {c: user.name}}\n", "reserved"),
    ],
)
def test_bad_declarations_name_the_dataset_and_field(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(text)
    with pytest.raises(DatasetError, match=problem):
        load(path, env={})


def test_a_missing_column_is_an_error_before_anything_runs(world: World, provider: Engine, tmp_path: Path) -> None:
    prov = Provider(provider)
    names = prov.usernames()
    path = tmp_path / "d.yaml"
    path.write_text(
        f"datasets:\n  - {{name: u, url: '{provider.url.render_as_string(hide_password=False)}', table: {names.name}, key: id, columns: {{handle: user.account.username}}}}\n"
    )
    with pytest.raises(DatasetError, match="has no column handle"):
        load(path, env={})
    url = world.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["sweep", "--datasets", str(path), "--db", url, "--policy", PACK])
    assert result.exit_code == 2 and "has no column handle" in result.output and "Traceback" not in result.output


def test_the_schedule_runs_at_once_keeps_going_after_a_failure_and_stops_when_asked() -> None:
    stop = threading.Event()
    calls: list[datetime] = []

    def job() -> None:
        calls.append(datetime.now(UTC))
        if len(calls) == 1:
            raise RuntimeError("provider database unreachable")
        stop.set()

    assert run_every(job, timedelta(milliseconds=1), stop) == 2 and len(calls) == 2
    with pytest.raises(ValueError, match="interval"):
        run_every(job, timedelta(0), threading.Event())
    assert naive(calls[0]).tzinfo is None
