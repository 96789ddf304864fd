"""Moving-window counters kept in this process, for when no Redis is configured.

For each identity (a client address, a key's digest) the window holds the times of the
requests it accepted within the last `window` seconds, oldest first: a request is accepted
while fewer than `amount` remain, so no span of `window` seconds ever holds more. The times
are packed as doubles in one bytes object, a third of the memory of a list of floats: a
popular site has tens of thousands of visitors in a window, each an identity.

Identities come and go (every visitor's address is one), so idle ones must be dropped
without a sweep that would stall the event loop. They are kept in two generations: at each
turn, which comes every `window` seconds, the older generation is dropped whole and the
current one becomes the older. An identity seen again is moved into the current generation.
Whatever is dropped was last accepted before the previous turn, a whole window ago, so
dropping it forgets nothing that still counts.
"""

import struct
import time
from bisect import bisect_right
from dataclasses import dataclass, field

_TIME = struct.Struct("d")


@dataclass(slots=True)
class Window:
    """What one limit's counters say about a request: accepted or not, and what is left."""

    allowed: bool
    remaining: int
    reset_time: float


@dataclass(slots=True)
class MovingWindows:
    amount: int
    window: float
    _current: dict[str, bytes] = field(default_factory=dict)
    _older: dict[str, bytes] = field(default_factory=dict)
    _turn_at: float = 0.0

    def hit(self, identity: str, now: float | None = None) -> Window:
        now = time.time() if now is None else now
        if now >= self._turn_at:
            self._older, self._current = self._current, {}
            self._turn_at = now + self.window
        packed = self._current.get(identity)
        if packed is None:
            packed = self._older.pop(identity, b"")
        # Times are kept in order; those at or before the window's start no longer count.
        expired = bisect_right(memoryview(packed).cast("d"), now - self.window)
        packed = packed[expired * _TIME.size :]
        count = len(packed) // _TIME.size
        allowed = count < self.amount
        if allowed:
            packed += _TIME.pack(now)
            count += 1
        self._current[identity] = packed
        oldest = _TIME.unpack_from(packed)[0] if packed else now
        return Window(allowed, max(0, self.amount - count), oldest + self.window)

    def __len__(self) -> int:
        """How many identities are held."""
        return len(self._current) + len(self._older)
