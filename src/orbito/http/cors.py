"""CORS for the extension and the SDK: any origin, no credentials, preflights always free."""

from orbito.http.asgi import Send

ALLOWED_METHODS = b"GET, POST, PATCH, DELETE, OPTIONS"
# If-None-Match, so that a page's script can revalidate discovery and tool export by tag.
ALLOWED_HEADERS = b"Content-Type, X-API-Key, X-Request-ID, If-None-Match"
EXPOSED_HEADERS = (
    b"X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, ETag"
)
PREFLIGHT_MAX_AGE = b"7200"

# Added to every answer to a request that carried an Origin.
CORS_HEADERS = (
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", EXPOSED_HEADERS),
)
_PREFLIGHT_HEADERS = (
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", ALLOWED_METHODS),
    (b"access-control-allow-headers", ALLOWED_HEADERS),
    (b"access-control-max-age", PREFLIGHT_MAX_AGE),
)


def has_origin(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name == b"origin" for name, _ in headers)


async def answer_preflight(send: Send, allow: list[str]) -> None:
    """The answer to every OPTIONS request; `allow` names what the path itself takes.

    It comes before key checks and limits, since a browser sends no key on a preflight, and
    for any path, since the CORS answer must not depend on whether an action exists.
    """
    headers = [*_PREFLIGHT_HEADERS, (b"allow", ", ".join(allow).encode())]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
