"""Errors of the model layer, under their own root ``LLMError`` (the layer imports nothing from
briefs; briefs' CLI meets these at its one error boundary, beside ``BriefsError``, and the tree in
``briefs/errors.py`` draws both).

``str(error)`` is one line. Each error names the call (its label) and carries what a user or the pipeline needs: what to fix
(``ModelRequestError``), how long it tried (``ModelUnavailable``), the evidence of a bad answer
(``InvalidOutputError``), or the command that refreshes recordings (``ReplayMissError``).
Messages never contain an API key: the client scrubs them before raising.
"""

from __future__ import annotations

from briefs.llm.config import Usage

# What of a server's words an error message quotes: enough to recognise, never a page of HTML.
MAX_QUOTED_CHARS = 400


def clipped(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """``text`` on one line and at most ``limit`` characters, for quoting in a message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class LLMError(Exception):
    """Base of every error the model layer raises; its message is one line."""

    def __str__(self) -> str:  # one line, whatever the message was built from
        return " ".join(super().__str__().split())


class LLMConfigError(LLMError):
    """The model layer is set up wrong (mode, recordings folder, key, concurrency, an unreadable
    recording or answer book): what to fix, before any call is paid for."""


class ModelError(LLMError):
    """A model call failed; ``label`` names the call. ``usage`` is what the call spent before it
    failed (the client fills it in as the error leaves the call), so a caller totals failed calls
    exactly as the ledger does."""

    def __init__(self, message: str, *, label: str = "", attempts: int = 0, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.label = label
        self.attempts = attempts
        self.usage = usage if usage is not None else Usage(calls=1, attempts=attempts, failed=1)


class ModelRequestError(ModelError):
    """The request is wrong (400/401/403/404/422, exhausted quota); retrying cannot help."""


class ModelUnavailable(ModelError):
    """Transient failures (429/5xx/timeouts/connection errors) outlasted the retry budget."""


class InvalidOutputError(ModelError):
    """The answer stayed invalid after the re-asks. Carries the evidence: attempts, the last raw
    output and (in ``usage``) the tokens spent on the call, retries and re-asks included."""

    def __init__(
        self, message: str, *, label: str = "", attempts: int = 0, last_raw: str = "", usage: Usage | None = None
    ) -> None:
        super().__init__(message, label=label, attempts=attempts, usage=usage)
        self.last_raw = last_raw


class ReplayMissError(ModelError):
    """Replay mode, and no recording matches the request; the message names the request and the
    command that refreshes the recordings."""


class AnswerMissingError(ReplayMissError):
    """An answer book has no hand-written answer for a label; the message names the file to write."""
