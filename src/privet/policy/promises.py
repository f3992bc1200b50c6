"""Promise lists: every commitment of a provider's published policy, traced to the pack.

A promise list sits beside a pack (`promises.yaml`). Each entry paraphrases one sentence of
the published policy that commits the provider or gives a person a choice or a right, says
which pack element expresses it, and how far privet has got: `expressed` (the pack says it),
`enforced` (a named test proves privet acts on it) or `not_yet` (which capability will).
The lists keep the project honest about what it really enforces.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, model_validator

from privet.policy.load import PROMISES_FILE, LoadedDocument, PathKey, Problem, format_path, read_yaml, validation_problems
from privet.policy.model import PolicyPack, Strict


class Status(StrEnum):
    EXPRESSED = "expressed"
    ENFORCED = "enforced"
    NOT_YET = "not_yet"


class Capability(StrEnum):
    """The capabilities that enforce promises; `not_yet` entries name the one they wait for."""

    POLICY = "policy"
    SERVICE_CORE = "service_core"
    CONSENT_AND_DECISIONS = "consent_and_decisions"
    ABUSE_DESK = "abuse_desk"
    DATA_SUBJECT_REQUESTS = "data_subject_requests"
    CPNI_SAFEGUARDS = "cpni_safeguards"
    LEGAL_PROCESS = "legal_process"
    RETENTION = "retention"
    CONSOLE_AND_PRIVACY_CENTER = "console_and_privacy_center"
    OUTSIDE_PRIVET = "outside_privet"


class Promise(Strict):
    id: Annotated[str, Field(pattern=r"^\d{3}-P\d{3}$")]
    section: str = Field(min_length=1)
    kind: str = Field(pattern=r"^(commitment|prohibition|choice|right|disclosure|retention|security|notice|program)$")
    promise: str = Field(min_length=10, description="a short paraphrase in privet's own words")
    expressed_by: list[str] = Field(default_factory=list, description="pack elements, e.g. rules/cpni-affiliates")
    status: Status
    enforced_by: list[str] = Field(default_factory=list, description="tests as path::name, each marked with this id")
    pending: Capability | None = None

    @model_validator(mode="after")
    def _status_is_backed(self) -> Promise:
        if self.status is Status.ENFORCED and not self.enforced_by:
            raise ValueError("an enforced promise must name the test that proves it (enforced_by)")
        if self.status is Status.NOT_YET and self.pending is None:
            raise ValueError("a not_yet promise must name the capability that will enforce it (pending)")
        if self.status is not Status.NOT_YET and not self.expressed_by:
            raise ValueError(f"a promise marked {self.status.value} must name the pack element that expresses it")
        return self


class PromiseList(Strict):
    seed: Annotated[str, Field(pattern=r"^\d{3}$")]
    title: str
    promises: list[Promise] = Field(min_length=1)


def promises_path(pack_path: Path) -> Path:
    base = pack_path if pack_path.is_dir() else pack_path.parent
    return base / PROMISES_FILE


def load_promises(path: Path) -> tuple[PromiseList | None, LoadedDocument | None, list[Problem]]:
    doc, problems = read_yaml(path)
    if doc is None:
        return None, None, problems
    try:
        return PromiseList.model_validate(doc.data), doc, problems
    except ValidationError as exc:
        return None, doc, problems + validation_problems(exc, doc)


def resolve_element(pack: PolicyPack, ref: str) -> bool:
    """True when `ref` names something the pack holds.

    `section/id` names a list item by id (`rules/cpni-affiliates`,
    `programs.acceptable_use.prohibited/spam`); a dotted path names a field that must be set
    (`statements.do_not_track`, `programs.copyright.counter_notice_elements`).
    """
    section, slash, item_id = ref.partition("/")
    target: Any = pack
    for part in section.split("."):
        target = getattr(target, part, None)
        if target is None:
            return False
    if not slash:
        return target not in (None, [], {})
    if not isinstance(target, list):
        return False
    return any(getattr(item, "id", getattr(item, "step", None)) == item_id for item in target)


def check_promises(plist: PromiseList, doc: LoadedDocument, pack: PolicyPack) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, promise in enumerate(plist.promises):
        path: PathKey
        if promise.id in seen:
            path = ("promises", i, "id")
            problems.append(Problem(doc.file, doc.line_of(path), format_path(path), f"duplicate promise id '{promise.id}'"))
        seen.add(promise.id)
        if not promise.id.startswith(plist.seed + "-"):
            path = ("promises", i, "id")
            problems.append(
                Problem(
                    doc.file, doc.line_of(path), format_path(path), f"promise ids of seed {plist.seed} start with '{plist.seed}-'"
                )
            )
        for j, ref in enumerate(promise.expressed_by):
            if not resolve_element(pack, ref):
                path = ("promises", i, "expressed_by", j)
                problems.append(Problem(doc.file, doc.line_of(path), format_path(path), f"'{ref}' names nothing in the pack"))
    return problems


def status_counts(plist: PromiseList) -> dict[str, int]:
    counts = Counter(p.status.value for p in plist.promises)
    return {s.value: counts.get(s.value, 0) for s in Status}


def pending_counts(plist: PromiseList) -> dict[str, int]:
    """Promises not yet enforced, by the capability that will enforce them."""
    counts = Counter(p.pending.value for p in plist.promises if p.pending and p.status is not Status.ENFORCED)
    return dict(sorted(counts.items()))
