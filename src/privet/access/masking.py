"""Mask personal data a role may not see.

Each field of a response that carries personal data is tagged with its data category; a role
sees the value only when one of its pack `may_see` grants covers that category. Masking keeps
the shape (a masked email still looks like one) so screens and integrations do not break.

The pack is the only source of grants: no role sees personal data by its name alone. An
administrator manages tokens and settings, and every seed pack says it sees no customer data;
a privacy officer sees what their pack grants, which is not always everything.
"""

from __future__ import annotations

from privet.policy.model import PolicyPack
from privet.policy.taxonomy import is_within

MASK = "•••"
# Numbers people confirm by their last digits ("the account ending 42"); everything else is hidden whole.
LAST_DIGITS_CATEGORIES = ("user.contact.phone_number", "user.telecom.account_number", "user.financial")


def visible_categories(pack: PolicyPack, role: str) -> frozenset[str]:
    for r in pack.roles:
        if r.id == role:
            return frozenset(c for grant in r.may_see for c in grant.categories)
    return frozenset()


def may_see(pack: PolicyPack, role: str, category: str) -> bool:
    return any(is_within(category, granted) for granted in visible_categories(pack, role))


def mask_value(value: str | None, category: str) -> str | None:
    """A shape-preserving mask: a hint of the value, never enough to use it."""
    if value is None:
        return None
    if "@" in value and category.startswith("user.contact.email"):
        local, _, domain = value.partition("@")
        return f"{local[:1]}{MASK}@{domain}"
    if category.startswith(LAST_DIGITS_CATEGORIES) and len(value) >= 8:
        return f"{MASK}{value[-2:]}"
    return MASK


def shown(pack: PolicyPack, role: str, category: str, value: str | None) -> str | None:
    return value if may_see(pack, role, category) else mask_value(value, category)
