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
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from briefs.errors import ConfigError
from briefs.models import Priority, ProductScope

LanguageChoice = Literal["both", "zh", "en"]
ModelMode = Literal["auto", "live", "replay", "record"]

CONFIG_FILE_NAME = "briefs.toml"


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "briefs"


class Team(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    recipients: list[str]
    language: LanguageChoice = "both"
    product_scope: list[ProductScope] = Field(default_factory=list, description="empty: everything")
    min_priority: Priority = "low"


class MailSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "localhost"
    port: int | None = None
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = Field(default=None, description="name of the env var holding the password")
    sender: str = "briefs@localhost"
    sender_name: str = "药监周报 Briefs"
    timeout: float = 30.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRIEFS_", extra="forbid", validate_default=True)

    # where things are
    home: Path = Field(default_factory=default_home)
    corpus: Path | None = Field(default=None, description="documents folder; None: the bundled sample")
    out: Path = Path("briefings")

    # reading
    max_file_bytes: int = Field(default=5_000_000, gt=0)
    chunk_tokens: int = Field(default=3000, ge=200)
    chunk_overlap: int = Field(default=0, ge=0)

    # the model
    model: str = "gpt-4.1-mini"
    encoding: str | None = Field(default=None, description="tiktoken encoding; None: follows the model")
    mode: ModelMode = "auto"
    recordings: Path | None = Field(default=None, description="None: the bundled sample recordings")
    concurrency: int = Field(default=4, ge=1, le=64)
    timeout: float = Field(default=120.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, description="transport attempts per call")
    max_retry_seconds: float = Field(default=300.0, gt=0)
    reasks: int = Field(default=2, ge=0, description="re-asks after invalid output")
    max_output_tokens: int = Field(default=8000, gt=0)
    use_cache: bool = True
    api_key: SecretStr | None = Field(default=None, description="from OPENAI_API_KEY")
    base_url: str | None = Field(default=None, description="from OPENAI_BASE_URL")

    # the briefing
    language: LanguageChoice = "both"
    formats: list[Literal["md", "html", "txt", "json"]] = ["md", "html", "txt", "json"]

    # delivery
    teams: list[Team] = []
    mail: MailSettings = MailSettings()

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

    def team(self, name: str) -> Team:
        for team in self.teams:
            if team.name == name:
                return team
        known = ", ".join(t.name for t in self.teams) or "none configured"
        raise ConfigError(f"team {name!r} is not in the config file (teams: {known})")


_file_values: ContextVar[dict[str, Any]] = ContextVar("briefs_config_file", default={})


class _FileSource(PydanticBaseSettingsSource):
    """The config file's values (and OPENAI_*), read by load_settings and handed over here."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return _file_values.get().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_file_values.get())


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


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Settings from the config file, the environment and ``overrides`` (flags; ``None`` = unset)."""
    path = find_config_file(config)
    file_values: dict[str, Any] = read_config_file(path) if path else {}
    where = str(path) if path else "settings"
    file_values.update(_openai_env())
    flags = {key: value for key, value in overrides.items() if value is not None}
    token = _file_values.set(file_values)
    try:
        return Settings(**flags)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "?"
        raise ConfigError(f"{where}: {key}: {first['msg']}") from None
    finally:
        _file_values.reset(token)
