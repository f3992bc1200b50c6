"""Every CPNI and legal route checks a permission (deny by default), judged on the routers themselves.

`unguarded_routes` over an application's routes sees nothing once routers are included as
`_IncludedRouter` objects (FastAPI 0.165), so the routers are checked directly.
"""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from privet.api.deps import unguarded_routes
from privet.cpni.api import router as cpni_router
from privet.cpni.api_records import router as records_router
from privet.cpni.routing import PROPOSED, require_grant
from privet.legal.api import router as legal_router


def test_every_route_of_the_cpni_and_legal_routers_requires_a_grant() -> None:
    for router in (cpni_router, records_router, legal_router):
        routes = [r for r in router.routes if isinstance(r, APIRoute)]
        assert routes and unguarded_routes(routes) == []


def test_grants_are_deny_by_default_and_admin_holds_them_all() -> None:
    assert all("admin" in roles for roles in PROPOSED.values())
    assert not any("marketing" in PROPOSED[g] for g in ("cpni:authenticate", "cpni:disclose", "legal:release"))
    with pytest.raises(KeyError, match="unknown grant"):
        require_grant("cpni:everything")
