"""Bearer tokens: created once, shown once, stored as a SHA-256 digest.

Tokens are 32 random bytes, so a plain SHA-256 is enough to make a stolen database useless
for calling the API (no dictionary to attack), and lookups stay a single indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from privet.access.tables import ApiToken
from privet.store.uow import UnitOfWork

TOKEN_PREFIX = "pvt_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, name and role."""

    token_id: int
    name: str
    role: str

    @property
    def actor(self) -> str:
        return f"token:{self.token_id}:{self.name}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(uow: UnitOfWork, *, name: str, role: str) -> tuple[str, ApiToken]:
    """A new token for `role`. The plain token is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, role=role, token_hash=digest(token), prefix=token[:12], created_at=uow.now())
    uow.session.add(row)
    uow.session.flush()
    uow.record("token.created", f"token:{row.id}", name=name, role=role, prefix=row.prefix)
    return token, row


def authenticate(uow: UnitOfWork, token: str) -> Principal | None:
    """The principal a bearer token stands for, or None when unknown or revoked."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = uow.session.scalars(select(ApiToken).where(ApiToken.token_hash == digest(token))).one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    row.last_used_at = uow.now()
    return Principal(row.id, row.name, row.role)


def revoke_token(uow: UnitOfWork, token_id: int) -> bool:
    row = uow.session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = uow.now()
    uow.record("token.revoked", f"token:{token_id}", name=row.name, role=row.role)
    return True


def list_tokens(uow: UnitOfWork) -> list[ApiToken]:
    return list(uow.session.scalars(select(ApiToken).order_by(ApiToken.id)))
