"""The access package and the know answer, built from the rows found and the pack's explanations.

The package says what is held (each value, with its category), from where (system and
table), why (the purposes the pack's rules give the category) and to whom (the recipients the
rules name, and the disclosures actually recorded). It never contains what the law forbids
sending (CCPA 7024(d), CCPA-14): government ID numbers, passwords, security answers and
biometrics are reported as collected but withheld; card, bank and account numbers show only
their last four characters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from privet.legal.tables import Disclosure
from privet.policy.taxonomy import is_within
from privet.requests.datasets.model import IdentityKind
from privet.requests.datasets.registry import Registry
from privet.requests.explain import Explainer
from privet.requests.traverse import Found, Seeds
from privet.subjects.tables import Person

WITHHELD = (
    "user.government_id",
    "user.authorization.credentials",
    "user.authorization.password",
    "user.authorization.security_answer",
    "user.authorization.biometric",
    "user.biometric",
)
LAST_FOUR = ("user.financial.bank_account", "user.financial.credit_card", "user.telecom.account_number")
SALE_PURPOSES = ("third_party_sharing", "marketing.direct_marketing_by_third_party")
WITHHELD_REASON = "collected, but the law does not allow us to send it (Cal. Code Regs. tit. 11, 7024(d))"

PRIVET_CATEGORIES = {
    "email": "user.contact.email",
    "phone": "user.contact.phone_number",
    "username": "user.account.username",
    "postal": "user.contact.address",
}


def person_seeds(person: Person) -> Seeds:
    """The identities privet holds for the person: where the walk through the systems starts."""
    seeds: Seeds = defaultdict(set)
    for ident in person.identities:
        if ident.kind in {k.value for k in IdentityKind}:
            seeds[IdentityKind(ident.kind)].add(ident.value)
    for role in person.roles:
        if role.role == "holder":
            seeds[IdentityKind.ACCOUNT_NUMBER].add(role.account.number)
    return seeds


def display(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes of binary data>"
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def shown(category: str, value: Any) -> tuple[Any, bool]:
    """(what the person may be sent, whether it was withheld)."""
    if value is None:
        return None, False
    if any(is_within(category, w) for w in WITHHELD):
        return None, True
    if any(is_within(category, c) for c in LAST_FOUR):
        text = str(value)
        return ("•" * max(len(text) - 4, 0)) + text[-4:], False
    return display(value), False


class PackageBuilder:
    """Collects items by category while walking the rows, then assembles either answer."""

    def __init__(self, explainer: Explainer, registry: Registry | None) -> None:
        self.ex = explainer
        self.registry = registry
        self.records: list[dict[str, Any]] = []
        self.systems: dict[str, set[str]] = defaultdict(set)
        self.withheld: dict[tuple[str, str], int] = defaultdict(int)

    def add_found(self, found: Found) -> None:
        assert self.registry is not None
        for node in self.registry.graph.order:
            rows = found.rows.get(node)
            if not rows:
                continue
            table = self.registry.table(node)
            system = self.registry.system(node.dataset)
            items = []
            for key in sorted(rows, key=repr):
                row = rows[key]
                fields = {}
                for name, col in table.columns.items():
                    if col.category is None or row.get(name) is None:
                        continue
                    value, held_back = shown(col.category, row[name])
                    self.systems[col.category].add(system)
                    if held_back:
                        self.withheld[(col.category, f"{system}: {node.table}.{name}")] += 1
                        continue
                    fields[name] = {"category": col.category, "name": self.ex.category_name(col.category), "value": value}
                if fields:
                    items.append(fields)
            if items:
                self.records.append(
                    {
                        "dataset": node.dataset,
                        "system": system,
                        "table": node.table,
                        "description": table.description,
                        "rows": items,
                    }
                )

    def add_privet(self, person: Person) -> None:
        """What privet itself holds: the name and identities used to recognise the person."""
        fields: list[tuple[str, str, Any]] = [("full_name", "user.name", person.full_name)]
        fields += [(i.kind, PRIVET_CATEGORIES.get(i.kind, "user.contact"), i.value) for i in person.identities]
        fields += [("account", "user.telecom.account_number", r.account.number) for r in person.roles]
        fields += [(f"{c.kind}_of_record", PRIVET_CATEGORIES.get(c.kind, "user.contact"), c.value) for c in person.contact_points]
        items = {}
        for i, (label, category, raw) in enumerate(fields):
            value, _ = shown(category, raw)
            self.systems[category].add("privet privacy records")
            items[f"{label}_{i}"] = {"category": category, "name": self.ex.category_name(category), "value": value}
        self.records.insert(
            0, {"dataset": "privet", "system": "privet privacy records", "table": "subjects", "description": "", "rows": [items]}
        )

    def categories(self) -> list[dict[str, Any]]:
        out = []
        for key in sorted(self.systems):
            use = self.ex.uses(key)
            out.append(
                {
                    "key": key,
                    "name": self.ex.category_name(key),
                    "systems": sorted(self.systems[key]),
                    "sources": list(use.sources),
                    "purposes": [name for _, name in use.purposes],
                    "recipients": [name for _, name, _ in use.recipients],
                }
            )
        return out

    def withheld_items(self) -> list[dict[str, Any]]:
        return [
            {"category": cat, "name": self.ex.category_name(cat), "where": where, "count": n, "reason": WITHHELD_REASON}
            for (cat, where), n in sorted(self.withheld.items())
        ]


def disclosure_items(explainer: Explainer, disclosures: Iterable[Disclosure]) -> list[dict[str, Any]]:
    return [
        {
            "at": d.at.date().isoformat(),
            "recipient": d.recipient_name,
            "recipient_kind": d.recipient_kind,
            "categories": [explainer.category_name(c) for c in d.categories],
            "purpose": explainer.purpose_name(d.purpose),
            "sold_or_shared": any(is_within(d.purpose, p) for p in SALE_PURPOSES),
        }
        for d in disclosures
    ]
