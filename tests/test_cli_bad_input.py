"""Bad input at the command line, as a user meets it: every row is one command that must end in ONE
line on stderr naming the flag, setting, file or value at fault, with the documented exit code
(briefs/errors.py), and never a traceback. Rows run the real CLI in-process (typer's CliRunner)."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefs import resources
from briefs.cli import app
from briefs.errors import EXIT_INCOMPLETE, EXIT_NOTHING, EXIT_OK, EXIT_USAGE

WEEK = ["generate", "--week", "2022-W06"]
SEED_000 = "000_b91c7a1454b64df1.txt"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _setup(tmp_path: Path, name: str) -> Path:
    """Files a row needs, made in tmp_path; returns the path the row's {path} stands for."""
    target = tmp_path / "input"
    if name == "file":
        target.write_text("没有日期的一行字。\n", encoding="utf-8")
    elif name == "empty folder":
        target.mkdir()
    elif name == "junk folder":
        target.mkdir()
        (target / "a.txt").write_bytes(b"\x00\x01\xff" * 500)
        (target / "b.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    elif name.startswith("toml:"):
        target = tmp_path / "briefs.toml"
        target.write_text(name.removeprefix("toml:"), encoding="utf-8")
    elif name == "a file where the out folder should be":
        target.write_text("not a folder", encoding="utf-8")
        target = target / "briefings"
    return target


# (id, args with {path}, setup, env, exit code, what the line must contain)
ROWS = [
    ("a week 00 is refused", [*WEEK[:2], "2022-W00"], None, {}, EXIT_USAGE, "--week 2022-W00: 2022 has ISO weeks"),
    ("week 54 never exists", [*WEEK[:2], "2022-W54"], None, {}, EXIT_USAGE, "there is no week 54"),
    ("week 53 exists only in long years", [*WEEK[:2], "2021-W53"], None, {}, EXIT_USAGE, "W01 to W52"),
    ("a week without its year is refused", [*WEEK[:2], "W00"], None, {}, EXIT_USAGE, "--week W00: not understood"),
    ("a word for a week is refused", [*WEEK[:2], "garbage"], None, {}, EXIT_USAGE, "--week garbage: not understood"),
    ("year 0 is refused, not a crash", [*WEEK[:2], "0000-W01"], None, {}, EXIT_USAGE, "--week 0000-W01: year 0"),
    (
        "the last week of year 9999 is refused, not an overflow",
        [*WEEK[:2], "9999-W52"],
        None,
        {},
        EXIT_USAGE,
        "--week 9999-W52: year 9999 is outside",
    ),
    (
        "an impossible date says why",
        [*WEEK[:2], "2022-02-30"],
        None,
        {},
        EXIT_USAGE,
        "--week 2022-02-30: not a date (day is out of range for month)",
    ),
    (
        "--from after --to is refused",
        ["generate", "--from", "2022-02-10", "--to", "2022-02-01"],
        None,
        {},
        EXIT_USAGE,
        "--to 2022-02-01 is before --from 2022-02-10",
    ),
    ("--from alone is refused", ["generate", "--from", "2022-02-10"], None, {}, EXIT_USAGE, "--from and --to go"),
    (
        "--week with --from is refused",
        [*WEEK, "--from", "2022-02-01", "--to", "2022-02-03"],
        None,
        {},
        EXIT_USAGE,
        "either --week or --from/--to",
    ),
    (
        "a date in another format is refused",
        ["generate", "--from", "2022/02/01", "--to", "2022-02-03"],
        None,
        {},
        EXIT_USAGE,
        "--from 2022/02/01: not a date (write it YYYY-MM-DD)",
    ),
    ("format pdf is refused", [*WEEK, "--format", "pdf"], None, {}, EXIT_USAGE, "--format pdf: choose from md"),
    (
        "a bad --extract-model is named",
        [*WEEK, "--extract-model", "gpt 4.1 nano"],
        None,
        {},
        EXIT_USAGE,
        "--extract-model: extract_model: not a model name: 'gpt 4.1 nano'",
    ),
    (
        "a bad BRIEFS_EXTRACT_MODEL is named",
        ["extract", "{path}"],
        "file",
        {"BRIEFS_EXTRACT_MODEL": "two words"},
        EXIT_USAGE,
        "environment variable BRIEFS_EXTRACT_MODEL: extract_model: not a model name",
    ),
    (
        "a bad extract_model in the config file is named",
        [*WEEK, "--config", "{path}"],
        'toml:extract_model = "  "\n',
        {},
        EXIT_USAGE,
        "{path}: extract_model: not a model name",
    ),
    ("language fr is refused", [*WEEK, "--language", "fr"], None, {}, EXIT_USAGE, "--language fr: choose both"),
    (
        "a missing corpus is named",
        [*WEEK, "--corpus", "{path}"],
        None,
        {},
        EXIT_USAGE,
        "--corpus {path}: no such file or folder",
    ),
    (
        "an empty corpus folder reads nothing",
        [*WEEK, "--corpus", "{path}"],
        "empty folder",
        {},
        EXIT_NOTHING,
        "no document in {path} could be read",
    ),
    (
        "a folder of binary junk reads nothing",
        [*WEEK, "--corpus", "{path}"],
        "junk folder",
        {},
        EXIT_NOTHING,
        "no document in {path} could be read",
    ),
    (
        "a config value of the wrong type is named with its value",
        [*WEEK, "--config", "{path}"],
        'toml:concurrency = "lots"\n',
        {},
        EXIT_USAGE,
        "briefs.toml: concurrency: Input should be a valid integer",
    ),
    (
        "an unknown config key is named",
        [*WEEK, "--config", "{path}"],
        "toml:concurency = 3\n",
        {},
        EXIT_USAGE,
        "concurency: Extra inputs are not permitted",
    ),
    (
        "bad TOML is named",
        [*WEEK, "--config", "{path}"],
        "toml:concurrency = \n",
        {},
        EXIT_USAGE,
        "briefs.toml: not valid TOML",
    ),
    (
        "a missing config file is named",
        [*WEEK, "--config", "{path}"],
        None,
        {},
        EXIT_USAGE,
        "{path}: config file not found",
    ),
    (
        "a team the config lacks is refused before any work",
        [*WEEK, "--dry-run", "--team", "legal", "--config", "{path}"],
        'toml:[[teams]]\nname = "ra"\nrecipients = ["ra@example.com"]\n',
        {},
        EXIT_USAGE,
        "team 'legal' is not in the config file (teams: ra)",
    ),
    (
        "a bad number in the environment is named with its value",
        WEEK,
        None,
        {"BRIEFS_CONCURRENCY": "abc"},
        EXIT_USAGE,
        "environment variable BRIEFS_CONCURRENCY: concurrency: Input should be a valid integer",
    ),
    (
        "a list setting in the environment that is not JSON is named",
        WEEK,
        None,
        {"BRIEFS_FORMATS": "pdf"},
        EXIT_USAGE,
        "environment variable BRIEFS_FORMATS: not valid JSON",
    ),
    (
        "a table setting in the environment that is not JSON is named",
        WEEK,
        None,
        {"BRIEFS_TEAMS": "x"},
        EXIT_USAGE,
        "environment variable BRIEFS_TEAMS: not valid JSON",
    ),
    (
        "an unknown mode in the environment is named",
        WEEK,
        None,
        {"BRIEFS_MODE": "fast"},
        EXIT_USAGE,
        "environment variable BRIEFS_MODE: mode:",
    ),
    (
        "a blank model name is refused",
        WEEK,
        None,
        {"BRIEFS_MODEL": " "},
        EXIT_USAGE,
        "environment variable BRIEFS_MODEL: model: not a model name",
    ),
    (
        "a missing recordings folder is named once, up front",
        WEEK,
        None,
        {"BRIEFS_RECORDINGS": "{path}"},
        EXIT_USAGE,
        "recordings {path}: no such folder to replay from",
    ),
    (
        "record mode without a key or server says what to set",
        [*WEEK, "--mode", "record"],
        None,
        {},
        EXIT_USAGE,
        "model mode record: set OPENAI_API_KEY, or OPENAI_BASE_URL",
    ),
    (
        "an out folder that cannot be made is named",
        [*WEEK, "--out", "{path}"],
        "a file where the out folder should be",
        {},
        EXIT_USAGE,
        "--out {path}: cannot write the briefing there (Not a directory)",
    ),
]


@pytest.mark.parametrize(("args", "setup", "env", "code", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_bad_input_is_one_line_naming_what_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args, setup, env, code, expected
) -> None:
    monkeypatch.chdir(tmp_path)
    path = _setup(tmp_path, setup) if setup else tmp_path / "input"
    for name, value in env.items():
        monkeypatch.setenv(name, value.replace("{path}", str(path)))
    run = CliRunner().invoke(app, [a.replace("{path}", str(path)) for a in args])
    lines = run.stderr.strip().splitlines()
    assert run.exit_code == code, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert lines[-1].startswith("briefs: error: ") and expected.replace("{path}", str(path)) in lines[-1]
    assert not [line for line in lines if line.startswith("briefs: internal error")]


def test_an_endpoint_that_refuses_connections_fails_with_one_line_before_any_call_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    for name, value in {"BRIEFS_TIMEOUT": "2", "BRIEFS_MAX_ATTEMPTS": "2", "BRIEFS_MAX_RETRY_SECONDS": "3"}.items():
        monkeypatch.setenv(name, value)
    run = CliRunner().invoke(app, [*WEEK, "--concurrency", "1", "--out", str(tmp_path / "out")])
    assert run.exit_code == EXIT_NOTHING
    assert not any((tmp_path / "out").rglob("briefing.*")), "a briefing of nothing but failures replaces nothing"
    [line] = run.stderr.splitlines()  # the preflight's one request found it: no document was tried
    assert line.startswith(f"briefs: error: cannot connect to the model endpoint {url}")
    assert "OPENAI_BASE_URL" in line and "Traceback" not in run.stderr


def test_a_replay_miss_names_the_call_and_the_refresh_and_the_briefing_keeps_the_other_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A corpus with one new document beside a sample one, replayed from the bundled recordings."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / SEED_000).write_bytes((resources.sample_corpus_dir() / SEED_000).read_bytes())
    (corpus / "new.md").write_text(
        "---\ntitle: 国家药监局发布新通告\ndate: 2022-02-10\n---\n\n药品上市许可持有人应当于2022年3月1日前完成自查。\n",
        encoding="utf-8",
    )
    run = CliRunner().invoke(app, [*WEEK, "--mode", "replay", "--corpus", str(corpus), "--out", str(tmp_path / "o")])
    assert run.exit_code == EXIT_INCOMPLETE and "Traceback" not in run.stderr
    failed = [line for line in run.stderr.splitlines() if line.startswith("briefs: failed:")]
    assert len(failed) == 1 and failed[0].startswith("briefs: failed: new.md: ")
    assert "extract/new/chunk-0: no recording matches this request" in failed[0] and "--mode record" in failed[0]
    record = json.loads((tmp_path / "o" / "2022-W06" / "run.json").read_text(encoding="utf-8"))
    warnings = [w for w in record["warnings"] if w["kind"] == "failed"]
    assert [w["document"] for w in warnings] == ["new.md"]
    assert "in the bundled sample recordings;" in warnings[0]["message"]
    package = str(resources.sample_recordings_dir().parent.parent)
    briefing = (tmp_path / "o" / "2022-W06" / "briefing.md").read_text(encoding="utf-8")
    assert package not in json.dumps(record, ensure_ascii=False) and package not in briefing
    assert "国家药监局召开深入开展全国药品安全专项整治行动工作会议" in briefing  # the sample document is still there


def test_a_one_file_corpus_names_its_file_in_the_briefing_not_a_dot(tmp_path: Path, fake_openai) -> None:
    corpus = resources.sample_corpus_dir() / SEED_000
    run = CliRunner().invoke(app, [*WEEK, "--corpus", str(corpus), "--out", str(tmp_path / "o"), "--mode", "replay"])
    assert run.exit_code == EXIT_OK
    record = json.loads((tmp_path / "o" / "2022-W06" / "run.json").read_text(encoding="utf-8"))
    assert [i["path"] for i in record["inputs"]] == [SEED_000]

    from briefs.llm.testing.fake_server import client_error

    fake_openai.script("*", client_error(400, text="context too long"))
    run = CliRunner().invoke(
        app,
        [*WEEK, "--corpus", str(corpus), "--out", str(tmp_path / "o2"), "--concurrency", "1"],
        env={"OPENAI_BASE_URL": fake_openai.base_url, "BRIEFS_MAX_ATTEMPTS": "1"},
    )
    assert run.exit_code == EXIT_NOTHING
    assert f"briefs: failed: {SEED_000}: " in run.stderr


@pytest.mark.parametrize(
    ("flag", "value", "files"),
    [
        ("--format", "md,HTML", ["briefing.md", "briefing.html", "run.json"]),
        ("--language", "ZH", ["briefing.md", "briefing.html", "briefing.txt", "briefing.json", "run.json"]),
    ],
    ids=["comma-separated formats in any case are understood", "a language in capitals is understood"],
)
def test_forgiving_spellings_of_choices(tmp_path: Path, flag: str, value: str, files: list[str]) -> None:
    run = CliRunner().invoke(app, [*WEEK, flag, value, "--out", str(tmp_path / "o")])
    assert run.exit_code == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "o" / "2022-W06").iterdir()) == sorted(files)


