"""Record/replay at the HTTP transport, and hand-written answer books.

Rules: a recording is one readable JSON file per request (Chinese stays Chinese), with no
credentials or volatile headers; replay matches on the canonical body and never touches the
network; a miss names the request and the command that refreshes it; unused recordings are listed;
recordings made over an answer book say they were written by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llm_support import NOTE, Note, client_for, note_request

from briefs.cli_words import error_line
from briefs.llm import (
    AnswerMissingError,
    InvalidOutputError,
    LLMConfig,
    ModelClient,
    ReplayMissError,
)
from briefs.llm.errors import LLMConfigError
from briefs.llm.testing.answers import AnswerBookTransport
from briefs.llm.testing.fake_server import FakeServer, rate_limited, server_error
from briefs.llm_setup import BRIEFS_HINTS


def replay_client(recordings: Path) -> ModelClient:
    return ModelClient(LLMConfig(model="gpt-4.1-mini", mode="replay", recordings_dir=recordings, hints=BRIEFS_HINTS))


def record(server: FakeServer, recordings: Path, *labels: str) -> None:
    with client_for(server, mode="record", recordings_dir=recordings, api_key="sk-record-key") as client:
        for label in labels:
            client.call(note_request(label, text=label))


def test_record_then_replay_gives_the_same_answers_without_a_network(fake_openai: FakeServer, tmp_path: Path) -> None:
    fake_openai.set_answer("extract/a/chunk-0", NOTE)
    record(fake_openai, tmp_path / "rec", "extract/a/chunk-0", "merge/a")
    fake_openai.stop()  # nothing to talk to any more
    with replay_client(tmp_path / "rec") as client:
        first = client.call(note_request("extract/a/chunk-0", text="extract/a/chunk-0"))
        second = client.call(note_request("merge/a", text="merge/a"))
    assert first.value == Note(**NOTE) and isinstance(second.value, Note)
    assert first.usage.attempts == 1 and first.usage.prompt_tokens > 0  # the recorded usage, replayed


def test_a_recording_is_readable_json_named_by_label_with_chinese_kept(fake_openai: FakeServer, tmp_path: Path) -> None:
    fake_openai.set_answer("extract/000_b91c/chunk-0", NOTE)
    record(fake_openai, tmp_path / "rec", "extract/000_b91c/chunk-0")
    [path] = list((tmp_path / "rec").rglob("*.json"))
    assert path.relative_to(tmp_path / "rec").parent == Path("extract/000_b91c")
    assert path.name.startswith("chunk-0.") and len(path.name.split(".")[1]) == 10
    text = path.read_text(encoding="utf-8")
    assert "国家药监局部署专项整治" in text and "\\u" not in text  # readable, not escaped
    assert text.startswith('{\n "provenance"')  # indented, provenance first
    recording = json.loads(text)
    assert recording["label"] == "extract/000_b91c/chunk-0"
    assert recording["request"]["method"] == "POST" and recording["request"]["path"] == "/v1/chat/completions"
    assert recording["request"]["body"]["model"] == "gpt-4.1-mini"
    assert recording["response"]["status"] == 200
    assert json.loads(recording["response"]["body"]["choices"][0]["message"]["content"]) == NOTE
    assert recording["provenance"].startswith("recorded from model gpt-4.1-mini at 127.0.0.1 on 20")


def test_credentials_and_volatile_headers_never_reach_a_recording(fake_openai: FakeServer, tmp_path: Path) -> None:
    record(fake_openai, tmp_path / "rec", "synthesize/2022-W06")
    [path] = list((tmp_path / "rec").rglob("*.json"))
    recording = json.loads(path.read_text(encoding="utf-8"))
    assert set(recording["request"]) == {"method", "path", "body"}  # request headers are never written
    assert set(recording["response"]["headers"]) <= {"content-type", "retry-after", "retry-after-ms", "x-should-retry"}
    text = path.read_text(encoding="utf-8").lower()
    for secret in ("sk-record-key", "authorization", "bearer", "cookie", "openai-organization", "date"):
        assert secret not in text


def test_only_successful_exchanges_are_recorded(fake_openai: FakeServer, tmp_path: Path) -> None:
    fake_openai.script("extract/a/chunk-0", rate_limited(retry_after="0"), server_error(503))
    record(fake_openai, tmp_path / "rec", "extract/a/chunk-0")
    assert fake_openai.count() == 3
    assert len(list((tmp_path / "rec").rglob("*.json"))) == 1


def test_replay_matches_the_body_not_the_label(fake_openai: FakeServer, tmp_path: Path) -> None:
    record(fake_openai, tmp_path / "rec", "extract/a/chunk-0")
    with replay_client(tmp_path / "rec") as client:
        result = client.call(note_request("another/label", text="extract/a/chunk-0"))
    assert isinstance(result.value, Note)


def test_a_replay_miss_names_label_model_schema_digest_and_the_refresh_commands(tmp_path: Path) -> None:
    (tmp_path / "rec").mkdir()
    with replay_client(tmp_path / "rec") as client, pytest.raises(ReplayMissError) as caught:
        client.call(note_request("extract/000_b91c/chunk-3", text="新的文件"))
    message = str(caught.value)
    assert message.startswith("extract/000_b91c/chunk-3: no recording matches")
    assert "model gpt-4.1-mini" in message and "schema Note" in message and "input sha256 " in message
    assert "in mode record against a live model" in message and "make reference" in message
    assert "--mode" not in message, "a library caller reads the setting, the command line its flag"
    assert "refresh with `briefs generate --week … --mode record`" in error_line(caught.value)
    assert caught.value.label == "extract/000_b91c/chunk-3"


def test_a_changed_prompt_is_a_miss_not_a_stale_answer(fake_openai: FakeServer, tmp_path: Path) -> None:
    record(fake_openai, tmp_path / "rec", "extract/a/chunk-0")
    with replay_client(tmp_path / "rec") as client, pytest.raises(ReplayMissError):
        client.call(note_request("extract/a/chunk-0", text="extract/a/chunk-0 (edited)"))


def test_recordings_nothing_used_are_listed(fake_openai: FakeServer, tmp_path: Path) -> None:
    record(fake_openai, tmp_path / "rec", "extract/a/chunk-0", "extract/b/chunk-0", "merge/b")
    with replay_client(tmp_path / "rec") as client:
        client.call(note_request("extract/a/chunk-0", text="extract/a/chunk-0"))
        client.call(note_request("merge/b", text="merge/b"))
        unused = client.unused_recordings()
    assert [p.relative_to(tmp_path / "rec").parent.as_posix() for p in unused] == ["extract/b"]


def test_a_damaged_recording_is_named(tmp_path: Path) -> None:
    (tmp_path / "rec" / "extract").mkdir(parents=True)
    (tmp_path / "rec" / "extract" / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(LLMConfigError, match=r"bad\.json: not a readable recording"):
        replay_client(tmp_path / "rec")


# --- answer books ----------------------------------------------------------------------------------


def _count(text: str) -> int:
    return len(text)  # stands in for tiktoken: any deterministic counter will do


def write_answer(
    answers: Path, label: str, answer: object, provenance: str = "written by hand from the source text"
) -> Path:
    path = answers / f"{label}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"provenance": provenance, "answer": answer}, ensure_ascii=False), encoding="utf-8")
    return path


def answer_book_client(answers: Path, recordings: Path) -> ModelClient:
    config = LLMConfig(
        model="gpt-4.1-mini",
        mode="record",
        recordings_dir=recordings,
        inner_transport=AnswerBookTransport(answers, _count),
    )
    return ModelClient(config)


def test_an_answer_book_answers_in_the_exact_wire_format_through_the_real_sdk(tmp_path: Path) -> None:
    write_answer(tmp_path / "answers", "extract/000_b91c/chunk-0", NOTE)
    with answer_book_client(tmp_path / "answers", tmp_path / "rec") as client:
        result = client.call(note_request("extract/000_b91c/chunk-0"))
    assert result.value == Note(**NOTE)
    assert result.raw == json.dumps(NOTE, ensure_ascii=False)
    assert result.usage.completion_tokens == len(result.raw) and result.usage.prompt_tokens > 0


def test_recordings_over_an_answer_book_say_they_were_written_by_hand_and_replay(tmp_path: Path) -> None:
    write_answer(tmp_path / "answers", "extract/000_b91c/chunk-0", NOTE, provenance="reference answer, by hand, 2025")
    write_answer(tmp_path / "answers", "merge/000_b91c", NOTE, provenance="checked against the NMPA page")
    with answer_book_client(tmp_path / "answers", tmp_path / "rec") as client:
        client.call(note_request("extract/000_b91c/chunk-0"))
        client.call(note_request("merge/000_b91c"))
    provenances = sorted(
        json.loads(p.read_text(encoding="utf-8"))["provenance"] for p in (tmp_path / "rec").rglob("*.json")
    )
    assert provenances == [
        "reference answer, by hand, 2025; token counts estimated with the local tokenizer",
        "written by hand: checked against the NMPA page; token counts estimated with the local tokenizer",
    ]
    with replay_client(tmp_path / "rec") as client:
        assert client.call(note_request("merge/000_b91c")).value == Note(**NOTE)


def test_a_missing_answer_names_the_file_to_write(tmp_path: Path) -> None:
    with answer_book_client(tmp_path / "answers", tmp_path / "rec") as client:
        with pytest.raises(AnswerMissingError) as caught:
            client.call(note_request("extract/000_b91c/chunk-1"))
    expected = tmp_path / "answers" / "extract" / "000_b91c" / "chunk-1.json"
    assert str(expected) in str(caught.value) and '"provenance"' in str(caught.value)
    assert not (tmp_path / "rec").exists() or not list((tmp_path / "rec").rglob("*.json"))


def test_a_wrong_hand_written_answer_is_caught_by_validation(tmp_path: Path) -> None:
    write_answer(tmp_path / "answers", "extract/x/chunk-0", {"title": "缺少字段"})
    with answer_book_client(tmp_path / "answers", tmp_path / "rec") as client:
        with pytest.raises(InvalidOutputError, match="does not match the schema"):
            client.call(note_request("extract/x/chunk-0"))


def test_a_call_labelled_with_a_file_name_as_long_as_a_file_system_allows_is_recorded(
    fake_openai: FakeServer, tmp_path: Path
) -> None:
    """A merge's label is its file's stem (up to 251 bytes): the recording's name must still fit 255."""
    stem = "国家药品监督管理局关于发布药品注册管理办法配套文件的公告" * 3  # 81 characters, 243 bytes
    labels = [f"merge/{stem}", f"extract/{stem}/chunk-0", f"merge/{stem}。"]  # the last: same start, other call
    record(fake_openai, tmp_path / "rec", *labels)
    names = sorted(path.name for path in (tmp_path / "rec").rglob("*.json"))
    assert len(names) == 3 and all(len(name.encode("utf-8")) <= 255 for name in names), names
    fake_openai.stop()
    with replay_client(tmp_path / "rec") as client:
        assert all(isinstance(client.call(note_request(label, text=label)).value, Note) for label in labels)
