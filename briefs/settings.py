"""One settings object for all of briefs.

Sources, strongest first: command-line flags (passed as overrides), environment variables
(``BRIEFS_*``, plus the ecosystem's ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``), the config file,
defaults. The config file is ``--config PATH``, else ``$BRIEFS_CONFIG``, else ``briefs.toml`` in the
working folder if there is one; ``briefs.example.toml`` documents every key.

``BRIEFS_HOME`` moves all state (response cache, send log, user recordings); tests point it at
``tmp_path``.
"""

from __future__ import annotations

import os
import re
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from briefs.errors import ConfigError
from briefs.models import FORMATS, BriefingLanguage, Format, Priority, ProductScope

ModelMode = Literal["auto", "live", "replay", "record"]

CONFIG_FILE_NAME = "briefs.toml"

# Plain SMTP (no TLS) is only allowed to a server on this machine: a password or a briefing must
# never cross a network in clear text.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}

# Deliberately loose (one @, no spaces or address punctuation, a domain of letters/digits/dots/
# hyphens): it catches typos and pasted names without rejecting real addresses; the server is the
# final judge and a refused recipient is reported, never silently lost.
_EMAIL_ADDRESS = re.compile(r"[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def check_email_address(value: str) -> str:
    if not isinstance(value, str) or not _EMAIL_ADDRESS.fullmatch(value.strip()):
        raise ValueError(f"not an email address: {value!r}")
    return value.strip()


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "briefs"


class Team(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    recipients: list[str] = Field(min_length=1)
    language: BriefingLanguage = "both"
    product_scope: list[ProductScope] = Field(default_factory=list, description="empty: everything")
    min_priority: Priority = "low"

    @field_validator("name")
    @classmethod
    def _name_is_words(cls, value: str) -> str:
        # The name keys the send log and names the .eml file; keep it to one readable line.
        if not value.strip() or any(ch in value for ch in "/\\\n\r\t"):
            raise ValueError(f"not a usable team name: {value!r} (no slashes, tabs or line breaks)")
        return value.strip()

    @field_validator("recipients")
    @classmethod
    def _recipients_are_addresses(cls, values: list[str]) -> list[str]:
        checked = [check_email_address(value) for value in values]
        duplicates = sorted({a for a in checked if checked.count(a) > 1})
        if duplicates:
            raise ValueError(f"listed twice: {', '.join(duplicates)}")
        return checked


class MailSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(default="localhost", min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535, description="None: 587, 465 or 25 by security")
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = Field(default=None, description="name of the env var holding the password")
    sender: str = "briefs@localhost"
    sender_name: str = "药监周报 Briefs"
    timeout: float = Field(default=30.0, gt=0)
    ca_file: Path | None = Field(
        default=None, description="extra CA certificate(s) to trust, PEM (a private or test server)"
    )

    @field_validator("security")
    @classmethod
    def _clear_text_only_locally(cls, value: str, info: ValidationInfo) -> str:
        host = info.data.get("host")
        if value == "none" and host is not None and host.strip("[]").lower() not in LOCAL_HOSTS:
            raise ValueError(f"'none' is only allowed towards localhost (host is {host!r})")
        return value

    @field_validator("sender")
    @classmethod
    def _sender_is_address(cls, value: str) -> str:
        return check_email_address(value)

    @field_validator("password_env")
    @classmethod
    def _password_env_is_a_name(cls, value: str | None) -> str | None:
        # A name, not the password itself: refuse anything that does not look like a variable name
        # (and do not echo it back, in case someone pasted the secret here).
        if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError("must name an environment variable (letters, digits, _), not hold the password")
        return value

    @field_validator("ca_file")
    @classmethod
    def _ca_file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file not found: {str(value)!r}")
        return value

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else DEFAULT_PORTS[self.security]

    def password(self) -> str | None:
        """The password, read from the environment only when sending (never stored)."""
        if self.username is None:
            return None
        if self.password_env is None:
            raise ConfigError("mail.password_env: required when mail.username is set (names the env var)")
        value = os.environ.get(self.password_env)
        if not value:
            raise ConfigError(f"mail.password_env: environment variable {self.password_env} is not set")
        return value


class Settings(BaseSettings):
    # env_ignore_empty: `BRIEFS_OUT= briefs ...` means "unset", as in most tools, not the path "".
    model_config = SettingsConfigDict(
        env_prefix="BRIEFS_", extra="forbid", validate_default=True, env_ignore_empty=True
    )

    # where things are
    home: Path = Field(default_factory=default_home)
    corpus: Path | None = Field(default=None, description="documents folder; None: the bundled sample")
    out: Path = Path("briefings")

    # reading
    max_file_bytes: int = Field(default=5_000_000, gt=0)
    chunk_tokens: int = Field(default=3000, ge=200)
    chunk_overlap: int = Field(default=150, ge=0, description="tokens of whole sentences repeated in the next chunk")

    # the model
    model: str = "gpt-4.1-mini"
    extract_model: str | None = Field(
        default=None,
        description="the model of per-chunk extraction (most calls) and its re-asks; merges and the synthesis "
        "stay on `model`. None: `model`",
    )
    encoding: str | None = Field(
        default=None, description="tiktoken encoding of chunks; None: follows the extraction model"
    )
    mode: ModelMode = "auto"
    recordings: Path | None = Field(default=None, description="None: the bundled sample recordings")
    concurrency: int = Field(
        default=64, ge=1, le=256, description="the most model requests in flight; fewer while the endpoint pushes back"
    )
    timeout: float = Field(default=120.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, description="transport attempts per call")
    max_retry_seconds: float = Field(default=300.0, gt=0)
    reasks: int = Field(default=2, ge=0, description="re-asks after invalid output")
    max_output_tokens: int = Field(default=16384, gt=0, description="dense legal chunks need ~11k")
    synthesis_tokens: int = Field(
        default=60_000, ge=4000, description="most tokens one synthesis request may hold; larger weeks are reduced"
    )
    use_cache: bool = True
    batch_poll_seconds: float = Field(
        default=30.0, gt=0, description="`generate --batch`: seconds between looks at the batch"
    )
    api_key: SecretStr | None = Field(default=None, description="from OPENAI_API_KEY")
    base_url: str | None = Field(default=None, description="from OPENAI_BASE_URL")
    ca_bundle: Path | None = Field(
        default=None, description="extra CA certificates (PEM) to trust, e.g. a TLS-inspecting proxy's"
    )

    # the briefing
    language: BriefingLanguage = "both"
    formats: list[Format] = list(FORMATS)

    # delivery
    teams: list[Team] = []
    mail: MailSettings = MailSettings()

    @field_validator("teams")
    @classmethod
    def _team_names_unique(cls, teams: list[Team]) -> list[Team]:
        names = [team.name for team in teams]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"team name used twice: {', '.join(map(repr, duplicates))}")
        return teams

    @field_validator("ca_bundle")
    @classmethod
    def _ca_bundle_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file not found: {str(value)!r}")
        return value

    @field_validator("model", "extract_model")
    @classmethod
    def _model_is_a_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.strip() or any(ch.isspace() for ch in value.strip()):
            raise ValueError(f"not a model name: {value!r} (e.g. gpt-4.1-mini, or the name your server serves)")
        return value.strip()

    @field_validator("concurrency", "chunk_tokens", mode="before")
    @classmethod
    def _int_from_env(cls, value: Any) -> Any:
        return int(value) if isinstance(value, str) and value.strip().isdigit() else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Flags beat the environment, which beats the config file, which beats the defaults.
        return init_settings, env_settings, _FileSource(settings_cls)

    @property
    def extraction_model(self) -> str:
        """The model the chunks go to: ``extract_model``, else ``model``."""
        return self.extract_model or self.model

    def team(self, name: str) -> Team:
        for team in self.teams:
            if team.name == name:
                return team
        known = ", ".join(t.name for t in self.teams) or "none configured"
        raise ConfigError(f"team {name!r} is not in the config file (teams: {known})")


_file_values: ContextVar[dict[str, Any] | None] = ContextVar("briefs_config_file", default=None)


class _FileSource(PydanticBaseSettingsSource):
    """The config file's values (and OPENAI_*), read by load_settings and handed over here."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return (_file_values.get() or {}).get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_file_values.get() or {})


def find_config_file(explicit: Path | None = None) -> Path | None:
    if explicit is not None:
        return explicit
    if env := os.environ.get("BRIEFS_CONFIG"):
        return Path(env)
    local = Path.cwd() / CONFIG_FILE_NAME
    return local if local.is_file() else None


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read config file ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None


def _openai_env() -> dict[str, Any]:
    """The OpenAI ecosystem's own variables, honoured as users expect."""
    found: dict[str, Any] = {}
    if key := os.environ.get("OPENAI_API_KEY"):
        found["api_key"] = key
    if url := os.environ.get("OPENAI_BASE_URL"):
        found["base_url"] = url
    return found


# Keys that would hold a secret. A config file gets copied, committed and shared; secrets come only
# from the environment (OPENAI_API_KEY, and the variable mail.password_env names).
_SECRET_KEYS = {"api_key": "OPENAI_API_KEY"}


def refuse_secrets_in_file(values: dict[str, Any], where: str) -> None:
    """A secret in the config file stops the run with one line that never echoes the value."""
    for key, variable in _SECRET_KEYS.items():
        if key in values:
            raise ConfigError(
                f"{where}: {key}: secrets are not read from the config file; remove it (and rotate the key if "
                f"the file was shared) and set the environment variable {variable} instead"
            )


def _origin(field: str, flags: dict[str, Any], config_file: str) -> str:
    """Name where a bad value came from: a flag, an environment variable or the config file."""
    if field in flags:
        return f"--{field.replace('_', '-')}"
    env = f"BRIEFS_{field.upper()}"
    return f"environment variable {env}" if env in os.environ else config_file


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Settings from the config file, the environment and ``overrides`` (flags; ``None`` = unset)."""
    path = find_config_file(config)
    file_values: dict[str, Any] = read_config_file(path) if path else {}
    where = str(path) if path else "settings"
    refuse_secrets_in_file(file_values, where)
    file_values.update(_openai_env())
    flags = {key: value for key, value in overrides.items() if value is not None}
    token = _file_values.set(file_values)
    try:
        return Settings(**flags)
    except ValidationError as error:
        first = error.errors()[0]
        origin = _origin(str(first["loc"][0]), flags, where) if first["loc"] else where
        message = f"{origin}: {config_key(first['loc'])}: {_without_prefix(first['msg'])}{_got(first)}"
        raise ConfigError(message) from None
    except SettingsError as error:  # an environment variable for a list or table that is not JSON
        raise ConfigError(_env_not_json(str(error))) from None
    finally:
        _file_values.reset(token)


def config_key(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as a user writes the key: ``teams[1].recipients``."""
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "?"


# Errors where the bad value helps the user see the typo. Never for unknown keys or free text:
# someone may have pasted a password there (tests/test_settings.py checks it is not echoed).
_ECHOED_ERRORS = frozenset({"int_parsing", "float_parsing", "bool_parsing"})


def _got(error: Any) -> str:
    value = error.get("input")
    if error.get("type") not in _ECHOED_ERRORS or not isinstance(value, str) or len(value) > 40:
        return ""
    return f" (got {value!r})"


def _env_not_json(message: str) -> str:
    """pydantic-settings' "error parsing value for field "formats" from source ..." as our line."""
    found = re.search(r'field "(\w+)"', message)
    if found is None:
        return f"an environment variable could not be read: {message}"
    field = found.group(1)
    return (
        f"environment variable BRIEFS_{field.upper()}: not valid JSON; {field} is a list or table, which "
        'the environment gives as JSON (e.g. BRIEFS_FORMATS=\'["md", "html"]\'); the config file is easier'
    )


def _without_prefix(message: str) -> str:
    # pydantic prefixes our own validators' messages with "Value error, "; the user needs only ours.
    return message.removeprefix("Value error, ")
