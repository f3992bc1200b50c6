"""What every abuse route shares: the abuse context dependency and desk errors as problem details."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from privet.abuse.desk import AbuseError, Conflict, NotFound
from privet.abuse.service import AbuseContext
from privet.api.deps import RuntimeDep


def context(request: Request, runtime: RuntimeDep) -> AbuseContext:
    """The abuse context: `app.state.abuse_context` when set (tests, custom settings), else built from the runtime."""
    preset = getattr(request.app.state, "abuse_context", None)
    return preset if isinstance(preset, AbuseContext) else AbuseContext.of(runtime)


ContextDep = Annotated[AbuseContext, Depends(context)]


DESK_ERRORS = (AbuseError, PermissionError)  # NotFound and Conflict are AbuseErrors


def error_status(exc: Exception) -> int:
    """The HTTP status of a desk error: 404 not found, 409 wrong state, 403 not allowed, 422 any other bad request.

    The API and the console both answer with it, so a refusal means the same on either.
    """
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, PermissionError):
        return 403
    return 422


@contextmanager
def http_errors() -> Iterator[None]:
    """Desk errors as problem details, with `error_status`."""
    try:
        yield
    except DESK_ERRORS as exc:
        raise HTTPException(error_status(exc), str(exc)) from None
