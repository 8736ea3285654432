"""The one error tree of briefs. This module imports nothing from briefs.

Every error a user can meet is a ``BriefsError``; ``str(error)`` is the single line the CLI prints
(it names the file, setting or call at fault and says what is wrong). The CLI catches the base
class once (``briefs.cli``) and exits with ``error.exit_code``; nothing else prints tracebacks.

    BriefsError
    ├── ConfigError              a setting or the config file is wrong (names the key)
    ├── InputError               a document cannot be read (names the file); collected per
    │                            document as a problem, never stops the run
    ├── ModelError               a model call failed (briefs.llm.errors)
    │   ├── ModelRequestError    the request is wrong and will not be retried (400/401/403/404/422,
    │   │                        exhausted quota): says what to fix
    │   ├── ModelUnavailable     transient failures (429/5xx/timeouts/connection) outlasted retries
    │   ├── InvalidOutputError   the answer stayed invalid after the re-asks; carries the evidence
    │   └── ReplayMissError      replay mode and no recording matches; names the request and the
    │       │                    command that refreshes the recordings
    │       └── AnswerMissingError   an answer book has no hand-written answer for a call; names
    │                                the file to write
    ├── RenderError              a briefing could not be rendered
    ├── HistoryError             the history store cannot be opened, read or written (names it);
    │                            while generating, a warning that never sinks the run
    └── DeliveryError            mail could not be sent (server down, authentication refused, ...)
"""

from __future__ import annotations

# Exit codes of the CLI, in one place so README and code agree.
EXIT_OK = 0
EXIT_INCOMPLETE = 1  # the job ran, but something was left out (a document failed, a recipient refused)
EXIT_USAGE = 2  # bad command line, setting or config file
EXIT_NOTHING = 3  # nothing could be done: no document readable, the model unreachable, mail server down
EXIT_INTERNAL = 70  # a bug in briefs (EX_SOFTWARE)
EXIT_READER_GONE = 141  # stdout's reader went away (`briefs ... | head`): 128 + SIGPIPE, as a shell reports it


class BriefsError(Exception):
    """Base of every error briefs reports to a user; its message is one line."""

    exit_code = EXIT_NOTHING

    def __str__(self) -> str:  # one line, whatever the message was built from
        return " ".join(super().__str__().split())


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
