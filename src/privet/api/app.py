"""The FastAPI application: routers from each domain, problem details, body limits."""

from __future__ import annotations

from fastapi import FastAPI

from privet import __version__
from privet.abuse.api import router as abuse_router
from privet.access.api import router as tokens_router
from privet.api import problems
from privet.api.limits import BodySizeLimit
from privet.consent.api import public as consent_public
from privet.consent.api import router as consent_router
from privet.consent.privacy_api import router as privacy_router
from privet.consent.privacy_api import staff as privacy_staff_router
from privet.cpni.api import router as cpni_router
from privet.cpni.api_records import router as cpni_records_router
from privet.decide.api import router as decisions_router
from privet.decide.audience_api import router as audiences_router
from privet.legal.api import router as legal_router
from privet.policy.api import router as policy_router
from privet.requests.api import router as requests_router
from privet.runtime import Runtime
from privet.subjects.api import router as subjects_router
from privet.web import (
    console_abuse_router,
    console_plots_router,
    console_policy_router,
    console_requests_router,
    console_router,
    privacy_account_router,
    privacy_center_router,
)

ROUTERS = [
    policy_router,
    subjects_router,
    consent_router,
    decisions_router,
    tokens_router,
    cpni_router,
    cpni_records_router,
    legal_router,
    requests_router,
    abuse_router,
    audiences_router,
    privacy_staff_router,
    consent_public,
    privacy_router,
    privacy_center_router,
    privacy_account_router,
    console_router,
    console_policy_router,
    console_plots_router,
    console_abuse_router,
    console_requests_router,
]


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        title="privet",
        version=__version__,
        description="Privacy operations for communications providers. Every route needs a bearer token whose role allows it.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    problems.install(app)
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok", "policy": f"{runtime.pack.pack.id}@{runtime.pack.pack.version}"}

    app.add_middleware(BodySizeLimit)
    return app
