"""`privet subjects import`: CSV and JSON, one clear error per bad row, and never a partial import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from privet.cli import app
from privet.subjects.identities import IdentityKind, InvalidIdentity, normalize
from privet.subjects.tables import Account, Identity, Person
from tests.conftest import POLICIES, ROOT

runner = CliRunner()
PACK = str(POLICIES / "000-metronet")
CSV = ROOT / "tests" / "data" / "subscribers.csv"


def url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(int(conn.scalar(select(func.count()).select_from(t)) or 0) for t in (Account, Person, Identity))  # type: ignore[return-value]


def test_csv_import_creates_accounts_people_and_identities(engine: Engine) -> None:
    result = runner.invoke(app, ["subjects", "import", str(CSV), "--db", url(engine), "--policy", PACK, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.splitlines()[-1]) == {
        "accounts_created": 3,
        "persons_created": 4,
        "identities_added": 9,
        "rows": 4,
    }
    assert counts(engine) == (3, 4, 9)
    shown = runner.invoke(app, ["subjects", "show", "email", "morgan.blake@EXAMPLE.org", "--db", url(engine), "--policy", PACK])
    assert shown.exit_code == 0 and '"age_band": "under_13"' in shown.output


def test_reimport_is_idempotent(engine: Engine) -> None:
    for _ in range(2):
        assert runner.invoke(app, ["subjects", "import", str(CSV), "--db", url(engine), "--policy", PACK]).exit_code == 0
    assert counts(engine) == (3, 4, 9)


def test_bad_rows_are_each_named_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    lines = CSV.read_text().splitlines()
    lines[2] = lines[2].replace("casey.avery@example.net", "casey at example")
    lines[3] = lines[3].replace("business", "spaceship")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["subjects", "import", str(bad), "--db", url(engine), "--policy", PACK])
    assert result.exit_code == 2
    assert "row 2, emails" in result.output and "row 3, account_type" in result.output
    assert "nothing was imported" in result.output
    assert counts(engine) == (0, 0, 0)


def test_json_import_and_unreadable_files(engine: Engine, tmp_path: Path) -> None:
    good = tmp_path / "subs.json"
    good.write_text(
        json.dumps(
            {"records": [{"account_number": "Z-10", "person_id": "Z", "full_name": "Zed", "phones": ["+44 20 7946 0958"]}]}
        )
    )
    assert runner.invoke(app, ["subjects", "import", str(good), "--db", url(engine), "--policy", PACK]).exit_code == 0
    for name, content, message in [
        ("subs.xml", "<x/>", "use a .csv or .json file"),
        ("broken.json", "{", "Expecting"),
        ("scalar.json", "42", "a list of records"),
    ]:
        path = tmp_path / name
        path.write_text(content)
        result = runner.invoke(app, ["subjects", "import", str(path), "--db", url(engine), "--policy", PACK])
        assert result.exit_code == 2 and message in result.output, result.output
        assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("kind", "given_value", "canonical"),
    [
        (IdentityKind.EMAIL, " Jane@Example.COM ", "jane@example.com"),
        (IdentityKind.PHONE, "(555) 234-0199", "+15552340199"),
        (IdentityKind.PHONE, "1-555-234-0199", "+15552340199"),
        (IdentityKind.PHONE, "+44 20 7946 0958", "+442079460958"),
        (IdentityKind.ACCOUNT_NUMBER, "ab-12 34", "AB1234"),
        (IdentityKind.USERNAME, "J.Smith", "j.smith"),
    ],
)
def test_identities_normalise(kind: IdentityKind, given_value: str, canonical: str) -> None:
    assert normalize(kind, given_value) == canonical


@given(st.text(max_size=40))
@settings(max_examples=300)
def test_normalising_any_text_either_fails_cleanly_or_is_stable(value: str) -> None:
    for kind in IdentityKind:
        try:
            once = normalize(kind, value)
        except InvalidIdentity:
            continue
        assert normalize(kind, once) == once


def test_people_without_an_account_are_imported_with_their_kinds(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "prospects.json"
    path.write_text(
        json.dumps(
            [
                {
                    "person_id": "R1",
                    "full_name": "Referred Friend",
                    "emails": ["friend@example.org"],
                    "subject_kinds": ["referred_friend"],
                },
                {
                    "person_id": "V1",
                    "full_name": "Site Visitor",
                    "emails": ["visitor@example.org"],
                    "subject_kinds": "visitor;prospect",
                },
            ]
        )
    )
    result = runner.invoke(app, ["subjects", "import", str(path), "--db", url(engine), "--policy", PACK, "--json"])
    assert result.exit_code == 0, result.output
    assert counts(engine) == (0, 2, 2)
    with engine.connect() as conn:
        kinds = dict(conn.execute(select(Person.external_id, Person.kinds)).all())
    assert kinds == {"R1": ["referred_friend"], "V1": ["visitor", "prospect"]}
