"""The real SDK over HTTP against the fake server, through every fault a model endpoint produces.

Rules: transient faults are retried by one owner (so the server sees exactly the attempts we
count), invalid answers are re-asked with the error shown to the model, persistent failures stay
with their call and carry evidence, and nothing is lost. The server's ``x-should-retry`` overrides
our status rules both ways (as the SDK's own ``_should_retry`` does), and without a Retry-After hint
the backoff is really jittered (random within exponential bounds), not a fixed schedule."""

from __future__ import annotations

import email.utils
import time

import pytest
from llm_support import NOTE, Note, Waits, client_for, note_request

from briefs.llm import CallResult, InvalidOutputError, ModelRequestError, ModelUnavailable
from briefs.llm.testing.fake_server import (
    FakeServer,
    Fault,
    client_error,
    content_filtered,
    cut_off,
    dropped,
    malformed_body,
    not_json,
    quota_exhausted,
    rate_limited,
    refusal,
    schema_break,
    server_error,
    slow,
    status,
)

LABEL = "extract/doc/chunk-0"

TRANSIENT = [
    pytest.param(rate_limited(retry_after="0"), id="a 429 with Retry-After is retried"),
    pytest.param(rate_limited(retry_after_ms="20"), id="a 429 with retry-after-ms is retried"),
    pytest.param(rate_limited(), id="a 429 without a hint is retried"),
    pytest.param(status(408), id="a 408 request timeout is retried"),
    pytest.param(status(409), id="a 409 conflict is retried"),
    pytest.param(server_error(500), id="a 500 is retried"),
    pytest.param(server_error(503), id="a 503 is retried"),
    pytest.param(slow(1.5), id="a response slower than the timeout is retried"),
    pytest.param(dropped(), id="a dropped connection is retried"),
    # the server's x-should-retry overrides our status rules (as the SDK's own _should_retry does)
    pytest.param(status(400, should_retry="true"), id="a 400 the server says to retry is retried"),
    pytest.param(status(404, should_retry="true"), id="a 404 the server says to retry is retried"),
    pytest.param(status(422, should_retry="TRUE"), id="the header value is read case-insensitively"),
]


@pytest.mark.parametrize("fault", TRANSIENT)
def test_transient_fault_is_recovered_with_exactly_one_more_request(fake_openai: FakeServer, fault: Fault) -> None:
    fake_openai.script(LABEL, fault)
    fake_openai.set_answer(LABEL, NOTE)
    with client_for(fake_openai, timeout=0.5) as client:
        result = client.call(note_request(LABEL))
    assert result.value == Note(**NOTE)
    assert result.usage.attempts == 2
    assert fake_openai.count(LABEL) == 2  # the SDK's retries are off: ours are the only ones


INVALID = [
    pytest.param(not_json(), "not valid JSON", True, id="an answer that is not JSON is re-asked"),
    pytest.param(schema_break(), "does not match the schema", True, id="JSON that breaks the schema is re-asked"),
    pytest.param(cut_off(), "cut off", False, id="an answer cut off at the token limit is re-asked"),
    pytest.param(refusal(), "refused", False, id="a refusal is re-asked"),
    pytest.param(content_filtered(), "content filter", False, id="a content-filtered answer is re-asked"),
    pytest.param(malformed_body(), "body is not JSON", False, id="a response body that is not JSON is re-asked"),
]


@pytest.mark.parametrize(("fault", "shown", "echoed"), INVALID)
def test_invalid_answer_is_reasked_with_the_error_shown_to_the_model(
    fake_openai: FakeServer, fault: Fault, shown: str, echoed: bool
) -> None:
    fake_openai.script(LABEL, fault)
    fake_openai.set_answer(LABEL, NOTE)
    with client_for(fake_openai) as client:
        result = client.call(note_request(LABEL))
    assert result.value == Note(**NOTE)
    assert result.usage.attempts == 2 and fake_openai.count(LABEL) == 2
    first, second = (seen.body["messages"] for seen in fake_openai.requests)
    assert second[: len(first)] == first  # the original request, then the correction
    assert shown in second[-1]["content"] and second[-1]["role"] == "user"
    assert (second[-2]["role"] == "assistant") is echoed  # the bad answer is shown back when there is one
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0  # both attempts counted


def test_persistent_invalid_output_fails_with_attempts_last_raw_output_and_tokens(fake_openai: FakeServer) -> None:
    fake_openai.script(LABEL, not_json(), schema_break(), not_json())
    with client_for(fake_openai, reasks=2) as client:
        with pytest.raises(InvalidOutputError) as caught:
            client.call(note_request(LABEL))
        failed = client.ledger.run
    error = caught.value
    assert error.attempts == 3 and fake_openai.count(LABEL) == 3
    assert "药监局发布通知" in error.last_raw  # the model's last words, Chinese intact
    assert error.usage.prompt_tokens > 0 and error.usage.completion_tokens > 0
    assert LABEL in str(error) and "not valid JSON" in str(error)
    assert failed.failed == 1 and failed.attempts == 3 and failed == error.usage


