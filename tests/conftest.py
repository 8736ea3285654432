"""Shared fixtures. Each part of briefs adds its own at the end; do not rewrite others'."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# --- model layer (issue 3): no test reaches a live model unless it opts in -------------------------
#
# Like pydantic-ai's check_allow_model_requests: every test runs with the OpenAI variables unset and
# all state under tmp_path, so nothing can find a key or a remote endpoint by accident. A test that
# really wants a live model marks itself ``@pytest.mark.live`` and runs only with BRIEFS_ALLOW_LIVE=1.

_LIVE_VARIABLES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "BRIEFS_CONFIG")


@pytest.fixture(autouse=True)
def _no_live_model(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if request.node.get_closest_marker("live"):
        if os.environ.get("BRIEFS_ALLOW_LIVE") != "1":
            pytest.skip("calls a live model: set BRIEFS_ALLOW_LIVE=1 to run it")
        return
    for name in _LIVE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BRIEFS_HOME", str(tmp_path / "briefs-home"))


@pytest.fixture
def fake_openai() -> Iterator["FakeServer"]:  # noqa: F821  (imported lazily: conftest stays light)
    """A fake OpenAI-compatible server on 127.0.0.1 (briefs.llm.fake_server), stopped afterwards."""
    from briefs.llm.fake_server import FakeServer

    with FakeServer() as server:
        yield server


# --- reader (issue 2) --------------------------------------------------------------------------------


@pytest.fixture
def reader_settings(tmp_path: Path):
    """Default settings with state under tmp_path: what `briefs inspect` uses."""
    from briefs.settings import Settings

    return Settings(home=tmp_path / "home")


@pytest.fixture(scope="session")
def count_o200k():
    """Token counter of the default encoding (o200k_base), loaded once per session."""
    from briefs.tokens import count_tokens, encoding_for

    encoding = encoding_for("gpt-4.1-mini")
    return lambda text: count_tokens(text, encoding)


# --- briefing (issue 5): golden files are rewritten only when asked --------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/fixtures/golden/ from the current output (or set BRIEFS_UPDATE_GOLDEN=1)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when this run may rewrite golden files: review the diff before committing it."""
    return bool(request.config.getoption("--update-golden")) or os.environ.get("BRIEFS_UPDATE_GOLDEN") == "1"
