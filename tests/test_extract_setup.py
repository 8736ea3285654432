"""briefs.llm_setup.make_llm_config: settings → LLMConfig, the "auto" mode resolved in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefs import resources
from briefs.llm_setup import make_llm_config
from briefs.settings import load_settings


@pytest.mark.parametrize(
    ("env", "flags", "mode"),
    [
        ({}, {}, "replay"),
        ({"OPENAI_API_KEY": "sk-test-not-real"}, {}, "live"),
        ({"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"}, {}, "live"),
        ({"OPENAI_API_KEY": "sk-test-not-real"}, {"mode": "replay"}, "replay"),
        ({}, {"mode": "record"}, "record"),
    ],
    ids=[
        "no key and no base URL replays the recordings",
        "an API key means live",
        "a base URL (local server) means live",
        "an explicit mode wins over auto",
        "record mode is passed through",
    ],
)
def test_auto_mode_is_live_only_when_a_model_is_configured(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], flags: dict[str, str], mode: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert make_llm_config(load_settings(None, **flags)).mode == mode


def test_replay_reads_the_bundled_recordings_and_keeps_no_cache() -> None:
    config = make_llm_config(load_settings(None))
    assert config.recordings_dir == resources.sample_recordings_dir()
    assert config.cache_dir is None and config.api_key is None


def test_live_uses_the_key_the_cache_under_home_and_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    settings = load_settings(None, home=tmp_path, concurrency=7, use_cache=False, model="gpt-4o-mini")
    config = make_llm_config(settings)
    assert config.api_key == "sk-test-not-real" and "sk-test" not in repr(config)
    assert config.cache_dir == tmp_path / "cache" and config.read_cache is False
    assert (config.model, config.concurrency, config.reasks) == ("gpt-4o-mini", 7, settings.reasks)
    assert config.count_tokens is not None and config.count_tokens("国家药监局") > 0
