"""Collecting what a job tells (its ``on_event``), as a library caller would, and reading it in the
command line's words where a test checks the wording users see."""

from __future__ import annotations

from typing import TypeVar

from briefs.cli_words import event_lines
from briefs.events import Event

E = TypeVar("E", bound=Event)


class Told(list[Event]):
    """Pass as ``on_event``: keeps every event, in order."""

    def __call__(self, event: Event) -> None:
        self.append(event)

    def of(self, kind: type[E]) -> list[E]:
        return [event for event in self if isinstance(event, kind)]

    def lines(self) -> list[str]:
        """What the CLI would say for these events, in order."""
        return [line for event in self for line in event_lines(event)]
