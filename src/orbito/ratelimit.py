"""Rate limits: which routes are limited, by what, and the moving-window counters behind them."""

import logging
import math
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

from orbito.errors import RateLimitExceeded
from orbito.logs import Throttle
from orbito.movingwindow import MovingWindows, Window
from orbito.rates import Rate
from orbito.settings import Settings

log = logging.getLogger("orbito.ratelimit")


class CountedBy(Enum):
    CLIENT_IP = "ip"
    API_KEY = "key"


@dataclass(frozen=True)
class Limit:
    name: str
    counted_by: CountedBy


# One row per limited route; the numbers come from settings (ORBITO_RATE_LIMIT_<NAME>).
WEBSITE_REGISTER = Limit("website_register", CountedBy.CLIENT_IP)
ACTION_REGISTER = Limit("action_register", CountedBy.API_KEY)
DISCOVERY = Limit("discovery", CountedBy.CLIENT_IP)
# Usage comes from every visitor of a site through the site's one key: counting it per key
# would let a popular site's own traffic starve its counts, so it is counted per client.
USAGE = Limit("usage", CountedBy.CLIENT_IP)
KEYED = Limit("keyed", CountedBy.API_KEY)

# How long a storage outage is reported once, rather than on every request.
OUTAGE_LOG_INTERVAL_SECONDS = 60.0
# After a failure the storage is left alone this long, so an outage costs each request nothing
# rather than a timeout; the first request after it tries again, so limits return by themselves.
RETRY_STORAGE_AFTER_SECONDS = 1.0


# The headers an accepted request's answer carries, as sent.
LIMIT_HEADER = b"x-ratelimit-limit"
REMAINING_HEADER = b"x-ratelimit-remaining"
RESET_HEADER = b"x-ratelimit-reset"


class RateLimiter:
    """Moving-window limits, counted in this process, or in Redis when it is configured."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits_enabled
        self.items: dict[str, Rate] = settings.rate_limit_items
        self._amounts = {name: str(item.amount).encode() for name, item in self.items.items()}
        self.in_process = {
            name: MovingWindows(item.amount, item.seconds) for name, item in self.items.items()
        }
        self.storage: Any = None
        if settings.redis_url:
            # Only where Redis is used: `limits` and its Redis client are megabytes of memory.
            from limits import parse
            from limits.aio.storage import RedisStorage
            from limits.aio.strategies import MovingWindowRateLimiter

            # The same text `limits` always read, so that counts go on under the same keys.
            self.shared_items = {name: parse(item.text) for name, item in self.items.items()}
            self.storage = RedisStorage(
                _redis_storage_uri(settings.redis_url),
                implementation="redispy",
                key_prefix=settings.redis_key_prefix,
                wrap_exceptions=True,
                socket_timeout=settings.redis_timeout_seconds,
                socket_connect_timeout=settings.redis_timeout_seconds,
            )
            self.shared = MovingWindowRateLimiter(self.storage)
        self.storage_healthy = True
        self._outage_log = Throttle(OUTAGE_LOG_INTERVAL_SECONDS)
        self._retry_at = -math.inf

    async def hit(self, limit: Limit, identity: str) -> Window | None:
        """Count one request; None when limits are off or the counters cannot be reached."""
        if not self.enabled:
            return None
        if self.storage is None:
            return self.in_process[limit.name].hit(identity)
        return await self._shared_hit(limit.name, identity)

    async def _shared_hit(self, name: str, identity: str) -> Window | None:
        """Count one request in Redis; None while it cannot be reached."""
        if time.monotonic() < self._retry_at:
            return None
        item = self.shared_items[name]
        try:
            allowed = await self.shared.hit(item, name, identity)
            stats = await self.shared.get_window_stats(item, name, identity)
        except Exception as error:  # any storage failure: serve the request rather than refuse it
            self._storage_failed(error)
            return None
        self._storage_recovered()
        return Window(allowed, max(0, stats.remaining), stats.reset_time)

    async def check(self, limit: Limit, identity: str) -> list[tuple[bytes, bytes]]:
        """Count one request and return its headers, or raise 429 if it is over the limit."""
        window = await self.hit(limit, identity)
        if window is None:
            return []
        item = self.items[limit.name]
        headers = [
            (LIMIT_HEADER, self._amounts[limit.name]),
            (REMAINING_HEADER, str(window.remaining).encode()),
            (RESET_HEADER, str(math.ceil(window.reset_time)).encode()),
        ]
        if not window.allowed:
            retry_after = max(1, math.ceil(window.reset_time - time.time()))
            raise RateLimitExceeded(
                details={
                    "limit": item.amount,
                    "window_seconds": item.seconds,
                    "retry_after": retry_after,
                },
                headers={
                    **{name.decode(): value.decode() for name, value in headers},
                    "Retry-After": str(retry_after),
                },
            )
        return headers

    async def ping(self) -> bool:
        """Whether the counters' storage answers now; readiness asks this on every probe."""
        if self.storage is None:
            return True
        try:
            healthy = bool(await self.storage.check())
        except Exception:
            healthy = False
        if healthy:
            self._storage_recovered()
        return healthy

    def _storage_failed(self, error: Exception) -> None:
        self.storage_healthy = False
        self._retry_at = time.monotonic() + RETRY_STORAGE_AFTER_SECONDS
        if self._outage_log.due():
            log.error("ratelimit.storage_unavailable", extra={"error": type(error).__name__})

    def _storage_recovered(self) -> None:
        if not self.storage_healthy:
            self.storage_healthy = True
            self._outage_log.reset()
            self._retry_at = -math.inf
            log.warning("ratelimit.storage_recovered")


def _redis_storage_uri(redis_url: str) -> str:
    """`limits` names its asynchronous Redis storage `async+redis://`."""
    return redis_url if redis_url.startswith("async+") else "async+" + redis_url
