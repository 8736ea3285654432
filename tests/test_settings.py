"""Settings: one object, flags over environment over config file over defaults, one-line errors;
the teams and mail sections of the config file too, one line per mistake, naming the key."""

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


# --- the teams and mail sections ----------------------------------------------------------------

TWO_TEAMS = """
[[teams]]
name = "ra"
recipients = ["ra@example.com"]

[[teams]]
name = "devices"
recipients = {recipients}
"""

MAIL = """
[mail]
host = {host}
security = {security}
"""

# (config text, the exact line expected after "<file>: ")
BAD_CONFIGS = [
    (
        TWO_TEAMS.format(recipients='["qa@example.com", "foo"]'),
        "teams[1].recipients: not an email address: 'foo'",
    ),
    (
        TWO_TEAMS.format(recipients="[]"),
        "teams[1].recipients: List should have at least 1 item after validation, not 0",
    ),
    (
        TWO_TEAMS.format(recipients='["a@example.com", "a@example.com"]'),
        "teams[1].recipients: listed twice: a@example.com",
    ),
    (
        '[[teams]]\nname = "x"\nrecipients = ["x@example.com"]\nproduct_scope = ["devices"]\n',
        "teams[0].product_scope[0]: Input should be "
        "'drugs', 'medical_devices', 'cosmetics', 'vaccines', 'tcm' or 'all'",
    ),
    (
        '[[teams]]\nname = "x"\nrecipients = ["x@example.com"]\nmin_priority = "urgent"\n',
        "teams[0].min_priority: Input should be 'high', 'medium' or 'low'",
    ),
    (
        '[[teams]]\nname = "x"\nrecipients = ["x@example.com"]\nlanguage = "fr"\n',
        "teams[0].language: Input should be 'both', 'zh' or 'en'",
    ),
    ('[[teams]]\nname = "x"\nrecipient = ["x@example.com"]\n', "teams[0].recipients: Field required"),
    (
        '[[teams]]\nname = "a/b"\nrecipients = ["x@example.com"]\n',
        "teams[0].name: not a usable team name: 'a/b' (no slashes, tabs or line breaks)",
    ),
    (
        '[[teams]]\nname = "x"\nrecipients = ["x@example.com"]\n'
        '[[teams]]\nname = "x"\nrecipients = ["y@example.com"]\n',
        "teams: team name used twice: 'x'",
    ),
    (
        MAIL.format(host='"smtp.example.com"', security='"none"'),
        "mail.security: 'none' is only allowed towards localhost (host is 'smtp.example.com')",
    ),
    (
        MAIL.format(host='"smtp.example.com"', security='"ssl"'),
        "mail.security: Input should be 'starttls', 'tls' or 'none'",
    ),
    ("[mail]\nport = 70000\n", "mail.port: Input should be less than or equal to 65535"),
    (
        '[mail]\nsender = "briefs at example.com"\n',
        "mail.sender: not an email address: 'briefs at example.com'",
    ),
    (
        '[mail]\npassword_env = "hunter2 is my password"\n',
        "mail.password_env: must name an environment variable (letters, digits, _), not hold the password",
    ),
    ('[mail]\npassword = "hunter2"\n', "mail.password: Extra inputs are not permitted"),
    ('[mail]\nca_file = "no/such/ca.pem"\n', "mail.ca_file: file not found: 'no/such/ca.pem'"),
    ("[mail]\ntimeout = 0\n", "mail.timeout: Input should be greater than 0"),
]
BAD_IDS = [
    "a recipient that is not an address is named with its team's index",
    "a team without recipients is refused",
    "a recipient listed twice is refused",
    "an unknown product scope is refused",
    "an unknown priority is refused",
    "an unknown language is refused",
    "a misspelt key is caught as the missing one",
    "a team name that cannot name a file is refused",
    "two teams with one name are refused",
    "clear text towards another host is refused",
    "an unknown security is refused",
    "a port out of range is refused",
    "a sender that is not an address is refused",
    "a password pasted into password_env is refused without echoing it",
    "a password key is refused without echoing it",
    "a missing CA file is refused",
    "a zero timeout is refused",
]


@pytest.mark.parametrize(("text", "expected"), BAD_CONFIGS, ids=BAD_IDS)
def test_a_bad_teams_or_mail_setting_is_one_line_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    path = Path("briefs.toml")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == f"briefs.toml: {expected}"
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("host", "security", "port"),
    [("localhost", "none", 25), ("127.0.0.1", "none", 25), ("::1", "none", 25),
     ("smtp.example.com", "starttls", 587), ("smtp.example.com", "tls", 465)],
    ids=["clear text to localhost is allowed", "clear text to 127.0.0.1 is allowed",
         "clear text to ::1 is allowed",
         "starttls defaults to port 587", "implicit tls defaults to port 465"],
)  # fmt: skip
def test_good_mail_settings_load_with_their_default_port(tmp_path: Path, host: str, security: str, port: int) -> None:
    path = tmp_path / "briefs.toml"
    path.write_text(MAIL.format(host=f'"{host}"', security=f'"{security}"'), encoding="utf-8")
    assert load_settings(path).mail.effective_port == port


def test_a_password_variable_that_is_unset_is_named_when_sending(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    path = tmp_path / "briefs.toml"
    path.write_text('[mail]\nusername = "bot"\npassword_env = "BRIEFS_SMTP_PASSWORD"\n', encoding="utf-8")
    monkeypatch.delenv("BRIEFS_SMTP_PASSWORD", raising=False)
    mail = load_settings(path).mail  # loading does not need it: `briefs generate` must work without
    with pytest.raises(ConfigError) as caught:
        mail.password()
    assert str(caught.value) == "mail.password_env: environment variable BRIEFS_SMTP_PASSWORD is not set"
    monkeypatch.setenv("BRIEFS_SMTP_PASSWORD", "s3cret")
    assert mail.password() == "s3cret" and "s3cret" not in repr(mail)


def test_a_username_without_a_password_variable_is_named() -> None:
    from briefs.settings import MailSettings

    with pytest.raises(ConfigError, match=r"^mail.password_env: required when mail.username is set"):
        MailSettings(username="bot").password()
