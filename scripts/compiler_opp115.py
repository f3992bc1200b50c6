"""Read the OPP-115 corpus for training and evaluating the policy drafter's classifier.

OPP-115 is licensed for research use only, so it is never copied into this repository: scripts
read it from `--opp115 PATH`, else `$PRIVET_OPP115`, else `../shared/corpus/opp115` beside the
repository root. Labels follow the usual protocol (Polisis, PrivacyGLUE): a segment has a
category when at least two of its three annotators marked it, and "Other" is split by its
"Other Type" into three labels, leaving Other/Other out: twelve labels in all.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from privet.policy.draft.labels import LABELS

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class OppSegment:
    policy: str
    index: int
    text: str
    labels: frozenset[str]


def corpus_dir(given: str | None) -> Path:
    """Where OPP-115 lives: the argument, $PRIVET_OPP115, or ../shared/corpus/opp115 from the repo root."""
    path = Path(given or os.environ.get("PRIVET_OPP115") or REPO / ".." / "shared" / "corpus" / "opp115")
    if not (path / "annotations").is_dir() or not (path / "sanitized_policies").is_dir():
        raise SystemExit(f"OPP-115 not found at {path}: pass --opp115 PATH or set PRIVET_OPP115")
    return path


def clean_segment(html_text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html_text)
    return re.sub(r"\s+", " ", unescape(text)).strip()


def load(root: Path) -> list[OppSegment]:
    """Every segment with at least one majority label, in policy and segment order."""
    out: list[OppSegment] = []
    for html_file in sorted((root / "sanitized_policies").glob("*.html")):
        policy = html_file.stem
        segments = html_file.read_text(encoding="utf-8", errors="replace").split("|||")
        votes: dict[tuple[int, str], set[str]] = defaultdict(set)
        with (root / "annotations" / f"{policy}.csv").open(encoding="utf-8", errors="replace", newline="") as handle:
            for row in csv.reader(handle):
                annotator, seg, category = row[2], int(row[4]), row[5]
                if category == "Other":
                    category = json.loads(row[6]).get("Other Type", {}).get("value", "Other")
                    if category == "Other":
                        continue
                votes[(seg, category)].add(annotator)
        for index, raw in enumerate(segments):
            labels = frozenset(c for c in LABELS if len(votes.get((index, c), ())) >= 2)
            text = clean_segment(raw)
            if labels and text:
                out.append(OppSegment(policy, index, text, labels))
    return out


@dataclass(frozen=True)
class NegativeGold:
    """How many annotators marked a segment's collection/use or sharing practice as 'Does Not'."""

    policy: str
    index: int
    text: str
    first_party: int
    third_party: int
    annotators: int


def negative_gold(root: Path) -> list[NegativeGold]:
    """Every segment with its 'Does Not' annotator counts (First Party Collection/Use, Third Party Sharing)."""
    out: list[NegativeGold] = []
    for html_file in sorted((root / "sanitized_policies").glob("*.html")):
        policy = html_file.stem
        segments = html_file.read_text(encoding="utf-8", errors="replace").split("|||")
        neg: dict[tuple[int, str], set[str]] = defaultdict(set)
        seen: dict[int, set[str]] = defaultdict(set)
        with (root / "annotations" / f"{policy}.csv").open(encoding="utf-8", errors="replace", newline="") as handle:
            for row in csv.reader(handle):
                annotator, seg, category = row[2], int(row[4]), row[5]
                seen[seg].add(annotator)
                if category in ("First Party Collection/Use", "Third Party Sharing/Collection"):
                    value = json.loads(row[6]).get("Does/Does Not", {}).get("value")
                    if value == "Does Not":
                        neg[(seg, category)].add(annotator)
        for index, raw in enumerate(segments):
            text = clean_segment(raw)
            if text:
                out.append(
                    NegativeGold(
                        policy,
                        index,
                        text,
                        len(neg.get((index, "First Party Collection/Use"), ())),
                        len(neg.get((index, "Third Party Sharing/Collection"), ())),
                        len(seen.get(index, ())),
                    )
                )
    return out
