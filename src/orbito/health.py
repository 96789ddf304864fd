"""Liveness and readiness, for load balancers and orchestrators."""

import asyncio

from orbito.context import parts
from orbito.db.revision import SCHEMA_REVISION, schema_revision
from orbito.errors import OrbitoError, ServiceUnavailable
from orbito.http.request import ApiRequest
from orbito.http.routing import Routes
from orbito.openapi import ErrorEnvelope
from orbito.responses import JSONResponse

router = Routes(tags=["health"])

# A balancer's probe wants an answer soon; a database that takes longer is not ready.
READY_TIMEOUT_SECONDS = 3.0


@router.get("/healthz", summary="200 while the process runs")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get(
    "/readyz",
    summary="200 when the database (and Redis, if configured) answer",
    responses={
        503: {
            "model": ErrorEnvelope,
            "description": "`SERVICE_UNAVAILABLE`; `details.checks` names what failed",
        }
    },
)
async def readyz(request: ApiRequest) -> JSONResponse:
    app = parts(request)
    checks = {}
    try:
        revision = await asyncio.wait_for(app.db.read(schema_revision), READY_TIMEOUT_SECONDS)
        checks["database"] = "ok" if revision == SCHEMA_REVISION else "not migrated"
    except (OrbitoError, TimeoutError):
        checks["database"] = "unavailable"
    if app.settings.redis_url:
        checks["redis"] = "ok" if await app.limiter.ping() else "unavailable"

    failed = sorted(name for name, result in checks.items() if result != "ok")
    if failed:
        error = ServiceUnavailable(
            "Not ready: " + ", ".join(f"{name} {checks[name]}" for name in failed),
            details={"checks": checks},
        )
        return JSONResponse(error.envelope(), status_code=503)
    return JSONResponse({"status": "ready", "checks": checks})
