"""Promise lists stay honest: every `enforced` promise names a real test marked with its id."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from privet.cli import app
from privet.policy.promises import Status, load_promises, promises_path
from tests.conftest import ROOT, SEED_PACKS


@cache
def promise_markers(test_file: Path) -> dict[str, set[str]]:
    """For each test function in a file, the promise ids its `pytest.mark.promise(...)` decorators name."""
    tree = ast.parse(test_file.read_text())
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            ids: set[str] = set()
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and ast.unparse(deco.func).endswith("mark.promise"):
                    ids |= {a.value for a in deco.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
            found[node.name] = ids
    return found


@pytest.mark.parametrize("pack", SEED_PACKS, ids=lambda p: p.name)
def test_every_enforced_promise_names_an_existing_marked_test(pack: Path) -> None:
    plist, _, problems = load_promises(promises_path(pack))
    assert plist is not None, problems
    for promise in plist.promises:
        if promise.status is not Status.ENFORCED:
            continue
        for ref in promise.enforced_by:
            file_part, _, name = ref.partition("::")
            test_file = ROOT / file_part
            assert test_file.is_file(), f"{promise.id}: {file_part} does not exist"
            markers = promise_markers(test_file)
            assert name in markers, f"{promise.id}: no test named {name} in {file_part}"
            assert promise.id in markers[name], f"{promise.id}: {ref} is not marked @pytest.mark.promise('{promise.id}')"


@pytest.mark.parametrize("pack", SEED_PACKS, ids=lambda p: p.name)
def test_promises_command_counts_by_status(pack: Path) -> None:
    plist, _, _ = load_promises(promises_path(pack))
    assert plist is not None
    result = CliRunner().invoke(app, ["policy", "promises", str(pack), "--json"])
    assert result.exit_code == 0
    assert f'"total": {len(plist.promises)}' in result.output
    expected = sum(1 for p in plist.promises if p.status is Status.NOT_YET)
    assert f'"not_yet": {expected}' in result.output


def test_every_marked_promise_id_exists_in_a_list() -> None:
    """The reverse direction: a test may not claim a promise that no list holds."""
    known = set()
    for pack in SEED_PACKS:
        plist, _, _ = load_promises(promises_path(pack))
        assert plist is not None
        known |= {p.id for p in plist.promises}
    for test_file in (ROOT / "tests").rglob("test_*.py"):
        for name, ids in promise_markers(test_file).items():
            unknown = ids - known
            assert not unknown, f"{test_file.name}::{name} claims unknown promises {sorted(unknown)}"


def test_a_promise_list_with_an_unbacked_status_is_refused(tmp_path: Path) -> None:
    (tmp_path / "promises.yaml").write_text(
        "seed: '009'\ntitle: t\npromises:\n  - id: 009-P001\n    section: s\n    kind: right\n"
        "    promise: A right that nothing backs.\n    status: enforced\n    expressed_by: [rights/access]\n"
    )
    plist, _, problems = load_promises(tmp_path / "promises.yaml")
    assert plist is None
    assert any("must name the test" in p.message and p.line == 4 for p in problems)
