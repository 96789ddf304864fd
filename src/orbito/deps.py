"""FastAPI dependencies shared by the routes: the database, the caller's key, the rate limits."""

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from orbito.cache import Caches
from orbito.db.engine import Database
from orbito.ratelimit import CountedBy, Limit, RateLimiter
from orbito.settings import Settings
from orbito.websites import service as websites
from orbito.websites.repository import KeyHolder

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="The website's API key, as returned once by website registration.",
)


async def get_db(request: Request) -> Database:
    return request.app.state.db


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_key_holder(
    request: Request, api_key: Annotated[str | None, Security(api_key_header)]
) -> KeyHolder:
    return await websites.authenticate(request.app.state.db, request.app.state.caches, api_key)


async def get_caches(request: Request) -> Caches:
    return request.app.state.caches


DB = Annotated[Database, Depends(get_db)]
AppCaches = Annotated[Caches, Depends(get_caches)]
AppSettings = Annotated[Settings, Depends(get_settings)]
Holder = Annotated[KeyHolder, Depends(get_key_holder)]


async def _count(request: Request, limit: Limit, identity: str) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    headers = await limiter.check(limit, identity)
    if headers:
        request.state.response_headers = headers


def rate_limited(limit: Limit):  # type: ignore[no-untyped-def]
    """Count the request against `limit`; keyed limits run after the key check."""
    if limit.counted_by is CountedBy.API_KEY:

        async def by_key(request: Request, holder: Holder) -> None:
            await _count(request, limit, holder.key_digest)

        return Depends(by_key)

    async def by_client(request: Request) -> None:
        await _count(request, limit, request.state.client_ip)

    return Depends(by_client)
