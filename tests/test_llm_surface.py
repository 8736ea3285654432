"""The model layer's surface: a sorted public ``__all__``, imports in one direction, and the cache
commands of the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from llm_support import client_for, note_request
from typer.testing import CliRunner

import briefs.llm
from briefs.cli import app
from briefs.llm.testing.fake_server import FakeServer
from tests.cli_support import command_line_options, options_named_in

LLM_DIR = Path(briefs.llm.__file__).parent


def test_the_public_names_are_sorted_and_exist() -> None:
    assert briefs.llm.__all__ == sorted(briefs.llm.__all__)
    assert all(hasattr(briefs.llm, name) for name in briefs.llm.__all__)


def test_the_namespace_is_exactly_what_callers_use() -> None:
    """As httpx's tests/test_exported_members.py: every public name of the package is in __all__ and
    every name in __all__ is one; the submodules are the only other attributes."""
    import types

    public = {
        name
        for name in dir(briefs.llm)
        if not name.startswith("_") and not isinstance(getattr(briefs.llm, name), types.ModuleType)
    }
    assert public == set(briefs.llm.__all__)


def test_every_public_name_is_used_outside_the_model_layer() -> None:
    """__all__ is what callers use: a name only the layer itself needs stays in its submodule."""
    import re

    root = LLM_DIR.parent.parent
    outside = [
        path
        for folder in ("briefs", "tests", "bench", "scripts")
        for path in (root / folder).rglob("*.py")
        if LLM_DIR not in path.parents and path.name != Path(__file__).name
    ]
    text = "\n".join(path.read_text(encoding="utf-8") for path in outside)
    unused = [name for name in briefs.llm.__all__ if not re.search(rf"\b{re.escape(name)}\b", text)]
    # named by no caller, but what cache_info() and ModelClient.estimate() hand them
    assert unused == ["CacheInfo", "TokenEstimate"]


def test_the_model_layer_imports_nothing_from_briefs() -> None:
    """It could be published alone: every module of briefs/llm, imports inside functions and under
    TYPE_CHECKING included, names no ``briefs.`` module outside ``briefs.llm``."""
    import ast

    outside: list[str] = []
    for path in sorted(LLM_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:  # ``from ..x import y`` climbs folders
                inside = node.level <= len(path.relative_to(LLM_DIR).parts)
                names = [] if inside else [f"{'.' * node.level}{node.module or ''}"]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            outside += [
                f"{path.relative_to(LLM_DIR)}:{node.lineno}: {name}"
                for name in names
                if name.startswith(".") or name == "briefs" or (name.startswith("briefs.") and not _in_llm(name))
            ]
    assert outside == []


def test_the_testing_helpers_stay_out_of_the_hot_path() -> None:
    """The fake server and the answer book are for tests, benchmarks and ``make reference``: no module
    of the layer outside briefs/llm/testing imports them, nor does any module of briefs."""
    import ast

    reach = [
        f"{path.relative_to(LLM_DIR.parent)}: {name}"
        for path in sorted(LLM_DIR.parent.rglob("*.py"))
        if LLM_DIR / "testing" not in path.parents
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        for name in (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        if name.startswith("briefs.llm.testing")
    ]
    assert reach == []


def test_a_batch_of_calls_tells_its_progress_and_the_layer_never_draws(fake_openai: FakeServer) -> None:
    from briefs.llm import BatchProgress, CallRequest

    told: list[BatchProgress] = []

    def then(index: int, outcome: object) -> list[CallRequest[object]]:
        return [note_request("merge/doc", text="合并")] if index == 0 else []

    with client_for(fake_openai, progress=told.append) as client:
        client.call_many([note_request("a", text="甲"), note_request("b", text="乙")], "extracting", then=then)
    assert told[0] == BatchProgress("extracting", 0, 2)
    assert [(event.done, event.total) for event in told[1:-1]][-1] == (3, 3)  # the follow-up grew the total
    assert told[-1] == BatchProgress("extracting", 3, 3, finished=True)
    assert all(event.total >= event.done for event in told)
    import re

    drawing = [
        path.name
        for path in LLM_DIR.rglob("*.py")
        if re.search(r"^\s*(from|import) rich\b", path.read_text(encoding="utf-8"), re.M)
    ]
    assert drawing == []


def test_the_cli_draws_no_bar_when_stderr_is_not_a_terminal(capsys) -> None:
    from briefs.cli import ProgressBars
    from briefs.llm import BatchProgress

    bars = ProgressBars()
    for event in (BatchProgress("extracting", 0, 1), BatchProgress("extracting", 1, 1, finished=True)):
        bars(event)
    assert capsys.readouterr().err == ""


def _in_llm(module: str) -> bool:
    return module == "briefs.llm" or module.startswith("briefs.llm.")


def test_cache_info_and_clear(fake_openai: FakeServer, tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("BRIEFS_HOME", str(home))
    with client_for(fake_openai, home.parent, cache_dir=home / "cache") as client:
        client.call(note_request("a", text="a"))
        client.call(note_request("b", text="b"))
    runner = CliRunner()
    info = runner.invoke(app, ["cache", "info"])
    assert info.exit_code == 0 and "2 cached answers" in info.output
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed 2 cached answers" in cleared.output
    assert "0 cached answers" in runner.invoke(app, ["cache", "info"]).output


def test_the_model_layer_names_no_setting_or_command_of_briefs() -> None:
    """Hints are passed in (LLMConfig.hints): what to change is said in the caller's words."""
    named = {
        path.name: word
        for path in LLM_DIR.glob("*.py")
        for word in ("BRIEFS_", "make reference", "briefs generate", "config file")
        if word in path.read_text(encoding="utf-8")
    }
    assert named == {}


