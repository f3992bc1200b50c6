"""Errors as RFC 9457 problem details, never a stack trace.

Every error a client can cause comes back as JSON with `type`, `title`, `status`, `detail`
and, for validation errors, the offending field, so an integrator can fix the call without
reading privet's logs.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from privet.subjects.identities import InvalidIdentity
from privet.subjects.service import ImportRejected, SubjectError

log = logging.getLogger("privet.api")
PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"https://privet.dev/problems/{title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _field(tuple(e["loc"])), "message": str(e["msg"]).removeprefix("Value error, ")} for e in exc.errors()]
    first = errors[0] if errors else {"field": "body", "message": "invalid request"}
    return problem(422, "Invalid request", f"{first['field']}: {first['message']}", field=first["field"], errors=errors)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed", 413: "Payload too large"}
    response = problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _import_rejected(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ImportRejected)
    errors = [{"row": e.row, "field": e.field, "message": e.message} for e in exc.errors]
    return problem(422, "Import rejected", str(exc), errors=errors, field=errors[0]["field"] if errors else None)


async def _subject_error(request: Request, exc: Exception) -> JSONResponse:
    detail = str(exc)
    status = 404 if detail.startswith("no ") else 409
    return problem(status, "Not found" if status == 404 else "Conflict", detail)


async def _invalid_identity(request: Request, exc: Exception) -> JSONResponse:
    return problem(422, "Invalid request", str(exc), field="value")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(500, "Internal error", "privet could not complete the request; the error has been logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(ImportRejected, _import_rejected)
    app.add_exception_handler(SubjectError, _subject_error)
    app.add_exception_handler(InvalidIdentity, _invalid_identity)
    app.add_exception_handler(Exception, _unexpected)
