"""`privet datasets check`: declarations against the live databases they describe."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from privet.requests.datasets.check import check_live
from privet.requests.datasets.cli import app
from privet.requests.datasets.registry import Registry
from tests.conftest import POLICIES
from tests.requests.conftest import Provider

SHOP = """\
dataset: shop
name: Shop
connection:
  url: sqlite:///shop.db
tables:
  buyers:
    primary_key: id
    columns:
      id: {}
      email: {category: user.contact.email, identity: email, erase: hash}
      city: {category: user.contact.address.city}
      points: {category: user.behavior.purchase_history, erase: {string: none}}
      phone: {category: user.contact.phone_number}
  sellers:
    primary_key: id
    columns:
      id: {}
"""


def _shop(tmp_path: Path) -> Path:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE buyers (id INTEGER PRIMARY KEY, email VARCHAR(20), city VARCHAR(40) NOT NULL, points INTEGER, notes TEXT)"
            )
        )
    engine.dispose()
    (tmp_path / "shop.yaml").write_text(SHOP)
    return tmp_path


def test_the_declarations_match_the_live_systems(provider_for: Callable[[str], Provider]) -> None:
    p = provider_for("county")
    assert check_live(p.registry) == []


def test_each_drift_between_declaration_and_database_is_found_at_its_line(tmp_path: Path) -> None:
    registry = Registry.load(_shop(tmp_path))
    found = {(p.line, p.severity, p.message) for p in check_live(registry)}
    registry.close()
    assert found == {
        (10, "error", "the erased value needs 64 characters but shop.buyers.email holds 20"),
        (11, "error", "shop.buyers.city is NOT NULL, so it cannot be erased with null"),
        (12, "error", "shop.buyers.points is INTEGER, not text: a string erasure cannot be stored"),
        (13, "error", "column 'phone' does not exist in shop.buyers"),
        (14, "error", "table 'sellers' does not exist in shop's database"),
        (10, "warning", "shop.buyers.email has no index: finding a person will scan the whole table"),
        (8, "warning", "shop.buyers has a column 'notes' the declaration does not mention: declare it if it holds personal data"),
    }


def test_an_unreachable_system_is_reported_at_its_connection(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(SHOP.replace("url: sqlite:///shop.db", "url_env: PRIVET_NO_SUCH_URL"))
    registry = Registry.load(tmp_path)
    [problem] = check_live(registry)
    assert problem.line == 3 and "PRIVET_NO_SUCH_URL" in problem.message


def test_the_command_exits_by_what_it_found(tmp_path: Path) -> None:
    runner = CliRunner()
    policy = str(POLICIES / "004-county-micro")
    bad = runner.invoke(app, ["check", str(_shop(tmp_path)), "--policy", policy])
    assert bad.exit_code == 1 and "INVALID (5 errors)" in bad.output
    report = json.loads(runner.invoke(app, ["check", str(tmp_path), "--policy", policy, "--json"]).output)
    assert report["errors"] == 5 and report["problems"][0]["file"].endswith("shop.yaml")
    files_only = runner.invoke(app, ["check", str(tmp_path), "--policy", policy, "--no-live"])
    assert files_only.exit_code == 0 and "1 dataset(s): valid" in files_only.output
    missing = runner.invoke(app, ["check", str(tmp_path / "nowhere"), "--policy", policy])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    listed = runner.invoke(app, ["list", str(tmp_path), "--policy", policy, "--json"])
    assert json.loads(listed.output)["shop"]["buyers"]["email"] == "user.contact.email"


def test_the_command_passes_clean_systems(local_provider_for: Callable[[str], Provider]) -> None:
    p = local_provider_for("county")
    result = CliRunner().invoke(app, ["check", str(p.systems.folder), "--policy", str(POLICIES / "004-county-micro")])
    assert result.exit_code == 0, result.output
    assert "5 dataset(s): valid" in result.output


def test_categories_outside_the_policy_fail_the_command(tmp_path: Path) -> None:
    _shop(tmp_path)
    (tmp_path / "shop.yaml").write_text(SHOP.replace("user.contact.address.city", "user.contact.town"))
    result = CliRunner().invoke(app, ["check", str(tmp_path), "--policy", str(POLICIES / "004-county-micro"), "--no-live"])
    assert result.exit_code == 1 and "'user.contact.town' is not a data category of policy" in result.output
