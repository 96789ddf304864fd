"""Building the ASGI application: routes, error handlers and the layers around them."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException

from orbito import __version__
from orbito.actions.routes import router as actions_router
from orbito.cache import Caches
from orbito.context import Parts
from orbito.dashboard import router as dashboard_router
from orbito.db.engine import open_database
from orbito.errors import OrbitoError, RouteNotFound
from orbito.health import router as health_router
from orbito.http.asgi import Receive, Scope, Send
from orbito.http.dispatch import method_not_allowed
from orbito.http.gateway import Gateway
from orbito.logs import configure_logging
from orbito.openapi import install_openapi
from orbito.ratelimit import RateLimiter
from orbito.responses import JSONResponse
from orbito.settings import Settings
from orbito.websites.routes import router as websites_router

API_PREFIX = "/api/v1"
DESCRIPTION = """\
Websites register the actions that AI agents may take on them; the browser extension
discovers those actions, runs one, and reports the use.

Every error answers with the envelope `{"error": {"code", "message", "details"}}`.
Keyed routes take the website's key in the `X-API-Key` header.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = open_database(settings)
        app.state.parts = Parts(
            db=db,
            caches=Caches(settings.cache_seconds),
            limiter=RateLimiter(settings),
            settings=settings,
        )
        # What is loaded by now lives as long as the process: leaving it out of the garbage
        # collector's full passes keeps each of them from pausing every request for milliseconds.
        gc.freeze()
        try:
            yield
        finally:
            await app.state.parts.db.dispose()

    app = OrbitoAPI(
        title="Orbito",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        redirect_slashes=False,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        default_response_class=JSONResponse,
        # The service exports no traces or metrics; left on, the check costs every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    # The routes are added as they are rather than through include_router's wrappers; the
    # gateway calls their endpoints itself (see orbito.http.dispatch).
    for router in (actions_router, websites_router, health_router, dashboard_router):
        app.router.routes.extend(router.routes)
    _install_error_handlers(app)
    install_openapi(app)

    app.gateway = Gateway(
        app=partial(FastAPI.__call__, app),
        routes=app.router.routes,
        trusted_proxies=settings.trusted_proxies,
        max_body_bytes=settings.max_body_bytes,
    )
    return app


class OrbitoAPI(FastAPI):
    """The application, entered through the gateway.

    The gateway answers API routes itself and hands everything else to the framework. It comes
    first rather than as one of the framework's middlewares, as those sit inside three layers
    of the framework's own that every request would pass for nothing.
    """

    gateway: Gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["app"] = self
            await self.gateway(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def _install_error_handlers(app: "OrbitoAPI") -> None:
    """Errors under the routes the framework serves itself: the documentation, unknown paths.

    API routes never reach these: the gateway calls them and answers their errors.
    """

    def answer(error: OrbitoError) -> JSONResponse:
        return JSONResponse(error.envelope(), status_code=error.status, headers=error.headers)

    @app.exception_handler(HTTPException)
    async def framework_error(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 404:
            return answer(RouteNotFound(details={"path": request.url.path}))
        if error.status_code == 405:
            return answer(method_not_allowed(app.gateway.allowed(request.url.path)))
        generic = OrbitoError(str(error.detail))
        generic.status = error.status_code
        generic.code = "INVALID_SCHEMA" if error.status_code == 400 else "INTERNAL_ERROR"
        return answer(generic)

    # A fault under a route the framework serves is answered here, in the envelope; the
    # framework then raises it again, and the gateway logs it.
    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        return answer(OrbitoError())
