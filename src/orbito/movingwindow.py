"""Moving-window counters kept in this process, for when no Redis is configured.

For each identity (a client address, a key's digest) the window holds the times of the
requests it accepted within the last `window` seconds, oldest first: a request is accepted
while fewer than `amount` remain, so no span of `window` seconds ever holds more. A popular
site has tens of thousands of visitors in a window, each an identity, so the times are packed
in one bytes object, each as a whole number of ticks since the counters' epoch in four bytes:
milliseconds for a window of up to a day, seconds for a longer one (at most a year, as
`orbito.rates` allows). They are rounded up: a time is never taken for earlier than it was, so
no request leaves the window too soon, and a `reset_time` is never too early. Four bytes hold
49 days of milliseconds; before they run out, the epoch moves forward and the times still
counting are rewritten once.

Identities come and go (every visitor's address is one), so idle ones must be dropped
without a sweep that would stall the event loop. They are kept in two generations: at each
turn, which comes every `window` seconds, the older generation is dropped whole and the
current one becomes the older. An identity seen again is moved into the current generation.
Whatever is dropped was last accepted before the previous turn, a whole window ago, so
dropping it forgets nothing that still counts. A dict keeps its size as entries leave it, so
the older generation is copied into a smaller one each time it has lost three quarters of them.
"""

import math
import struct
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import cast

from orbito.clientip import ipv4_number

_TICK = struct.Struct("I")  # ticks since the epoch
# The epoch moves forward when a time this close to the largest tick could be asked for.
LAST_TICK = 2**32 - 1
# Windows up to this long count in milliseconds, longer ones in seconds.
MILLISECOND_WINDOWS_UP_TO = 86400


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
    _current: dict[str | int, bytes] = field(default_factory=dict)
    _older: dict[str | int, bytes] = field(default_factory=dict)
    _turn_at: float = 0.0
    # When the older generation is down to this many identities, it is copied smaller.
    _shrink_older_at: int = 0
    _epoch: float | None = None
    _per_second: int = 0  # ticks in a second

    def __post_init__(self) -> None:
        self._per_second = 1000 if self.window <= MILLISECOND_WINDOWS_UP_TO else 1
        if 2 * self.window * self._per_second >= LAST_TICK:
            raise ValueError(f"a window of {self.window} s is too long to count")

    def hit(self, identity: str, now: float | None = None) -> Window:
        now = time.time() if now is None else now
        if now >= self._turn_at:
            self._turn(now)
        epoch = cast(float, self._epoch)  # set by the first turn
        # An IPv4 address is kept as its number: 32 bytes, where its text took 60.
        number = ipv4_number(identity)
        key = identity if number is None else number
        packed = self._current.get(key)
        if packed is None:
            packed = self._older.pop(key, b"")
            if len(self._older) < self._shrink_older_at:
                self._older = dict(self._older)
                self._shrink_older_at = len(self._older) // 4
        # Ticks at or before the window's start no longer count.
        per_second = self._per_second
        with memoryview(packed).cast("I") as ticks:
            expired = bisect_right(ticks, (now - self.window - epoch) * per_second)
            last = ticks[-1] if ticks else 0
        if expired:
            packed = packed[expired * _TICK.size :]
        count = len(packed) // _TICK.size
        allowed = count < self.amount
        if allowed:
            # Rounded up, and kept in order should the clock step back: later, never earlier.
            packed += _TICK.pack(max(math.ceil((now - epoch) * per_second), last))
            count += 1
        self._current[key] = packed
        reset_at = epoch + _TICK.unpack_from(packed)[0] / per_second if packed else now
        return Window(allowed, max(0, self.amount - count), reset_at + self.window)

    def _turn(self, now: float) -> None:
        self._older, self._current = self._current, {}
        self._shrink_older_at = len(self._older) // 4
        self._turn_at = now + self.window
        if self._epoch is None:
            self._epoch = now
        # The largest tick asked for before the next turn; past it, four bytes would not do.
        if (self._turn_at + self.window - self._epoch) * self._per_second < LAST_TICK:
            return
        shift = math.floor((now - self.window - self._epoch) * self._per_second)
        self._epoch += shift / self._per_second
        # Only the older generation is left; a time shifted below zero had left the window.
        for identity, packed in self._older.items():
            ticks = memoryview(packed).cast("I")
            self._older[identity] = b"".join(_TICK.pack(max(0, tick - shift)) for tick in ticks)

    def __len__(self) -> int:
        """How many identities are held."""
        return len(self._current) + len(self._older)
