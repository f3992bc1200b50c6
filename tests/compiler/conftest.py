"""Shared fixtures: the models load once per session, shared corpora are found beside the repo."""

from __future__ import annotations

from pathlib import Path

import pytest

from privet.policy.draft.encoder import ModelUnavailable
from privet.policy.draft.pipeline import Models, load_models

REPO = Path(__file__).parents[2]
SHARED = REPO / ".." / "shared"


@pytest.fixture(scope="session")
def models() -> Models:
    try:
        return load_models()
    except ModelUnavailable as exc:
        pytest.skip(f"MiniLM not installed: {exc}")


def seed_files() -> list[Path]:
    return sorted((SHARED / "seeds").glob("*.txt"))


@pytest.fixture(scope="session")
def seeds() -> list[Path]:
    files = seed_files()
    if not files:
        pytest.skip("the seed policies (../shared/seeds/*.txt beside the repository) are not present")
    return files
