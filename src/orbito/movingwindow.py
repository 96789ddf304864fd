"""Moving-window counters kept in this process, for when no Redis is configured.

For each identity (a client address, a key's digest) the window holds the times of the
requests it accepted within the last `window` seconds, oldest first: a request is accepted
while fewer than `amount` remain, so no span of `window` seconds ever holds more.

Identities come and go (every visitor's address is one), so idle ones must be dropped
without a sweep that would stall the event loop. They are kept in two generations: at each
turn, which comes every `window` seconds, the older generation is dropped whole and the
current one becomes the older. An identity seen again is moved into the current generation.
Whatever is dropped was last accepted before the previous turn, a whole window ago, so
dropping it forgets nothing that still counts.
"""

import time
from bisect import bisect_right
from dataclasses import dataclass, field


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
    _current: dict[str, list[float]] = field(default_factory=dict)
    _older: dict[str, list[float]] = field(default_factory=dict)
    _turn_at: float = 0.0

    def hit(self, identity: str, now: float | None = None) -> Window:
        now = time.time() if now is None else now
        if now >= self._turn_at:
            self._older, self._current = self._current, {}
            self._turn_at = now + self.window
        times = self._current.get(identity)
        if times is None:
            times = self._older.pop(identity, None) or []
            self._current[identity] = times
        # Times are kept in order; those at or before the window's start no longer count.
        del times[: bisect_right(times, now - self.window)]
        allowed = len(times) < self.amount
        if allowed:
            times.append(now)
        reset_time = (times[0] if times else now) + self.window
        return Window(allowed, max(0, self.amount - len(times)), reset_time)

    def __len__(self) -> int:
        """How many identities are held."""
        return len(self._current) + len(self._older)