def test_an_empty_environment_variable_means_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFS_OUT", "")
    run = CliRunner().invoke(app, [*WEEK, "--format", "md"])
    assert run.exit_code == 0, run.stderr
    assert (tmp_path / "briefings" / "2022-W06" / "briefing.md").is_file()


def test_an_unreadable_input_beside_good_ones_makes_the_briefing_incomplete(tmp_path: Path) -> None:
    """It may have been this week's: the briefing is written, lists it, and the exit code says incomplete."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / SEED_000).write_bytes((resources.sample_corpus_dir() / SEED_000).read_bytes())
    (corpus / "scan.txt").write_bytes(b"%PDF-1.7\n\x00\x01\x02" * 50)
    run = CliRunner().invoke(app, [*WEEK, "--mode", "replay", "--corpus", str(corpus), "--out", str(tmp_path / "o")])
    assert run.exit_code == EXIT_INCOMPLETE
    assert "1 input could not be read" in run.stderr
    briefing = (tmp_path / "o" / "2022-W06" / "briefing.md").read_text(encoding="utf-8")
    assert "scan.txt" in briefing


def test_the_formats_of_the_config_file_are_the_ones_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "briefs.toml").write_text('formats = ["md"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(app, [*WEEK, "--mode", "replay", "--out", str(tmp_path / "o")])
    assert run.exit_code == EXIT_OK
    assert sorted(p.name for p in (tmp_path / "o" / "2022-W06").iterdir()) == ["briefing.md", "run.json"]
    run = CliRunner().invoke(app, [*WEEK, "--mode", "replay", "--out", str(tmp_path / "p"), "--format", "txt"])
    assert sorted(p.name for p in (tmp_path / "p" / "2022-W06").iterdir()) == ["briefing.txt", "run.json"]


# --- a reader that goes away: `briefs ... | head` -------------------------------------------------------


def _with_closed_stdout(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess whose stdout is a pipe nobody reads any more (head has exited)."""
    import os
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line: every write meets a broken pipe
    try:
        env = {**os.environ, "BRIEFS_HOME": str(home)}
        env.pop("BRIEFS_DEBUG", None)
        return subprocess.run(
            [sys.executable, "-m", "briefs", *args], stdout=write_end, stderr=subprocess.PIPE, text=True, env=env
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize(
    "args",
    [
        ["inspect", str(resources.sample_corpus_dir())],
        ["inspect", "--json", str(resources.sample_corpus_dir())],
        ["cache", "info"],
        ["--help"],
        ["--version"],
    ],
    ids=lambda args: " ".join(args[:2]).replace(str(resources.sample_corpus_dir()), "SAMPLE"),
)
def test_a_reader_that_stops_reading_ends_the_command_quietly(tmp_path: Path, args: list[str]) -> None:
    done = _with_closed_stdout(*args, home=tmp_path)
    assert done.stderr == "" and done.returncode == 141  # 128 + SIGPIPE, what `set -o pipefail` expects


def test_a_broken_pipe_that_is_not_stdout_is_still_a_bug_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from briefs import cli

    monkeypatch.delenv("BRIEFS_DEBUG", raising=False)
    with pytest.raises(typer.Exit) as stopped, cli.user_errors():
        raise BrokenPipeError(32, "Broken pipe")  # e.g. a socket: stdout is fine
    assert stopped.value.exit_code == 70
