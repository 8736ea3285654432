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


# --- outputs -------------------------------------------------------------------------------------------


def test_outputs_are_replaced_as_one_set_and_a_failed_write_leaves_the_old_set(tmp_path: Path, monkeypatch) -> None:
    from briefs.files import replace_folder as replace

    def replace_folder(target: Path, files: dict[str, str]) -> None:
        replace(target, files, keep=lambda name: name == "mail")

    week = tmp_path / "briefings" / "2022-W06"
    replace_folder(week, {"briefing.md": "run 1", "briefing.html": "run 1", "run.json": "1"})
    (week / "mail").mkdir()
    (week / "mail" / "team.eml").write_text("kept", encoding="utf-8")  # not a briefing file: carried over

    calls = {"n": 0}
    real_fsync = os.fsync

    def dies_on_the_second_file(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", dies_on_the_second_file)
    with pytest.raises(OSError):
        replace_folder(week, {"briefing.md": "run 2", "run.json": "2"})
    monkeypatch.undo()
    assert sorted(p.name for p in week.iterdir()) == ["briefing.html", "briefing.md", "mail", "run.json"]
    assert {p.read_text(encoding="utf-8") for p in week.glob("briefing.*")} == {"run 1"}

    replace_folder(week, {"briefing.md": "run 3", "run.json": "3"})
    assert sorted(p.name for p in week.iterdir()) == ["briefing.md", "mail", "run.json"]  # no html of run 1 left
    assert (week / "mail" / "team.eml").read_text(encoding="utf-8") == "kept"
    assert not [p.name for p in week.parent.iterdir() if p.name.startswith(".tmp-")], "no staging folder left"


def test_temporary_files_of_a_killed_run_are_swept_but_not_those_of_a_live_one(tmp_path: Path) -> None:
    import subprocess
    import sys

    from briefs.files import sweep_temporaries

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    (tmp_path / f".tmp-{dead_pid}-abc.json").write_text("half", encoding="utf-8")
    (tmp_path / f".tmp-{dead_pid}-2022-W06-x").mkdir()
    (tmp_path / f".tmp-{os.getpid()}-mine.json").write_text("in progress", encoding="utf-8")
    sweep_temporaries(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f".tmp-{os.getpid()}-mine.json"]
