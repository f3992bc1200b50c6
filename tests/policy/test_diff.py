"""`privet policy diff`: each change between two versions is classified material or not, with its reason."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from privet.cli import app
from privet.policy.diff import Change, diff_packs
from privet.policy.model import PolicyPack
from tests.conftest import POLICIES

TEMPLATE: dict[str, Any] = yaml.safe_load((POLICIES / "template" / "pack.yaml").read_text())
OLD = PolicyPack.model_validate(TEMPLATE)


def changed(mutate: Callable[[dict[str, Any]], None]) -> list[Change]:
    data = copy.deepcopy(TEMPLATE)
    mutate(data)
    return diff_packs(OLD, PolicyPack.model_validate(data))


def only(changes: list[Change]) -> Change:
    assert len(changes) == 1, changes
    return changes[0]


def test_identical_versions_have_no_changes() -> None:
    assert diff_packs(OLD, OLD) == []


def test_new_purpose_for_existing_data_is_material() -> None:
    def analytics(d: dict[str, Any]) -> None:
        d["rules"].append(
            {
                "id": "usage-analytics",
                "categories": ["user.telecom.cpni.usage"],
                "purpose": "analytics",
                "recipient": "first-party",
                "basis": "required",
            }
        )

    c = only(changed(analytics))
    assert c.material and c.reason == "new purpose or disclosure for data already held"


def test_new_recipient_is_material() -> None:
    def ad_network(d: dict[str, Any]) -> None:
        d["recipients"].append({"id": "ads", "name": "Ad network", "kind": "ad_network"})
        d["rules"].append(
            {
                "id": "ads",
                "categories": ["user.contact.email"],
                "purpose": "marketing.advertising",
                "recipient": "ads",
                "basis": "unless_opted_out",
                "choice": "marketing-email",
            }
        )

    changes = changed(ad_network)
    assert {c.reason for c in changes} == {"new recipient of personal information"}
    assert all(c.material for c in changes)


def test_consent_weakened_from_opt_in_to_opt_out_is_material_and_the_reverse_is_not() -> None:
    def weaken(d: dict[str, Any]) -> None:
        d["choices"].append(
            {
                "id": "cpni-opt-in",
                "name": "CPNI opt-in",
                "description": "x",
                "kind": "opt_in",
                "default": "denied",
                "channels": ["phone"],
            }
        )
        d["rules"][2].update(basis="only_with_opt_in", choice="cpni-opt-in")

    stronger = [c for c in changed(weaken) if c.element == "rules/cpni-affiliates.basis"]
    assert only(stronger).material is False and "strengthened" in stronger[0].reason
    # The same comparison the other way round is a weakening.
    data = copy.deepcopy(TEMPLATE)
    weaken(data)
    backwards = [c for c in diff_packs(PolicyPack.model_validate(data), OLD) if c.element == "rules/cpni-affiliates.basis"]
    assert only(backwards).material is True
    assert backwards[0].reason == "consent weakened from only_with_opt_in to unless_opted_out"


def test_lifting_a_never_is_material() -> None:
    c = only(changed(lambda d: d["rules"][4].update(basis="required")))
    assert c.material and "weakened from never to required" in c.reason


def test_retention_lengthened_is_material_shortened_is_not() -> None:
    longer = only(changed(lambda d: d["retention"][0].update(period="36 months")))
    assert longer.material and longer.reason == "retention lengthened"
    shorter = only(changed(lambda d: d["retention"][0].update(period="24 months", legal_minimum="12 months")))
    assert shorter.material and shorter.reason == "retention lengthened"  # 24 > 18 months
    truly_shorter = only(changed(lambda d: d["retention"][0].update(period="547 days", legal_minimum=None)))
    assert truly_shorter.material is False and truly_shorter.reason == "retention shortened"


def test_new_category_collected_is_material() -> None:
    def location(d: dict[str, Any]) -> None:
        d["collection"].append(
            {
                "id": "gps",
                "description": "Precise location from the app.",
                "categories": ["user.location.precise"],
                "subjects": ["customer.residential"],
                "sources": ["automatic"],
            }
        )

    c = only(changed(location))
    assert c.material and c.reason == "new category of personal information collected"


def test_wording_and_contact_changes_are_not_material() -> None:
    def cosmetic(d: dict[str, Any]) -> None:
        d["rules"][0]["description"] = "Said another way."
        d["provider"]["privacy_contact"]["email"] = "privacy-office@example.net"
        d["choices"][0]["description"] = "Whether we email you offers."

    changes = changed(cosmetic)
    assert len(changes) == 3
    assert not any(c.material for c in changes)
    assert {c.reason for c in changes} == {"wording", "contact details or naming"}


def test_removing_a_choice_or_its_channel_is_material() -> None:
    assert (
        only(changed(lambda d: d["choices"][0].update(channels=["privacy_center"]))).reason
        == "a way to exercise the choice was removed"
    )
    removed = [c for c in changed(lambda d: (d["choices"].pop(0), d["rules"].pop(1))) if c.element.startswith("choices/")]
    assert only(removed).material and removed[0].reason == "choice removed"


def test_slower_opt_out_is_material() -> None:
    c = only(changed(lambda d: d["choices"][0].update(takes_effect_within="30 business days")))
    assert c.material and c.reason == "choice takes longer to take effect"


def write(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_exit_code_says_whether_any_change_is_material(tmp_path: Path) -> None:
    runner = CliRunner()
    old = write(tmp_path, "old.yaml", TEMPLATE)
    cosmetic = copy.deepcopy(TEMPLATE)
    cosmetic["pack"]["version"] = "1.1"
    cosmetic["rules"][0]["description"] = "Reworded."
    minor = runner.invoke(app, ["policy", "diff", str(old), str(write(tmp_path, "minor.yaml", cosmetic))])
    assert minor.exit_code == 0, minor.output
    assert "0 material" in minor.output
    material = copy.deepcopy(cosmetic)
    material["retention"][0]["period"] = "5 years"
    result = runner.invoke(app, ["policy", "diff", str(old), str(write(tmp_path, "material.yaml", material)), "--json"])
    assert result.exit_code == 1
    assert '"material": true' in result.output and "retention lengthened" in result.output


def test_the_two_bundled_metrofax_versions() -> None:
    first, later = POLICIES / "002-metrofax", POLICIES / "002-metrofax" / "next"
    if not (later / "pack.yaml").exists():
        pytest.skip("the second MetroFax version is not bundled")
    result = CliRunner().invoke(app, ["policy", "diff", str(first), str(later)])
    assert result.exit_code == 1, result.output
    assert "MATERIAL" in result.output and "minor" in result.output
