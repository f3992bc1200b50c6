"""Request dependencies: the runtime, the caller's identity, and the permission check.

Every route under /v1 declares `Depends(require(Permission.X))`; `unguarded_routes` lists any
route that does not, and a test keeps that list empty, so access is denied by default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from privet.access.permissions import Permission, allows
from privet.access.tokens import Principal, authenticate
from privet.runtime import Runtime
from privet.store.uow import UnitOfWork

RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="a row id")]

bearer = HTTPBearer(auto_error=False, description="A privet API token: `Authorization: Bearer pvt_…`")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def current_principal(
    runtime: RuntimeDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    with runtime.uow("api") as uow:
        principal = authenticate(uow, credentials.credentials)
    if principal is None:
        raise HTTPException(401, "the token is unknown or revoked", headers={"WWW-Authenticate": "Bearer"})
    return principal


def require(permission: Permission) -> Callable[..., Principal]:
    """A dependency that lets the call through only for roles holding `permission`."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not allows(principal.role, permission):
            raise HTTPException(403, f"the {principal.role} role may not {permission.value.replace(':', ' ')}")
        return principal

    check.__privet_permission__ = permission  # type: ignore[attr-defined]
    return check


def unit_of_work(runtime: Runtime, principal: Principal) -> Iterator[UnitOfWork]:
    with runtime.uow(principal.actor) as uow:
        yield uow


def api_routes(routes: Iterable[object], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every API route with its full path, looking inside included routers."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            yield from api_routes(included.routes, prefix + str(getattr(context, "prefix", "") or ""))
        elif isinstance(route, APIRoute):
            yield prefix + route.path, route


def v1_routes(routes: Iterable[object]) -> list[tuple[str, APIRoute]]:
    return [(path, route) for path, route in api_routes(routes) if path.startswith("/v1")]


def unguarded_routes(routes: Iterable[object]) -> list[str]:
    """Paths under /v1 whose handlers do not depend on `require(...)`."""
    missing = []
    for path, route in v1_routes(routes):
        calls = _all_calls(route.dependant)
        if not any(hasattr(c, "__privet_permission__") for c in calls):
            missing.append(f"{sorted(route.methods or [])} {path}")
    return missing


def _all_calls(dependant: object) -> list[object]:
    out = []
    for dep in getattr(dependant, "dependencies", []):
        out.append(dep.call)
        out += _all_calls(dep)
    return out
