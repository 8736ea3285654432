"""How many requests may be in flight at once, adapted to what the endpoint keeps up with.

The limit starts at the ceiling unless told otherwise: a request the endpoint cannot take yet costs
one quick 429, while a slot left idle while the limit creeps up costs a whole answer's time (tens of
seconds for a long extraction). A 429 halves the limit, at most once per window: the other 429s of
requests sent before that cut say nothing new, so a first burst does not collapse the limit to one
(and the client does not hold such a 429 against its request's attempts: ``briefs.llm.retry``).
After a cut the limit grows by one slot per full window of answers; an answer whose
``x-ratelimit-remaining-requests`` or ``-tokens`` header says the budget is nearly spent cuts it as
a 429 does, and one that says it is getting low stops the growth. Told a lower start, it grows by one
slot per answer until the first cut (slow start). A user then need not tune the concurrency to the
endpoint: the ceiling is a bound, not a setting to get right.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

LOW_FRACTION = 0.25  # remaining below this share of the limit: stop growing
SPENT_FRACTION = 0.10  # below this: back off as for a 429


class AdaptiveLimit:
    def __init__(self, ceiling: int, start: int | None = None) -> None:
        self.ceiling = max(1, ceiling)
        self.limit = float(min(max(1, start or self.ceiling), self.ceiling))
        self.in_flight = 0
        self.peak = 0  # the most requests in flight at once
        self.backoffs = 0  # times the limit was cut
        self._slow_start = True
        self._window = 0  # counts the cuts: a request sent before the latest cut is of an older window
        self._ready = threading.Condition()

    @property
    def current(self) -> int:
        return int(self.limit)

    @contextmanager
    def slot(self) -> Iterator[int]:
        """Hold one of the limit's places; yields the window the request is sent in (for ``rate_limited``
        and ``answered``)."""
        with self._ready:
            while self.in_flight >= int(self.limit):
                self._ready.wait()
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            window = self._window
        try:
            yield window
        finally:
            with self._ready:
                self.in_flight -= 1
                self._ready.notify_all()

    def answered(self, headers: Mapping[str, str] | None = None, window: int | None = None) -> None:
        """An answer came back; ``headers`` are the response's (rate-limit headers are read);
        ``window`` is what ``slot`` yielded for it (None: the current one)."""
        budget = _remaining_share(headers or {})
        with self._ready:
            if budget is not None and budget < SPENT_FRACTION:
                self._cut(window)
            elif budget is None or budget >= LOW_FRACTION:
                step = 1.0 if self._slow_start else 1.0 / max(self.limit, 1.0)
                self.limit = min(float(self.ceiling), self.limit + step)
            self._ready.notify_all()

    def rate_limited(self, window: int | None = None) -> bool:
        """The endpoint said 429 to a request sent in ``window`` (None: the current one): halve the
        limit (never below one) and end the slow start, unless the limit was cut since it was sent.
        Returns whether it was news: False when the request went out under a limit already cut."""
        with self._ready:
            return self._cut(window)

    def _cut(self, window: int | None) -> bool:
        if window is not None and window != self._window:
            return False  # sent before the latest cut: that cut already answered what this says
        self._window += 1
        self._slow_start = False
        self.backoffs += 1
        self.limit = max(1.0, self.limit / 2)
        return True


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
