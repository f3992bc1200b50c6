"""Shared fixtures: where the repository's packs and the shared seed documents are."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "policies"
SHARED = ROOT.parent / "shared"
SEED_PACKS = sorted(p for p in POLICIES.iterdir() if p.is_dir() and p.name[:3].isdigit() and (p / "pack.yaml").exists())


@pytest.fixture
def template_pack() -> Path:
    return POLICIES / "template"


def shared_path(*parts: str) -> Path:
    """A file under the shared folder beside the checkout; skip the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path.relative_to(SHARED.parent)} is not available beside this checkout")
    return path
