"""`briefs extract PATH...`: replays recordings when no model is configured and prints digests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefs import resources
from briefs.cli import app
from briefs.extract import extract_documents
from briefs.llm import LLMConfig, ModelClient
from briefs.llm.testing.answers import AnswerBookTransport
from briefs.tokens import count_tokens, encoding_for
from tests.extract_support import ANSWERS_DIR, SEED_STEMS, sample_document

SEEDS = [resources.sample_corpus_dir() / f"{stem}.txt" for stem in SEED_STEMS[2:4]]


@pytest.fixture
def recordings(tmp_path: Path) -> Path:
    """Recordings of the hand-written answers for two seeds, made by the real client in record mode."""
    folder = tmp_path / "recordings"
    encoding = encoding_for("gpt-4.1-mini")
    client = ModelClient(
        LLMConfig(
            model="gpt-4.1-mini",
            mode="record",
            recordings_dir=folder,
            inner_transport=AnswerBookTransport(ANSWERS_DIR, lambda text: count_tokens(text, encoding)),
            provenance="written by hand: test recordings",
        )
    )
    digests = extract_documents([sample_document(stem) for stem in SEED_STEMS[2:4]], client)
    client.close()
    assert [d.status for d in digests] == ["verified", "verified"]
    return folder


def run(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["extract", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_extract_replays_without_a_model_and_prints_json_lines(recordings: Path) -> None:
    code, out, err = run("--json", *map(str, SEEDS), env={"BRIEFS_RECORDINGS": str(recordings)})
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 2
    digests = [json.loads(line) for line in lines]
    assert [d["status"] for d in digests] == ["verified", "verified"]
    assert digests[1]["extraction"]["figures"][0]["value"] == "15.36万件"
    assert "15.36万件" in lines[1], "JSON keeps Chinese as Chinese (ensure_ascii=False)"
    assert digests[1]["usage"]["calls"] == 1


def test_extract_prints_a_readable_summary_by_default(recordings: Path) -> None:
    code, out, err = run(str(SEEDS[1]), env={"BRIEFS_RECORDINGS": str(recordings)})
    assert code == 0, err
    assert "003_aac249fd25c995dd.txt: verified (5 requirements" in out
    assert "「推动医药企业改进药品包装,优化药品说明书,着力解决患者不易看清看懂等问题。」" in out


def test_a_missing_recording_fails_that_document_only_with_one_line(recordings: Path) -> None:
    other = resources.sample_corpus_dir() / f"{SEED_STEMS[0]}.txt"
    code, out, err = run(str(SEEDS[1]), str(other), env={"BRIEFS_RECORDINGS": str(recordings)})
    assert code == 1
    assert "003_aac249fd25c995dd.txt: verified" in out
    failed = [line for line in out.splitlines() if line.startswith("000_b91c7a1454b64df1.txt")]
    assert failed and "FAILED" in failed[0] and "no recording" in failed[0]
    assert "Traceback" not in out + err


def test_an_unreadable_path_is_named_and_the_rest_still_extracted(recordings: Path, tmp_path: Path) -> None:
    code, out, err = run(str(tmp_path / "nope.txt"), str(SEEDS[0]), env={"BRIEFS_RECORDINGS": str(recordings)})
    assert code == 1
    assert "nope.txt" in err
    assert "002_b253cffd7abe4a40.txt: verified" in out
