"""The Batch API end to end through the real openai SDK against the fake server's /v1/files and
/v1/batches: submit, a new process (the state reloaded from disk), collect, then `generate` sends
no extraction request for a collected answer; a failed batch line is reported and done online."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefs.cli import app
from briefs.llm.testing import fake_server
from briefs.pipeline import GenerateRequest, generate
from briefs.settings import load_settings
from briefs.weeks import parse_range
from tests.test_generate import SEED_000, SEED_001, answer, corpus_of

# two sample documents, one in each week
RANGE = parse_range("2022-02-07", "2022-02-20")
PERIOD = ("--from", "2022-02-07", "--to", "2022-02-20")
CHUNKS = (f"extract/{SEED_000}/chunk-0", f"extract/{SEED_001}/chunk-0")


@pytest.fixture
def week(tmp_path: Path, fake_openai, monkeypatch: pytest.MonkeyPatch):
    corpus = corpus_of(tmp_path, SEED_000, SEED_001)
    for name, value in {
        "BRIEFS_MODE": "live",
        "BRIEFS_BASE_URL": fake_openai.base_url,
        "BRIEFS_CORPUS": str(corpus),
        "BRIEFS_OUT": str(tmp_path / "briefings"),
    }.items():
        monkeypatch.setenv(name, value)
    for label in CHUNKS:
        fake_openai.set_answer(label, answer(label))
    fake_openai.set_answer(f"synthesize/{RANGE.label}", answer("synthesize/2022-W06"))
    return fake_openai


def briefs(*args: str):
    return CliRunner().invoke(app, list(args))


def test_submit_collect_then_generate_sends_no_extraction_request(week, tmp_path: Path) -> None:
    submitted = briefs("batch", "submit", *PERIOD)
    assert submitted.exit_code == 0, submitted.output
    assert "2 extraction requests" in submitted.output
    assert week.count() == 0 and week.batch_lines == 2
    # the uploaded JSONL is the standard batch format, the body exactly the online call's
    upload = json.loads(week.files["file-fake-0"].decode("utf-8").splitlines()[0])
    assert upload["method"] == "POST" and upload["url"] == "/v1/chat/completions"
    assert upload["custom_id"] in CHUNKS
    assert upload["body"]["response_format"]["type"] == "json_schema"
    assert {"model", "messages", "max_completion_tokens", "temperature"} <= set(upload["body"])
    state_files = list((tmp_path / "briefs-home" / "batches").glob("*.json"))
    assert [p.name for p in state_files] == [f"{RANGE.label}.json"]
    kept = state_files[0].with_suffix(".jsonl")  # the same JSONL, kept for an offline runner
    assert kept.read_bytes() == week.files["file-fake-0"]

    status = briefs("batch", "status", *PERIOD)
    assert "completed" in status.output and "2 done, 0 failed of 2" in status.output

    collected = briefs("batch", "collect", *PERIOD)  # a new client, the state read back
    assert collected.exit_code == 0, collected.output
    assert "2 answers cached now" in collected.output

    again = briefs("batch", "collect", *PERIOD)
    assert again.exit_code == 0 and "0 answers cached now, 2 earlier" in again.output

    result = generate(load_settings(None), GenerateRequest(period=RANGE))
    assert result.briefing is not None and result.briefing.complete
    assert [week.count(label) for label in CHUNKS] == [0, 0], "every extraction came from the batch"
    assert week.count() == 1, "only the synthesis was asked online"
    # the online run's own request is the batch line's request: same cache key, same body
    assert week.batch_lines == 2


def test_a_failed_batch_line_is_reported_and_done_online(week) -> None:
    week.script(CHUNKS[1], fake_server.server_error(500))
    assert briefs("batch", "submit", *PERIOD).exit_code == 0
    collected = briefs("batch", "collect", *PERIOD)
    assert collected.exit_code == 0, collected.output
    assert "1 answers cached now" in collected.output and "1 failed" in collected.output
    assert f"batch line {CHUNKS[1]} failed (HTTP 500" in collected.output

    result = generate(load_settings(None), GenerateRequest(period=RANGE))
    assert result.briefing is not None and result.briefing.complete
    assert week.count(CHUNKS[0]) == 0
    assert week.count(CHUNKS[1]) == 1, "the failed line was asked online, once"
    # the batch line carried exactly the body the online call sent
    lines = [json.loads(line) for line in week.files["file-fake-0"].decode("utf-8").splitlines()]
    online = next(seen.body for seen in week.requests if seen.label == CHUNKS[1])
    assert next(line["body"] for line in lines if line["custom_id"] == CHUNKS[1]) == online


def test_collect_without_a_submitted_batch_is_one_clear_line(week) -> None:
    collected = briefs("batch", "collect", *PERIOD)
    assert collected.exit_code == 2
    assert f"no batch was submitted for {RANGE.label}" in collected.output
    assert "Traceback" not in collected.output


def test_a_second_submit_is_refused_while_one_is_outstanding(week) -> None:
    assert briefs("batch", "submit", *PERIOD).exit_code == 0
    again = briefs("batch", "submit", *PERIOD)
    assert again.exit_code == 2 and "already submitted" in again.output
    assert week.batch_lines == 2
