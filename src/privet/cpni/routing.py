"""Route helpers for the CPNI and legal routers: permissions, and refusals as problem details.

Access is decided in one place, `privet.access.permissions`; these routers need permissions that
table does not have yet. `require_grant` uses the central `Permission` member when it exists
(the lead adds the values below to that enum and table), and until then checks the same grants
here, marked like `require(...)` so the deny-by-default test sees every route as guarded. Once
the central table has them, this module reduces to `require(Permission(name))`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, HTTPException

from privet.access.permissions import Permission
from privet.access.tokens import Principal
from privet.api.deps import current_principal, require

PROPOSED: dict[str, frozenset[str]] = {
    "cpni:authenticate": frozenset({"admin", "care_rep", "service_integration"}),
    "cpni:disclose": frozenset({"admin", "care_rep", "service_integration"}),
    "cpni:credentials": frozenset({"admin", "care_rep", "service_integration"}),
    "cpni:records": frozenset({"admin", "privacy_officer", "marketing"}),
    "cpni:approve": frozenset({"admin", "privacy_officer"}),
    "cpni:breaches": frozenset({"admin", "privacy_officer", "legal"}),
    "legal:read": frozenset({"admin", "privacy_officer", "legal"}),
    "legal:write": frozenset({"admin", "legal"}),
    "legal:release": frozenset({"admin", "legal"}),
}


def require_grant(name: str) -> Callable[..., Principal]:
    """A dependency admitting only roles granted `name` (central table first, else `PROPOSED`)."""
    if name not in PROPOSED:
        raise KeyError(f"unknown grant {name}")
    central = {p.value: p for p in Permission}
    if name in central:
        return require(central[name])

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in PROPOSED[name]:
            raise HTTPException(403, f"the {principal.role} role may not {name.replace(':', ' ')}")
        return principal

    check.__privet_permission__ = name  # type: ignore[attr-defined]
    return check


@contextmanager
def refusals(*errors: type[Exception]) -> Iterator[None]:
    """Turn a service's refusal into a problem response: 404 for a missing row, 422 for a named field, else 409.

    Services word their errors "field: problem" when the caller sent something wrong and "no X
    with id N" when a row is missing, so the status follows from the message.
    """
    try:
        yield
    except errors as exc:
        detail = str(exc)
        head = detail.split(":", 1)[0]
        if detail.startswith("no ") and " with id " in detail:
            raise HTTPException(404, detail) from None
        if ":" in detail and head.replace("_", "").replace(".", "").isalnum() and head == head.lower():
            raise HTTPException(422, detail) from None
        raise HTTPException(409, detail) from None
