"""Packaging and the command's manners: a distribution name of our own, a licence file, a changelog,
``--version``, files colleagues can read, ``-q``/``-v``, and secrets only from the environment."""

from __future__ import annotations

import logging
import os
import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import briefs
from briefs.cli import app
from briefs.errors import EXIT_USAGE, ConfigError
from briefs.files import write_atomically
from briefs.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# Key-shaped values built at run time, so no credential-shaped literal is tracked.
PASTED_KEY = "sk-" + "pasted-by-mistake-123"
ENVIRONMENT_KEY = "sk-" + "from-the-environment"


def test_the_distribution_is_not_named_after_someone_elses_package_but_the_command_stays_briefs() -> None:
    # `briefs` on PyPI belongs to another project: `pip install briefs` must not be what we document.
    assert PROJECT["name"] == "yaojian-briefs"
    assert PROJECT["scripts"] == {"briefs": "briefs.cli:main"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install yaojian-briefs" in readme and "pip install briefs" not in readme


def test_the_licence_file_is_mit_and_the_metadata_points_at_it() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]


def test_the_changelog_follows_keep_a_changelog_and_names_this_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "https://keepachangelog.com/en/1.1.0/" in text
    assert "## [Unreleased]" in text
    assert re.search(rf"^## \[{re.escape(briefs.__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M)


def test_version_prints_the_version_and_exits_0() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"briefs {briefs.__version__}"


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_follow_the_users_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        path = tmp_path / "briefing.html"
        write_atomically(path, "<p>周报</p>")
        write_atomically(path, "<p>周报 again</p>")  # replacing keeps the same rule
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == mode


def test_a_generated_briefing_is_readable_by_colleagues_under_umask_022(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        result = CliRunner().invoke(app, ["generate", "--week", "2022-W06", "--out", str(tmp_path / "out")])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    files = sorted((tmp_path / "out" / "2022-W06").iterdir())
    assert files and all(path.stat().st_mode & 0o777 == 0o644 for path in files if path.is_file())


def test_an_api_key_in_the_config_file_is_refused_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "briefs.toml"
    config.write_text(f'model = "gpt-4.1-mini"\napi_key = "{PASTED_KEY}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    line = str(caught.value)
    assert line.startswith(f"{config}: api_key:") and "OPENAI_API_KEY" in line
    assert "sk-pasted" not in line
    result = CliRunner().invoke(app, ["generate", "--week", "2022-W06", "--config", str(config)])
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.count("\n") == 1 and "sk-pasted" not in result.stderr


def test_the_key_from_the_environment_is_still_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "briefs.toml"
    config.write_text('model = "gpt-4.1-mini"\n', encoding="utf-8")
    monkeypatch.setenv("OPENAI_API_KEY", ENVIRONMENT_KEY)
    settings = load_settings(config)
    assert settings.api_key is not None and settings.api_key.get_secret_value() == ENVIRONMENT_KEY


def test_quiet_keeps_only_errors_and_verbose_shows_the_model_layers_log(tmp_path: Path) -> None:
    args = ["generate", "--week", "2022-W06", "--out", str(tmp_path / "out")]
    normal = CliRunner().invoke(app, args)
    quiet = CliRunner().invoke(app, ["-q", *args])
    assert normal.exit_code == quiet.exit_code == 0
    assert "briefs: wrote" in normal.stderr
    assert quiet.stderr == ""
    failing = CliRunner().invoke(app, ["-q", "generate", "--week", "2022-W00"])
    assert failing.exit_code == EXIT_USAGE and "2022-W00" in failing.stderr
    CliRunner().invoke(app, ["-v", *args])
    assert logging.getLogger("briefs").getEffectiveLevel() == logging.DEBUG
