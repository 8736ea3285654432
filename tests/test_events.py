"""The pipeline returns data and tells typed events through one callback; the command line owns the
words. A library caller collects the same events without the CLI, and the CLI's words for them are
the ones users have always seen."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from events_support import Told
from generate_support import SEED_000, W06, corpus_of, live_settings

from briefs import events as events_module
from briefs import resources
from briefs.cli_words import event_lines
from briefs.errors import EXIT_NOTHING
from briefs.events import (
    BatchDone,
    BatchPolled,
    BriefingWarning,
    CallsProgress,
    DocumentFailure,
    DuplicateSkipped,
    Event,
    HistoryUnavailable,
    InputSkipped,
    MailingIncomplete,
    ModelWarning,
    NothingExtracted,
    NothingReadable,
    ReaderNote,
    ReplayChosen,
    TeamMailed,
    UnusedRecording,
    WeekNotRebuilt,
    WeekRebuilt,
)
from briefs.llm.testing.fake_server import FakeServer
from briefs.pipeline import GenerateRequest, generate
from briefs.settings import load_settings

LIBRARY_CALLER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import briefs

    corpus, out = Path(sys.argv[1]), Path(sys.argv[2])
    settings = briefs.load_settings(None, corpus=corpus, out=out)
    events = []
    result = briefs.generate(
        settings, briefs.GenerateRequest(period=briefs.parse_week("2022-W06")), on_event=events.append
    )
    print(json.dumps({
        "exit_code": result.exit_code,
        "written": sorted(path.name for path in result.written),
        "events": [[type(event).__name__, vars(event)] for event in events],
        "loaded": sorted(name for name in sys.modules if name in ("briefs.cli", "briefs.cli_words", "typer", "rich")),
    }, default=str, ensure_ascii=False))
    """
)


