"""The pipeline's errors name what to change in the library's words (its settings and arguments);
the command line puts its own flags and commands in their place (briefs.errors.Hint), so a library
caller never reads a flag it cannot type and a CLI user reads the same one line as always."""

from __future__ import annotations

import ast
from dataclasses import astuple, fields
from pathlib import Path

import pytest
from generate_support import SEED_000, SEED_001, answer, corpus_of, live_settings, serve_reference_answers
from typer.testing import CliRunner

import briefs.pipeline
from briefs.cli import app
from briefs.cli_words import ERROR_HINTS, MODEL_HINTS, error_line
from briefs.errors import ConfigError, DeliveryError, Hint
from briefs.llm import ModelUnavailable
from briefs.llm.testing.fake_server import server_error
from briefs.llm_setup import BRIEFS_HINTS
from briefs.pipeline import GenerateRequest, corpus_dir, generate, reviewed_week
from briefs.settings import load_settings
from briefs.weeks import parse_range, parse_week
from tests.cli_support import command_line_options, options_named_in

PIPELINE = Path(briefs.pipeline.__file__)


# The pipeline, and the hints it hands the model layer (their words reach a library caller in the
# text of the model layer's errors and the briefing's warnings).
LIBRARY_SOURCES = (PIPELINE, PIPELINE.parent / "llm_setup.py")


@pytest.mark.parametrize("path", LIBRARY_SOURCES, ids=lambda path: path.name)
def test_the_library_names_no_option_of_the_command_line(path: Path) -> None:
    options = command_line_options()
    assert {"--out", "--corpus", "--allow-incomplete", "--from-file"} <= options  # the walk sees the subcommands
    assert options_named_in(path.read_text(encoding="utf-8"), options) == set()


def test_the_hints_handed_to_the_model_layer_name_no_command() -> None:
    """`briefs generate ...` is the CLI's to say: no hint names a command of it."""
    assert [hint for hint in astuple(BRIEFS_HINTS) if "`briefs" in hint] == []


def test_the_pipeline_raises_no_error_that_names_a_command() -> None:
    """`briefs generate ...` is the CLI's to say: an error's text names no command of it."""
    tree = ast.parse(PIPELINE.read_text(encoding="utf-8"))
    found = [
        f"line {node.lineno}: {node.value!r}"
        for raised in ast.walk(tree)
        if isinstance(raised, ast.Raise)
        for node in ast.walk(raised)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "`briefs" in node.value
    ]
    assert found == []


def test_every_hint_the_pipeline_gives_has_the_command_lines_words() -> None:
    keys = {
        node.args[0].value
        for path in (PIPELINE, PIPELINE.parent / "deliver.py", PIPELINE.parent / "weeks.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Hint"
        and isinstance(node.args[0], ast.Constant)
    }
    assert {"out", "generate_week", "all", "week"} <= keys
    assert keys - ERROR_HINTS.keys() == set()


def test_a_library_caller_reads_settings_where_the_command_line_reads_flags(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    try:
        corpus_dir(load_settings(None, corpus=missing, home=tmp_path / "home"))
    except ConfigError as error:
        assert str(error) == f"corpus {missing}: no such file or folder"
        assert error_line(error) == f"--corpus {missing}: no such file or folder"
    else:
        raise AssertionError("a missing corpus must be refused")


def test_a_hint_with_data_is_filled_by_the_command_line_and_the_path_is_left_as_it_is(tmp_path: Path) -> None:
    week = parse_week("2022-W06")
    out = tmp_path / "odd {week} folder"  # braces in data are never taken for a template's fields
    try:
        reviewed_week(out, week)
    except DeliveryError as error:
        assert str(error) == (
            f"{out}/run.json: not found; generate the 2022-W06 briefing first, review what it wrote, then send"
        )
        assert error_line(error) == (
            f"{out}/run.json: not found; run `briefs generate --week 2022-W06` first, review what it wrote, then send"
        )
    else:
        raise AssertionError("a week never generated cannot be sent")


def test_errors_built_from_one_string_read_as_before() -> None:
    error = ConfigError("mode: a   batch\n is sent to a live endpoint")
    assert str(error) == error_line(error) == "mode: a batch is sent to a live endpoint"
    assert ConfigError("x", Hint("unknown-key", "its own words"), "!").worded({}) == "xits own words!"


def test_every_hint_of_the_model_layer_that_names_a_setting_has_the_command_lines_words() -> None:
    """The command line says its flags where the library names a setting: --concurrency, not concurrency."""
    assert set(MODEL_HINTS) <= {field.name for field in fields(BRIEFS_HINTS)}
    assert {"concurrency", "collect_offline", "refresh_recordings"} <= set(MODEL_HINTS)
    for name, words in MODEL_HINTS.items():
        library = getattr(BRIEFS_HINTS, name)
        error = ModelUnavailable(f"extract/a/chunk-0: the model endpoint kept failing; {library}, then try again")
        assert str(error) == f"extract/a/chunk-0: the model endpoint kept failing; {library}, then try again"
        assert error_line(error) == f"extract/a/chunk-0: the model endpoint kept failing; {words}, then try again"
        assert options_named_in(words, command_line_options()), f"{name}: the command line's words name its flag"


def test_a_failing_endpoint_is_told_to_go_slower_by_setting_in_python_and_by_flag_on_the_command_line(
    tmp_path: Path, fake_openai, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two weeks, one document each: the second document's call fails."""
    period = parse_range("2022-02-07", "2022-02-20")
    serve_reference_answers(fake_openai, f"extract/{SEED_000}/chunk-0")
    fake_openai.set_answer(f"synthesize/{period.label}", answer("synthesize/2022-W06"))
    fake_openai.script(f"extract/{SEED_001}/chunk-0", server_error(503), server_error(503))
    corpus = corpus_of(tmp_path, SEED_000, SEED_001)

    settings = live_settings(tmp_path, fake_openai, corpus, home=tmp_path / "python", max_attempts=1)
    briefing = generate(settings, GenerateRequest(period=period)).briefing
    assert briefing is not None
    [failed] = [warning.message for warning in briefing.warnings if warning.kind == "failed"]
    assert "or lower concurrency (BRIEFS_CONCURRENCY) if it is rate limiting" in failed and "--" not in failed

    for name, value in {
        "BRIEFS_HOME": str(tmp_path / "cli"),
        "BRIEFS_MAX_ATTEMPTS": "1",
        "BRIEFS_OUT": str(tmp_path / "o"),
    }.items():
        monkeypatch.setenv(name, value)
    run = CliRunner().invoke(
        app,
        ["generate", "--from", "2022-02-07", "--to", "2022-02-20", "--mode", "live", "--corpus", str(corpus)],
        env={"OPENAI_BASE_URL": fake_openai.base_url},
    )
    [line] = [line for line in run.stderr.splitlines() if line.startswith("briefs: failed:")]
    assert "or lower --concurrency (BRIEFS_CONCURRENCY) if it is rate limiting" in line, run.stderr
