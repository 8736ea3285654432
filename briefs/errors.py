"""The one error tree of briefs. This module imports nothing from briefs but the model layer's errors.

Every error a user can meet is a ``BriefsError`` or an ``LLMError`` of the model layer (which
imports nothing from briefs, so it has a root of its own); ``str(error)`` is a single line that names
the file, setting or call at fault and says what is wrong. What to type to fix it is a ``Hint``: a
library caller reads the library's settings and arguments, the CLI's line its flags and commands
(``briefs.cli_words.error_line``), as the model layer takes ``Hints``. The CLI catches both
roots once (``briefs.cli``, ``USER_ERRORS``) and exits with ``exit_code(error)``; nothing else prints
tracebacks.

    BriefsError
    ├── ConfigError              a setting or the config file is wrong (names the key)
    ├── InputError               a document cannot be read (names the file); collected per
    │                            document as a problem, never stops the run
    ├── RenderError              a briefing could not be rendered
    ├── HistoryError             the history store cannot be opened, read or written (names it);
    │                            while generating, a warning that never sinks the run
    └── DeliveryError            mail could not be sent (server down, authentication refused, ...)

    LLMError                     the model layer's root (briefs.llm.errors)
    ├── LLMConfigError           the model layer is set up wrong (mode, key, recordings): exit 2
    └── ModelError               a model call failed: exit 3
        ├── ModelRequestError    the request is wrong and will not be retried (400/401/403/404/422,
        │                        exhausted quota): says what to fix
        ├── ModelUnavailable     transient failures (429/5xx/timeouts/connection) outlasted retries
        ├── InvalidOutputError   the answer stayed invalid after the re-asks; carries the evidence
        └── ReplayMissError      replay mode and no recording matches; names the request and the
            │                    command that refreshes the recordings
            └── AnswerMissingError   an answer book has no hand-written answer for a call; names
                                     the file to write
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from briefs.llm import LLMConfigError, LLMError

# Exit codes of the CLI, in one place so README and code agree.
EXIT_OK = 0
EXIT_INCOMPLETE = 1  # the job ran, but something was left out (a document failed, a recipient refused)
EXIT_USAGE = 2  # bad command line, setting or config file
EXIT_NOTHING = 3  # nothing could be done: no document readable, the model unreachable, mail server down
EXIT_INTERNAL = 70  # a bug in briefs (EX_SOFTWARE)
EXIT_READER_GONE = 141  # stdout's reader went away (`briefs ... | head`): 128 + SIGPIPE, as a shell reports it


@dataclass(frozen=True)
class Hint:
    """A part of an error message that says what the caller types to fix it (a setting, an option, a
    command): the library's own words are ``library``; an entry point puts its own in their place by
    ``key`` (the CLI its flags), filling in ``data`` (``{week}``). The library names no flag of any
    command line, and the CLI's users read the flags they type."""

    key: str
    library: str
    data: Mapping[str, str] = field(default_factory=dict)


class BriefsError(Exception):
    """Base of every error briefs reports to a user; its message is one line.

    It is built from ``parts``: text, and ``Hint``s an entry point words (``worded``); ``str()`` is
    the message in the library's own words."""

    exit_code = EXIT_NOTHING

    def __init__(self, *parts: str | Hint) -> None:
        self.parts = parts
        super().__init__(self.worded({}))

    def worded(self, words: Mapping[str, str]) -> str:
        """The message with each hint in ``words`` (by its key, a template of its data), else the library's."""
        return " ".join("".join(_worded(part, words) for part in self.parts).split())

    def __str__(self) -> str:  # one line, whatever the message was built from
        return " ".join(super().__str__().split())


def _worded(part: str | Hint, words: Mapping[str, str]) -> str:
    if isinstance(part, str):
        return part
    template = words.get(part.key)
    return part.library if template is None else template.format_map(part.data)


class ConfigError(BriefsError):
    """A setting, flag or config-file key is wrong."""

    exit_code = EXIT_USAGE


class InputError(BriefsError):
    """A document cannot be read; the message starts with the file's path."""


class RenderError(BriefsError):
    """A briefing could not be rendered."""


class HistoryError(BriefsError):
    """The history store cannot be opened, read or written; the message names the store."""


class DeliveryError(BriefsError):
    """A briefing could not be delivered."""


# What the CLI's one boundary catches: briefs' own errors and the model layer's.
USER_ERRORS: tuple[type[Exception], ...] = (BriefsError, LLMError)


def exit_code(error: Exception) -> int:
    """The exit code of an error a user can meet: its own for briefs' errors; for the model layer's,
    a wrong setting is a usage error and a failed call means nothing could be done."""
    if isinstance(error, BriefsError):
        return error.exit_code
    return EXIT_USAGE if isinstance(error, LLMConfigError) else EXIT_NOTHING
