"""Who retries what. Transport faults have one owner: this tenacity policy (the SDK's own
``max_retries`` is 0, so attempts never multiply). Invalid answers are a different failure with a
different owner: the re-asks of ``briefs.llm.answers``, which the client's call loop follows.

Retried: 429 (except an exhausted quota), 408, 409, 5xx, timeouts and connection errors, unless the
server says ``x-should-retry: false``. The wait is the server's ``retry-after-ms``, else its
``Retry-After`` (seconds or an HTTP date), capped at 120 s; without a hint, jittered exponential
backoff. Attempts and total time are both bounded. A 429 to a request sent under a concurrency limit
that has been cut since (see ``briefs.llm.throttle``) is not held against that request: the client
sent it while it knew no better, and a first burst at an endpoint's limit would otherwise spend the
attempts of the unlucky few before the limit settled. Such forgiven attempts at most double the bound.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable

from openai import APIConnectionError, APIStatusError, RateLimitError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_before_delay,
    wait_random_exponential,
)
from tenacity.stop import stop_base

MAX_RETRY_AFTER = 120.0  # seconds; a longer hint is waited for this long, then asked again
RETRYABLE_STATUS = (408, 409, 429)


def is_quota_exhausted(error: BaseException) -> bool:
    return isinstance(error, RateLimitError) and error.code == "insufficient_quota"


def is_transient(error: BaseException) -> bool:
    """Worth another attempt: the same request may well succeed in a moment."""
    if isinstance(error, APIStatusError):
        should_retry = error.response.headers.get("x-should-retry", "").lower()
        if should_retry == "false" or is_quota_exhausted(error):
            return False
        if should_retry == "true":
            return True
        return error.status_code in RETRYABLE_STATUS or error.status_code >= 500
    return isinstance(error, APIConnectionError)  # includes APITimeoutError


def retry_after_seconds(error: BaseException | None) -> float | None:
    """The wait the server asked for, or None. ``retry-after-ms`` wins over ``Retry-After``."""
    if not isinstance(error, APIStatusError):
        return None
    headers = error.response.headers
    try:
        if "retry-after-ms" in headers:
            return max(float(headers["retry-after-ms"]) / 1000.0, 0.0)
    except ValueError:
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:  # an HTTP date; anything else is no hint at all, and the usual backoff applies
        when = email.utils.parsedate_to_datetime(value) if value else None
    except (ValueError, TypeError):
        return None
    if when is None:
        return None
    return max(when.timestamp() - time.time(), 0.0)


class WaitRetryAfterOrBackoff:
    """Tenacity wait: the server's hint when it gives one, else jittered exponential backoff."""

    def __init__(self, *, initial: float = 0.5, maximum: float = 30.0, cap: float = MAX_RETRY_AFTER) -> None:
        self.backoff = wait_random_exponential(multiplier=initial, max=maximum)
        self.cap = cap

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        hinted = retry_after_seconds(error)
        if hinted is not None:
            return min(hinted, self.cap)
        return float(self.backoff(state))


class StopAfterHeldAttempts(stop_base):
    """Tenacity stop: after ``max_attempts`` attempts, not counting those ``forgiven()`` says were not
    the request's fault (at most ``max_attempts`` of them)."""

    def __init__(self, max_attempts: int, forgiven: Callable[[], int]) -> None:
        self.max_attempts = max(1, max_attempts)
        self.forgiven = forgiven

    def __call__(self, state: RetryCallState) -> bool:
        held = state.attempt_number - min(self.forgiven(), self.max_attempts)
        return held >= self.max_attempts


def transport_retrying(
    *,
    max_attempts: int,
    max_seconds: float,
    sleep: Callable[[float], None],
    before_sleep: Callable[[RetryCallState], None] | None = None,
    forgiven: Callable[[], int] = lambda: 0,
) -> Retrying:
    """A fresh policy per request (tenacity's statistics are per instance and thread). ``forgiven``
    counts the request's attempts turned away for the client's own concurrency, not held against it."""
    return Retrying(
        retry=retry_if_exception(is_transient),
        # stop_before_delay: never start a wait that would end past the time budget
        stop=StopAfterHeldAttempts(max_attempts, forgiven) | stop_before_delay(max_seconds),
        wait=WaitRetryAfterOrBackoff(),
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