def test_briefs_passes_its_own_words_for_what_to_change(tmp_path: Path) -> None:
    from briefs.llm_setup import BRIEFS_HINTS, make_llm_config
    from briefs.settings import Settings

    config = make_llm_config(Settings(home=tmp_path, mode="replay"))
    assert config.hints == BRIEFS_HINTS and "BRIEFS_TIMEOUT" in config.hints.timeout
    assert "make reference" in config.hints.refresh_recordings
    assert "concurrency (BRIEFS_CONCURRENCY)" in config.hints.concurrency
    assert "from_file" in config.hints.collect_offline


def test_an_endpoint_that_keeps_failing_is_told_to_go_slower_in_the_callers_words(fake_openai: FakeServer) -> None:
    """The advice to send fewer requests at once names the caller's setting, never briefs' flag."""
    from briefs.llm import Hints, ModelUnavailable
    from briefs.llm.testing.fake_server import server_error

    for hints, expected in (
        (Hints(), "lower LLMConfig.concurrency"),
        (Hints(concurrency="turn the dial"), "turn the dial"),
    ):
        fake_openai.script("busy", server_error(503), server_error(503))
        with client_for(fake_openai, max_attempts=2, hints=hints) as client, pytest.raises(ModelUnavailable) as caught:
            client.call(note_request("busy"))
        message = str(caught.value)
        assert f"or {expected} if it is rate limiting" in message and "--concurrency" not in message


def test_the_model_layer_names_no_option_of_the_briefs_command_line() -> None:
    """What to type is the caller's to say (Hints): no --option of briefs appears in the layer."""
    options = command_line_options()
    assert "--concurrency" in options and "--from-file" in options  # the walk sees the subcommands
    named = {
        f"{path.name}: {option}"
        for path in LLM_DIR.rglob("*.py")
        for option in options_named_in(path.read_text(encoding="utf-8"), options)
    }
    assert named == set()


def test_a_batch_written_for_an_offline_runner_is_collected_in_the_callers_words(tmp_path: Path) -> None:
    from briefs.llm import Hints, LLMConfig, ModelClient
    from briefs.llm.batch import BatchState, run_batch

    state_path = tmp_path / "batch.json"
    BatchState("", "", {"a": "k"}).save(state_path)  # written offline, not collected
    for hints, expected in ((Hints(), "collect_file"), (Hints(collect_offline="feed it back"), "feed it back")):
        config = LLMConfig(model="gpt-4.1-mini", mode="live", base_url="http://127.0.0.1:9/v1", hints=hints)
        with ModelClient(config) as client, pytest.raises(briefs.llm.LLMConfigError) as caught:
            run_batch(client, [], state_path, poll_seconds=0)
        assert "written for an offline runner" in str(caught.value) and expected in str(caught.value)
