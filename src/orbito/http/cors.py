"""CORS for the extension and the SDK: any origin, no credentials, preflights always free."""

ALLOWED_METHODS = b"GET, POST, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = b"Content-Type, X-API-Key, X-Request-ID"
EXPOSED_HEADERS = (
    b"X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"
)
PREFLIGHT_MAX_AGE = b"7200"


def _has_origin(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name == b"origin" for name, _ in headers)


class CORSMiddleware:
    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await self._preflight(send)
            return
        if not _has_origin(scope["headers"]):
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message) -> None:  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-expose-headers", EXPOSED_HEADERS),
                ]
            await send(message)

        await self.app(scope, receive, send_with_cors)

    @staticmethod
    async def _preflight(send) -> None:  # type: ignore[no-untyped-def]
        # Answered before routing, key checks and limits: a browser sends no key on a preflight.
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-allow-methods", ALLOWED_METHODS),
                    (b"access-control-allow-headers", ALLOWED_HEADERS),
                    (b"access-control-max-age", PREFLIGHT_MAX_AGE),
                    (b"allow", ALLOWED_METHODS),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})
