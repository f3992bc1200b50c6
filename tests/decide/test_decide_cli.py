"""`privet decide one` and `privet decide audience` over a real database, and the DuckDB fast path."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from privet import runtime as runtime_module
from privet.consent.ledger import record_choice
from privet.decide.bulk import DuckBackend, count_audience
from privet.decide.bulk_duck import load_population
from privet.decide.bulk_synth import synthetic_population
from privet.decide.cli import app
from privet.decide.engine import Request
from privet.runtime import Runtime
from privet.subjects.tables import Person
from tests.conftest import POLICIES
from tests.decide.gen import pack_at, pack_dir

RUN = CliRunner()


@pytest.fixture(autouse=True)
def _packs_parse_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each command reloads the pack; parsing its YAML (about a second) once per test run keeps these tests quick."""
    monkeypatch.setattr(runtime_module, "load_pack_or_raise", lambda path: pack_at(str(Path(path).relative_to(POLICIES))))


EMAIL = [
    "--categories",
    "user.contact.email,user.name",
    "--purpose",
    "marketing.communications.email",
    "--recipient",
    "first-party",
]
AT = ["--at", "2026-03-01T12:00:00Z"]


def store(runtime: Runtime) -> list[str]:
    return ["--db", runtime.engine.url.render_as_string(hide_password=False), "--policy", str(pack_dir("000-metronet"))]


def test_one_decision_exits_by_its_answer_and_shows_every_reason(runtime: Runtime) -> None:
    with runtime.uow("test") as uow:
        first, second = sorted(uow.session.scalars(select(Person.id)))[:2]
        record_choice(uow, runtime.pack, person_id=first, choice_id="marketing-email", value=False, channel="account_portal",
                      received_at=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
    denied = RUN.invoke(app, ["one", "--person", str(first), *EMAIL, *AT, *store(runtime)])
    assert denied.exit_code == 1, denied.output
    assert "DENIED" in denied.output and "- policy:marketing-email" in denied.output and "obligations:" in denied.output
    allowed = RUN.invoke(app, ["one", "--person", str(second), *EMAIL, "--channel", "email", *AT, "--json", *store(runtime)])
    assert allowed.exit_code == 0, allowed.output
    view = json.loads(allowed.output)
    assert view["allowed"] and view["policy_version"] == runtime.pack.pack.version
    assert any(r["citation"] for r in view["reasons"]) and "include_unsubscribe_link" in view["obligations"]
    by_email = RUN.invoke(app, ["one", "--email", "jordan.avery@example.net", *EMAIL, *AT, *store(runtime)])
    assert by_email.exit_code in (0, 1) and "for person" in by_email.output
    for bad in (
        ["one", *EMAIL, *AT],  # no person
        ["one", "--person", str(first), "--email", "x@example.net", *EMAIL],
        ["one", "--person", "999999", *EMAIL],
        ["one", "--person", str(first), *EMAIL, "--at", "yesterday"],
        ["one", "--person", str(first), "--categories", "user.nope", "--purpose", "marketing", "--recipient", "first-party"],
    ):
        result = RUN.invoke(app, [*bad, *store(runtime)])
        assert result.exit_code == 2, (bad, result.output)


def test_audience_counts_and_writes_the_eligible_ids(runtime: Runtime, tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    result = RUN.invoke(app, ["audience", *EMAIL, *AT, "--ids", str(ids), "--json", *store(runtime)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    written = [int(line) for line in ids.read_text().split()]
    assert summary["eligible"] == len(written) == summary["ids_written"] and written == sorted(written)
    assert summary["total"] == summary["eligible"] + sum(summary["denied_by_reason"].values())
    text = RUN.invoke(app, ["audience", *EMAIL, *AT, *store(runtime)])
    assert text.exit_code == 0 and f"{summary['eligible']} of {summary['total']} may be reached" in text.output


def test_audience_over_a_population_file_uses_duckdb(runtime: Runtime, tmp_path: Path) -> None:
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    frame = synthetic_population(2000, seed=3, choices=runtime.pack.choices, now=at, current_version=runtime.pack.pack.version)
    path = tmp_path / "population.parquet"
    frame.write_parquet(path)
    ids = tmp_path / "ids.txt"
    result = RUN.invoke(app, ["audience", *EMAIL, *AT, "--population", str(path), "--ids", str(ids), "--json", *store(runtime)])
    assert result.exit_code == 0, result.output
    con = duckdb.connect()
    load_population(con, frame)
    request = Request(("user.contact.email", "user.name"), "marketing.communications.email", "first-party")
    direct = count_audience(DuckBackend(con), runtime.decider, request, at)
    summary = json.loads(result.output)
    assert (summary["total"], summary["eligible"], summary["denied_by_reason"]) == (
        2000,
        direct.eligible,
        direct.denied_by_reason,
    )
    assert len(ids.read_text().split()) == direct.eligible
    missing = RUN.invoke(app, ["audience", *EMAIL, "--population", str(tmp_path / "nope.parquet"), *store(runtime)])
    assert missing.exit_code == 2
