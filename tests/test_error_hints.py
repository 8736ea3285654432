"""The pipeline's errors name what to change in the library's words (its settings and arguments);
the command line puts its own flags and commands in their place (briefs.errors.Hint), so a library
caller never reads a flag it cannot type and a CLI user reads the same one line as always."""

from __future__ import annotations

import ast
from pathlib import Path

import briefs.pipeline
from briefs.cli_words import ERROR_HINTS, error_line
from briefs.errors import ConfigError, DeliveryError, Hint
from briefs.pipeline import corpus_dir, reviewed_week
from briefs.settings import load_settings
from briefs.weeks import parse_week
from tests.cli_support import command_line_options, options_named_in

PIPELINE = Path(briefs.pipeline.__file__)


def test_the_pipeline_names_no_option_of_the_command_line() -> None:
    options = command_line_options()
    assert {"--out", "--corpus", "--allow-incomplete", "--from-file"} <= options  # the walk sees the subcommands
    source = PIPELINE.read_text(encoding="utf-8")
    assert options_named_in(source, options) == set()


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
