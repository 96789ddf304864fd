"""Liveness and readiness, for load balancers and orchestrators."""

from fastapi import APIRouter, Request

from orbito.db.engine import ping
from orbito.errors import OrbitoError, ServiceUnavailable
from orbito.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="200 while the process runs")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/readyz", summary="200 when the database (and Redis, if configured) answer")
async def readyz(request: Request) -> JSONResponse:
    state = request.app.state
    checks = {}
    try:
        await ping(state.db)
        checks["database"] = "ok"
    except OrbitoError:
        checks["database"] = "unavailable"
    if state.settings.redis_url:
        checks["redis"] = "ok" if await state.rate_limiter.ping() else "unavailable"

    failed = sorted(name for name, result in checks.items() if result != "ok")
    if failed:
        error = ServiceUnavailable(
            f"Not ready: {', '.join(failed)} unavailable", details={"checks": checks}
        )
        return JSONResponse(error.envelope(), status_code=503)
    return JSONResponse({"status": "ready", "checks": checks})