def test_persistent_transient_fault_gives_up_after_max_attempts_with_no_hidden_retries(fake_openai: FakeServer) -> None:
    fake_openai.script(LABEL, *[server_error(503)] * 10)
    with client_for(fake_openai, max_attempts=4) as client:
        with pytest.raises(ModelUnavailable) as caught:
            client.call(note_request(LABEL))
    assert caught.value.attempts == 4
    assert fake_openai.count(LABEL) == 4  # not 4 x (SDK retries + 1)
    assert "after 4 attempts" in str(caught.value) and "503" in str(caught.value)


NOT_RETRIED = [
    pytest.param(client_error(400), "supports structured outputs", id="a 400 is not retried and names the model"),
    pytest.param(client_error(401), "OPENAI_API_KEY", id="a 401 is not retried and says to set the key"),
    pytest.param(client_error(403), "permission denied", id="a 403 is not retried"),
    pytest.param(client_error(404), "check the model name", id="a 404 is not retried and names model and base URL"),
    pytest.param(client_error(422), "could not process", id="a 422 is not retried"),
    pytest.param(quota_exhausted(), "quota is exhausted", id="a 429 for an exhausted quota is not retried"),
]


@pytest.mark.parametrize(("fault", "advice"), NOT_RETRIED)
def test_request_errors_are_not_retried_and_say_what_to_fix(fake_openai: FakeServer, fault: Fault, advice: str) -> None:
    fake_openai.script(LABEL, fault, fault)
    with client_for(fake_openai) as client:
        with pytest.raises(ModelRequestError) as caught:
            client.call(note_request(LABEL))
    assert fake_openai.count(LABEL) == 1
    assert advice in str(caught.value) and str(caught.value).startswith(LABEL)


def test_x_should_retry_false_is_respected(fake_openai: FakeServer) -> None:
    fake_openai.script(LABEL, server_error(500, should_retry="false"))
    with client_for(fake_openai) as client, pytest.raises(ModelUnavailable):
        client.call(note_request(LABEL))
    assert fake_openai.count(LABEL) == 1


def _http_date(seconds_ahead: float) -> str:
    return email.utils.formatdate(time.time() + seconds_ahead, usegmt=True)


RETRY_AFTER = [
    pytest.param(rate_limited(retry_after="2"), 2.0, id="Retry-After in seconds is the wait"),
    pytest.param(rate_limited(retry_after_ms="1500", retry_after="7"), 1.5, id="retry-after-ms wins over Retry-After"),
    pytest.param(rate_limited(retry_after="500"), 120.0, id="a Retry-After beyond 120 s is capped at 120 s"),
]


@pytest.mark.parametrize(("fault", "wait"), RETRY_AFTER)
def test_the_wait_is_the_one_the_server_asked_for(fake_openai: FakeServer, fault: Fault, wait: float) -> None:
    fake_openai.script(LABEL, fault)
    waits = Waits()
    with client_for(fake_openai, sleep=waits) as client:
        client.call(note_request(LABEL))
    assert waits == [wait]


def test_retry_after_as_an_http_date_is_honoured(fake_openai: FakeServer) -> None:
    fake_openai.script(LABEL, rate_limited(retry_after=_http_date(30)))
    waits = Waits()
    with client_for(fake_openai, sleep=waits) as client:
        client.call(note_request(LABEL))
    assert len(waits) == 1 and 25 <= waits[0] <= 31


# retry.WaitRetryAfterOrBackoff(): tenacity's wait_random_exponential(multiplier=0.5, max=30), so the
# wait before attempt n+1 is drawn from [0, min(30, 0.5 * 2 ** (n - 1))].
INITIAL, MAXIMUM = 0.5, 30.0


def upper_bound(attempt: int) -> float:
    return min(MAXIMUM, INITIAL * 2 ** (attempt - 1))


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


def test_a_wait_past_the_time_budget_is_not_started(fake_openai: FakeServer) -> None:
    fake_openai.script(LABEL, rate_limited(retry_after="60"))
    waits = Waits()
    with client_for(fake_openai, sleep=waits, max_retry_seconds=10) as client:
        with pytest.raises(ModelUnavailable) as caught:
            client.call(note_request(LABEL))
    assert waits == [] and caught.value.attempts == 1 and fake_openai.count(LABEL) == 1


def test_one_failed_call_never_takes_the_others_down_and_order_is_kept(fake_openai: FakeServer) -> None:
    labels = [f"extract/doc-{i}/chunk-0" for i in range(8)]
    fake_openai.script(labels[1], *[server_error(503)] * 4)
    fake_openai.script(labels[4], not_json(), not_json(), not_json())
    fake_openai.script(labels[6], client_error(400))  # about this request only (a 401 would stop them all)
    fake_openai.script(labels[7], rate_limited(retry_after="0"), dropped())
    with client_for(fake_openai, concurrency=4) as client:
        results = client.call_many([note_request(label, text=label) for label in labels], "extracting")
        ledger = client.ledger
    assert [r.label for r in results] == labels
    assert isinstance(results[1], ModelUnavailable)
    assert isinstance(results[4], InvalidOutputError)
    assert isinstance(results[6], ModelRequestError)
    ok = [r for r in results if isinstance(r, CallResult)]
    assert len(ok) == 5 and results[7].usage.attempts == 3  # type: ignore[union-attr]
    assert ledger.run.calls == 8 and ledger.run.failed == 3
    assert ledger.stage("extract").attempts == fake_openai.count() == 4 + 3 + 1 + 3 + 4


