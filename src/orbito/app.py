"""The ASGI application: its routes, its long-lived parts, and their start and end."""

import gc
import threading
import traceback
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from orbito import openapi
from orbito.actions.routes import router as actions_routes
from orbito.cache import Caches
from orbito.context import Parts
from orbito.dashboard import router as dashboard_routes
from orbito.db.engine import open_database
from orbito.health import router as health_routes
from orbito.http.asgi import Receive, Scope, Send
from orbito.http.gateway import Gateway
from orbito.http.routing import Declared, Routes
from orbito.logs import configure_logging
from orbito.ratelimit import RateLimiter
from orbito.settings import Settings
from orbito.websites.routes import router as websites_routes

ROUTES = (actions_routes, websites_routes, health_routes, dashboard_routes, openapi.docs)


def create_app(settings: Settings | None = None) -> "Orbito":
    settings = settings or Settings()
    configure_logging(settings)
    return Orbito(settings)


class Orbito:
    """Every HTTP request goes through the gateway; uvicorn's lifespan events open and close
    the database. Routes reach the parts through `orbito.context.parts`."""

    parts: Parts

    def __init__(self, settings: Settings, groups: Iterable[Routes] = ROUTES) -> None:
        self.settings = settings
        self.routes: list[Declared] = [route for group in groups for route in group.declared]
        self.gateway = Gateway(
            self.routes,
            trusted_proxies=settings.trusted_proxies,
            max_body_bytes=settings.max_body_bytes,
        )
        self._document: dict[str, Any] | None = None
        self._document_lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["app"] = self
            await self.gateway(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan_events(receive, send)
        # WebSockets are off in the server (see orbito.cli): there are no such routes.

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        """The database, caches and limiter, open while the application serves."""
        settings = self.settings
        self.parts = Parts(
            db=open_database(settings),
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
            await self.parts.db.dispose()

    async def _lifespan_events(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        started = False
        try:
            async with self.lifespan():
                await send({"type": "lifespan.startup.complete"})
                started = True
                await receive()  # lifespan.shutdown
        except BaseException:
            failed = "lifespan.shutdown.failed" if started else "lifespan.startup.failed"
            await send({"type": failed, "message": traceback.format_exc()})
            raise
        await send({"type": "lifespan.shutdown.complete"})

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document, built at its first request (on a thread: see orbito.openapi)."""
        with self._document_lock:
            if self._document is None:
                self._document = openapi.build_document(self.routes)
        return self._document
