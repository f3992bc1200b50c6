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


@contextmanager
def http_errors() -> Iterator[None]:
    """Desk errors as problem details: 404 not found, 409 wrong state, 422 bad request, 403 not allowed."""
    try:
        yield
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from None
    except AbuseError as exc:
        raise HTTPException(422, str(exc)) from None
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from None
