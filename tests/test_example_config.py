"""briefs.example.toml documents every setting with its default: keep it honest."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from briefs.settings import MailSettings, Settings, load_settings

EXAMPLE = Path(__file__).resolve().parent.parent / "briefs.example.toml"
# Keys whose commented value is an illustration (a path of the user's), not the default.
ILLUSTRATIVE = {"home", "corpus", "recordings", "encoding", "ca_file", "ca_bundle", "port", "base_url", "extract_model"}
COMMENTED_SETTING = re.compile(r"^#\s*([a-z_]+)\s*=\s*(.+?)(?:\s+#.*)?$")


SECTIONS = {"": Settings, "mail": MailSettings}


def commented_defaults() -> list[tuple[str, str, object]]:
    """(section, key, value) of every commented-out `key = value` line of a known section."""
    found, section = [], ""
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if header := re.match(r"^\[+([a-z_]+)\]+", line):
            section = header.group(1)
        model = SECTIONS.get(section)
        if model and (match := COMMENTED_SETTING.match(line)) and match.group(1) in model.model_fields:
            key, raw = match.groups()
            if key not in ILLUSTRATIVE:
                found.append((section, key, tomllib.loads(f"{key} = {raw}")[key]))
    return found


@pytest.mark.parametrize("model", [Settings, MailSettings], ids=["every setting", "every mail setting"])
def test_the_example_documents(model: type) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    missing = [name for name in model.model_fields if not re.search(rf"^[#\s]*\[*{name}\b", text, re.M)]
    assert missing == []


@pytest.mark.parametrize(("section", "key", "value"), commented_defaults(), ids=lambda v: str(v))
def test_each_commented_value_is_the_real_default(section: str, key: str, value: object) -> None:
    default = SECTIONS[section].model_fields[key].get_default(call_default_factory=True)
    assert value == (str(default) if isinstance(default, Path) else default)


def test_the_example_config_loads_and_documents_every_mail_and_team_key() -> None:
    settings = load_settings(EXAMPLE)
    assert [team.name for team in settings.teams] == ["regulatory-affairs", "devices-quality"]
    assert settings.mail.security == "starttls" and settings.mail.password_env == "BRIEFS_SMTP_PASSWORD"
    text = EXAMPLE.read_text(encoding="utf-8")
    for key in [*type(settings.mail).model_fields, *type(settings.teams[0]).model_fields]:
        assert key in text, f"briefs.example.toml does not mention {key}"
