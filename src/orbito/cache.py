"""Short-lived, in-process copies of what the hot paths read on every request.

Each process drops its own entries the moment it changes what they were read from, so a single
process never serves a stale answer. Changes made through another process are seen once an
entry expires, after at most the cache's lifetime (`ORBITO_CACHE_SECONDS`).

A read that was under way when its entry was dropped may have read what was there before the
change (on PostgreSQL, reads wait on the network while other requests run). So a read takes a
ticket before it begins, and what it read is kept only if no change was counted against its key
since: changes are counted in buckets of keys, so another key's change now and then costs a
read its keeping, never its answer.
"""

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

from orbito.actions.listing import Listing
from orbito.websites.repository import KeyHolder, Listed

Key = TypeVar("Key")
Value = TypeVar("Value")

# How many buckets changes are counted in; two keys share one by their hashes.
CHANGE_BUCKETS = 4096


@dataclass(frozen=True, slots=True)
class Ticket:
    """How many changes had been counted when a read began: in its key's bucket and in all,
    or, for a read whose key was not known yet, in all only."""

    bucket_changes: int | None
    all_changes: int
    clears: int


class TTLCache(Generic[Key, Value]):
    def __init__(self, lifetime_seconds: float, max_entries: int) -> None:
        self.lifetime = lifetime_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[Key, tuple[float, Value]] = OrderedDict()
        self._changes = [0] * CHANGE_BUCKETS
        self._all_changes = 0
        self._clears = 0

    def get(self, key: Key) -> Value | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self._entries[key]
            return None
        return entry[1]

    def ticket(self, key: Key | None = None) -> Ticket:
        """Taken before reading what the entry for `key` will hold; any change spoils a ticket
        taken without a key."""
        bucket = None if key is None else self._changes[hash(key) % CHANGE_BUCKETS]
        return Ticket(bucket, self._all_changes, self._clears)

    def put(self, key: Key, value: Value, ticket: Ticket) -> None:
        """Keep what a read found, unless the entry was dropped after the read began."""
        if self.lifetime <= 0 or ticket.clears != self._clears:
            return
        if ticket.bucket_changes is None:
            if ticket.all_changes != self._all_changes:
                return
        elif ticket.bucket_changes != self._changes[hash(key) % CHANGE_BUCKETS]:
            return
        self._entries[key] = (time.monotonic() + self.lifetime, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def pop(self, key: Key) -> None:
        """Drop the entry: what it was read from changed."""
        self._changes[hash(key) % CHANGE_BUCKETS] += 1
        self._all_changes += 1
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._clears += 1
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
