"""Faults an operator meets, end to end: an unwritable cache, a symlink loop in the corpus, a kill
while writing, a bad input. Each one costs at most a warning line; none loses paid work or mixes runs."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from events_support import Told
from generate_support import SEED_000, corpus_of, serve_reference_answers

from briefs.errors import EXIT_OK
from briefs.files import BestEffortFolder
from briefs.llm.testing import fake_server
from briefs.pipeline import GenerateRequest, generate
from briefs.settings import load_settings
from briefs.weeks import parse_week

W06 = parse_week("2022-W06")
LABELS = (f"extract/{SEED_000}/chunk-0", "synthesize/2022-W06")


def live(tmp_path: Path, server, **overrides):
    settings = {"out": tmp_path / "briefings", "mode": "live", "base_url": server.base_url}
    return load_settings(None, corpus=corpus_of(tmp_path, SEED_000), **(settings | overrides))


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
    assert len(warnings) == 1 and "this run goes on without it" in warnings[0], warnings


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
    assert "this run goes on without it" in caplog.records[0].getMessage()
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
    told = Told()
    result = generate(settings, GenerateRequest(period=W06), on_event=told)
    named = [line for line in told.lines() if "sub/broken.html" in line]
    assert len(named) == 1 and named[0].startswith("briefs: unreadable: sub/broken.html"), told.lines()
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


# --- preflight: what would fail after paying fails before the first call ---------------------------------


def test_an_unreachable_endpoint_is_one_line_before_any_document_is_tried(tmp_path: Path) -> None:
    import socket

    from briefs.llm import ModelUnavailable

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = load_settings(
        None,
        out=tmp_path / "out",
        mode="live",
        base_url=f"http://127.0.0.1:{port}/v1",
        corpus=corpus_of(tmp_path, SEED_000),
    )
    with pytest.raises(ModelUnavailable, match=r"^cannot connect to the model endpoint http://127\.0\.0\.1:\d+/v1"):
        generate(settings, GenerateRequest(period=W06))
    assert not (tmp_path / "out" / "2022-W06").exists()


def test_too_little_disk_space_is_one_line_before_any_call(tmp_path: Path, fake_openai, monkeypatch) -> None:
    import shutil

    from briefs.errors import ConfigError

    serve_reference_answers(fake_openai, *LABELS)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(ConfigError, match=r"only 0\.0 MB free, the briefing needs about"):
        generate(live(tmp_path, fake_openai), GenerateRequest(period=W06))
    assert fake_openai.count() == 0


def test_an_unwritable_output_folder_is_one_line_before_any_call(tmp_path: Path, fake_openai) -> None:
    from briefs.cli_words import error_line
    from briefs.errors import ConfigError

    serve_reference_answers(fake_openai, *LABELS)
    blocked = tmp_path / "a-file"
    blocked.write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^out .*a-file: cannot write the briefing there") as caught:
        generate(live(tmp_path, fake_openai, out=blocked), GenerateRequest(period=W06))
    assert fake_openai.count() == 0
    assert error_line(caught.value).startswith("--out ")  # the command line names its flag


# --- the command line: one line per mistake, a prompt stop ---------------------------------------------


def default_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def briefs_cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None, **popen: object):
    import subprocess
    import sys

    from generate_support import REPO

    environment = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    environment.update(BRIEFS_HOME=str(tmp_path / "home"), PYTHONPATH=str(REPO), **(env or {}))
    command = [sys.executable, "-m", "briefs", *args]
    if popen:
        # a suite started in the background inherits SIGINT ignored, and so would the child: Ctrl-C
        # must reach it as it reaches a command typed at a terminal
        return subprocess.Popen(command, cwd=tmp_path, env=environment, text=True, preexec_fn=default_sigint, **popen)
    return subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)


COMMAND_LINE_MISTAKES = [
    (["send"], "briefs: error: Missing option '--week'", 2),
    (["generate", "--week", "2022-W06", "--format", ","], "briefs: error: --format ',': names no format", 2),
    (["generate", "--concurrency", "many"], "briefs: error: Invalid value for '--concurrency'", 2),
    (["genrate"], "briefs: error: No such command 'genrate'", 2),
]


@pytest.mark.parametrize(
    ("args", "message", "code"),
    COMMAND_LINE_MISTAKES,
    ids=["send without --week", "an empty --format", "a malformed number", "a misspelt command"],
)
def test_command_line_mistakes_are_one_line(briefs_main, args: list[str], message: str, code: int) -> None:
    done = briefs_main(*args)
    assert done.returncode == code
    assert done.stderr.startswith(message) and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_the_installed_command_ends_a_usage_mistake_in_one_line(tmp_path: Path) -> None:
    """The rows above through a real process once: click's own usage errors pass main()'s boundary."""
    args, message, code = COMMAND_LINE_MISTAKES[-1]
    done = briefs_cli(tmp_path, *args)
    assert done.returncode == code and done.stdout == ""
    assert done.stderr.startswith(message) and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_an_unreachable_base_url_is_one_line_on_stderr(tmp_path: Path, unused_port: int) -> None:
    done = briefs_cli(
        tmp_path, "generate", "--week", "2021-W31", env={"OPENAI_BASE_URL": f"http://127.0.0.1:{unused_port}/v1"}
    )
    assert done.returncode == 3
    assert done.stderr.startswith("briefs: error: cannot connect to the model endpoint")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize(
    ("signum", "said", "code"),
    [(2, "briefs: interrupted", 130), (15, "briefs: terminated (SIGTERM)", 143)],
    ids=["Ctrl-C", "SIGTERM"],
)
def test_a_stop_against_a_hanging_endpoint_is_prompt_said_and_sends_nothing_more(
    tmp_path: Path, signum: int, said: str, code: int
) -> None:
    import signal
    import subprocess
    import time

    with fake_server.FakeServer(fault_rate=1.0, random_fault=fake_server.slow(60)) as server:
        child = briefs_cli(
            tmp_path,
            "generate",
            "--week",
            "2021-W31",
            "--concurrency",
            "2",
            env={"OPENAI_BASE_URL": server.base_url, "BRIEFS_TIMEOUT": "30"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while server.count() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.count() == 2, "two calls hang at the endpoint"
        child.send_signal(signal.Signals(signum))
        stopped = time.monotonic()
        _, stderr = child.communicate(timeout=30)
        took = time.monotonic() - stopped
        time.sleep(0.3)
        assert server.count() == 2, "nothing was sent after the stop"
    assert took < 5, f"the stop took {took:.1f}s"
    assert child.returncode == code and said in stderr, stderr
