"""Reading a pack from YAML while remembering where every value came from.

A privacy officer editing a 1,000-line pack needs "pack.yaml:212 rules[14].choice: ..." and
not a traceback, so the loader composes the YAML node tree first, records the line of every
path, and maps pydantic's error locations back onto those lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from privet.policy.model import PolicyPack

PACK_FILE = "pack.yaml"
PROMISES_FILE = "promises.yaml"

PathKey = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a pack, located precisely enough to fix without searching."""

    file: str
    line: int
    path: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field_path = f" {self.path}" if self.path else ""
        return f"{where}:{field_path}: {self.severity}: {self.message}"


@dataclass
class LoadedDocument:
    """A parsed YAML document and the line of each path inside it."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int:
        """Line of the deepest known prefix of `path` (a missing field points at its parent)."""
        for cut in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:cut]))
            if line is not None:
                return line
        return 1


class PackError(Exception):
    """Raised when a pack cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def format_path(path: PathKey) -> str:
    """Render ('rules', 3, 'choice') as 'rules[3].choice'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def resolve_pack_path(path: Path) -> Path:
    """A pack may be named by its directory or by its YAML file."""
    return path / PACK_FILE if path.is_dir() else path


def read_yaml(path: Path) -> tuple[LoadedDocument | None, list[Problem]]:
    """Parse one YAML file into data plus line map; YAML errors become located problems."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(name, 0, "", "file not found")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, 0, "", f"cannot read file: {exc}")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(name, line, "", f"not valid YAML: {reason}")]
    if node is None:
        return None, [Problem(name, 1, "", "the file is empty")]
    doc = LoadedDocument(name, None)
    problems: list[Problem] = []
    doc.data = _construct(node, (), doc, problems, yaml.SafeLoader(""))
    return doc, problems


def _construct(node: yaml.Node, path: PathKey, doc: LoadedDocument, problems: list[Problem], scalars: yaml.SafeLoader) -> Any:
    doc.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = scalars.construct_object(key_node, deep=True)
            if key in out:
                problems.append(
                    Problem(doc.file, key_node.start_mark.line + 1, format_path((*path, str(key))), f"duplicate key '{key}'")
                )
            out[key] = _construct(value_node, (*path, str(key)), doc, problems, scalars)
            doc.lines[(*path, str(key))] = key_node.start_mark.line + 1  # point at the key, not its value
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), doc, problems, scalars) for i, item in enumerate(node.value)]
    return scalars.construct_object(node, deep=True)


def validation_problems(exc: ValidationError, doc: LoadedDocument) -> list[Problem]:
    """Turn pydantic's errors into located, plain-words problems."""
    problems = []
    for err in exc.errors():
        loc: PathKey = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        message = _plain(err)
        problems.append(Problem(doc.file, doc.line_of(loc), format_path(loc), message))
    return problems


def _plain(err: Any) -> str:
    kind = err["type"]
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; packs accept only known fields)"
    if kind == "enum":
        expected = err.get("ctx", {}).get("expected", "")
        return f"'{err.get('input')}' is not one of {expected}"
    if kind == "string_pattern_mismatch":
        return f"'{err.get('input')}' is not allowed here (expected the form {err['ctx']['pattern']})"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def load_pack(path: Path) -> tuple[PolicyPack | None, LoadedDocument | None, list[Problem]]:
    """Load and shape-validate a pack. Cross-reference checks live in `check.check_pack`."""
    doc, problems = read_yaml(resolve_pack_path(path))
    if doc is None:
        return None, None, problems
    if not isinstance(doc.data, dict):
        return None, doc, [*problems, Problem(doc.file, 1, "", "a pack must be a mapping at its top level")]
    try:
        pack = PolicyPack.model_validate(doc.data)
    except ValidationError as exc:
        return None, doc, problems + validation_problems(exc, doc)
    return pack, doc, problems


def load_pack_or_raise(path: Path) -> PolicyPack:
    """For callers that need a usable pack: any problem (or check error) raises PackError."""
    from privet.policy.check import check_pack

    pack, doc, problems = load_pack(path)
    if pack is not None and doc is not None:
        problems += check_pack(pack, doc)
    errors = [p for p in problems if p.severity == "error"]
    if errors or pack is None:
        raise PackError(errors or problems)
    return pack
