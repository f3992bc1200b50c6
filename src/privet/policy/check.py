"""Cross-reference checks that make a well-shaped pack a meaningful one.

Shape errors come from pydantic in `load.py`; everything that needs to look at two places
at once is here: names that must exist in the taxonomy or elsewhere in the pack, ids that
must be unique, choices that must be reachable, rules that must not contradict each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import combinations

from privet.policy.load import LoadedDocument, PathKey, Problem, format_path
from privet.policy.model import Basis, Conditions, PolicyPack, Rule
from privet.policy.taxonomy import builtin_categories, builtin_purposes, builtin_subjects, overlaps

Reporter = Callable[[PathKey, str], None]


def known_categories(pack: PolicyPack) -> set[str]:
    return set(builtin_categories()) | {t.key for t in pack.extensions.categories}


def known_purposes(pack: PolicyPack) -> set[str]:
    return set(builtin_purposes()) | {t.key for t in pack.extensions.purposes}


def known_subjects(pack: PolicyPack) -> set[str]:
    return set(builtin_subjects()) | {t.key for t in pack.extensions.subjects}


def check_pack(pack: PolicyPack, doc: LoadedDocument) -> list[Problem]:
    """Every cross-reference problem in the pack, errors and warnings, in file order."""
    problems: list[Problem] = []

    def report(path: PathKey, message: str, severity: str = "error") -> None:
        problems.append(Problem(doc.file, doc.line_of(path), format_path(path), message, severity))

    _check_unique_ids(pack, report)
    _check_vocabulary(pack, report)
    _check_rules(pack, report)
    _check_choices(pack, report, lambda path, msg: report(path, msg, "warning"))
    _check_retention(pack, report)
    _check_rights(pack, report)
    return sorted(problems)


def _check_unique_ids(pack: PolicyPack, report: Reporter) -> None:
    sections: dict[str, Sequence[object]] = {
        "collection": pack.collection,
        "recipients": pack.recipients,
        "choices": pack.choices,
        "rules": pack.rules,
        "rights": pack.rights,
        "retention": pack.retention,
        "roles": pack.roles,
    }
    if pack.programs.acceptable_use:
        sections["programs.acceptable_use.prohibited"] = pack.programs.acceptable_use.prohibited
    for name, items in sections.items():
        seen: dict[str, int] = {}
        base: PathKey = tuple(name.split("."))
        for index, item in enumerate(items):
            item_id: str = getattr(item, "id")  # noqa: B009 - every section's items carry an id
            if item_id in seen:
                report((*base, index, "id"), f"duplicate id '{item_id}' (first used at {name}[{seen[item_id]}])")
            else:
                seen[item_id] = index


def _unknown(keys: Iterable[str], known: set[str], what: str, path: PathKey, report: Reporter) -> None:
    for i, key in enumerate(keys):
        _unknown_one(key, known, what, (*path, i), report)


def _unknown_one(key: str, known: set[str], what: str, path: PathKey, report: Reporter) -> None:
    if key not in known:
        report(path, f"unknown {what} '{key}': not in fideslang, privet's telecom extensions or this pack's extensions")


def _check_vocabulary(pack: PolicyPack, report: Reporter) -> None:
    categories, purposes, subjects = known_categories(pack), known_purposes(pack), known_subjects(pack)
    _unknown(pack.subjects, subjects, "data subject", ("subjects",), report)
    for i, col in enumerate(pack.collection):
        _unknown(col.categories, categories, "data category", ("collection", i, "categories"), report)
        _unknown(col.subjects, subjects, "data subject", ("collection", i, "subjects"), report)
    for i, rule in enumerate(pack.rules):
        _unknown(rule.categories, categories, "data category", ("rules", i, "categories"), report)
        _unknown_one(rule.purpose, purposes, "purpose", ("rules", i, "purpose"), report)
        _unknown(rule.when.subjects, subjects, "data subject", ("rules", i, "when", "subjects"), report)
    for i, ret in enumerate(pack.retention):
        _unknown(ret.categories, categories, "data category", ("retention", i, "categories"), report)
        if ret.purpose:
            _unknown_one(ret.purpose, purposes, "purpose", ("retention", i, "purpose"), report)
    for i, role in enumerate(pack.roles):
        for j, grant in enumerate(role.may_see):
            _unknown(grant.categories, categories, "data category", ("roles", i, "may_see", j, "categories"), report)
            _unknown(grant.purposes, purposes, "purpose", ("roles", i, "may_see", j, "purposes"), report)


def _check_rules(pack: PolicyPack, report: Reporter) -> None:
    recipients = {r.id for r in pack.recipients}
    choices = {c.id for c in pack.choices}
    for i, rule in enumerate(pack.rules):
        if rule.recipient not in recipients:
            report(("rules", i, "recipient"), f"recipient '{rule.recipient}' is not declared under recipients")
        if rule.choice and rule.choice not in choices:
            report(("rules", i, "choice"), f"choice '{rule.choice}' does not exist; declare it under choices")
    for (i, a), (j, b) in combinations(enumerate(pack.rules), 2):
        if _contradict(a, b):
            report(
                ("rules", j, "basis"),
                f"rule '{b.id}' says '{b.basis.value}' where rule '{a.id}' (rules[{i}]) says '{a.basis.value}' "
                f"for the same data, purpose '{a.purpose}' and recipient '{a.recipient}'",
            )


def _contradict(a: Rule, b: Rule) -> bool:
    """A `required` and a `never` over overlapping data for one purpose, recipient and audience."""
    if {a.basis, b.basis} != {Basis.REQUIRED, Basis.NEVER}:
        return False
    if a.purpose != b.purpose or a.recipient != b.recipient:
        return False
    if not _same_audience(a.when, b.when):
        return False
    return any(overlaps(x, y) for x in a.categories for y in b.categories)


def _same_audience(a: Conditions, b: Conditions) -> bool:
    return a == b


def _check_choices(pack: PolicyPack, report: Reporter, warn: Reporter) -> None:
    used = {r.choice for r in pack.rules if r.choice}
    for i, choice in enumerate(pack.choices):
        if not choice.channels:
            report(("choices", i, "channels"), f"choice '{choice.id}' has no channel through which a person can set it")
        if choice.kind == "opt_in" and choice.default != "denied":
            report(("choices", i, "default"), "an opt-in choice must default to 'denied' until the person opts in")
        if choice.kind == "opt_out" and choice.default != "allowed":
            report(("choices", i, "default"), "an opt-out choice defaults to 'allowed' until the person opts out")
        if choice.id not in used:
            warn(("choices", i, "id"), f"choice '{choice.id}' governs no rule, so setting it changes no decision")
    for i, rule in enumerate(pack.rules):
        governing = pack.choice(rule.choice) if rule.choice else None
        if governing is None:
            continue
        choice = governing
        if rule.basis is Basis.ONLY_WITH_OPT_IN and choice.kind == "opt_out":
            report(("rules", i, "choice"), f"an only_with_opt_in rule cannot hang on the opt-out choice '{choice.id}'")
        if rule.basis is Basis.UNLESS_OPTED_OUT and choice.kind == "opt_in":
            report(("rules", i, "choice"), f"an unless_opted_out rule cannot hang on the opt-in choice '{choice.id}'")


def _check_retention(pack: PolicyPack, report: Reporter) -> None:
    for i, ret in enumerate(pack.retention):
        if ret.trigger is None:
            report(("retention", i, "trigger"), f"retention '{ret.id}' has no trigger: say from which event its period runs")
        if ret.period is None and ret.trigger not in (None, "purpose_fulfilled"):
            report(("retention", i, "period"), f"retention '{ret.id}' runs from '{ret.trigger}' but gives no period")
        if ret.period and ret.legal_minimum and ret.period.approx_days() < ret.legal_minimum.approx_days():
            report(
                ("retention", i, "period"),
                f"retention '{ret.id}' keeps data for less than its legal minimum of {ret.legal_minimum}",
            )


def _check_rights(pack: PolicyPack, report: Reporter) -> None:
    contacts = set(pack.provider.other_contacts)
    for i, right in enumerate(pack.rights):
        if right.contact and right.contact not in contacts:
            report(("rights", i, "contact"), f"contact '{right.contact}' is not declared under provider.other_contacts")
        if right.extension and not right.respond_within:
            report(("rights", i, "extension"), "an extension needs a respond_within period to extend")
