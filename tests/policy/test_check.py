"""`privet policy check`: valid packs pass; each kind of broken pack fails with a located, plain-words error."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from privet.cli import app
from tests.conftest import POLICIES, SEED_PACKS

runner = CliRunner()
TEMPLATE: dict[str, Any] = yaml.safe_load((POLICIES / "template" / "pack.yaml").read_text())


def write_pack(tmp_path: Path, mutate: Callable[[dict[str, Any]], None]) -> Path:
    data = copy.deepcopy(TEMPLATE)
    mutate(data)
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def check(path: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["policy", "check", str(path)])
    return result.exit_code, result.output


def assert_located(output: str, path: Path, field_path: str, words: str, offending: str) -> None:
    """The error names the file, a line holding the offending text, the field path and the reason."""
    lines = [ln for ln in output.splitlines() if f" {field_path}: error:" in ln]
    assert lines, f"no error for {field_path} in:\n{output}"
    line = lines[0]
    assert line.startswith(f"{path}:")
    number = int(line.split(":")[1])
    assert offending in path.read_text().splitlines()[number - 1]
    assert words in line
    assert "Traceback" not in output


@pytest.mark.parametrize("pack", [*SEED_PACKS, POLICIES / "template"], ids=lambda p: p.name)
def test_bundled_packs_are_valid(pack: Path) -> None:
    code, output = check(pack)
    assert code == 0, output
    assert "valid" in output


def test_unknown_category_is_named_with_its_line(tmp_path: Path) -> None:
    path = write_pack(tmp_path, lambda d: d["rules"][1]["categories"].append("user.contact.carrier_pigeon"))
    code, output = check(path)
    assert code == 1
    assert_located(output, path, "rules[1].categories[2]", "unknown data category", "user.contact.carrier_pigeon")


def test_unknown_purpose(tmp_path: Path) -> None:
    path = write_pack(tmp_path, lambda d: d["rules"][0].update(purpose="marketing.mind_reading"))
    code, output = check(path)
    assert code == 1
    assert_located(output, path, "rules[0].purpose", "unknown purpose", "marketing.mind_reading")


def test_rule_naming_a_missing_choice(tmp_path: Path) -> None:
    path = write_pack(tmp_path, lambda d: d["rules"][1].update(choice="marketing-carrier-pigeon"))
    code, output = check(path)
    assert code == 1
    assert_located(output, path, "rules[1].choice", "does not exist", "marketing-carrier-pigeon")


def test_retention_without_trigger(tmp_path: Path) -> None:
    path = write_pack(tmp_path, lambda d: d["retention"][0].pop("trigger"))
    code, output = check(path)
    assert code == 1
    assert_located(output, path, "retention[0].trigger", "has no trigger", "- id: call-records")


def test_choice_with_no_channel(tmp_path: Path) -> None:
    path = write_pack(tmp_path, lambda d: d["choices"][0].update(channels=[]))
    code, output = check(path)
    assert code == 1
    assert_located(output, path, "choices[0].channels", "no channel", "channels: []")


def test_duplicate_id(tmp_path: Path) -> None:
    def dup(d: dict[str, Any]) -> None:
        extra = copy.deepcopy(d["rules"][0])
        d["rules"].append(extra)

    path = write_pack(tmp_path, dup)
    code, output = check(path)
    assert code == 1
    assert_located(output, path, "rules[5].id", "duplicate id 'provide-service'", "provide-service")


def test_required_contradicting_never(tmp_path: Path) -> None:
    def contradict(d: dict[str, Any]) -> None:
        d["rules"].append(
            {
                "id": "no-service-use",
                "categories": ["user.contact.email"],
                "purpose": "essential.service",
                "recipient": "first-party",
                "basis": "never",
            }
        )

    path = write_pack(tmp_path, contradict)
    code, output = check(path)
    assert code == 1
    assert_located(output, path, "rules[5].basis", "says 'never' where rule 'provide-service'", "basis: never")


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    def several(d: dict[str, Any]) -> None:
        d["rules"][0]["purpose"] = "nope.nope"
        d["choices"][1]["channels"] = []
        d["retention"][0].pop("trigger")

    code, output = check(write_pack(tmp_path, several))
    assert code == 1
    assert "INVALID (3 errors)" in output


def test_misspelt_field_and_wrong_type(tmp_path: Path) -> None:
    def broken(d: dict[str, Any]) -> None:
        d["choices"][0]["chanels"] = ["email"]
        d["pack"]["effective"] = "the thirty-first of February"

    path = write_pack(tmp_path, broken)
    code, output = check(path)
    assert code == 1
    assert_located(output, path, "choices[0].chanels", "unknown field", "chanels")
    assert_located(output, path, "pack.effective", "date", "effective")


def test_opt_in_rule_without_choice_is_refused(tmp_path: Path) -> None:
    path = write_pack(tmp_path, lambda d: d["rules"][2].pop("choice"))
    code, output = check(path)
    assert code == 1
    assert_located(output, path, "rules[2]", "must name the choice", "- id: cpni-affiliates")


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text("pack:\n  id: x\n  version: [unclosed\nprovider: {}\n")
    code, output = check(path)
    assert code == 1
    assert "not valid YAML" in output
    assert f"{path}:" in output


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    text = (POLICIES / "template" / "pack.yaml").read_text().replace('  version: "1.0"\n', '  version: "1.0"\n  version: "2.0"\n')
    path = tmp_path / "pack.yaml"
    path.write_text(text)
    code, output = check(path)
    assert code == 1
    assert "duplicate key 'version'" in output


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    code, output = check(tmp_path / "nowhere.yaml")
    assert code == 1 and "file not found" in output
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    code, output = check(empty)
    assert code == 1 and "empty" in output


def test_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_bytes(b"\xff\xfe\x00binary")
    proc = subprocess.run([sys.executable, "-m", "privet", "policy", "check", str(path)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "cannot read file" in proc.stderr
