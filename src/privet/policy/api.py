"""Policy routes: the pack in force and its rendered notice."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel

from privet.access.permissions import Permission
from privet.access.tokens import Principal
from privet.api.deps import RuntimeDep, require
from privet.policy.render import render

router = APIRouter(prefix="/v1/policy", tags=["policy"])


class PolicySummary(BaseModel):
    id: str
    version: str
    effective: date
    material_change: bool
    provider: str
    roles: list[str]
    choices: list[str]
    rights: list[str]


@router.get("", response_model=PolicySummary)
def summary(runtime: RuntimeDep, who: Annotated[Principal, Depends(require(Permission.POLICY_READ))]) -> PolicySummary:
    p = runtime.pack
    return PolicySummary(
        id=p.pack.id,
        version=p.pack.version,
        effective=p.pack.effective,
        material_change=p.pack.material_change,
        provider=p.provider.name,
        roles=[r.id for r in p.roles],
        choices=[c.id for c in p.choices],
        rights=[r.id for r in p.rights],
    )


@router.get("/notice", response_class=Response)
def notice(
    runtime: RuntimeDep,
    who: Annotated[Principal, Depends(require(Permission.POLICY_READ))],
    format: Annotated[Literal["md", "html"], Query()] = "md",
) -> Response:
    text = render(runtime.pack, format)
    return HTMLResponse(text) if format == "html" else PlainTextResponse(text, media_type="text/markdown")