def test_call_many_keeps_at_most_concurrency_requests_in_flight() -> None:
    with FakeServer(latency=0.15) as server, client_for(server, concurrency=3) as client:
        results = client.call_many([note_request(f"x/{i}", text=str(i)) for i in range(9)])
    assert all(isinstance(r, CallResult) for r in results)
    assert server.max_in_flight == 3


def test_soft_check_problems_are_shown_to_the_model_and_fixed(fake_openai: FakeServer) -> None:
    seen: list[str] = []

    def check(note: Note) -> list[str]:
        seen.append(note.title)
        return ["title: 'X' is not in the document"] if len(seen) == 1 else []

    with client_for(fake_openai) as client:
        result = client.call(note_request(LABEL, check=check, check_reasks=1))
    assert result.problems == [] and result.usage.attempts == 2
    assert "is not in the document" in fake_openai.requests[1].body["messages"][-1]["content"]


def test_soft_check_problems_that_persist_are_returned_not_raised(fake_openai: FakeServer) -> None:
    with client_for(fake_openai) as client:
        result = client.call(note_request(LABEL, check=lambda note: ["quote not found"], check_reasks=2))
    assert result.problems == ["quote not found"] and fake_openai.count() == 3


def test_an_invalid_answer_to_a_check_reask_keeps_the_earlier_valid_answer(fake_openai: FakeServer) -> None:
    fake_openai.set_answer(LABEL, NOTE)
    fake_openai.script(LABEL, Fault("ok"), not_json())
    with client_for(fake_openai, reasks=0) as client:
        result = client.call(note_request(LABEL, check=lambda note: ["quote not found"], check_reasks=1))
    assert result.value == Note(**NOTE) and result.problems == ["quote not found"]
    assert result.usage.attempts == 2


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_after_the_endpoint_is_found_unreachable_later_calls_fail_at_once() -> None:
    from briefs.llm import LLMConfig, ModelClient

    client = ModelClient(
        LLMConfig(
            model="gpt-4.1-mini",
            mode="live",
            base_url=f"http://127.0.0.1:{_closed_port()}/v1",
            concurrency=1,
            max_attempts=3,
            timeout=2.0,
        ),
        sleep=Waits(),
    )
    outcomes = client.call_many([note_request(f"extract/d{i}/chunk-0") for i in range(4)], "notes")
    assert all(isinstance(outcome, ModelUnavailable) for outcome in outcomes)
    assert [outcome.attempts for outcome in outcomes] == [3, 0, 0, 0]  # only the first one spent retries
    assert "not sent" in str(outcomes[1]) and "cannot connect" in str(outcomes[1])


def test_a_refused_key_stops_the_other_calls_but_a_server_error_does_not(fake_openai: FakeServer) -> None:
    fake_openai.script("*", client_error(401))
    with client_for(fake_openai, concurrency=1) as client:
        outcomes = client.call_many([note_request("extract/a/chunk-0"), note_request("extract/b/chunk-0")], "x")
    assert all(isinstance(outcome, ModelRequestError) for outcome in outcomes)
    assert fake_openai.count() == 1  # the second call was never sent

    fake_openai.script("*", *[server_error(500)] * 4)
    with client_for(fake_openai, concurrency=1, max_attempts=2) as client:
        outcomes = client.call_many([note_request("extract/c/chunk-0"), note_request("extract/d/chunk-0")], "x")
    assert [getattr(outcome, "attempts", None) for outcome in outcomes] == [2, 2]  # each call tried on its own


def test_a_transient_error_on_a_check_reask_keeps_the_earlier_valid_answer(fake_openai: FakeServer) -> None:
    fake_openai.set_answer(LABEL, NOTE)
    fake_openai.script(LABEL, Fault("ok"), *[server_error(503)] * 3)
    with client_for(fake_openai, max_attempts=3) as client:
        result = client.call(note_request(LABEL, check=lambda note: ["quote not found"], check_reasks=1))
    assert result.value == Note(**NOTE) and result.problems == ["quote not found"]
    assert result.usage.attempts == 4 and fake_openai.count(LABEL) == 4


def test_a_dropped_connection_does_not_stop_the_other_calls(fake_openai: FakeServer) -> None:
    # A server that drops a connection is running: only a refused connection means "endpoint down".
    fake_openai.script("*", *[dropped()] * 2)
    with client_for(fake_openai, concurrency=1, max_attempts=2) as client:
        outcomes = client.call_many([note_request("extract/a/chunk-0"), note_request("extract/b/chunk-0")], "x")
    assert isinstance(outcomes[0], ModelUnavailable) and isinstance(outcomes[1], CallResult)
    assert "check OPENAI_BASE_URL" not in str(outcomes[0]) and "dropped" in str(outcomes[0])