def test_a_library_caller_collects_the_events_without_the_cli(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(resources.sample_corpus_dir(), corpus)
    (corpus / "sub").mkdir()
    (corpus / "sub" / "broken.html").write_bytes(b"\x00\x01\x02" * 100)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BRIEFS_"))}
    env["BRIEFS_HOME"] = str(tmp_path / "home")
    done = subprocess.run(
        [sys.executable, "-c", LIBRARY_CALLER, str(corpus), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", "a library run prints nothing: everything it tells goes to on_event"
    told = json.loads(done.stdout)
    assert told["loaded"] == [], "collecting events needs neither the CLI nor its libraries"
    assert told["exit_code"] == 1 and "briefing.md" in told["written"]
    kinds = [kind for kind, _ in told["events"]]
    assert kinds[0] == "ReplayChosen" and told["events"][0][1] == {"recordings": None}
    assert "CallsProgress" in kinds
    progress = [fields for kind, fields in told["events"] if kind == "CallsProgress"]
    assert progress[-1]["finished"] and progress[-1]["done"] == progress[-1]["total"] > 0
    warnings = [fields for kind, fields in told["events"] if kind == "BriefingWarning"]
    assert [w for w in warnings if w["kind"] == "unreadable"] == [
        {
            "kind": "unreadable",
            "document": None,
            "message": "sub/broken.html: binary file (contains NUL bytes), not a text document",
        }
    ]
    assert kinds.index("CallsProgress") < kinds.index("BriefingWarning"), "told as it happens, in order"


def test_nothing_readable_is_an_event_with_each_problem_and_the_cli_words_them(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "broken.html").write_bytes(b"\x00\x01\x02" * 100)
    told = Told()
    result = generate(load_settings(None, corpus=corpus, out=tmp_path / "out"), GenerateRequest(W06), on_event=told)
    assert result.exit_code == EXIT_NOTHING and result.briefing is None
    [nothing] = told.of(NothingReadable)
    assert nothing.corpus == corpus and [p.split(":")[0] for p in nothing.problems] == ["broken.html"]
    lines = event_lines(nothing)
    assert lines[0].startswith("briefs: unreadable: broken.html: ")
    assert lines[-1] == f"briefs: error: no document in {corpus} could be read"


def test_a_small_context_is_warned_of_before_the_calls_and_every_failure_is_told(tmp_path: Path) -> None:
    """A llama-server whose context cannot hold the chunk requests: the warning comes first (before
    any call), then one event naming every document that failed, and nothing is written."""
    told = Told()
    with FakeServer(kind="llama-server", context_tokens=1024) as server:
        settings = live_settings(tmp_path, server, corpus=corpus_of(tmp_path, SEED_000), max_attempts=1)
        result = generate(settings, GenerateRequest(W06), on_event=told)
    assert result.exit_code == EXIT_NOTHING and result.briefing is None and not result.out_dir.exists()
    kinds = [type(event) for event in told]
    assert ModelWarning in kinds and kinds.index(ModelWarning) < kinds.index(NothingExtracted)
    [warning] = told.of(ModelWarning)
    assert "context of 1,024 tokens" in warning.message
    [nothing] = told.of(NothingExtracted)
    assert nothing.period_label == "2022-W06" and not nothing.answered
    assert [failure.path for failure in nothing.failures] == [f"{SEED_000}.txt"]
    assert event_lines(warning) == [f"briefs: warning: {warning.message}"]
    assert told.lines()[-1].startswith("briefs: error: no document of 2022-W06 could be extracted")


def test_the_cli_words_each_event_as_users_have_always_read_it(tmp_path: Path) -> None:
    assert event_lines(ReplayChosen(recordings=None)) == [
        "briefs: no OPENAI_API_KEY or OPENAI_BASE_URL set, so model answers are replayed from the bundled "
        "sample recordings (offline; set either variable to call a model)"
    ]
    assert event_lines(ReplayChosen(recordings=tmp_path))[0].startswith(
        f"briefs: no OPENAI_API_KEY or OPENAI_BASE_URL set, so model answers are replayed from {tmp_path} "
    )
    assert event_lines(ReaderNote("the reading cache is off")) == ["briefs: warning: the reading cache is off"]
    assert event_lines(BriefingWarning("failed", "a.txt", "no answer")) == ["briefs: failed: a.txt: no answer"]
    assert event_lines(BriefingWarning("quiet", None, "no document")) == ["briefs: quiet: no document"]
    assert event_lines(BriefingWarning("unverified", "a.txt", "a figure")) == [], "the briefing's reader's business"
    answered = NothingExtracted("2022-W06", (DocumentFailure("a.txt", "empty answer"),), answered=True)
    assert event_lines(answered) == [
        "briefs: failed: a.txt: empty answer",
        "briefs: the briefing of 2022-W06 is incomplete: no document yielded usable content (the model's answers "
        "were empty or invalid), so nothing was written (an earlier briefing of this period is left as it was)",
    ]


def _sentences_for_the_terminal(source: str) -> list[str]:
    """String literals (f-strings included) of ``source`` that are a line for the user: they start
    with the command's name, as every line the CLI prints does."""
    return [
        f"line {node.lineno}: {node.value[:60]!r}"
        for node in ast.walk(ast.parse(source))  # an f-string's literal parts are constants too
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lstrip().startswith("briefs:")
    ]


def test_the_pipeline_holds_no_sentence_for_the_terminal() -> None:
    import briefs.pipeline

    source = Path(briefs.pipeline.__file__).read_text(encoding="utf-8")
    assert _sentences_for_the_terminal(source) == []
    assert "typer" not in source and "print(" not in source, "the pipeline tells events, it never prints"


def test_the_check_finds_a_sentence_where_there_is_one() -> None:
    planted = 'def f(x):\n    return [f"briefs: warning: {x}", "briefs: error"]\n'
    assert len(_sentences_for_the_terminal(planted)) == 2


def test_the_readmes_python_example_runs_as_shown(tmp_path: Path, monkeypatch, capsys) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("## From Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    for name in [name for name in os.environ if name.startswith(("OPENAI_", "BRIEFS_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BRIEFS_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md", "exec"), {})
    out, err = capsys.readouterr()
    assert err == "" and out.splitlines()[0].startswith("0 ['briefing.html', 'briefing.json', 'briefing.md'")


def _one_of_each(tmp_path: Path) -> dict[type[Event], Event]:
    from briefs.deliver import TeamResult
    from briefs.llm import BatchRun

    return {
        ReplayChosen: ReplayChosen(recordings=None),
        ReaderNote: ReaderNote("the reading cache is off"),
        InputSkipped: InputSkipped("a.txt: no such file or folder"),
        DuplicateSkipped: DuplicateSkipped("b.txt", "a.txt"),
        NothingReadable: NothingReadable(tmp_path, ("a.txt: binary file",)),
        CallsProgress: CallsProgress("extracting", 1, 2),
        ModelWarning: ModelWarning("the largest request does not fit"),
        BatchPolled: BatchPolled("batch_1", "in_progress", 1, 0, 2),
        BatchDone: BatchDone("2022-W06", BatchRun(state=None, already=2)),
        NothingExtracted: NothingExtracted("2022-W06", (DocumentFailure("a.txt", "refused"),), answered=False),
        HistoryUnavailable: HistoryUnavailable("history store: locked"),
        BriefingWarning: BriefingWarning("failed", "a.txt", "no answer"),
        UnusedRecording: UnusedRecording(tmp_path / "extract" / "x.json"),
        WeekRebuilt: WeekRebuilt("2022-W06", 3),
        WeekNotRebuilt: WeekNotRebuilt("2022-W06"),
        MailingIncomplete: MailingIncomplete("2022-W06"),
        TeamMailed: TeamMailed("2022-W06", TeamResult("drugs", "sent", accepted=["rx@example.com"])),
    }


def test_the_cli_has_words_for_every_event_a_job_can_tell(tmp_path: Path, capsys) -> None:
    """A new kind of event without words in the CLI would be silently dropped on the terminal."""
    from briefs.cli import Teller

    examples = _one_of_each(tmp_path)
    every_kind = {kind for kind in vars(events_module).values() if isinstance(kind, type) and issubclass(kind, Event)}
    assert set(examples) == every_kind - {Event}
    teller = Teller()
    for kind, event in examples.items():
        teller(event)
        said = capsys.readouterr().err.splitlines()
        if kind is CallsProgress:
            assert said == [], "progress is drawn as a bar on a terminal, and is silent in a pipe"
        else:
            assert said and all(line.startswith("briefs: ") for line in said), (kind, said)


def test_every_line_the_commands_print_on_stderr_starts_with_briefs(tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from briefs.cli import app

    for name in [name for name in os.environ if name.startswith(("OPENAI_", "BRIEFS_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BRIEFS_HOME", str(tmp_path / "home"))
    out = ["--out", str(tmp_path / "out")]
    document = str(resources.sample_corpus_dir() / f"{SEED_000}.txt")
    for command in (
        ["generate", "--week", "2022-W06", *out],
        ["generate", "--week", "2022-W06", "--dry-run", *out],
        ["extract", document, str(tmp_path / "missing.txt")],
        ["history", "rebuild"],
    ):
        result = CliRunner().invoke(app, command)
        lines = result.stderr.splitlines()
        assert lines and all(line.startswith("briefs: ") for line in lines), (command, lines)


def test_the_written_line_names_each_teams_files_inside_the_week_folder(tmp_path: Path) -> None:
    """Each team's mail has a briefing.html and .txt of its own: by name alone the line listed two
    briefing.html and two briefing.txt."""
    from briefs.cli_words import written_lines
    from briefs.settings import Team

    settings = load_settings(None, out=tmp_path / "out", teams=[Team(name="drugs", recipients=["rx@example.com"])])
    result = generate(settings, GenerateRequest(W06, formats=("md", "html")))
    assert result.briefing is not None
    [wrote, *_] = written_lines(result.briefing, result.out_dir, result.written, result.seconds)
    assert wrote == (
        f"briefs: wrote {result.out_dir}/ (briefing.md, briefing.html, teams/drugs/briefing.html, "
        "teams/drugs/briefing.txt, teams/drugs/briefing-full.md, teams/drugs/mail.json, run.json)"
    )


def test_counts_in_the_closing_lines_agree_with_their_number() -> None:
    from briefs.cli_words import counted

    assert [counted(n, "warning") for n in (0, 1, 2)] == ["0 warnings", "1 warning", "2 warnings"]
    assert event_lines(WeekRebuilt("2022-W06", 1)) == ["briefs: rebuilt 2022-W06 (1 document)"]


def test_the_commands_leave_their_sentences_to_the_cli_words() -> None:
    """cli.py holds the commands, cli_words.py the words: the batch, cache, history and deadlines
    commands and the batch watcher say only what cli_words gives them."""
    import inspect

    from briefs import cli

    commands = (
        cli.batch_submit_command,
        cli.batch_status_command,
        cli.batch_collect_command,
        cli.BatchWatch,
        cli.cache_clear_command,
        cli.history_search_command,
        cli.history_rebuild_command,
        cli.deadlines,
    )
    found = {command.__name__: _sentences_for_the_terminal(inspect.getsource(command).strip()) for command in commands}
    assert found == {command.__name__: [] for command in commands}
