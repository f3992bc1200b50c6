"""Correction: the accurate value, written everywhere the category is declared.

An inaccurate email lives in billing, the CRM and the mail system at once; correcting one copy
leaves the others wrong and the next export brings the error back. So a correction finds the
person's rows in every system and rewrites every column declared with the category, in the
format that system stores (a phone as E.164 in one table, ten digits in another), and then
privet's own identity, so the person is still found by the corrected value. With `old` given,
only that value is replaced (a person with a work and a home email corrects one of them).

A corrected email or phone of record is a change of address of record under the CPNI rules
(64.2010(f)): a customer with voice service is told at once, at a contact that was of record
before the change and never at the new value, as when a care rep makes the change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from privet.cpni.changes import notify_change
from privet.regimes.cpni import VOICE_LINES
from privet.requests.datasets.model import Column, IdentityKind
from privet.requests.datasets.registry import Registry
from privet.requests.kinds import RequestError
from privet.requests.package import person_seeds
from privet.requests.tables import DataRequest
from privet.requests.traverse import Found, canonical, find_rows, to_column
from privet.store.uow import UnitOfWork
from privet.subjects.identities import InvalidIdentity, normalize
from privet.subjects.service import get_person
from privet.subjects.tables import ContactPoint, Identity, Person

IDENTITY_OF = {
    "user.contact.email": IdentityKind.EMAIL,
    "user.contact.phone_number": IdentityKind.PHONE,
    "user.account.username": IdentityKind.USERNAME,
}


def _same(column: Column, current: Any, old: str) -> bool:
    if column.identity is not None:
        return canonical(column.identity, current) == canonical(column.identity, old)
    return str(current).strip() == old.strip()


def apply_corrections(uow: UnitOfWork, registry: Registry | None, req: DataRequest) -> list[dict[str, Any]]:
    person = get_person(uow, req.person_id)
    wanted = list(req.details.get("corrections", []))
    if not wanted or any("value" not in c for c in wanted):
        raise RequestError(f"request {req.id} holds no corrections to apply")
    found = find_rows(registry, person_seeds(person)) if registry is not None else Found()
    changed: list[dict[str, Any]] = []
    for item in wanted:
        category, old = item["category"], item.get("old")
        kind = IDENTITY_OF.get(category)
        try:
            value = normalize(kind.value, item["value"]) if kind else str(item["value"]).strip()
        except InvalidIdentity as exc:
            raise RequestError(f"the corrected {category} is not valid: {exc}") from exc
        if registry is not None:
            changed += _correct_systems(registry, found, category, value, old)
        if kind is not None:
            changed += _correct_privet(uow, person, kind, category, value, old)
    req.details = {**req.details, "corrections": [{"category": c["category"], "applied": True} for c in wanted]}
    uow.record("request.corrected", f"request:{req.id}", categories=[c["category"] for c in wanted], places=len(changed))
    return changed


def _correct_systems(registry: Registry, found: Found, category: str, value: str, old: str | None) -> list[dict[str, Any]]:
    changed = []
    for node in registry.graph.order:
        rows = found.rows.get(node)
        if not rows:
            continue
        table = registry.table(node)
        for name, col in table.columns.items():
            if col.category != category:
                continue
            new = to_column(col.identity, col.id_format, value) if col.identity else value
            updates = [
                (key, {name: new})
                for key, row in rows.items()
                if row.get(name) is not None and row[name] != new and (old is None or _same(col, row[name], old))
            ]
            if updates:
                registry.connector(node.dataset).update(node.table, table.primary_key, updates)
                for key, _ in updates:
                    rows[key][name] = new
                changed.append({"table": str(node), "column": name, "category": category, "rows": len(updates)})
    return changed


def _correct_privet(
    uow: UnitOfWork, person: Person, kind: IdentityKind, category: str, value: str, old: str | None
) -> list[dict[str, Any]]:
    owner = uow.session.scalars(select(Identity).where(Identity.kind == kind.value, Identity.value == value)).one_or_none()
    if owner is not None and owner.person_id != person.id:
        raise RequestError(f"the corrected {kind.value} already belongs to another person; resolve that first")
    olds = {normalize(kind.value, old)} if old else {i.value for i in person.identities if i.kind == kind.value}
    if len(olds) > 1:
        return []  # which of several values is wrong is for `old` to say; the systems were still corrected
    changed: list[dict[str, Any]] = []
    for ident in [i for i in person.identities if i.kind == kind.value and i.value in olds and i.value != value]:
        if owner is not None:
            person.identities.remove(ident)
        else:
            ident.value = value
        changed.append({"table": "privet.identities", "column": kind.value, "category": category, "rows": 1})
    today = uow.now().date()
    replaced = False
    for cp in [c for c in person.contact_points if c.kind == kind.value and c.replaced_at is None]:
        if canonical(kind, cp.value) in olds and cp.value != value:
            cp.replaced_at = uow.now()
            person.contact_points.append(ContactPoint(kind=cp.kind, purpose=cp.purpose, value=value, of_record_since=today))
            changed.append({"table": "privet.contact_points", "column": kind.value, "category": category, "rows": 1})
            replaced = True
    if replaced:
        _notify_cpni_customers(uow, person, value)
    return changed


def _notify_cpni_customers(uow: UnitOfWork, person: Person, new_value: str) -> None:
    """The account-change notice for each of the person's accounts with voice service (CPNI-20)."""
    for membership in person.roles:
        account = membership.account
        if any(s.kind in VOICE_LINES and s.ended_on is None for s in account.services):
            notify_change(uow, person, account, "address_of_record", exclude=new_value)
