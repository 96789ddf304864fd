"""What every route needs from its request: the app's parts, the caller's key, the limits.

Routes call these directly instead of declaring them as FastAPI dependencies: solving each
dependency costs tens of microseconds per request, several times the work of answering a
cached discovery request.
"""

from dataclasses import dataclass
from typing import Any

from orbito.cache import Caches
from orbito.db.engine import Database
from orbito.http.request import ApiRequest
from orbito.ratelimit import CountedBy, Limit, RateLimiter
from orbito.settings import Settings
from orbito.websites import service as websites
from orbito.websites.repository import KeyHolder

# How keyed routes declare their key in the OpenAPI document.
KEYED_OPERATION: dict[str, Any] = {"security": [{"APIKeyHeader": []}]}
API_KEY_SCHEME = {
    "APIKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "The website's API key, as returned once by website registration.",
    }
}


@dataclass(frozen=True, slots=True)
class Parts:
    """The long-lived parts of the application that routes work with."""

    db: Database
    caches: Caches
    limiter: RateLimiter
    settings: Settings


def parts(request: ApiRequest) -> Parts:
    return request.scope["app"].parts  # type: ignore[no-any-return]


async def _count(request: ApiRequest, limit: Limit, identity: str) -> None:
    request.answer_headers += await parts(request).limiter.check(limit, identity)


async def limit_client(request: ApiRequest, limit: Limit) -> None:
    """Count the request against a limit kept per client address (429 when over it)."""
    await _count(request, limit, request.client_ip)


async def authorize(request: ApiRequest, limit: Limit) -> KeyHolder:
    """Check the key (401), then count the request against `limit` (429)."""
    app = parts(request)
    holder = await websites.authenticate(app.db, app.caches, request.header(b"x-api-key"))
    by_key = limit.counted_by is CountedBy.API_KEY
    await _count(request, limit, holder.key_digest if by_key else request.client_ip)
    return holder
