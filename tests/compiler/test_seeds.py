"""Each seed policy drafts into a pack that `privet policy check` accepts, with its negatives kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from privet.policy.check import check_pack
from privet.policy.draft.pipeline import Draft, Models, draft_policy
from privet.policy.load import load_pack

from .conftest import seed_files


@pytest.fixture(scope="module")
def drafts(models: Models, seeds: list[Path]) -> dict[str, Draft]:
    return {path.name[:3]: draft_policy(path, models) for path in seeds}


@pytest.mark.parametrize("number", [p.name[:3] for p in seed_files()] or ["000"])
def test_seed_draft_passes_check(drafts: dict[str, Draft], number: str, tmp_path: Path) -> None:
    result = drafts[number]
    path = tmp_path / "pack.yaml"
    path.write_text(result.yaml_text)
    pack, doc, problems = load_pack(path)
    assert pack is not None and doc is not None, problems
    errors = [str(p) for p in problems + check_pack(pack, doc) if p.severity == "error"]
    assert errors == []
    assert result.dropped == [], "no element should need dropping to pass the check"


def test_seed_negatives_become_never_or_opt_in_rules(drafts: dict[str, Draft]) -> None:
    for number, result in drafts.items():
        promises = [n for n in result.negatives if n.outcome in ("never", "only_with_opt_in")]
        assert promises, f"seed {number}: no negative statement became a rule"
        rule_ids = {r["id"] for r in result.pack["rules"]}
        for finding in promises:
            assert set(finding.rules) & rule_ids, f"seed {number}: '{finding.evidence.sentence}' lost its rules"


def test_seed_do_not_sell(drafts: dict[str, Draft]) -> None:
    """Seeds 001 and 004 say they do not sell personal information: the drafts must say never."""
    for number in ("001", "004"):
        if number in drafts:
            rules = drafts[number].pack["rules"]
            assert any(
                r["purpose"] == "third_party_sharing.sale" and r["basis"] in ("never", "only_with_opt_in") for r in rules
            ), number


def test_seed_reports_carry_evidence(drafts: dict[str, Draft]) -> None:
    for result in drafts.values():
        for element in result.elements:
            if element.section in ("rules", "choices", "rights") and element.source != "default":
                assert element.evidence, f"{element.section}:{element.id} has no evidence"
