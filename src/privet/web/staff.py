"""Who is signed in to the console, and what their role may see: shared by every console page.

Sign-in keeps the staff member's bearer token in an HttpOnly, SameSite=Strict cookie scoped to
/console; each request resolves it again (a revoked token signs the page out at once) and every
page asks `Staff.may` before it shows or changes anything, so the console never allows more than
the API would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Cookie, Depends, Form, HTTPException
from fastapi.responses import RedirectResponse, Response

from privet.access.permissions import Permission, allows
from privet.access.tokens import Principal, authenticate
from privet.api.deps import RuntimeDep
from privet.runtime import Runtime
from privet.web.common import check_csrf, csrf_token

COOKIE = "privet_console"
CSRF_PURPOSE = "console"
ConsoleCookie = Annotated[str | None, Cookie(alias=COOKIE)]


@dataclass(frozen=True)
class Staff:
    principal: Principal
    token: str

    @property
    def csrf(self) -> str:
        return csrf_token(self.token, CSRF_PURPOSE)

    def may(self, permission: Permission) -> bool:
        return allows(self.principal.role, permission)


def signed_in(runtime: Runtime, token: str | None) -> Staff | None:
    """The staff member whose console cookie this is, or None when it is missing, unknown or revoked."""
    if not token:
        return None
    with runtime.uow("console") as uow:
        principal = authenticate(uow, token)
    return Staff(principal, token) if principal else None


def require(staff: Staff | None, permission: Permission) -> Staff:
    """The staff member, if their role holds `permission`; a 401 or 403 otherwise."""
    if staff is None:
        raise HTTPException(401, "sign in to the console first")
    if not staff.may(permission):
        raise HTTPException(403, f"the {staff.principal.role} role may not {permission.value.replace(':', ' ')}")
    return staff


def context(runtime: Runtime, staff: Staff, **more: Any) -> dict[str, Any]:
    """What every console template needs: the pack, the signed-in staff member and the permission names."""
    return {"pack": runtime.pack, "staff": staff, "P": Permission, **more}


def signin_redirect() -> Response:
    return RedirectResponse("/console/signin", status_code=303)


def staff_for_page(runtime: Runtime, token: str | None, permission: Permission) -> Staff | None:
    """For a page: None when nobody is signed in (the page redirects to sign-in), else the staff member if allowed."""
    staff = signed_in(runtime, token)
    return None if staff is None else require(staff, permission)


def staff_for_form(runtime: Runtime, token: str | None, csrf: str, permission: Permission) -> Staff:
    """The staff member behind a form post: signed in, the form's CSRF token matching, and the permission held."""
    staff = signed_in(runtime, token)
    if staff is None:
        raise HTTPException(401, "sign in to the console first")
    check_csrf(staff.token, CSRF_PURPOSE, csrf)
    return require(staff, permission)


def form_staff(permission: Permission) -> Any:
    """The staff member behind a form post (`staff_for_form`) as a dependency, for `Annotated[Staff, form_staff(P)]`.

    A handler then declares who may post it in one parameter; the form's `csrf` field and the
    console cookie are read by the dependency, and the check runs before the handler does.
    """

    def dependency(runtime: RuntimeDep, csrf: Annotated[str, Form()] = "", session: ConsoleCookie = None) -> Staff:
        return staff_for_form(runtime, session, csrf, permission)

    return Depends(dependency)
