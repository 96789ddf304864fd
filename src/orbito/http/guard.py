"""The innermost layer: trailing slashes, the body limit, late headers, last-resort errors."""

import logging

from orbito.errors import OrbitoError, PayloadTooLarge
from orbito.responses import JSONResponse

log = logging.getLogger("orbito.errors")

METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class GuardMiddleware:
    def __init__(self, app, max_body_bytes: int) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        path = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            stripped = path.rstrip("/") or "/"
            scope = {**scope, "path": stripped, "raw_path": stripped.encode()}

        started = False

        async def send_with_headers(message) -> None:  # type: ignore[no-untyped-def]
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                extra = scope.get("state", {}).get("response_headers")
                if extra:
                    message["headers"] = [
                        *message.get("headers", []),
                        *((name.lower().encode(), value.encode()) for name, value in extra.items()),
                    ]
            await send(message)

        try:
            if scope["method"] in METHODS_WITH_BODY:
                receive = await self._buffered(scope, receive)
            await self.app(scope, receive, send_with_headers)
        except OrbitoError as error:
            if not started:
                await JSONResponse(error.envelope(), error.status, error.headers)(
                    scope, receive, send_with_headers
                )
        except Exception:
            # A route's fault is answered here, inside the CORS and request-log layers, so that
            # the 500 carries their headers. After the answer has begun, it can only be logged.
            log.exception("http.unhandled_error")
            if not started:
                body = OrbitoError().envelope()
                await JSONResponse(body, 500)(scope, receive, send_with_headers)

    async def _buffered(self, scope, receive):  # type: ignore[no-untyped-def]
        """Read the whole body up front, refusing it as soon as it passes the limit."""
        limit = self.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                raise PayloadTooLarge(details={"limit_bytes": limit})

        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(details={"limit_bytes": limit})
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay():  # type: ignore[no-untyped-def]
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay
