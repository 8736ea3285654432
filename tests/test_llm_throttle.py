"""Concurrency that adapts: it starts at its ceiling (or rises from a lower start while the endpoint
keeps up), halves on a 429 (once per window) and when the x-ratelimit-remaining-* headers say the
budget is nearly spent, and never passes its ceiling; and follow-up calls (a long document's merge)
start as soon as what they need is answered."""

from __future__ import annotations

import time

import httpx2
import pytest
from openai import RateLimitError

from briefs.llm.retry import transport_retrying
from briefs.llm.testing import fake_server
from briefs.llm.testing.fake_server import FakeServer
from briefs.llm.throttle import AdaptiveLimit
from tests.llm_support import client_for, note_request


def limit_after(events: list[str], start: int = 4, ceiling: int = 64) -> int:
    limit = AdaptiveLimit(ceiling, start=start)
    for event in events:
        if event == "ok":
            limit.answered({})
        elif event == "429":
            limit.rate_limited()
        elif event == "low":
            limit.answered({"x-ratelimit-remaining-requests": "20", "x-ratelimit-limit-requests": "100"})
        elif event == "spent":
            limit.answered({"x-ratelimit-remaining-tokens": "5000", "x-ratelimit-limit-tokens": "200000"})
    return limit.current


RULES = [
    ([], 4),
    (["ok"] * 4, 8),
    (["ok"] * 100, 64),
    (["ok"] * 4 + ["429"], 4),
    (["429"] * 10, 1),
    (["ok"] * 4 + ["429"] + ["ok"] * 4, 4),
    (["ok"] * 4 + ["low"] * 10, 8),
    (["ok"] * 4 + ["spent"], 4),
]
NAMES = [
    "it starts where it is told",
    "each answer adds a slot while it starts (doubling every round trip)",
    "it never passes the ceiling",
    "a 429 halves it",
    "it never falls below one",
    "after a 429 it grows by one slot per full window, not per answer",
    "a rate-limit budget getting low stops the growth",
    "a nearly spent token budget backs off as a 429 does",
]


@pytest.mark.parametrize(("events", "expected"), RULES, ids=NAMES)
def test_the_limit_follows_the_endpoint(events: list[str], expected: int) -> None:
    assert limit_after(events) == expected


def test_a_client_finds_the_endpoint_limit_without_being_told() -> None:
    """An endpoint that takes 6 at once and turns the rest away with 429: every call succeeds, the
    client's limit settles near 6 instead of hammering at its ceiling of 64."""
    with FakeServer(latency=0.05, capacity=6) as server:
        with client_for(server, concurrency=64) as client:
            results = client.call_many([note_request(f"extract/d{i}/chunk-0") for i in range(120)])
            limit = client.limit
    assert all(not isinstance(result, Exception) for result in results)
    assert server.max_in_flight <= 6 and server.rejected > 0
    # Hammering at 64 would be turned away hundreds of times; a client that listens is turned away
    # less often than it calls and ends far below its ceiling (where exactly depends on how the
    # threads interleave on a loaded machine: a few cuts above 6, never near 64).
    assert server.rejected < 120
    assert limit.backoffs > 0 and limit.current <= 24
    assert server.count() - server.rejected == 120


def test_concurrency_rises_while_the_endpoint_keeps_up() -> None:
    with FakeServer(latency=0.1) as server:
        with client_for(server, concurrency=32, start_concurrency=8) as client:
            client.call_many([note_request(f"extract/d{i}/chunk-0") for i in range(200)])
    assert server.max_in_flight > 16  # it started at 8


def test_it_starts_at_its_ceiling_unless_told_otherwise() -> None:
    assert AdaptiveLimit(64).current == 64
    assert AdaptiveLimit(64, start=100).current == 64


def test_the_429s_of_one_window_halve_the_limit_once() -> None:
    """A first burst that the endpoint turns away answers 429 many times over; the requests sent
    before the first cut say nothing the cut did not already answer, so the limit halves once, not
    down to one; a 429 to a request sent after the cut cuts again."""
    limit = AdaptiveLimit(64)
    with limit.slot() as first, limit.slot() as second, limit.slot() as third:
        pass
    assert [limit.rate_limited(window) for window in (first, second, third)] == [True, False, False]
    assert limit.current == 32 and limit.backoffs == 1
    with limit.slot() as after_the_cut:
        pass
    assert limit.rate_limited(after_the_cut)
    assert limit.current == 16 and limit.backoffs == 2


def test_a_spent_budget_of_an_older_window_does_not_cut_again() -> None:
    limit = AdaptiveLimit(64)
    with limit.slot() as window:
        pass
    spent = {"x-ratelimit-remaining-tokens": "5000", "x-ratelimit-limit-tokens": "200000"}
    limit.answered(spent, window)
    limit.answered(spent, window)
    assert limit.current == 32


def test_a_follow_up_starts_as_soon_as_its_inputs_are_answered() -> None:
    """The follow-up of the quick request goes out while a slow one is still running."""
    with FakeServer() as server:
        server.script("extract/slow/chunk-0", fake_server.slow(1.0))
        with client_for(server, concurrency=4) as client:
            sent_at: dict[str, float] = {}

            def then(index: int, outcome):
                sent_at[outcome.label] = time.monotonic()
                return [note_request("merge/quick")] if outcome.label == "extract/quick/chunk-0" else []

            results = client.call_many(
                [note_request("extract/slow/chunk-0"), note_request("extract/quick/chunk-0")], then=then
            )
    assert [result.label for result in results] == ["extract/slow/chunk-0", "extract/quick/chunk-0", "merge/quick"]
    assert sent_at["merge/quick"] < sent_at["extract/slow/chunk-0"]


def turned_away() -> RateLimitError:
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx2.Response(429, headers={"retry-after-ms": "0"}, request=request)
    return RateLimitError("Rate limit reached", response=response, body=None)


@pytest.mark.parametrize(("forgiven", "attempts_made"), [(0, 4), (3, 7), (9, 8)])
def test_a_429_the_client_brought_on_itself_is_not_held_against_the_request(forgiven: int, attempts_made: int) -> None:
    """Of the attempts, those turned away because the client sent them under a limit it has since cut
    are not counted against the request's bound, but they can at most double it."""
    attempts: list[int] = []

    def send() -> None:
        attempts.append(1)
        raise turned_away()

    retrying = transport_retrying(max_attempts=4, max_seconds=60, sleep=lambda _: None, forgiven=lambda: forgiven)
    with pytest.raises(RateLimitError):
        retrying(send)
    assert len(attempts) == attempts_made
