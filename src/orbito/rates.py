"""A rate limit as its variable writes it: `100/minute`, `10 per hour`, `5 per 2 seconds`.

The notation is the one the `limits` package reads, one limit to a variable. It is parsed here
rather than by that package so that a server counting in its own memory never loads it; with
Redis, the package takes over the same text (`Rate.text`) and counts under the same keys.
"""

import re
from dataclasses import dataclass

SECONDS_IN = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "month": 30 * 86400,
    "year": 12 * 30 * 86400,
}
# The counters keep their times in four bytes (see orbito.movingwindow).
LONGEST_WINDOW = SECONDS_IN["year"]
# Redis counts in 64-bit integers and its scripts in doubles; far above any real limit, and a
# limit is switched off with ORBITO_RATE_LIMITS_ENABLED, not with a huge number.
MOST_REQUESTS = 1_000_000_000
_NOTATION = re.compile(
    r"\s*([0-9]+)\s*(?:/|per)\s*([0-9]+)?\s*(" + "|".join(SECONDS_IN) + r")s?\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Rate:
    amount: int
    multiples: int
    unit: str
    text: str

    @property
    def seconds(self) -> int:
        return self.multiples * SECONDS_IN[self.unit]

    def __str__(self) -> str:
        return f"{self.amount} per {self.multiples} {self.unit}"


def parse_rate(text: str) -> Rate:
    found = _NOTATION.fullmatch(text)
    if found is None:
        raise ValueError(
            f"{text!r} is not a rate limit: write it as 100/minute, 10 per hour or 5 per 2 seconds"
        )
    amount, multiples, unit = int(found[1]), int(found[2] or 1), found[3].lower()
    if amount < 1 or multiples < 1:
        raise ValueError(f"{text!r}: both numbers in a rate limit must be at least 1")
    if amount > MOST_REQUESTS:
        raise ValueError(f"{text!r}: a rate limit allows at most {MOST_REQUESTS:,} requests")
    rate = Rate(amount, multiples, unit, text)
    if rate.seconds > LONGEST_WINDOW:
        raise ValueError(f"{text!r}: a rate limit's window is at most a year")
    return rate
