"""The Batch API end to end through the real openai SDK against the fake server's /v1/files and
/v1/batches: submit, a new process (the state reloaded from disk), collect, then `generate` sends
no extraction request for a collected answer; a failed batch line is reported and done online."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from events_support import Told
from generate_support import SEED_000, SEED_001, answer, corpus_of
from typer.testing import CliRunner

from briefs.cli import app
from briefs.events import BatchDone, BatchPolled
from briefs.llm import batch
from briefs.llm.testing import fake_server
from briefs.pipeline import GenerateRequest, ModelSeam, generate
from briefs.settings import load_settings
from briefs.weeks import parse_range

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
    assert upload["custom_id"] in [batch.custom_id_of(label) for label in CHUNKS]
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
    assert next(line["body"] for line in lines if line["custom_id"] == batch.custom_id_of(CHUNKS[1])) == online


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


# --- custom_ids a provider accepts ------------------------------------------------------------------

# A file name as long as a file system allows (255 bytes: 80 Chinese characters and the suffix), so
# its call labels run to ~100 characters; Anthropic and OpenRouter refuse a custom_id over 64.
LONG_STEM = (
    "国家药品监督管理局关于发布药品注册管理办法配套文件及化学药品注册分类改革工作方案的公告"
    "暨医疗器械临床试验质量管理规范实施有关事项通知附件一至附件五的补充说明"
)
CUSTOM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def test_a_long_chinese_file_name_goes_through_a_batch_that_caps_custom_ids(week, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / f"{SEED_001}.txt").rename(corpus / f"{LONG_STEM}.txt")
    label = f"extract/{LONG_STEM}/chunk-0"
    assert len(label) > 64
    week.set_answer(label, answer(CHUNKS[1]))

    submitted = briefs("batch", "submit", *PERIOD)
    assert submitted.exit_code == 0, submitted.output
    custom_ids = [json.loads(line)["custom_id"] for line in week.files["file-fake-0"].decode("utf-8").splitlines()]
    assert len(custom_ids) == 2 and all(CUSTOM_ID.fullmatch(custom_id) for custom_id in custom_ids), custom_ids
    collected = briefs("batch", "collect", *PERIOD)
    assert collected.exit_code == 0, collected.output
    assert "2 answers cached now" in collected.output and "0 failed" in collected.output

    result = generate(load_settings(None), GenerateRequest(period=RANGE))
    assert result.briefing is not None and result.briefing.complete
    assert week.count(label) == 0 and week.count() == 1, "online: the synthesis only"


def test_the_fake_batches_server_refuses_a_custom_id_over_64_characters(week, monkeypatch) -> None:
    """As Anthropic's and OpenRouter's batch endpoints do, so a long custom_id cannot slip through the tests."""
    monkeypatch.setattr(batch, "custom_id_of", lambda label: label + "-" * 64)
    assert briefs("batch", "submit", *PERIOD).exit_code == 0
    collected = briefs("batch", "collect", *PERIOD)
    assert "is failed: 0 answers cached now" in collected.output, collected.output
    assert "line 1: custom_id: String should have at most 64 characters" in collected.output


def test_custom_ids_are_short_stable_and_distinct() -> None:
    labels = [f"extract/{LONG_STEM}/chunk-{n}" for n in range(12)] + [f"merge/{LONG_STEM}", "extract/a/chunk-0"]
    ids = [batch.custom_id_of(label) for label in labels]
    assert all(CUSTOM_ID.fullmatch(custom_id) for custom_id in ids), ids
    assert len(set(ids)) == len(ids)
    assert ids == [batch.custom_id_of(label) for label in labels], "the same label, the same custom_id"
    assert batch.custom_id_of("extract/a/chunk-0").startswith("extract_a_chunk-0-"), "readable where the label is"
    assert batch.custom_id_of(f"merge/{LONG_STEM}").startswith("merge-")


def test_a_batch_submitted_with_labels_as_custom_ids_still_collects(week, monkeypatch, tmp_path: Path) -> None:
    """A batch the earlier code sent (each custom_id the call's label, no labels kept in the state)."""
    with monkeypatch.context() as earlier:
        earlier.setattr(batch, "custom_id_of", lambda label: label)
        assert briefs("batch", "submit", *PERIOD).exit_code == 0
    state_path = tmp_path / "briefs-home" / "batches" / f"{RANGE.label}.json"
    state = json.loads(state_path.read_text(encoding="utf-8"))
    assert sorted(state["keys"]) == sorted(CHUNKS)
    state.pop("labels", None)
    state_path.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")

    collected = briefs("batch", "collect", *PERIOD)
    assert collected.exit_code == 0 and "2 answers cached now" in collected.output, collected.output
    result = generate(load_settings(None), GenerateRequest(period=RANGE))
    assert result.briefing is not None and result.briefing.complete
    assert [week.count(label) for label in CHUNKS] == [0, 0]


def test_collect_names_the_week_it_collected_even_when_midnight_passes_meanwhile(week, monkeypatch) -> None:
    """`--week this` is read once: the week whose batch was collected is the week the next step names."""
    assert briefs("batch", "submit", "--week", "2022-W06").exit_code == 0
    days = iter([dt.date(2022, 2, 13), dt.date(2022, 2, 14)])  # Sunday of W06, then Monday of W07
    monkeypatch.setattr("briefs.weeks.today_in_shanghai", lambda now=None: next(days))
    collected = briefs("batch", "collect", "--week", "this")
    assert collected.exit_code == 0, collected.output
    assert "run `briefs generate --week 2022-W06` to finish the week" in collected.output


# --- the files and batches requests fail as a model call does ------------------------------------------


def test_a_batch_for_an_endpoint_that_cannot_be_reached_is_one_line_exit_3(week, monkeypatch) -> None:
    monkeypatch.setenv("BRIEFS_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("BRIEFS_MAX_ATTEMPTS", "1")
    submitted = briefs("batch", "submit", *PERIOD)
    assert submitted.exit_code == 3, submitted.output
    [line] = submitted.output.splitlines()
    assert line.startswith("briefs: error: uploading the batch file: cannot connect to the model endpoint ")
    assert "OPENAI_BASE_URL" in line


def test_an_endpoint_without_a_batch_api_says_so_and_how_to_run_the_batch_yourself(week) -> None:
    """vLLM's, llama.cpp's and Ollama's servers answer /v1/files with a 404."""
    week.batch_api = False
    submitted = briefs("batch", "submit", *PERIOD)
    assert submitted.exit_code == 3, submitted.output
    [line] = submitted.output.splitlines()
    assert line.startswith(f"briefs: error: uploading the batch file: {week.base_url} has no Batch API (HTTP 404")
    assert line.endswith("write it for a batch runner of yours with `briefs batch submit --offline`")
    assert not list(Path(os.environ["BRIEFS_HOME"]).glob("batches/*.json")), "no state: nothing was sent"


def test_a_batch_the_endpoint_does_not_know_is_said_to_be_unknown_not_a_missing_batch_api(week, tmp_path: Path) -> None:
    """A 404 to a batch's retrieval means the id is unknown there (a state from another endpoint or key,
    a batch the provider deleted), not that the server has no Batch API."""
    assert briefs("batch", "submit", *PERIOD).exit_code == 0
    path = tmp_path / "briefs-home" / "batches" / f"{RANGE.label}.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**state, "batch_id": "batch_from_elsewhere"}), encoding="utf-8")
    for command in ("status", "collect"):
        result = briefs("batch", command, *PERIOD)
        assert result.exit_code == 3, result.output
        [line] = result.output.splitlines()
        assert line.startswith(f"briefs: error: batch batch_from_elsewhere: not found at {week.base_url}"), line
        assert "no Batch API" not in line and "--offline" not in line


def test_a_busy_batches_endpoint_is_asked_again_as_a_model_call_is(week) -> None:
    week.batch_polls = 2
    week.script(fake_server.BATCH_API, fake_server.rate_limited(retry_after_ms="10"), fake_server.server_error(503))
    result = briefs("generate", "--batch", "--poll-seconds", "0.01", *PERIOD)
    assert result.exit_code == 0, result.output
    assert [week.count(label) for label in CHUNKS] == [0, 0], "every extraction came from the batch"
    assert week.batch_calls[:3] == ["POST /v1/files"] * 3, "the upload was refused twice, then sent"


def test_a_refused_batch_creation_says_what_the_provider_said(week) -> None:
    week.script(fake_server.BATCH_API, fake_server.OK, fake_server.status(400))  # the upload, then the creation
    submitted = briefs("batch", "submit", *PERIOD)
    assert submitted.exit_code == 3, submitted.output
    [line] = submitted.output.splitlines()
    assert line.startswith("briefs: error: creating the batch: the endpoint refused it (HTTP 400: ")
    assert line.endswith("HTTP 400 from the fake server)")
    assert week.batch_calls == ["POST /v1/files", "POST /v1/batches"], "a refused creation is not asked again"


# --- waiting for a batch: collect while it runs, `generate --batch`, an interrupted wait ------------


def test_a_collect_while_the_batch_runs_says_so_in_one_line_and_exits_1_then_finishes(week) -> None:
    week.batch_polls = 3  # the batch answers on the third look
    assert briefs("batch", "submit", *PERIOD).exit_code == 0
    early = briefs("batch", "collect", *PERIOD)
    assert early.exit_code == 1, early.output
    assert early.output.count("\n") == 1, early.output
    assert "is still in_progress: 2 of 2 requests pending, 0 answers cached now; collect again later" in early.output

    assert briefs("batch", "collect", *PERIOD).exit_code == 1
    late = briefs("batch", "collect", *PERIOD)
    assert late.exit_code == 0, late.output
    assert "is completed: 2 answers cached now, 0 earlier, 0 failed, 0 pending" in late.output

    result = generate(load_settings(None), GenerateRequest(period=RANGE))
    assert result.exit_code == 0 and [week.count(label) for label in CHUNKS] == [0, 0]


def test_generate_batch_submits_waits_collects_and_finishes_online(week, monkeypatch: pytest.MonkeyPatch) -> None:
    week.batch_polls = 3
    monkeypatch.setenv("BRIEFS_BATCH_POLL_SECONDS", "0.01")
    result = briefs("generate", "--batch", *PERIOD)
    assert result.exit_code == 0, result.output
    assert [week.count(label) for label in CHUNKS] == [0, 0], "every extraction came from the batch"
    assert week.count() == 1, "only the synthesis was asked online"
    assert len(week.batches) == 1 and week.batch_lines == 2
    assert "briefs: waiting for batch batch_fake_0 (2 requests)" in result.output
    assert "briefs: batch batch_fake_0 is in_progress: 0 of 2 answered" in result.output
    assert "briefs: batch batch_fake_0 is completed: 2 of 2 answered" in result.output
    assert (
        "briefs: batch batch_fake_0 (submitted with 2 requests (0 answered before)) is completed: 2 answers "
        "collected" in result.output
    )
    assert "wrote " in result.output and "Traceback" not in result.output

    again = briefs("generate", "--batch", *PERIOD)  # everything cached: nothing is sent at all
    assert again.exit_code == 0, again.output
    assert week.count() == 1 and len(week.batches) == 1
    assert f"all 2 extraction requests of {RANGE.label} are answered already; no batch sent" in again.output


def test_the_wait_tells_a_progress_callback_and_polls_at_the_set_pace(week) -> None:
    week.batch_polls = 4
    told, waits = Told(), []
    seam = ModelSeam(batch_sleep=waits.append)
    settings = load_settings(None, batch_poll_seconds=7.5)
    result = generate(settings, GenerateRequest(period=RANGE, batch=True), seam, told)
    assert result.exit_code == 0 and result.batch is not None
    seen = told.of(BatchPolled)
    assert told.of(BatchDone) == [BatchDone(RANGE.label, result.batch)]
    assert [(e.status, e.done, e.total, e.finished) for e in seen] == [
        ("in_progress", 0, 2, False),
        ("in_progress", 1, 2, False),
        ("in_progress", 1, 2, False),
        ("completed", 2, 2, True),
    ]
    assert waits == [7.5, 7.5, 7.5], "one pause between two looks, none after the last"
    assert result.batch.submitted == 2 and len(result.batch.collected.cached) == 2


def test_an_interrupted_wait_loses_nothing_collect_then_rerun_sends_no_new_request(week) -> None:
    week.batch_polls = 2

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate(load_settings(None), GenerateRequest(period=RANGE, batch=True), ModelSeam(batch_sleep=interrupt))
    assert week.count() == 0 and len(week.batches) == 1, "nothing was asked online; the batch was created"

    collected = briefs("batch", "collect", *PERIOD)  # the state survived the interruption
    assert collected.exit_code == 0 and "2 answers cached now" in collected.output

    first = generate(load_settings(None), GenerateRequest(period=RANGE, batch=True))
    assert first.exit_code == 0
    assert [week.count(label) for label in CHUNKS] == [0, 0] and week.count() == 1  # the synthesis
    sent = (week.count(), list(week.batch_calls), week.batch_lines)

    rerun = generate(load_settings(None), GenerateRequest(period=RANGE, batch=True))
    assert rerun.exit_code == 0
    assert (week.count(), list(week.batch_calls), week.batch_lines) == sent, "the rerun sent no request at all"


def test_ctrl_c_while_a_real_process_waits_exits_130_and_the_next_run_resumes(week, tmp_path: Path) -> None:
    """A real `briefs generate --batch` process waiting between polls: SIGINT ends it at once (130)
    with the state on disk; the next `generate --batch` resumes that batch instead of paying again."""
    week.batch_polls = 1_000  # it would wait for ever
    env = {**os.environ, "BRIEFS_BATCH_POLL_SECONDS": "30", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    child = subprocess.Popen(
        [sys.executable, "-m", "briefs", "generate", "--batch", *PERIOD],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # not ignored, as a background suite's is
    )
    watchdog = threading.Timer(30, child.kill)  # never hang: a silent child is killed, and fails below
    watchdog.start()
    told = []
    while not any("briefs: batch batch_fake_0 is" in line for line in told):  # it has polled, and now waits
        line = child.stderr.readline() if child.stderr else ""
        if not line:
            pytest.fail(f"the child ended or went silent before it waited: {''.join(told)}")
        told.append(line)
    watchdog.cancel()
    child.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, rest = child.communicate(timeout=10)
    assert child.returncode == 130, rest
    assert time.monotonic() - started < 5, "the wait between polls ended at once"
    assert "waiting for batch batch_fake_0" in "".join(told) and "interrupted" in rest
    assert week.count() == 0 and len(week.batches) == 1

    week.batch_polls = 0
    week._polls_left.clear()  # the provider finishes the batch meanwhile
    week.batches["batch_fake_0"] = week._finished_batches["batch_fake_0"]
    resumed = briefs("generate", "--batch", *PERIOD)
    assert resumed.exit_code == 0, resumed.output
    assert "batch batch_fake_0 (resumed) is completed: 2 answers collected" in resumed.output
    assert len(week.batches) == 1 and week.batch_lines == 2, "the same batch, not a second one"
    assert [week.count(label) for label in CHUNKS] == [0, 0]


# --- the batch file itself, and the offline path through a runner of one's own (vLLM) -------------

# The chat-completions fields vLLM's ChatCompletionRequest declares (vllm/entrypoints/openai/
# protocol.py) among those a body may carry; a field outside it is ignored there with a log line
# (prompt_cache_key is such: OpenAI's prompt-cache routing hint, harmless for vLLM).
VLLM_CHAT_FIELDS = {"messages", "model", "max_completion_tokens", "response_format", "stream", "temperature", "seed"}
VLLM_IGNORES = {"prompt_cache_key"}


def test_every_batch_line_is_the_standard_request_line(week, tmp_path: Path) -> None:
    """The envelope OpenAI's Batch API and vLLM's run_batch (BatchRequestInput) both read: exactly
    custom_id, method POST, url /v1/chat/completions and a chat-completions body; custom_ids unique."""
    from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming

    assert briefs("batch", "submit", "--offline", *PERIOD).exit_code == 0
    text = (tmp_path / "briefs-home" / "batches" / f"{RANGE.label}.jsonl").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) == 2 and len({line["custom_id"] for line in lines}) == 2
    known = CompletionCreateParamsNonStreaming.__required_keys__ | CompletionCreateParamsNonStreaming.__optional_keys__
    for line in lines:
        assert set(line) == {"custom_id", "method", "url", "body"}
        assert isinstance(line["custom_id"], str) and line["method"] == "POST" and line["url"] == "/v1/chat/completions"
        body = line["body"]
        assert set(body) <= known, "every body field is a chat-completions parameter of the official SDK"
        assert set(body) <= VLLM_CHAT_FIELDS | VLLM_IGNORES
        assert body["stream"] is False and body["response_format"]["type"] == "json_schema"
        assert {"name", "schema", "strict"} <= set(body["response_format"]["json_schema"])
        assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "国家药品监督管理局" in text or "药" in text, "Chinese is written as it is, not escaped"


def vllm_output_line(label: str, content: dict | None, error: str | None = None) -> str:
    """A line as vLLM's run_batch writes it (BatchRequestOutput) for the call labelled ``label``: a
    chat completion, or for a request it could not run, status 400, no body and the error as a plain
    string."""
    custom_id = batch.custom_id_of(label)
    if error is not None:
        response = {"status_code": 400, "request_id": "vllm-batch-1", "body": None}
        return json.dumps({"id": "vllm-1", "custom_id": custom_id, "response": response, "error": error})
    message = {"role": "assistant", "content": json.dumps(content, ensure_ascii=False), "tool_calls": []}
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4.1-mini",
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop", "stop_reason": None}],
        "usage": {"prompt_tokens": 900, "total_tokens": 1300, "completion_tokens": 400, "prompt_tokens_details": None},
        "prompt_logprobs": None,
    }
    response = {"status_code": 200, "request_id": "vllm-batch-0", "body": body}
    return json.dumps({"id": "vllm-0", "custom_id": custom_id, "response": response, "error": None}, ensure_ascii=False)


def test_offline_batch_written_then_collected_from_a_vllm_output_file(week, tmp_path: Path) -> None:
    written = briefs("batch", "submit", "--offline", *PERIOD)
    assert written.exit_code == 0, written.output
    assert week.batch_calls == [] and week.count() == 0, "nothing was uploaded or asked"
    assert f"wrote 2 extraction requests of {RANGE.label} to " in written.output and "--from-file" in written.output
    status = briefs("batch", "status", *PERIOD)
    assert status.exit_code == 0 and "written for an offline runner" in status.output
    plain = briefs("batch", "collect", *PERIOD)
    assert plain.exit_code == 2 and "--from-file" in plain.output

    output = tmp_path / "vllm-output.jsonl"
    output.write_text(
        vllm_output_line(CHUNKS[0], answer(CHUNKS[0]))
        + "\n"
        + vllm_output_line(CHUNKS[1], None, error="The model `gpt-4.1-mini` does not exist.")
        + "\n",
        encoding="utf-8",
    )
    collected = briefs("batch", "collect", "--from-file", str(output), *PERIOD)
    assert collected.exit_code == 0, collected.output
    assert "1 answers cached now, 0 earlier, 1 failed, 0 pending" in collected.output
    assert f"batch line {CHUNKS[1]} failed (HTTP 400: The model `gpt-4.1-mini` does not exist.)" in collected.output
    assert week.batch_calls == [], "an offline collect asks no provider"

    result = generate(load_settings(None), GenerateRequest(period=RANGE))
    assert result.exit_code == 0
    assert week.count(CHUNKS[0]) == 0, "answered by the offline runner"
    assert week.count(CHUNKS[1]) == 1, "the failed line was asked online, once"


def test_a_broken_output_file_is_one_line_naming_it(week, tmp_path: Path) -> None:
    assert briefs("batch", "submit", "--offline", *PERIOD).exit_code == 0
    missing = briefs("batch", "collect", "--from-file", str(tmp_path / "nope.jsonl"), *PERIOD)
    assert missing.exit_code == 2 and "nope.jsonl: cannot be read" in missing.output
    garbled = tmp_path / "garbled.jsonl"
    garbled.write_text("not json\n", encoding="utf-8")
    bad = briefs("batch", "collect", "--from-file", str(garbled), *PERIOD)
    assert bad.exit_code == 2 and "garbled.jsonl, line 1: not a batch output line" in bad.output
    assert "Traceback" not in missing.output + bad.output


def test_a_batch_answer_is_read_as_an_online_answer_is(week, tmp_path: Path) -> None:
    """A refusal, an answer cut off at the token limit and an answer outside the schema are told as
    the online call tells them (the model refused, cut off, which field), never as a bare finish reason."""
    assert briefs("batch", "submit", "--offline", *PERIOD).exit_code == 0
    refused = json.loads(vllm_output_line(CHUNKS[0], {}))
    message = refused["response"]["body"]["choices"][0]["message"]
    message["content"], message["refusal"] = None, "I cannot help with that."
    cut_off = json.loads(vllm_output_line(CHUNKS[1], {}))
    cut_off["response"]["body"]["choices"][0]["finish_reason"] = "length"
    output = tmp_path / "vllm-output.jsonl"
    output.write_text(json.dumps(refused) + "\n" + json.dumps(cut_off) + "\n", encoding="utf-8")
    collected = briefs("batch", "collect", "--from-file", str(output), *PERIOD)
    assert collected.exit_code == 0, collected.output
    assert f"batch line {CHUNKS[0]} failed (the model refused: I cannot help with that.)" in collected.output
    assert f"batch line {CHUNKS[1]} failed (the answer was cut off at the " in collected.output


def test_a_batch_answer_outside_the_schema_names_the_field(week, tmp_path: Path) -> None:
    assert briefs("batch", "submit", "--offline", *PERIOD).exit_code == 0
    broken = dict(answer(CHUNKS[0]))
    del broken["issuer"]
    output = tmp_path / "vllm-output.jsonl"
    output.write_text(vllm_output_line(CHUNKS[0], broken) + "\n", encoding="utf-8")
    collected = briefs("batch", "collect", "--from-file", str(output), *PERIOD)
    assert collected.exit_code == 0, collected.output
    assert f"batch line {CHUNKS[0]} failed (the answer does not match the schema" in collected.output
    assert "issuer: Field required" in collected.output


def test_generate_batch_reports_a_failed_line_and_asks_it_online(week, monkeypatch: pytest.MonkeyPatch) -> None:
    week.script(CHUNKS[1], fake_server.server_error(500))
    result = briefs("generate", "--batch", *PERIOD)
    assert result.exit_code == 0, result.output
    assert "1 answers collected" in result.output and "1 failed" in result.output
    assert f"briefs: batch line {CHUNKS[1]} failed (HTTP 500" in result.output and "asked online" in result.output
    assert week.count(CHUNKS[0]) == 0 and week.count(CHUNKS[1]) == 1
    assert len(week.batches) == 1

    rerun = briefs("generate", "--batch", *PERIOD)  # the failed line was answered online: nothing left
    assert rerun.exit_code == 0 and len(week.batches) == 1 and week.count(CHUNKS[1]) == 1


def test_a_batch_refused_as_a_whole_says_why_names_a_few_lines_and_all_go_online(
    week, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("briefs.cli_words.SHOWN_FAILED_LINES", 1)
    week.batch_refusal = "The model `gpt-4.1-mini` is not available for batch."
    result = briefs("generate", "--batch", *PERIOD)
    assert result.exit_code == 0, result.output
    assert "is failed: 0 answers collected" in result.output and "2 failed" in result.output
    assert (
        "briefs: the batch was refused: line 1: The model `gpt-4.1-mini` is not available for batch." in result.output
    )
    assert result.output.count("failed (the batch ended (failed) without answering it); asked online") == 1
    assert "... and 1 more failed lines; asked online" in result.output
    assert [week.count(label) for label in CHUNKS] == [1, 1], "both asked online, once each"


# --- check re-asks as a second batch ------------------------------------------------------------------


def planted_figure_then_corrected(good: dict):
    """The first answer's summary states a figure the page does not (its checks want a re-ask); the
    re-ask, which asks for the summary only, gets it right."""
    wrong = json.loads(json.dumps(good))
    wrong["summary"]["zh"] += "共检查987家企业。"

    def reply(body: dict) -> dict:
        return {"summary": good["summary"]} if len(body["messages"]) > 2 else wrong

    return reply


def test_generate_batch_re_asks_in_a_second_batch_and_sends_nothing_of_it_online(week) -> None:
    week.set_answer(CHUNKS[0], planted_figure_then_corrected(answer(CHUNKS[0])))
    result = generate(
        load_settings(None), GenerateRequest(period=RANGE, batch=True), ModelSeam(batch_sleep=lambda _: None)
    )
    assert result.exit_code == 0 and result.batch is not None
    assert len(week.batches) == 2 and week.batch_lines == 3, "two lines, then one re-ask"
    assert [week.count(label) for label in CHUNKS] == [0, 0] and week.count() == 1, "online: the synthesis only"
    assert result.batch.collected.reask == [CHUNKS[0]] and result.batch.reasks.cached == [CHUNKS[0]]

    reask = json.loads(week.files[week.batches["batch_fake_1"]["input_file_id"]].decode("utf-8"))
    assert reask["custom_id"] == batch.custom_id_of(CHUNKS[0]) and reask["url"] == "/v1/chat/completions"
    body = reask["body"]
    assert set(body["response_format"]["json_schema"]["schema"]["properties"]) == {"summary"}
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    assert "987" in body["messages"][2]["content"] and "only these fields" in body["messages"][3]["content"]

    assert result.briefing is not None and len(result.briefing.documents) == 2
    assert all(d.status == "verified" for d in result.briefing.documents), "the corrected answer was merged"
    assert "987" not in json.dumps([d.model_dump(mode="json") for d in result.briefing.documents], ensure_ascii=False)

    rerun = generate(load_settings(None), GenerateRequest(period=RANGE, batch=True))
    assert rerun.exit_code == 0 and len(week.batches) == 2 and week.count() == 1, "nothing sent again"


def test_a_re_ask_answered_in_a_batch_counts_as_a_re_ask_as_online(week) -> None:
    """One call asked twice, as online: the run record counts one re-ask, whichever way it was paid for."""
    week.set_answer(CHUNKS[0], planted_figure_then_corrected(answer(CHUNKS[0])))
    result = generate(
        load_settings(None), GenerateRequest(period=RANGE, batch=True), ModelSeam(batch_sleep=lambda _: None)
    )
    assert result.batch is not None and result.batch.reasks is not None and result.briefing is not None
    corrected = result.batch.reasks.usage
    assert (corrected.calls, corrected.attempts, corrected.reasks) == (1, 2, 1)
    assert result.briefing.run.total.reasks == 1


def test_a_re_ask_line_that_fails_leaves_the_first_answer_standing_flagged(week) -> None:
    week.set_answer(CHUNKS[0], planted_figure_then_corrected(answer(CHUNKS[0])))
    week.script(CHUNKS[0], fake_server.OK, fake_server.server_error(500))  # the first line answers, the re-ask fails
    result = briefs("generate", "--batch", *PERIOD)
    assert result.exit_code == 0, result.output
    assert f"batch line {CHUNKS[0]} failed (HTTP 500: " in result.output
    assert "; the first answer stands, flagged)\n" in result.output
    assert week.count(CHUNKS[0]) == 0, "not asked again online: as online, a valid answer stands when its re-ask fails"
    assert len(week.batches) == 2


def test_what_the_batch_cost_counts_in_the_run_record_at_batch_prices(week, monkeypatch: pytest.MonkeyPatch) -> None:
    """The briefing's cost line must not leave out what was paid through the Batch API: its tokens
    and cost (half the list price) are a stage of their own in the run record, and in the total."""
    from briefs.llm import cost_usd

    monkeypatch.setattr("briefs.llm.client.priced_endpoint", lambda url: True)  # priced as if OpenAI's
    result = generate(load_settings(None), GenerateRequest(period=RANGE, batch=True))
    assert result.briefing is not None and result.batch is not None
    paid = result.batch.collected.usage
    assert paid.prompt_tokens > 0 and paid.completion_tokens > 0
    stages = {s.stage: s.usage for s in result.briefing.run.stages}
    batch = stages["batch"]
    assert (batch.calls, batch.prompt_tokens, batch.completion_tokens) == (
        0,
        paid.prompt_tokens,
        paid.completion_tokens,
    )
    at_list = cost_usd("gpt-4.1-mini", paid.prompt_tokens, 0, paid.completion_tokens)
    assert batch.cost_usd == pytest.approx(at_list / 2)
    total = result.briefing.run.total
    assert total.cost_usd == pytest.approx(batch.cost_usd + stages["synthesize"].cost_usd)
    assert total.calls == stages["extract"].calls + stages["synthesize"].calls, "no call counted twice"
    assert result.briefing.run.retries == 0


def test_on_a_terminal_the_batch_lines_are_printed_above_the_bar_never_torn_into_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io
    import re

    from briefs.cli import BatchWatch, ProgressBars
    from briefs.events import BatchPolled

    class Terminal(io.TextIOWrapper):  # with a byte buffer below, as a real one (click writes there)
        def isatty(self) -> bool:
            return True

    terminal = Terminal(io.BytesIO(), encoding="utf-8", write_through=True)
    monkeypatch.setattr(sys, "stderr", terminal)
    watch = BatchWatch(ProgressBars())
    for status, done, finished in [("in_progress", 0, False), ("in_progress", 1, False), ("finalizing", 1, False)]:
        watch(BatchPolled("batch_x", status, done, 0, 2, finished))
        time.sleep(0.05)
    watch(BatchPolled("batch_x", "completed", 2, 0, 2, True))
    drawn = terminal.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
    shown = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", line).split("\r")[-1] for line in drawn.split("\n")]
    told = [line for line in shown if "briefs: batch batch_x is" in line]
    assert len(told) == 3 and all(line.startswith("briefs: batch batch_x is") for line in told), told
    assert any("2/2" in line for line in shown), "the bar was drawn"


def test_batch_flags_that_cannot_work_are_one_line_and_nothing_is_sent(week) -> None:
    no_cache = briefs("generate", "--batch", "--no-cache", *PERIOD)
    assert no_cache.exit_code == 2, no_cache.output
    assert "--no-cache with --batch: the batch's answers reach the run through the response cache" in no_cache.output
    never = briefs("generate", "--batch", "--poll-seconds", "0", *PERIOD)
    assert never.exit_code == 2 and "--poll-seconds 0: give the seconds between two looks, more than 0" in never.output
    assert week.batch_calls == [] and week.count() == 0
    assert "Traceback" not in no_cache.output + never.output


def test_status_names_the_re_ask_batch_and_re_asks_still_waiting(week) -> None:
    week.set_answer(CHUNKS[0], planted_figure_then_corrected(answer(CHUNKS[0])))
    assert briefs("batch", "submit", *PERIOD).exit_code == 0
    collected = briefs("batch", "collect", *PERIOD)
    assert collected.exit_code == 0 and "1 answers need a check re-ask" in collected.output
    waiting = briefs("batch", "status", *PERIOD)
    assert "briefs: 1 answers wait for a check re-ask; `briefs generate --batch` sends them" in waiting.output

    assert briefs("generate", "--batch", *PERIOD).exit_code == 0
    status = briefs("batch", "status", *PERIOD)
    assert status.exit_code == 0, status.output
    assert "briefs: batch batch_fake_0 is completed: 2 done, 0 failed of 2" in status.output
    assert "briefs: re-ask batch batch_fake_1 is completed: 1 done, 0 failed of 1" in status.output
    assert "wait for a check re-ask" not in status.output


# --- a creation whose reply was lost: found by its tag, never paid for twice -----------------------


def state_of(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "briefs-home" / "batches" / f"{RANGE.label}.json").read_text(encoding="utf-8"))


def test_a_creation_whose_reply_was_lost_is_found_by_its_tag_and_not_sent_again(week, tmp_path: Path) -> None:
    week.script(fake_server.BATCH_API, fake_server.OK, fake_server.done_then_dropped())  # upload, creation
    submitted = briefs("batch", "submit", *PERIOD)
    assert submitted.exit_code == 0, submitted.output
    assert list(week.batches) == ["batch_fake_0"], "one batch, created once"
    assert week.batch_calls == ["POST /v1/files", "POST /v1/batches", f"GET /v1/batches?limit={batch.LIST_PAGE}"]
    state = state_of(tmp_path)
    assert state["batch_id"] == "batch_fake_0" and state["input_file_id"] == "file-fake-0"
    assert week.batches["batch_fake_0"]["metadata"] == {batch.SUBMISSION_KEY: state["submission"]}
    collected = briefs("batch", "collect", *PERIOD)
    assert collected.exit_code == 0 and "2 answers cached now" in collected.output


def test_a_creation_lost_before_the_server_saw_it_is_sent_again_once_none_is_found(week) -> None:
    week.script(fake_server.BATCH_API, fake_server.OK, fake_server.dropped())  # the creation never arrives
    submitted = briefs("batch", "submit", *PERIOD)
    assert submitted.exit_code == 0, submitted.output
    assert week.batch_calls == [
        "POST /v1/files",
        "POST /v1/batches",
        f"GET /v1/batches?limit={batch.LIST_PAGE}",
        "POST /v1/batches",
    ]
    assert list(week.batches) == ["batch_fake_0"]


def test_the_next_run_finds_the_batch_a_lost_creation_made_and_creates_none(week, tmp_path: Path) -> None:
    week.batch_list = False  # the first run cannot look: it stops as it always did, its state "creating"
    week.script(fake_server.BATCH_API, fake_server.OK, fake_server.done_then_dropped())
    first = briefs("generate", "--batch", "--poll-seconds", "0.01", *PERIOD)
    assert first.exit_code == 3, first.output
    assert first.output.splitlines()[0].endswith(
        f"cannot list batches (HTTP 404): whether the batch tagged {state_of(tmp_path)['submission']} was created "
        "cannot be checked; it is not created again"
    ), first.output
    assert "briefs: error: creating the batch:" in first.output and "Traceback" not in first.output
    assert week.batch_calls.count("POST /v1/batches") == 1, "without a list, a lost creation is never sent again"
    state = state_of(tmp_path)
    assert state["batch_id"] == "" and state["submission"], "the intent was saved before the creation"

    collect = briefs("batch", "collect", *PERIOD)  # no batch id to collect: one line saying what to do
    assert collect.exit_code != 0 and collect.output.count("\n") == 1, collect.output
    assert "got no reply to its creation; submit again" in collect.output

    week.batch_list = True
    second = briefs("generate", "--batch", "--poll-seconds", "0.01", *PERIOD)
    assert second.exit_code == 0, second.output
    assert list(week.batches) == ["batch_fake_0"], "the second run found the first batch and created none"
    assert week.batch_calls.count("POST /v1/batches") == 1 and week.batch_lines == 2
    assert [week.count(label) for label in CHUNKS] == [0, 0], "every extraction came from the found batch"
    assert state_of(tmp_path)["batch_id"] == "batch_fake_0"


def test_a_creating_state_with_no_batch_behind_it_creates_one(week, tmp_path: Path) -> None:
    week.batch_list = False
    week.script(fake_server.BATCH_API, fake_server.OK, fake_server.dropped())  # no batch was made
    assert briefs("batch", "submit", *PERIOD).exit_code == 3
    assert state_of(tmp_path)["batch_id"] == "" and not week.batches

    week.batch_list = True
    again = briefs("batch", "submit", *PERIOD)  # not refused as "already submitted": nothing was
    assert again.exit_code == 0, again.output
    assert list(week.batches) == ["batch_fake_0"] and week.batch_lines == 2
    assert week.batch_calls[3:] == [f"GET /v1/batches?limit={batch.LIST_PAGE}", "POST /v1/files", "POST /v1/batches"]
    assert state_of(tmp_path)["batch_id"] == "batch_fake_0"


def test_the_lookup_pages_through_recent_batches_and_stops_after_a_bounded_number(week, monkeypatch) -> None:
    monkeypatch.setattr(batch, "LIST_PAGE", 2)
    monkeypatch.setattr(batch, "LIST_LOOKBACK", 4)
    for number in range(6):  # others' batches, newer than nothing of ours
        week.batches[f"batch_other_{number}"] = {**_listed_batch(f"batch_other_{number}"), "metadata": None}
    week.script(fake_server.BATCH_API, fake_server.OK, fake_server.dropped())
    assert briefs("batch", "submit", *PERIOD).exit_code == 0
    lists = [call for call in week.batch_calls if call.startswith("GET /v1/batches")]
    assert lists == ["GET /v1/batches?limit=2", "GET /v1/batches?limit=2&after=batch_other_4"], (
        "4 looked at (newest first), then created"
    )
    assert week.batch_calls.count("POST /v1/batches") == 2


def _listed_batch(batch_id: str) -> dict:
    return {
        "id": batch_id,
        "object": "batch",
        "endpoint": "/v1/chat/completions",
        "input_file_id": "file-other",
        "completion_window": "24h",
        "status": "completed",
        "created_at": 0,
    }


def test_without_a_list_a_creating_state_is_submitted_anew_as_before_saying_so_in_one_line(week, tmp_path) -> None:
    week.batch_list = False
    week.script(fake_server.BATCH_API, fake_server.OK, fake_server.dropped())
    assert briefs("batch", "submit", *PERIOD).exit_code == 3
    tag = state_of(tmp_path)["submission"]
    again = briefs("batch", "submit", *PERIOD)
    assert again.exit_code == 0, again.output
    assert (
        f"cannot list batches (HTTP 404): whether the batch tagged {tag} was created cannot be checked; "
        in again.output
    )
    assert "a new one is created" in again.output
    assert list(week.batches) == ["batch_fake_0"] and state_of(tmp_path)["batch_id"] == "batch_fake_0"


def test_a_re_ask_batch_whose_creation_reply_was_lost_is_found_not_created_twice(week, tmp_path: Path) -> None:
    week.set_answer(CHUNKS[0], planted_figure_then_corrected(answer(CHUNKS[0])))
    # the first batch: upload, creation, the wait's look, the collect's look, its output; then the re-ask's
    week.script(fake_server.BATCH_API, *[fake_server.OK] * 6, fake_server.done_then_dropped())
    result = generate(
        load_settings(None), GenerateRequest(period=RANGE, batch=True), ModelSeam(batch_sleep=lambda _: None)
    )
    assert result.exit_code == 0 and result.batch is not None and result.batch.reasks is not None
    assert week.batch_calls[5:8] == ["POST /v1/files", "POST /v1/batches", f"GET /v1/batches?limit={batch.LIST_PAGE}"]
    assert list(week.batches) == ["batch_fake_0", "batch_fake_1"], "the re-ask batch was created once"
    assert result.batch.reasks.cached == [CHUNKS[0]] and week.count() == 1, "online: the synthesis only"
    second = json.loads((tmp_path / "briefs-home" / "batches" / f"{RANGE.label}.reasks.json").read_text("utf-8"))
    assert second["batch_id"] == "batch_fake_1" and second["parent"] == "batch_fake_0"
