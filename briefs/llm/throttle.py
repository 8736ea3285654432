"""How many requests may be in flight at once, adapted to what the endpoint keeps up with.

The limit starts low and grows while answers come back (slow start: one more slot per answer, so it
doubles every round trip), up to the configured ceiling. A 429 halves it and ends the slow start
(after that it grows by one slot per full window of answers); so does an answer whose
``x-ratelimit-remaining-requests`` or ``-tokens`` header says the budget is nearly spent, and one
that says it is getting low stops the growth. A user then need not tune the concurrency to the
endpoint: the ceiling is a bound, not a setting to get right.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

LOW_FRACTION = 0.25  # remaining below this share of the limit: stop growing
SPENT_FRACTION = 0.10  # below this: back off as for a 429


class AdaptiveLimit:
    def __init__(self, ceiling: int, start: int = 8) -> None:
        self.ceiling = max(1, ceiling)
        self.limit = float(min(max(1, start), self.ceiling))
        self.in_flight = 0
        self.peak = 0  # the most requests in flight at once
        self.backoffs = 0  # times the limit was cut
        self._slow_start = True
        self._ready = threading.Condition()

    @property
    def current(self) -> int:
        return int(self.limit)

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._ready:
            while self.in_flight >= int(self.limit):
                self._ready.wait()
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            yield
        finally:
            with self._ready:
                self.in_flight -= 1
                self._ready.notify_all()

    def answered(self, headers: Mapping[str, str] | None = None) -> None:
        """An answer came back; ``headers`` are the response's (rate-limit headers are read)."""
        budget = _remaining_share(headers or {})
        with self._ready:
            if budget is not None and budget < SPENT_FRACTION:
                self._cut()
            elif budget is None or budget >= LOW_FRACTION:
                step = 1.0 if self._slow_start else 1.0 / max(self.limit, 1.0)
                self.limit = min(float(self.ceiling), self.limit + step)
            self._ready.notify_all()

    def rate_limited(self) -> None:
        """The endpoint said 429: halve the limit (never below one) and end the slow start."""
        with self._ready:
            self._cut()

    def _cut(self) -> None:
        self._slow_start = False
        self.backoffs += 1
        self.limit = max(1.0, self.limit / 2)


def _remaining_share(headers: Mapping[str, str]) -> float | None:
    """The smaller of requests and tokens left in the current window, as a share of the limit."""
    shares = []
    for kind in ("requests", "tokens"):
        remaining = _number(headers.get(f"x-ratelimit-remaining-{kind}"))
        limit = _number(headers.get(f"x-ratelimit-limit-{kind}"))
        if remaining is not None and limit:
            shares.append(remaining / limit)
    return min(shares) if shares else None


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
