"""Token routes: only roles holding tokens:manage (admin) may create, list or revoke tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from privet.access.permissions import Permission
from privet.access.tokens import Principal, create_token, list_tokens, revoke_token
from privet.api.deps import RowId, RuntimeDep, require

router = APIRouter(prefix="/v1/tokens", tags=["access"])
Admin = Annotated[Principal, Depends(require(Permission.TOKENS_MANAGE))]


class TokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=60)


class TokenView(BaseModel):
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewToken(TokenView):
    token: str = Field(description="shown once; privet keeps only its hash")


@router.post("", response_model=NewToken, status_code=201)
def create(body: TokenBody, runtime: RuntimeDep, who: Admin) -> NewToken:
    roles = {r.id for r in runtime.pack.roles}
    if body.role not in roles:
        raise HTTPException(422, f"role '{body.role}' is not one of the policy's roles: {', '.join(sorted(roles))}")
    with runtime.uow(who.actor) as uow:
        token, row = create_token(uow, name=body.name, role=body.role)
        return NewToken(token=token, **TokenView.model_validate(row, from_attributes=True).model_dump())


@router.get("", response_model=list[TokenView])
def index(runtime: RuntimeDep, who: Admin) -> list[TokenView]:
    with runtime.uow(who.actor) as uow:
        return [TokenView.model_validate(t, from_attributes=True) for t in list_tokens(uow)]


@router.delete("/{token_id}", status_code=204)
def revoke(token_id: RowId, runtime: RuntimeDep, who: Admin) -> None:
    with runtime.uow(who.actor) as uow:
        if not revoke_token(uow, token_id):
            raise HTTPException(404, f"no active token with id {token_id}")
