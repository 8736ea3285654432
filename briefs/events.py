"""What the jobs tell while they run, as data: one small frozen dataclass per kind of happening.

The pipeline's jobs (``generate``, ``extract_paths``, ...) take one callback, ``on_event``, and call
it with these as things happen; their results carry what was made. Neither holds a sentence for
the user: the command line turns events and results into its words (briefs.cli_words), and a
library caller can collect the same events without it::

    events: list[briefs.Event] = []
    result = briefs.generate(settings, request, on_event=events.append)
    skipped = [event for event in events if isinstance(event, briefs.InputSkipped)]

Text fields that come from a stage (a reader's problem, a model error) are that stage's own
description of a fact about the data, passed along unchanged, never wording of the pipeline's.

``on_event`` is called in the job's own thread, as things happen, so it should return quickly (the
CLI prints a line or moves a bar); an exception it raises stops the job as any error would
(finished model answers are cached, so a rerun loses nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only named in annotations: telling never loads the modules these come from
    from briefs.deliver import TeamResult
    from briefs.llm import BatchRun


@dataclass(frozen=True)
class Event:
    """Something a job tells while it runs; every event below is one of these."""


EventSink = Callable[[Event], None]


def ignore(event: Event) -> None:
    """The default ``on_event``: nobody listens."""


# --- setting up --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayChosen(Event):
    """No model was configured (mode "auto", no key, no base URL), so answers are replayed from
    recordings instead of asked: the one automatic choice worth telling."""

    recordings: Path | None  # None: the bundled sample recordings


# --- reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReaderNote(Event):
    """Worth telling, nothing lost (for instance: the reading cache is off, and why)."""

    note: str


@dataclass(frozen=True)
class InputSkipped(Event):
    """An input that was not read. ``problem`` is the reader's ``"<path>: what is wrong"``, with the
    path relative to the corpus where the job knows one."""

    problem: str


@dataclass(frozen=True)
class DuplicateSkipped(Event):
    """A document not worked on because it is a copy of another one."""

    path: str
    duplicate_of: str


@dataclass(frozen=True)
class NothingReadable(Event):
    """No document of the corpus could be read; the job stops and writes nothing."""

    corpus: Path
    problems: tuple[str, ...]  # each ``"<path relative to the corpus>: what is wrong"``


# --- the model ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallsProgress(Event):
    """Where a batch of model calls (extracting, merging, synthesizing) stands: ``done`` of ``total``.
    Told at the start, after each answer, and with ``finished`` when the batch ends."""

    description: str
    done: int
    total: int
    finished: bool = False


@dataclass(frozen=True)
class ModelWarning(Event):
    """The model layer foresees trouble before the first call (e.g. a request larger than the
    endpoint's context); ``message`` is the model layer's own description."""

    message: str


@dataclass(frozen=True)
class BatchPolled(Event):
    """Where a Batch API batch that ``generate`` (``request.batch``) waits for stands, after each
    poll: ``done`` counts answered and failed lines; ``finished`` is told once, when it has ended."""

    batch_id: str
    status: str  # the provider's word: validating, in_progress, finalizing, completed, ...
    done: int
    failed: int
    total: int
    finished: bool = False


@dataclass(frozen=True)
class BatchDone(Event):
    """The Batch API part of ``generate --batch`` is over (submitted or resumed, waited for and
    collected, or nothing left to send); the online run follows."""

    period_label: str
    run: BatchRun


@dataclass(frozen=True)
class DocumentFailure:
    """One document the model gave nothing usable for (not an event: it travels inside one)."""

    path: str  # relative to the corpus
    reason: str


@dataclass(frozen=True)
class NothingExtracted(Event):
    """Every document of the period failed, so nothing was written (an earlier briefing stays).
    ``answered``: the model did answer, but nothing was usable (the week is incomplete rather than
    the endpoint unreachable)."""

    period_label: str
    failures: tuple[DocumentFailure, ...]
    answered: bool


# --- the week ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryUnavailable(Event):
    """The history store could not be read or written; the briefing was written without it."""

    reason: str


@dataclass(frozen=True)
class BriefingWarning(Event):
    """One of the written briefing's warnings (as in its warnings section and run.json)."""

    kind: str
    document: str | None
    message: str


@dataclass(frozen=True)
class UnusedRecording(Event):
    """A replayed run's recording that no call used (told only when asked for)."""

    path: Path


# --- the history store rebuilt -----------------------------------------------------------------------


@dataclass(frozen=True)
class WeekRebuilt(Event):
    """A stored week made again from cached answers, with its number of documents."""

    label: str
    documents: int


@dataclass(frozen=True)
class WeekNotRebuilt(Event):
    """A stored week that could not be made again without a model call; what its run told comes
    just before this event."""

    label: str


# --- mailing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailingIncomplete(Event):
    """The week's briefing is incomplete and is mailed as it is, because ``allow_incomplete`` said so."""

    period_label: str


@dataclass(frozen=True)
class TeamMailed(Event):
    """One team's mail of ``week`` is done with: sent, written as a file (dry run), or skipped, per
    recipient."""

    week: str
    result: TeamResult
