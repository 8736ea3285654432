"""Faults an operator meets, end to end: an unwritable cache, a symlink loop in the corpus, a kill
while writing, a bad input. Each one costs at most a warning line; none loses paid work or mixes runs."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from briefs.errors import EXIT_OK
from briefs.files import BestEffortFolder
from briefs.llm import fake_server
from briefs.pipeline import GenerateRequest, generate
from briefs.settings import load_settings
from briefs.weeks import parse_week
from test_generate import SEED_000, corpus_of, serve_reference_answers

W06 = parse_week("2022-W06")
LABELS = (f"extract/{SEED_000}/chunk-0", "synthesize/2022-W06")


def live(tmp_path: Path, server, **overrides):
    return load_settings(
        None,
        out=tmp_path / "briefings",
        mode="live",
        base_url=server.base_url,
        corpus=corpus_of(tmp_path, SEED_000),
        **overrides,
    )


def _home_is_a_file(tmp_path: Path) -> Path:
    home = tmp_path / "home-file"
    home.write_text("not a folder", encoding="utf-8")
    return home


def _home_is_read_only(tmp_path: Path) -> Path:
    home = tmp_path / "read-only-home"
    (home / "cache").mkdir(parents=True)
    (home / "cache").chmod(0o500)
    return home


@pytest.mark.parametrize(
    "make_home",
    [_home_is_a_file, _home_is_read_only],
    ids=["BRIEFS_HOME is a file", "the cache folder is read-only"],
)
def test_an_unwritable_cache_costs_one_warning_never_the_paid_answers(
    tmp_path: Path, fake_openai, caplog, make_home
) -> None:
    if make_home is _home_is_read_only and os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    serve_reference_answers(fake_openai, *LABELS)
    with caplog.at_level(logging.WARNING, logger="briefs"):
        result = generate(live(tmp_path, fake_openai, home=make_home(tmp_path)), GenerateRequest(period=W06))
    assert result.exit_code == EXIT_OK and (result.out_dir / "briefing.md").is_file()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "going on without it" in warnings[0], warnings


def test_a_full_disk_mid_run_switches_the_cache_off_once(tmp_path: Path, caplog, monkeypatch) -> None:
    folder = BestEffortFolder(tmp_path / "cache", "the response cache")
    with caplog.at_level(logging.WARNING, logger="briefs"):
        assert folder.write("ab/one.json", "{}") is True

        def no_space(*args: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", no_space)
        assert folder.write("ab/two.json", "{}") is False
        assert folder.write("ab/three.json", "{}") is False
        monkeypatch.undo()
    assert len(caplog.records) == 1 and "No space left on device" in caplog.records[0].getMessage()
    assert "going on without it" in caplog.records[0].getMessage()
    assert folder.read("ab/one.json") is None  # switched off: the rest of the run neither reads nor writes
    assert not list((tmp_path / "cache").rglob(".tmp-*")), "a failed write leaves no temporary file"


# --- inputs --------------------------------------------------------------------------------------------


def test_a_symlink_loop_in_the_corpus_is_one_skipped_input_not_a_stopped_run(tmp_path: Path, fake_openai) -> None:
    serve_reference_answers(fake_openai, *LABELS)
    settings = live(tmp_path, fake_openai)
    corpus = settings.corpus
    (corpus / "a.txt").symlink_to("b.txt")
    (corpus / "b.txt").symlink_to("a.txt")
    result = generate(settings, GenerateRequest(period=W06))
    assert result.briefing is not None and len(result.briefing.documents) == 1
    skipped = [s.reason for s in result.briefing.coverage.skipped]
    assert sorted(reason.split(":")[0] for reason in skipped) == ["a.txt", "b.txt"], skipped
    assert all("link" in reason for reason in skipped)


def test_an_unreadable_input_is_named_on_stderr_relative_to_the_corpus(tmp_path: Path, fake_openai) -> None:
    serve_reference_answers(fake_openai, *LABELS)
    settings = live(tmp_path, fake_openai)
    (settings.corpus / "sub").mkdir()
    (settings.corpus / "sub" / "broken.html").write_bytes(b"\x00\x01\x02" * 100)
    result = generate(settings, GenerateRequest(period=W06))
    named = [line for line in result.lines if "sub/broken.html" in line]
    assert len(named) == 1 and named[0].startswith("briefs: unreadable: sub/broken.html"), result.lines
    shown = result.out_dir / "briefing.md"
    assert "sub/broken.html" in shown.read_text(encoding="utf-8")
    briefing_files = [p for p in result.out_dir.iterdir() if p.name.startswith("briefing.")]
    assert str(tmp_path) not in "".join(p.read_text(encoding="utf-8") for p in briefing_files)
