"""The ``briefs`` command. Thin: it parses flags into settings, calls one function per command and
turns every ``BriefsError`` into one line on stderr and an exit code (briefs.errors)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from briefs.errors import EXIT_INTERNAL, BriefsError

app = typer.Typer(
    help="Weekly bilingual briefings of Chinese drug-regulator news.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

ConfigOption = Annotated[
    Optional[Path], typer.Option("--config", help="config file (default: $BRIEFS_CONFIG, else ./briefs.toml)")
]
ModelOption = Annotated[Optional[str], typer.Option("--model", help="model name (default gpt-4.1-mini)")]
ModeOption = Annotated[
    Optional[str],
    typer.Option("--mode", help="auto (live when OPENAI_API_KEY/OPENAI_BASE_URL is set, else replay), live, replay, record"),
]
ConcurrencyOption = Annotated[Optional[int], typer.Option("--concurrency", help="model requests in flight")]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="ignore cached answers (they are still written)")]
JsonOption = Annotated[bool, typer.Option("--json", help="one JSON object per line")]


def say(message: str) -> None:
    """A line for the user on stderr (stdout is kept for data)."""
    typer.echo(message, err=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """The one place errors become a line and an exit code. BRIEFS_DEBUG=1 shows the traceback."""
    try:
        yield
    except BriefsError as error:
        say(f"briefs: error: {error}")
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        say("briefs: interrupted; finished calls are cached, rerun to continue")
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as error:  # a bug: still one line, with the way to see more
        if os.environ.get("BRIEFS_DEBUG"):
            raise
        say(f"briefs: internal error: {type(error).__name__}: {error} (rerun with BRIEFS_DEBUG=1 for details)")
        raise typer.Exit(EXIT_INTERNAL) from None


def main() -> None:
    # Chinese text on a terminal or pipe whose locale is not UTF-8 must not crash the run.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    app()


if __name__ == "__main__":
    main()
