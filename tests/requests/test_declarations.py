"""Dataset declarations: the examples are valid, and every kind of mistake is reported at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from privet.policy.load import Problem
from privet.requests.datasets.graph import Node
from privet.requests.datasets.load import load_declarations
from privet.requests.datasets.registry import DatasetError, Registry
from tests.requests.conftest import pack_named
from tests.requests.systems import EXAMPLES

GOOD = """\
dataset: shop
name: Shop
connection:
  url: sqlite:///shop.db
tables:
  buyers:
    primary_key: id
    columns:
      id: {}
      email: {category: user.contact.email, identity: email}
      name: {category: user.name}
"""


def _problems(tmp_path: Path, text: str, pack: str | None = "county") -> list[Problem]:
    (tmp_path / "shop.yaml").write_text(text)
    _, problems = load_declarations(tmp_path, pack_named(pack) if pack else None)
    return problems


def _one(tmp_path: Path, text: str) -> Problem:
    errors = [p for p in _problems(tmp_path, text) if p.severity == "error"]
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.parametrize("pack", ["county", "mettel", "metrofax"])
def test_the_example_declarations_are_valid_against_the_seed_packs(pack: str) -> None:
    decls, problems = load_declarations(EXAMPLES, pack_named(pack))
    assert [p for p in problems if p.severity == "error"] == []
    assert {d.dataset.dataset for d in decls} == {"billing", "crm", "tickets", "mail", "network"}


def test_the_graph_orders_referenced_tables_first() -> None:
    order = Registry.load(EXAMPLES).graph.order
    assert order.index(Node("billing", "customers")) < order.index(Node("billing", "invoices"))
    assert order.index(Node("billing", "customers")) < order.index(Node("crm", "contacts"))
    assert order.index(Node("crm", "contacts")) < order.index(Node("crm", "interactions"))


def test_a_category_the_policy_does_not_collect_is_a_warning(tmp_path: Path) -> None:
    text = GOOD.replace("name: {category: user.name}", "name: {category: user.name}\n      ssn: {category: user.government_id}")
    warnings = [p for p in _problems(tmp_path, text) if p.severity == "warning"]
    assert len(warnings) == 1 and "does not say it collects 'user.government_id'" in warnings[0].message
    assert warnings[0].line == 12


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (
            ("email: {category: user.contact.email", "email: {category: user.contact.emial"),
            10,
            "'user.contact.emial' is not a data category",
        ),
        (("name: {category: user.name}", "name: {category: user.name, erase: shred}"), 11, "'shred' is not one of"),
        (("name: {category: user.name}", "name: {category: user.name, erasee: null}"), 11, "unknown field"),
        (("id: {}", "id: {erase: hash}"), 9, "primary key column cannot be erased"),
        (("primary_key: id", "primary_key: [id, code]"), 7, "'code' is not declared"),
        (("name: {category: user.name}", "name: {references: sellers.id}"), 11, "no table 'sellers' is declared"),
        (("name: {category: user.name}", "name: {references: buyers.nope}"), 11, "'buyers' declares no column 'nope'"),
        (("name: {category: user.name}", "name: {references: billing.customers.id}"), 11, "no dataset 'billing'"),
        (
            ("email: {category: user.contact.email, identity: email}", "email: {identity: phone, format: dots}"),
            10,
            "format is one of",
        ),
        (("email: {category: user.contact.email, identity: email}", "email: {format: e164}"), 10, "only identity columns"),
        (("name: {category: user.name}", "name: {category: user.name, erase: {strategy: string}}"), 11, "needs the value"),
        (("url: sqlite:///shop.db", "url: sqlite:///shop.db\n  url_env: SHOP_URL"), 3, "exactly one of url or url_env"),
        (
            ("    primary_key: id\n", "    primary_key: id\n    retain: [{basis: toll_records}]\n"),
            8,
            "name the column they count from",
        ),
        (
            ("    primary_key: id\n", "    primary_key: id\n    retain: [{basis: forever, since: id}]\n"),
            8,
            "'forever' is not one of",
        ),
        (("name: Shop", "name: Shop\nname: Again"), 3, "duplicate key 'name'"),
    ],
)
def test_mistakes_are_reported_at_their_line(tmp_path: Path, change: tuple[str, str], line: int, message: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    problem = _one(tmp_path, text)
    assert message in problem.message, problem
    assert problem.line == line, problem
    assert problem.file.endswith("shop.yaml")


def test_broken_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    problem = _one(tmp_path, GOOD.replace("    primary_key: id", "    primary_key: [id"))
    assert "not valid YAML" in problem.message and problem.line >= 7


def test_an_empty_folder_and_a_non_mapping_are_refused(tmp_path: Path) -> None:
    _, problems = load_declarations(tmp_path)
    assert "no dataset declarations" in problems[0].message
    assert "mapping at its top level" in _one(tmp_path, "- a list\n").message


def test_two_files_may_not_declare_the_same_dataset(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    _, problems = load_declarations(tmp_path)
    assert any("is also used by" in p.message for p in problems)


def test_a_registry_refuses_declarations_with_errors_and_lists_them(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(GOOD.replace("id: {}", "id: {erase: hash}"))
    with pytest.raises(DatasetError) as caught:
        Registry.load(tmp_path)
    assert "shop.yaml:9" in str(caught.value)


def test_a_relative_sqlite_path_is_taken_from_the_declarations_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "shop.yaml").write_text(GOOD)
    registry = Registry.load(tmp_path)
    assert registry.url("shop") == f"sqlite:///{tmp_path.resolve() / 'shop.db'}"
    (tmp_path / "shop.yaml").write_text(GOOD.replace("url: sqlite:///shop.db", "url_env: SHOP_URL"))
    registry = Registry.load(tmp_path)
    from privet.requests.connectors.base import ConnectorError

    with pytest.raises(ConnectorError, match="SHOP_URL"):
        registry.url("shop")
    monkeypatch.setenv("SHOP_URL", "postgresql+psycopg://u@h/db")
    assert registry.url("shop") == "postgresql+psycopg://u@h/db"
    with pytest.raises(ConnectorError, match="no connector for 'oracle'"):
        from privet.requests.connectors import connect

        connect("oracle://x")
