"""Retry rules the fault tests leave open: the server's ``x-should-retry`` overrides our status
rules both ways (as the SDK's own ``_should_retry`` does), and without a Retry-After hint the
backoff is really jittered (random within exponential bounds), not a fixed schedule."""

from __future__ import annotations

import pytest
from llm_support import NOTE, Note, Waits, client_for, note_request

from briefs.llm import CallResult, ModelRequestError, ModelUnavailable
from briefs.llm.testing.fake_server import FakeServer, Fault, rate_limited, server_error, status

LABEL = "extract/doc/chunk-0"

# retry.WaitRetryAfterOrBackoff(): tenacity's wait_random_exponential(multiplier=0.5, max=30), so the
# wait before attempt n+1 is drawn from [0, min(30, 0.5 * 2 ** (n - 1))].
INITIAL, MAXIMUM = 0.5, 30.0


def upper_bound(attempt: int) -> float:
    return min(MAXIMUM, INITIAL * 2 ** (attempt - 1))


SHOULD_RETRY_TRUE = [
    pytest.param(status(400, should_retry="true"), id="a 400 the server says to retry is retried"),
    pytest.param(status(404, should_retry="true"), id="a 404 the server says to retry is retried"),
    pytest.param(status(422, should_retry="TRUE"), id="the header value is read case-insensitively"),
]


@pytest.mark.parametrize("fault", SHOULD_RETRY_TRUE)
def test_x_should_retry_true_retries_a_status_that_is_otherwise_final(fake_openai: FakeServer, fault: Fault) -> None:
    fake_openai.script(LABEL, fault)
    fake_openai.set_answer(LABEL, NOTE)
    with client_for(fake_openai) as client:
        result = client.call(note_request(LABEL))
    assert result.value == Note(**NOTE)
    assert result.usage.attempts == 2 and fake_openai.count(LABEL) == 2


def test_without_x_should_retry_the_same_400_is_final(fake_openai: FakeServer) -> None:
    """The control for the rule above: the header, not the status, made the difference."""
    fake_openai.script(LABEL, status(400))
    with client_for(fake_openai) as client, pytest.raises(ModelRequestError):
        client.call(note_request(LABEL))
    assert fake_openai.count(LABEL) == 1


def test_x_should_retry_true_is_still_bounded_by_the_attempts(fake_openai: FakeServer) -> None:
    fake_openai.script(LABEL, *[status(400, should_retry="true")] * 5)
    with client_for(fake_openai, max_attempts=3) as client, pytest.raises(ModelUnavailable):
        client.call(note_request(LABEL))
    assert fake_openai.count(LABEL) == 3


def test_backoff_without_a_hint_is_jittered_and_within_its_bounds(fake_openai: FakeServer) -> None:
    calls, faults_per_call = 6, 3
    waits = Waits()
    with client_for(fake_openai, sleep=waits, max_attempts=4) as client:
        for i in range(calls):
            label = f"extract/doc-{i}/chunk-0"
            fake_openai.script(label, *[server_error(503)] * faults_per_call)
            assert client.call(note_request(label, text=label)).usage.attempts == faults_per_call + 1
    assert len(waits) == calls * faults_per_call
    by_attempt = {attempt: waits[attempt - 1 :: faults_per_call] for attempt in range(1, faults_per_call + 1)}
    for attempt, chosen in by_attempt.items():
        assert all(0 <= wait <= upper_bound(attempt) for wait in chosen), (attempt, chosen)
        # six draws from a continuous range, rounded to the millisecond: all equal only if not random
        assert len(set(chosen)) > 1, f"every wait before attempt {attempt + 1} was {chosen[0]} s: no jitter"


def test_a_malformed_retry_after_falls_back_to_backoff_instead_of_sinking_the_batch(fake_openai: FakeServer) -> None:
    fake_openai.script(LABEL, rate_limited(retry_after="soon"))
    fake_openai.set_answer(LABEL, NOTE)
    with client_for(fake_openai) as client:
        [result] = client.call_many([note_request(LABEL)], "notes")
    assert isinstance(result, CallResult) and result.usage.attempts == 2
