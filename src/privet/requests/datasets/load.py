"""Loading dataset declarations with errors that point at the line to fix.

Shape errors come from the pydantic models; this module adds what needs two places at once:
primary keys and `since` columns that must be declared, references that must land on a
declared column (in this declaration or another one), erasures that cannot work (a primary
key overwritten), and data categories the policy pack does not know or does not say it collects.
Everything here works on the files alone; `check.py` compares them with the live database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from privet.policy.check import known_categories
from privet.policy.load import LoadedDocument, PathKey, Problem, format_path, read_yaml, validation_problems
from privet.policy.model import PolicyPack
from privet.policy.taxonomy import overlaps
from privet.requests.datasets.model import Dataset, LegalBasisId, Strategy
from privet.requests.retention import BASES

Report = Callable[[PathKey, str, str], None]


@dataclass(frozen=True)
class Declaration:
    """A shape-valid dataset declaration and where it came from."""

    dataset: Dataset
    doc: LoadedDocument
    path: Path


class DatasetError(ValueError):
    """Declarations that cannot be used; carries every located problem."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def declaration_files(where: Path) -> list[Path]:
    """A declaration file, or every *.yaml / *.yml file of a folder, in name order."""
    if where.is_dir():
        return sorted(p for p in where.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [where]


def load_declaration(path: Path) -> tuple[Declaration | None, list[Problem]]:
    doc, problems = read_yaml(path)
    if doc is None:
        return None, problems
    if not isinstance(doc.data, dict):
        return None, [*problems, Problem(doc.file, 1, "", "a dataset declaration must be a mapping at its top level")]
    try:
        dataset = Dataset.model_validate(doc.data)
    except ValidationError as exc:
        return None, problems + validation_problems(exc, doc)
    return Declaration(dataset, doc, path), problems


def load_declarations(where: Path, pack: PolicyPack | None = None) -> tuple[list[Declaration], list[Problem]]:
    """Every declaration under `where`, checked alone and against each other (and the pack, when given)."""
    files = declaration_files(where)
    if not files:
        return [], [Problem(str(where), 0, "", "no dataset declarations (*.yaml) found")]
    found: list[Declaration] = []
    problems: list[Problem] = []
    for file in files:
        decl, errs = load_declaration(file)
        problems += errs
        if decl is not None:
            found.append(decl)
    problems += cross_check(found, pack)
    return found, problems


def cross_check(decls: Sequence[Declaration], pack: PolicyPack | None) -> list[Problem]:
    problems: list[Problem] = []
    ids: dict[str, Declaration] = {}
    for decl in decls:
        if decl.dataset.dataset in ids:
            other = ids[decl.dataset.dataset].doc.file
            problems.append(
                Problem(
                    decl.doc.file,
                    decl.doc.line_of(("dataset",)),
                    "dataset",
                    f"dataset id '{decl.dataset.dataset}' is also used by {other}",
                )
            )
        ids[decl.dataset.dataset] = decl
    for decl in decls:

        def report(path: PathKey, message: str, severity: str = "error", doc: LoadedDocument = decl.doc) -> None:
            problems.append(Problem(doc.file, doc.line_of(path), format_path(path), message, severity))

        _check_tables(decl, ids, report)
        if pack is not None:
            _check_categories(decl, pack, report)
    return problems


def _check_tables(decl: Declaration, ids: dict[str, Declaration], report: Report) -> None:
    for tname, table in decl.dataset.tables.items():
        base: PathKey = ("tables", tname)
        for i, key in enumerate(table.primary_key):
            if key not in table.columns:
                report((*base, "primary_key", i), f"primary key column '{key}' is not declared under columns", "error")
        for cname, column in table.columns.items():
            cpath: PathKey = (*base, "columns", cname)
            if cname in table.primary_key and column.erasure.strategy is not Strategy.KEEP:
                report((*cpath, "erase"), "a primary key column cannot be erased (declare erase: keep)", "error")
            if column.references is not None:
                _check_reference(decl, ids, cpath, column.references.parts, report)
        for i, retain in enumerate(table.retain):
            rpath: PathKey = (*base, "retain", i)
            if retain.since is not None and retain.since not in table.columns:
                report((*rpath, "since"), f"'{retain.since}' is not a declared column of {tname}", "error")
            basis = BASES[retain.basis]
            if basis.months is not None and retain.since is None:
                report(
                    rpath,
                    f"'{retain.basis.value}' keeps records for {basis.months} months: name the column they count from (since)",
                    "error",
                )
            for j, col in enumerate(retain.columns):
                if col not in table.columns:
                    report((*rpath, "columns", j), f"'{col}' is not a declared column of {tname}", "error")
            if retain.basis is LegalBasisId.SERVICE and retain.since is not None:
                report((*rpath, "since"), "'service' keeps rows while the account is active; it takes no since", "error")


def _check_reference(
    decl: Declaration, ids: dict[str, Declaration], cpath: PathKey, parts: tuple[str | None, str, str], report: Report
) -> None:
    dataset_id, table, column = parts
    target = decl if dataset_id is None else ids.get(dataset_id)
    where = f"{dataset_id}." if dataset_id else ""
    if target is None:
        report((*cpath, "references"), f"no dataset '{dataset_id}' is declared", "error")
    elif table not in target.dataset.tables:
        report((*cpath, "references"), f"no table '{where}{table}' is declared", "error")
    elif column not in target.dataset.tables[table].columns:
        report((*cpath, "references"), f"'{where}{table}' declares no column '{column}'", "error")


def _check_categories(decl: Declaration, pack: PolicyPack, report: Report) -> None:
    known = known_categories(pack)
    collected = {c for item in pack.collection for c in item.categories}
    for tname, table in decl.dataset.tables.items():
        for cname, column in table.columns.items():
            if column.category is None:
                continue
            path: PathKey = ("tables", tname, "columns", cname, "category")
            if column.category not in known:
                report(path, f"'{column.category}' is not a data category of policy {pack.pack.id}", "error")
            elif not any(overlaps(column.category, c) for c in collected):
                report(path, f"policy {pack.pack.id} does not say it collects '{column.category}'", "warning")
