"""The response cache, usage, cost and dry runs.

Rules: an identical call is never paid twice; a rerun after failures redoes only what failed; reads
can be bypassed; entries are readable JSON written atomically; tokens are counted for every
attempt; cost comes from the price table or is unknown, never guessed; a dry run calls nothing."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from llm_support import NOTE, Note, client_for, note_request

from briefs.llm import (
    CallResult,
    InvalidOutputError,
    Ledger,
    ModelUnavailable,
    Usage,
    cache_info,
    clear_cache,
    cost_usd,
    price_for,
)
from briefs.llm.testing.fake_server import FakeServer, not_json, server_error


def test_an_identical_call_is_never_paid_twice(fake_openai: FakeServer, tmp_path: Path) -> None:
    with client_for(fake_openai, tmp_path) as client:
        first = client.call(note_request())
        second = client.call(note_request())
        ledger = client.ledger
    assert fake_openai.count() == 1
    assert second.value == first.value and second.raw == first.raw
    assert second.usage.from_cache and second.usage.attempts == 0 and second.usage.prompt_tokens == 0
    assert ledger.run.calls == 2 and ledger.run.cache_hits == 1 and ledger.run.attempts == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"prompt_version": "note-v2"}, id="a new prompt version is a new call"),
        pytest.param({"text": "另一份文件"}, id="new input is a new call"),
        pytest.param({"model": "gpt-4.1"}, id="another model is a new call"),
        pytest.param({"max_output_tokens": 100}, id="other generation parameters are a new call"),
    ],
)
def test_what_determines_the_answer_is_in_the_key(fake_openai: FakeServer, tmp_path: Path, change: dict) -> None:
    with client_for(fake_openai, tmp_path) as client:
        client.call(note_request())
    config_change = {k: v for k, v in change.items() if k in ("model", "max_output_tokens")}
    request = note_request(text=change.get("text", "文件内容"))
    if "prompt_version" in change:
        request = dataclasses.replace(request, prompt_version=change["prompt_version"])
    with client_for(fake_openai, tmp_path, **config_change) as client:
        assert not client.call(request).usage.from_cache
    assert fake_openai.count() == 2


def test_a_rerun_after_failures_redoes_only_what_failed(fake_openai: FakeServer, tmp_path: Path) -> None:
    labels = [f"extract/d{i}/chunk-0" for i in range(6)]
    fake_openai.script(labels[2], *[server_error(503)] * 4)
    fake_openai.script(labels[5], not_json(), not_json(), not_json())
    requests = [note_request(label, text=label) for label in labels]
    with client_for(fake_openai, tmp_path) as client:
        first = client.call_many(requests)
    assert [type(r).__name__ for r in first].count("CallResult") == 4
    before = fake_openai.count()
    with client_for(fake_openai, tmp_path) as client:
        second = client.call_many(requests)
    assert all(isinstance(r, CallResult) for r in second)
    assert [r.usage.from_cache for r in second] == [True, True, False, True, True, False]  # type: ignore[union-attr]
    assert fake_openai.count() - before == 2
    assert {s.label for s in fake_openai.requests[before:]} == {labels[2], labels[5]}


def test_bypassing_cache_reads_asks_again_and_still_writes(fake_openai: FakeServer, tmp_path: Path) -> None:
    with client_for(fake_openai, tmp_path) as client:
        client.call(note_request())
    with client_for(fake_openai, tmp_path, read_cache=False) as client:
        assert not client.call(note_request()).usage.from_cache
    assert fake_openai.count() == 2
    assert cache_info(tmp_path / "cache").entries == 1  # rewritten in place, not duplicated


def test_a_cache_entry_is_readable_json_with_answer_usage_and_label(fake_openai: FakeServer, tmp_path: Path) -> None:
    fake_openai.set_answer("extract/doc/chunk-0", NOTE)
    with client_for(fake_openai, tmp_path) as client:
        client.call(note_request())
    [path] = [p for p in (tmp_path / "cache").rglob("*.json")]
    text = path.read_text(encoding="utf-8")
    assert "国家药监局部署专项整治" in text  # ensure_ascii=False
    entry = json.loads(text)
    assert entry["answer"] == NOTE and entry["label"] == "extract/doc/chunk-0" and entry["usage"]["attempts"] == 1
    assert not list((tmp_path / "cache").rglob(".tmp-*"))  # the temporary file was renamed into place


def test_a_damaged_cache_entry_is_a_miss_and_is_repaired(fake_openai: FakeServer, tmp_path: Path) -> None:
    with client_for(fake_openai, tmp_path) as client:
        client.call(note_request())
    [path] = list((tmp_path / "cache").rglob("*.json"))
    path.write_text('{"answer": ', encoding="utf-8")  # what a crash mid-write would leave without os.replace
    with client_for(fake_openai, tmp_path) as client:
        assert not client.call(note_request()).usage.from_cache
    assert json.loads(path.read_text(encoding="utf-8"))["answer"]


def test_checks_run_again_on_a_cached_answer(fake_openai: FakeServer, tmp_path: Path) -> None:
    with client_for(fake_openai, tmp_path) as client:
        client.call(note_request())
        cached = client.call(note_request(check=lambda note: ["now flagged"], check_reasks=0))
    assert cached.usage.from_cache and cached.problems == ["now flagged"]


def test_clear_removes_cached_answers_only(fake_openai: FakeServer, tmp_path: Path) -> None:
    with client_for(fake_openai, tmp_path) as client:
        client.call(note_request("a"))
        client.call(note_request("b", text="b"))
    keep = tmp_path / "cache" / "README.txt"
    keep.write_text("not ours", encoding="utf-8")
    assert clear_cache(tmp_path / "cache") == 2
    assert cache_info(tmp_path / "cache").entries == 0 and keep.exists()
    with client_for(fake_openai, tmp_path) as client:
        assert not client.call(note_request("a")).usage.from_cache


# --- usage and cost --------------------------------------------------------------------------------


def test_tokens_of_every_attempt_count_and_the_ledger_totals_per_stage(fake_openai: FakeServer, tmp_path: Path) -> None:
    fake_openai.cached_tokens = 5
    fake_openai.script("extract/a/chunk-0", server_error(500), not_json())
    with client_for(fake_openai) as client:
        retried = client.call(note_request("extract/a/chunk-0"))
        plain = client.call(note_request("synthesize/2022-W06"))
        ledger = client.ledger
    sent = [s for s in fake_openai.requests if s.fault != "status 500"]
    assert retried.usage.attempts == 3  # the 500, the invalid answer, the good one
    assert retried.usage.prompt_tokens > plain.usage.prompt_tokens  # two bodies counted (the 500 had no usage)
    assert retried.usage.cached_tokens == 10 and len(sent) == 3
    assert ledger.stage("extract").attempts == 3 and ledger.stage("synthesize").attempts == 1
    assert ledger.run.prompt_tokens == retried.usage.prompt_tokens + plain.usage.prompt_tokens
    # the fake server is on 127.0.0.1: no priced endpoint, whatever the model is called
    assert ledger.run.cost_usd is None and retried.usage.cost_usd is None
    assert "extract: 1 calls" in ledger.summary() and "total: 2 calls" in ledger.summary()


def test_the_ledger_adds_up_the_cost_of_priced_calls() -> None:
    ledger = Ledger()
    ledger.add("extract/a/chunk-0", Usage(calls=1, attempts=1, prompt_tokens=10, cost_usd=0.25))
    ledger.add("synthesize/2022-W06", Usage(calls=1, attempts=1, prompt_tokens=5, cost_usd=0.5))
    assert ledger.run.cost_usd == pytest.approx(0.75) and ledger.stage("extract").cost_usd == pytest.approx(0.25)
    ledger.add("extract/b/chunk-0", Usage(calls=1, attempts=1, cost_usd=None))  # one unpriced call: no total price
    assert ledger.run.cost_usd is None


def test_cost_bills_cached_tokens_at_the_cached_rate() -> None:
    # gpt-4.1-mini: $0.40 in, $0.10 cached in, $1.60 out per 1M tokens
    assert cost_usd("gpt-4.1-mini", 1_000_000, 400_000, 100_000) == pytest.approx(0.24 + 0.04 + 0.16)


@pytest.mark.parametrize(
    ("model", "known"),
    [
        pytest.param("gpt-4.1-mini", True, id="a listed model has a price"),
        pytest.param("gpt-4.1-mini-2025-04-14", True, id="a dated snapshot costs what its alias does"),
        pytest.param("gpt-4o", True, id="gpt-4o is listed"),
        pytest.param("qwen2.5:7b", False, id="an unknown model has no price, never a guess"),
    ],
)
def test_price_table(model: str, known: bool) -> None:
    assert (price_for(model) is not None) is known
    assert (cost_usd(model, 10, 0, 10) is not None) is known


def test_an_unknown_model_reports_tokens_only(fake_openai: FakeServer) -> None:
    with client_for(fake_openai, model="qwen2.5:7b") as client:
        result = client.call(note_request())
        ledger = client.ledger
    assert result.usage.cost_usd is None and result.usage.prompt_tokens > 0
    assert ledger.run.cost_usd is None and "cost unknown" in ledger.summary()


def test_a_dry_run_counts_tokens_and_calls_nothing(fake_openai: FakeServer, tmp_path: Path) -> None:
    with client_for(fake_openai, tmp_path, max_output_tokens=1000) as client:
        client.call(note_request("extract/a/chunk-0", text="a"))
    before = fake_openai.count()
    requests = [
        note_request("extract/a/chunk-0", text="a"),
        note_request("extract/b/chunk-0", text="b"),
        note_request("synthesize/w", text="w"),
    ]
    with client_for(fake_openai, tmp_path, count_tokens=len, max_output_tokens=1000) as client:
        estimate = client.estimate(requests)
    assert fake_openai.count() == before
    assert estimate.calls == 3 and estimate.cache_hits == 1
    assert estimate.prompt_tokens > 0 and set(estimate.per_stage) == {"extract", "synthesize"}
    assert estimate.max_completion_tokens == 2000
    # a server on 127.0.0.1 has no price, whatever its model is called
    assert estimate.input_cost_usd is None and estimate.max_cost_usd is None


def test_a_persistent_failure_still_lands_in_the_ledger(fake_openai: FakeServer) -> None:
    fake_openai.script("extract/a/chunk-0", *[server_error(503)] * 4)
    with client_for(fake_openai) as client:
        with pytest.raises(ModelUnavailable) as failure:
            client.call(note_request("extract/a/chunk-0"))
        assert client.ledger.run.failed == 1 and client.ledger.run.attempts == 4
        assert failure.value.usage == client.ledger.run  # the error carries what the ledger counted


def test_a_call_that_stays_invalid_carries_the_tokens_it_spent(fake_openai: FakeServer) -> None:
    fake_openai.script("extract/a/chunk-0", *[not_json()] * 3)
    with client_for(fake_openai, reasks=2) as client:
        with pytest.raises(InvalidOutputError) as failure:
            client.call(note_request("extract/a/chunk-0"))
        spent = failure.value.usage
        assert spent == client.ledger.run and spent.failed == 1 and spent.calls == 1
        assert spent.attempts == 3 and spent.prompt_tokens > 0 and spent.completion_tokens > 0


def test_usage_adds_up_field_by_field_and_an_unknown_cost_stays_unknown() -> None:
    one = Usage(calls=1, attempts=2, prompt_tokens=10, cached_tokens=4, completion_tokens=3, cost_usd=0.1)
    cached = Usage(calls=1, cache_hits=1)
    failed = Usage(calls=1, attempts=1, prompt_tokens=5, failed=1, cost_usd=0.05)
    total = sum([one, cached, failed], Usage())
    assert total == Usage(
        calls=3,
        attempts=3,
        prompt_tokens=15,
        cached_tokens=4,
        completion_tokens=3,
        cost_usd=0.15,
        cache_hits=1,
        failed=1,
    )
    assert (total + Usage(calls=1, cost_usd=None)).cost_usd is None
    assert Usage() + one == one  # Usage() is the zero


def test_note_schema_round_trips() -> None:
    assert Note(**NOTE).model_dump() == NOTE


def test_identical_requests_in_flight_at_once_are_paid_once(tmp_path: Path) -> None:
    with FakeServer(latency=0.1) as server, client_for(server, tmp_path, concurrency=4) as client:
        results = client.call_many([note_request(f"extract/copy-{i}/chunk-0") for i in range(4)])
    assert server.count() == 1
    assert sum(not r.usage.from_cache for r in results) == 1  # type: ignore[union-attr]
    assert [r.label for r in results] == [f"extract/copy-{i}/chunk-0" for i in range(4)]
