"""From a policy file to a checked draft pack and its review report.

The steps are deliberately separate (segment, classify, read, build, validate) so each can be
tested and measured alone; this module only wires them. The draft is validated with the very
functions `privet policy check` uses (load_pack + check_pack on the written YAML): an element
that would make the pack invalid is dropped and reported rather than shipped, so a draft always
passes the check, with warnings at most.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from privet.policy.check import check_pack
from privet.policy.draft.build import PackBuilder
from privet.policy.draft.classifier import DEFAULT_MODEL, SegmentClassifier
from privet.policy.draft.elements import Element, NegativeFinding
from privet.policy.draft.encoder import MiniLM
from privet.policy.draft.extract import Evidence, Statement, read_statement
from privet.policy.draft.provider import guess_provider
from privet.policy.draft.segment import Document, read_policy
from privet.policy.load import Problem, load_pack

SECTIONS = ("collection", "recipients", "choices", "rules", "rights", "retention", "roles")


@dataclass(frozen=True)
class Models:
    """The encoder and the classifier head, loaded once and shared by every draft."""

    encoder: MiniLM
    classifier: SegmentClassifier


@lru_cache(maxsize=1)
def load_models(classifier_path: Path = DEFAULT_MODEL) -> Models:
    """Load MiniLM from its installed package and the shipped head (raises ModelUnavailable)."""
    return Models(MiniLM(), SegmentClassifier(classifier_path))


@dataclass
class Draft:
    """A draft pack (as YAML text and mapping) with everything the review report needs."""

    source: Document
    pack: dict[str, Any]
    yaml_text: str
    statements: list[Statement]
    elements: list[Element]
    negatives: list[NegativeFinding]
    telecom: dict[str, int]
    conflicts: list[str]
    dropped: list[str]
    problems: list[Problem]
    provider_notes: list[str]
    segment_labels: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)

    @property
    def unplaced(self) -> list[Statement]:
        """Sentences that shaped no element and are more than an introduction, a contact line or a fragment."""
        out = []
        for st in self.statements:
            if st.used_by or len(st.text.split()) < 5:
                continue
            if st.labels and set(st.labels) <= {"Introductory/Generic", "Privacy contact information"}:
                continue
            out.append(st)
        return out

    @property
    def ignored(self) -> dict[str, int]:
        intro = sum(1 for st in self.statements if not st.used_by and st.labels and set(st.labels) <= {"Introductory/Generic"})
        contact = sum(
            1
            for st in self.statements
            if not st.used_by
            and st.labels
            and "Privacy contact information" in st.labels
            and set(st.labels) <= {"Introductory/Generic", "Privacy contact information"}
        )
        fragments = sum(1 for st in self.statements if not st.used_by and len(st.text.split()) < 5)
        return {"introductory": intro, "contact": contact, "fragments": fragments}


HEADER = (
    "# Draft policy pack written by `privet policy draft` from {source}.\n"
    "# Every element is a proposal: read review.md beside this file (evidence and confidence for each)\n"
    "# and correct the pack before it governs any decision.\n"
)


def _dump(pack: dict[str, Any], source: str) -> str:
    return HEADER.format(source=source) + yaml.safe_dump(pack, sort_keys=False, allow_unicode=True, width=120)


def _validate(yaml_text: str) -> list[Problem]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pack.yaml"
        path.write_text(yaml_text, encoding="utf-8")
        pack, doc, problems = load_pack(path)
        if pack is not None and doc is not None:
            problems = problems + check_pack(pack, doc)
    return problems


def _drop(pack: dict[str, Any], problem: Problem) -> str | None:
    """Remove what a validation error points at; returns a note, or None when it cannot."""
    match = re.match(r"^(\w+)(?:\[(\d+)\]|\.(\w+))?", problem.path)
    if not match:
        return None
    section, index, name = match.group(1), match.group(2), match.group(3)
    if section in SECTIONS and index is not None and isinstance(pack.get(section), list):
        items = pack[section]
        i = int(index)
        if i < len(items) and (section not in ("collection", "recipients", "rules", "roles") or len(items) > 1):
            removed = items.pop(i)
            if section == "choices":
                pack["rules"] = [r for r in pack["rules"] if r.get("choice") != removed.get("id")] or pack["rules"]
            return f"dropped {section} '{removed.get('id')}': {problem.message}"
    if section == "programs" and "programs" in pack:
        del pack["programs"]
        return f"dropped programs: {problem.message}"
    if section == "statements" and name and name in pack.get("statements", {}) and name != "policy_changes":
        del pack["statements"][name]
        return f"dropped statements.{name}: {problem.message}"
    return None


def draft_policy(path: Path, models: Models | None = None, today: date | None = None) -> Draft:
    """Draft a pack from the policy at `path` (raises DraftInputError for unusable input)."""
    doc = read_policy(path)
    models = models or load_models()
    provider = guess_provider(doc)
    body = [s for s in doc.segments if s.kind != "heading"]
    predictions = models.classifier.classify(models.encoder, [s.context for s in body], [s.text for s in body])
    actor_names = tuple(n for n in {provider.name.lower()} if len(n) > 2)
    statements: list[Statement] = []
    segment_labels = []
    for segment, (seg_pred, sentence_preds) in zip(body, predictions, strict=True):
        segment_labels.append((segment.index, seg_pred.labels))
        section = " > ".join(segment.headings)
        for sentence, pred in sentence_preds:
            evidence = Evidence(sentence, segment.line, segment.index, section)
            statements.append(read_statement(evidence, pred.labels, pred.probabilities, actor_names))
    builder = PackBuilder(doc, provider, statements, today or date.today())
    builder.read_all()
    builder.resolve_conflicts()
    builder.ensure_minimums()
    pack = builder.pack()
    source = path.name
    yaml_text = _dump(pack, source)
    problems = _validate(yaml_text)
    dropped: list[str] = []
    for _ in range(25):
        errors = [p for p in problems if p.severity == "error"]
        if not errors:
            break
        note = _drop(pack, errors[0])
        if note is None:
            break
        dropped.append(note)
        yaml_text = _dump(pack, source)
        problems = _validate(yaml_text)
    return Draft(
        doc,
        pack,
        yaml_text,
        statements,
        builder.elements(),
        builder.negatives,
        builder.telecom_counts,
        builder.conflicts,
        dropped,
        problems,
        provider.notes,
        segment_labels,
    )
