"""Settings: one object, flags over environment over config file over defaults, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefs.errors import ConfigError
from briefs.settings import load_settings


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "briefs.toml"
    path.write_text('model = "from-file"\nconcurrency = 2\n', encoding="utf-8")
    return path


def test_config_file_values_are_used(config_file: Path) -> None:
    settings = load_settings(config_file)
    assert (settings.model, settings.concurrency) == ("from-file", 2)


def test_environment_beats_config_file(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFS_MODEL", "from-env")
    assert load_settings(config_file).model == "from-env"


def test_flags_beat_environment(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFS_MODEL", "from-env")
    assert load_settings(config_file, model="from-flag").model == "from-flag"


def test_unset_flags_do_not_override(config_file: Path) -> None:
    assert load_settings(config_file, model=None).model == "from-file"


def test_openai_variables_are_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    settings = load_settings()
    assert settings.base_url == "http://127.0.0.1:9/v1"
    assert settings.api_key is not None and settings.api_key.get_secret_value() == "sk-test-not-a-real-key"
    assert "sk-test-not-a-real-key" not in repr(settings)


def test_briefs_home_moves_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFS_HOME", str(tmp_path / "state"))
    assert load_settings().home == tmp_path / "state"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("concurrency = 0\n", "concurrency"),
        ('mode = "sometimes"\n', "mode"),
        ("unknown_key = 1\n", "unknown_key"),
        ("model = \n", "not valid TOML"),
    ],
    ids=[
        "a zero concurrency is refused",
        "an unknown mode is refused",
        "an unknown key is refused",
        "broken TOML is refused",
    ],
)
def test_a_bad_config_file_gives_one_line_naming_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "briefs.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and expected in message


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_a_bad_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFS_CONCURRENCY", "many")
    with pytest.raises(ConfigError, match="environment variable BRIEFS_CONCURRENCY: concurrency"):
        load_settings()


def test_briefs_toml_in_the_working_folder_is_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "briefs.toml").write_text('model = "from-working-folder"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_settings().model == "from-working-folder"


def test_briefs_config_names_the_file_and_beats_the_working_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "briefs.toml").write_text('model = "from-working-folder"\n', encoding="utf-8")
    elsewhere = tmp_path / "ops" / "briefs-prod.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text('model = "from-BRIEFS_CONFIG"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFS_CONFIG", str(elsewhere))
    assert load_settings().model == "from-BRIEFS_CONFIG"
    assert load_settings(tmp_path / "briefs.toml").model == "from-working-folder"  # --config beats both
