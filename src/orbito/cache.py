"""Short-lived, in-process copies of what the hot paths read on every request.

Each process drops its own entries the moment it changes what they were read from, so a single
process never serves a stale answer. Changes made through another process are seen once an
entry expires, after at most the cache's lifetime (`ORBITO_CACHE_SECONDS`).
"""

import time
from collections import OrderedDict
from typing import Generic, TypeVar

from orbito.actions.listing import Listing
from orbito.websites.repository import KeyHolder, Listed

Key = TypeVar("Key")
Value = TypeVar("Value")


class TTLCache(Generic[Key, Value]):
    def __init__(self, lifetime_seconds: float, max_entries: int) -> None:
        self.lifetime = lifetime_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[Key, tuple[float, Value]] = OrderedDict()

    def get(self, key: Key) -> Value | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: Key, value: Value) -> None:
        if self.lifetime <= 0:
            return
        self._entries[key] = (time.monotonic() + self.lifetime, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def pop(self, key: Key) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()


class Caches:
    """The caches one process keeps, and the changes that make their entries wrong."""

    def __init__(self, lifetime_seconds: float) -> None:
        self.keys: TTLCache[str, KeyHolder] = TTLCache(lifetime_seconds, 100_000)
        self.domains: TTLCache[str, Listed] = TTLCache(lifetime_seconds, 100_000)
        self.discovery: TTLCache[tuple[str, bool], Listing] = TTLCache(lifetime_seconds, 10_000)

    def actions_changed(self, website_id: str) -> None:
        self.discovery.pop((website_id, True))
        self.discovery.pop((website_id, False))

    def website_registered(self, domain: str) -> None:
        self.domains.pop(domain)

    def website_changed(self, website_id: str, domain: str) -> None:
        """Its verification, which discovery shows, or whether it is listed at all."""
        self.domains.pop(domain)
        self.actions_changed(website_id)
