"""The ``briefs`` command. Thin: it parses flags into settings, calls one function per command and
turns every error a user can meet (``BriefsError``, the model layer's ``LLMError``) into one line
on stderr and an exit code (briefs.errors)."""

from __future__ import annotations

import logging
import os
import select
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from briefs.errors import (
    EXIT_INTERNAL,
    EXIT_READER_GONE,
    EXIT_USAGE,
    USER_ERRORS,
    ConfigError,
    exit_code,
)

if TYPE_CHECKING:  # the commands import their stages lazily, so that --help stays fast
    from typing import Any

    from briefs.events import BatchPolled, CallsProgress, Event
    from briefs.models import Period
    from briefs.settings import Settings

app = typer.Typer(
    help="Weekly bilingual briefings of Chinese drug-regulator news.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="config file (default: $BRIEFS_CONFIG, else ./briefs.toml)")
]
ModelOption = Annotated[str | None, typer.Option("--model", help="model name (default gpt-4.1-mini)")]
ExtractModelOption = Annotated[
    str | None,
    typer.Option(
        "--extract-model",
        help="model of the per-chunk extraction calls and their re-asks (e.g. gpt-4.1-nano, cheaper; its quality "
        "is unmeasured); merges and the synthesis stay on --model (default: --model)",
    ),
]
ModeOption = Annotated[
    str | None,
    typer.Option(
        "--mode",
        help="auto (the default: live when OPENAI_API_KEY/OPENAI_BASE_URL is set, else replay), live, replay, record",
    ),
]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option(
        "--concurrency", help="most model requests in flight (default 64; fewer while the endpoint pushes back)"
    ),
]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="ignore cached answers (they are still written)")]
JsonOption = Annotated[bool, typer.Option("--json", help="one JSON object per line")]
WEEK_HELP = "ISO week (2022-W06, 2022W06), 'this', 'last', or a date inside the week"
# The period of a week's run: generate and the batch commands take the same three
WeekOption = Annotated[str | None, typer.Option("--week", help=WEEK_HELP)]
FromOption = Annotated[str | None, typer.Option("--from", help="first day of another period (YYYY-MM-DD)")]
ToOption = Annotated[str | None, typer.Option("--to", help="last day of that period (YYYY-MM-DD)")]
CorpusOption = Annotated[
    Path | None, typer.Option("--corpus", help="documents folder (default: the bundled sample corpus)")
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="output folder; files go to OUT/<week>/ (default ./briefings)")
]


_quiet = False  # -q: only errors reach the terminal


def say(message: str) -> None:
    """A line for the user on stderr (stdout is kept for data); -q silences it."""
    if not _quiet:
        typer.echo(message, err=True)


def say_lines(lines: Iterable[str]) -> None:
    """Lines for the user on stderr, as ``say`` tells each."""
    for line in lines:
        say(line)


def shout(message: str) -> None:
    """An error line: shown even with -q."""
    typer.echo(message, err=True)


class ProgressBars:
    """Draws the batches of model calls (extracting, synthesizing, ...) as rich bars on stderr when
    it is a terminal; silence when stderr is a pipe or a file. The jobs only tell
    (``CallsProgress``); the drawing is the CLI's."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._task: Any = None

    def __call__(self, event: CallsProgress) -> None:
        if self._bar is None:
            if event.finished or not sys.stderr.isatty():
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(event.description, total=event.total)
        self._bar.update(self._task, completed=event.done, total=event.total)
        if event.finished:
            self._bar.stop()
            self._bar = None

    def tell(self, message: str) -> None:
        """A line for the user that does not tear a bar being drawn: printed above it."""
        if self._bar is not None and not _quiet:
            self._bar.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            say(message)


class BatchWatch:
    """Says how a Batch API batch that `generate --batch` waits for stands: a line when the wait
    starts and at each change of status (what a log or a cron mail keeps), and a bar on a terminal."""

    def __init__(self, bars: ProgressBars) -> None:
        self._batch: str | None = None
        self._status: str | None = None
        self._bars = bars

    def __call__(self, event: BatchPolled) -> None:
        from briefs.cli_words import batch_polled_line, batch_waiting_line
        from briefs.events import CallsProgress

        if event.batch_id != self._batch:  # the first batch, or the second one (of re-asks)
            self._bars.tell(batch_waiting_line(event))
            self._batch, self._status = event.batch_id, None
        if event.status != self._status:
            self._bars.tell(batch_polled_line(event))
            self._status = event.status
        self._bars(CallsProgress(f"batch {event.batch_id}", event.done, event.total, event.finished))


class Teller:
    """The ``on_event`` the commands give a job: progress drawn as bars, every other event told as
    its lines (briefs.cli_words), as it happens."""

    def __init__(self) -> None:
        self.bars = ProgressBars()
        self.batch = BatchWatch(self.bars)

    def __call__(self, event: Event) -> None:
        from briefs.cli_words import event_lines
        from briefs.events import BatchPolled, CallsProgress

        if isinstance(event, CallsProgress):
            self.bars(event)
        elif isinstance(event, BatchPolled):
            self.batch(event)
        else:
            for line in event_lines(event):
                self.bars.tell(line)


def _version(value: bool) -> None:
    if value:
        from briefs import __version__

        typer.echo(f"briefs {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="print errors only")] = False,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="also print the model layer's log (retries, re-asks)")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    """Weekly bilingual briefings of Chinese drug-regulator news."""
    global _quiet
    _quiet = quiet and not verbose
    configure_logging(logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING)


class _StderrHandler(logging.Handler):
    """Writes to whatever stderr is now (a test runner swaps it), as every other line of the CLI."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            typer.echo(self.format(record), err=True)
        except Exception:  # a log line must never sink the run
            self.handleError(record)


def configure_logging(level: int) -> None:
    """briefs' own log on stderr at ``level``; one handler, however often the app runs in a process."""
    logger = logging.getLogger("briefs")
    logger.setLevel(level)
    if not any(isinstance(handler, _StderrHandler) for handler in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("briefs: %(message)s"))
        logger.addHandler(handler)


def command_settings(config: Path | None, no_cache: bool = False, **flags: object) -> Settings:
    """The settings a model-calling command runs with: its flags over the environment over the
    config file (unset flags are None and change nothing)."""
    from briefs.settings import load_settings

    return load_settings(config, use_cache=False if no_cache else None, **flags)


class Terminated(KeyboardInterrupt):
    """SIGTERM, taken like Ctrl-C: the same prompt stop, and a line that says which it was."""


@contextmanager
def user_errors() -> Iterator[None]:
    """The one place errors become a line and an exit code. BRIEFS_DEBUG=1 shows the traceback.

    It also delivers the command's output: stdout is flushed here, so that a reader that went away
    (``briefs ... | head``) is met inside the boundary and ends the command quietly."""
    try:
        yield
        deliver_output()
    except USER_ERRORS as error:
        from briefs.cli_words import error_line

        shout(f"briefs: error: {error_line(error)}")
        raise typer.Exit(exit_code(error)) from None
    except KeyboardInterrupt as stop:
        what, code = ("terminated (SIGTERM)", 143) if isinstance(stop, Terminated) else ("interrupted", 130)
        shout(f"briefs: {what}; nothing more was sent, finished calls are cached, rerun to continue")
        raise typer.Exit(code) from None
    except typer.Exit:
        deliver_output()
        raise
    except SystemExit as stop:
        if isinstance(stop.__context__, BrokenPipeError):  # a library that stopped on a broken pipe (rich)
            raise _reader_gone() from None
        raise
    except Exception as error:  # a bug: still one line, with the way to see more
        if isinstance(error, BrokenPipeError) and stdout_reader_gone():
            raise _reader_gone() from None
        if os.environ.get("BRIEFS_DEBUG"):
            raise
        shout(f"briefs: internal error: {type(error).__name__}: {error} (rerun with BRIEFS_DEBUG=1 for details)")
        raise typer.Exit(EXIT_INTERNAL) from None


def deliver_output() -> None:
    """Flush what the command printed; a reader that went away ends the run quietly (EXIT_READER_GONE)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise _reader_gone() from None


def stdout_reader_gone() -> bool:
    """Whether stdout is a pipe whose reader has closed it: poll reports an error on such a pipe. A
    broken pipe elsewhere (a socket) is a different matter. Where poll is missing, assume stdout,
    the usual place of a broken pipe in a command-line tool."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a test runner's stand-in: not a pipe
        return False
    if not hasattr(select, "poll"):
        return True
    poller = select.poll()
    poller.register(descriptor, 0)  # errors and hang-ups are always reported
    return any(events & select.POLLERR for _, events in poller.poll(0))


def _reader_gone() -> typer.Exit:
    """Nothing more reaches the reader: stdout goes to the null device, so that what is still buffered
    (and Python's own flush at exit) writes nowhere instead of raising again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass
    return typer.Exit(EXIT_READER_GONE)


@app.command()
def generate(
    week: WeekOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    corpus: CorpusOption = None,
    out: OutOption = None,
    formats: Annotated[
        list[str] | None,
        typer.Option("--format", help="md, html, txt or json; repeat or comma-separate for several (default: all)"),
    ] = None,
    language: Annotated[str | None, typer.Option("--language", help="both (default), zh or en")] = None,
    team: Annotated[
        str | None, typer.Option("--team", help="a team from the config file: its filter and language")
    ] = None,
    model: ModelOption = None,
    extract_model: ExtractModelOption = None,
    concurrency: ConcurrencyOption = None,
    mode: ModeOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="count tokens and estimate the cost; call nothing")
    ] = False,
    no_cache: NoCacheOption = False,
    unused_recordings: Annotated[
        bool, typer.Option("--unused-recordings", help="after a replay run, list the recordings nothing used")
    ] = False,
    batch: Annotated[
        bool,
        typer.Option(
            "--batch",
            help="extract through the Batch API first (half the price; submits or resumes the week's batch, "
            "waits for it, collects it), then finish online",
        ),
    ] = False,
    poll_seconds: Annotated[
        float | None,
        typer.Option("--poll-seconds", help="with --batch: seconds between looks at the batch (default 30)"),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Write the bilingual briefing of one week (or --from/--to period) to OUT/<week>/."""
    with user_errors():
        from briefs.cli_words import dry_run_lines, written_lines
        from briefs.models import FORMATS, LANGUAGES
        from briefs.pipeline import GenerateRequest
        from briefs.pipeline import generate as run_generate
        from briefs.weeks import resolve_period

        period = resolve_period(week, date_from, date_to)
        # --format md --format html, or --format md,html: both are how people write it
        given = [part.strip().lower() for value in formats or [] for part in value.split(",") if part.strip()]
        chosen = list(dict.fromkeys(given))
        if formats and not chosen:
            raise ConfigError(f"--format {','.join(formats)!r}: names no format; choose from {', '.join(FORMATS)}")
        if bad := [f for f in chosen if f not in FORMATS]:
            raise ConfigError(f"--format {bad[0]}: choose from {', '.join(FORMATS)}")
        language = language.strip().lower() if language is not None else None
        if language is not None and language not in LANGUAGES:
            raise ConfigError(f"--language {language}: choose {', '.join(LANGUAGES[:-1])} or {LANGUAGES[-1]}")
        if poll_seconds is not None and not poll_seconds > 0:
            raise ConfigError(f"--poll-seconds {poll_seconds:g}: give the seconds between two looks, more than 0")
        settings = command_settings(
            config,
            no_cache,
            corpus=corpus,
            out=out,
            model=model,
            extract_model=extract_model,
            concurrency=concurrency,
            mode=mode,
            formats=chosen or None,  # unset: the config file's `formats`, else all
            batch_poll_seconds=poll_seconds,
        )
        request = GenerateRequest(
            period=period,
            formats=tuple(settings.formats),
            language=language,
            team=team,
            dry_run=dry_run,
            list_unused_recordings=unused_recordings,
            batch=batch,
        )
        result = run_generate(settings, request, on_event=Teller())
        if result.week_estimate is not None:
            say_lines(dry_run_lines(result.week_estimate, period))
        if result.briefing is not None:
            say_lines(written_lines(result.briefing, result.out_dir, result.written, result.seconds))
        raise typer.Exit(result.exit_code)


@app.command()
def send(
    week: Annotated[str, typer.Option("--week", help=WEEK_HELP)],
    team: Annotated[
        str | None, typer.Option("--team", help="only this team (default: every team in the config)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="write OUT/<week>/mail/<team>.eml instead of sending")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="send to every recipient without a confirmed copy, unconfirmed ones too")
    ] = False,
    resend_unknown: Annotated[
        bool,
        typer.Option(
            "--resend-unknown", help="send again where an earlier send was never confirmed (may arrive twice)"
        ),
    ] = False,
    resend_all: Annotated[
        bool, typer.Option("--all", help="with --force: send again to everyone, even who already has it")
    ] = False,
    allow_incomplete: Annotated[
        bool, typer.Option("--allow-incomplete", help="mail a briefing whose run record says it is incomplete")
    ] = False,
    preview: Annotated[
        bool, typer.Option("--preview", help="show each team's subject, recipients, size and warnings; send nothing")
    ] = False,
    out: OutOption = None,
    config: ConfigOption = None,
) -> None:
    """Email each team the briefing files `generate` wrote for it (OUT/<week>/teams/<team>/, as reviewed),
    exactly once; send never generates."""
    with user_errors():
        from briefs.cli_words import preview_lines
        from briefs.pipeline import send_briefings
        from briefs.weeks import resolve_period

        settings = command_settings(config, out=out)
        teams = [settings.team(team)] if team else settings.teams
        outcome = send_briefings(
            settings,
            resolve_period(week, None, None),
            teams,
            dry_run=dry_run,
            force=force,
            resend_unknown=resend_unknown,
            resend_all=resend_all,
            allow_incomplete=allow_incomplete,
            preview=preview,
            on_event=Teller(),
        )
        for line in preview_lines(outcome):
            typer.echo(line)  # stdout: the preview is the command's output
        for sent in outcome.report.results if outcome.report else []:
            if sent.eml is not None:
                typer.echo(str(sent.eml))  # stdout: the files, for scripts
        raise typer.Exit(outcome.exit_code)


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="document files or folders")],
    json_lines: JsonOption = False,
    model: ModelOption = None,
    extract_model: ExtractModelOption = None,
    mode: ModeOption = None,
    concurrency: ConcurrencyOption = None,
    no_cache: NoCacheOption = False,
    config: ConfigOption = None,
) -> None:
    """Print each document's verified digest (replays the bundled sample recordings when no model is set)."""
    with user_errors():
        import json

        from briefs.cli_words import usage_lines
        from briefs.extract import describe_digest
        from briefs.pipeline import extract_paths

        settings = command_settings(
            config, no_cache, model=model, extract_model=extract_model, mode=mode, concurrency=concurrency
        )
        outcome = extract_paths(settings, paths, on_event=Teller())
        say_lines(usage_lines(outcome.usage))
        for digest in outcome.digests:
            if json_lines:
                typer.echo(json.dumps(digest.model_dump(mode="json"), ensure_ascii=False))
            else:
                typer.echo(describe_digest(digest) + "\n")
        raise typer.Exit(outcome.exit_code)


# --- reader ------------------------------------------------------------------------------


@app.command()
def inspect(
    paths: Annotated[list[Path], typer.Argument(help="document files or folders (read recursively)")],
    json_lines: JsonOption = False,
    model: ModelOption = None,
    config: ConfigOption = None,
) -> None:
    """Show how each document reads: title, date (* = inferred), week, language, source, size, chunks."""
    with user_errors():
        import json

        from briefs.errors import EXIT_NOTHING, EXIT_OK
        from briefs.reader import inspect_row, read_paths
        from briefs.settings import load_settings

        result = read_paths(paths, load_settings(config, model=model))
        rows = [inspect_row(document) for document in result.documents]
        if json_lines:
            for row in rows:
                typer.echo(json.dumps(row, ensure_ascii=False))
        elif rows:
            _print_inspect_table(rows)
        for problem in result.problems:
            say(f"briefs: {problem}")
        for line in [*result.notes, *not_placed_lines(result, paths)]:
            say(f"briefs: {line}")
        raise typer.Exit(EXIT_OK if result.documents else EXIT_NOTHING)


def not_placed_lines(result, paths: list[Path]) -> list[str]:
    """Undated pages (placed in no week) and files that are not documents, by path relative to the
    folder they were found in."""
    from briefs.reader import relative_to_inputs

    undated = [relative_to_inputs(d.path, paths) for d in result.documents if d.date is None and d.duplicate_of is None]
    lines = []
    if undated:
        lines.append(
            f"{len(undated)} undated {'page' if len(undated) == 1 else 'pages'} not placed: {', '.join(undated)}"
        )
    if result.ignored:
        names = ", ".join(relative_to_inputs(str(p), paths) for p in result.ignored)
        one = len(result.ignored) == 1
        what = "file that is not a document" if one else "files that are not documents"
        lines.append(f"{len(result.ignored)} {what}, not read: {names}")
    return lines


def _print_inspect_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for name in ("file", "title", "date", "week", "lang", "source", "url", "chars", "tokens", "chunks", "problems"):
        table.add_column(name, overflow="fold", justify="right" if name in ("chars", "tokens", "chunks") else "left")
    for row in rows:
        date = (row["date"] or "-") + (
            f"* ({_INFERRED_FROM.get(row['date_source'], 'inferred')})" if row["date_inferred"] else ""
        )
        notes = list(row["problems"])
        if row["duplicate_of"]:
            notes.insert(0, f"duplicate of {row['duplicate_of']}")
        table.add_row(
            Path(row["path"]).name,
            row["title"] or "-",
            date,
            row["iso_week"] or "-",
            row["language"] or "-",
            row["source"] or "-",
            row["url"] or "-",
            str(row["characters"]),
            str(row["tokens"]),
            str(row["chunks"]),
            "; ".join(notes) or "",
        )
    Console().print(table)
    if any(row["date_inferred"] for row in rows):
        Console().print("* date inferred: the page states no publication date")


_INFERRED_FROM = {"body": "body", "address": "address", "fetched": "fetch time"}


# --- model layer: the response cache ------------------------------------------------------

cache_app = typer.Typer(help="The response cache (in $BRIEFS_HOME/cache): an identical call is never paid twice.")
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info_command(config: ConfigOption = None) -> None:
    """Where the response cache is, how many answers it holds and their size."""
    with user_errors():
        from briefs.llm import cache_info
        from briefs.settings import load_settings

        info = cache_info(load_settings(config).home / "cache")
        typer.echo(f"{info.path}: {info.entries} cached answers, {info.bytes / 1_000_000:.2f} MB")


@cache_app.command("clear")
def cache_clear_command(config: ConfigOption = None) -> None:
    """Delete every cached answer: the next run asks the model again (and pays for it)."""
    with user_errors():
        from briefs.llm import clear_cache
        from briefs.settings import load_settings

        directory = load_settings(config).home / "cache"
        removed = clear_cache(directory)
        from briefs.cli_words import cache_cleared_line

        say(cache_cleared_line(removed, directory))


# --- the Batch API -----------------------------------------------------------------------------------

batch_app = typer.Typer(
    help="A week's extraction through the Batch API (half the price, answered within 24 h): submit, "
    "status, collect; then `briefs generate` finishes the week from the cache."
)
app.add_typer(batch_app, name="batch")


def _batch_step(
    step: str,
    config: Path | None,
    corpus: Path | None,
    models: tuple[str | None, str | None],
    mode: str | None,
    period_flags: tuple[str | None, str | None, str | None],
    **options: Any,
) -> tuple[Period, Any]:
    """Run one batch step of the pipeline (by name: the pipeline is imported lazily, so that --help
    stays fast) for the period the flags name; returns that period and what the step returned."""
    from briefs import pipeline
    from briefs.weeks import resolve_period

    model, extract_model = models  # --model, --extract-model: a batch line carries the extraction model
    settings = command_settings(config, corpus=corpus, model=model, extract_model=extract_model, mode=mode)
    period = resolve_period(*period_flags)
    return period, getattr(pipeline, step)(settings, period, **options)


@batch_app.command("submit")
def batch_submit_command(
    week: WeekOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    corpus: CorpusOption = None,
    model: ModelOption = None,
    extract_model: ExtractModelOption = None,
    mode: ModeOption = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="only write the batch JSONL (for vLLM's run_batch or another runner of yours); upload nothing",
        ),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Upload the week's extraction requests not already answered and create the batch."""
    with user_errors():
        _, done = _batch_step(
            "batch_submit", config, corpus, (model, extract_model), mode, (week, date_from, date_to), offline=offline
        )
        from briefs.cli_words import batch_submitted_lines

        say_lines(batch_submitted_lines(done))


@batch_app.command("status")
def batch_status_command(
    week: WeekOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    corpus: CorpusOption = None,
    model: ModelOption = None,
    extract_model: ExtractModelOption = None,
    mode: ModeOption = None,
    config: ConfigOption = None,
) -> None:
    """Where the week's batch stands: its status and how many requests are done or failed."""
    with user_errors():
        _, found = _batch_step("batch_status", config, corpus, (model, extract_model), mode, (week, date_from, date_to))
        from briefs.cli_words import batch_status_lines

        say_lines(batch_status_lines(found))


@batch_app.command("collect")
def batch_collect_command(
    week: WeekOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    corpus: CorpusOption = None,
    model: ModelOption = None,
    extract_model: ExtractModelOption = None,
    mode: ModeOption = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file", help="read the answers from this batch output file (vLLM run_batch -o, or downloaded)"
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Cache the batch's answers (again is harmless); exit 1 while some are still pending."""
    with user_errors():
        period_flags = (week, date_from, date_to)
        period, (state, found) = _batch_step(
            "batch_collect", config, corpus, (model, extract_model), mode, period_flags, from_file=from_file
        )
        from briefs.cli_words import batch_collected_lines

        say_lines(batch_collected_lines(state, found, from_file, None if found.pending else period.label))
        raise typer.Exit(0 if not found.pending else 1)


# --- the history store: what crosses weeks ---------------------------------------------------------

history_app = typer.Typer(
    help="The history store ($BRIEFS_HOME/history.db): every week's documents, requirements, deadlines "
    "and campaigns, written by `briefs generate`."
)
app.add_typer(history_app, name="history")


@history_app.command("search")
def history_search_command(
    query: Annotated[str, typer.Argument(help="words in Chinese or English (all must occur)")],
    limit: Annotated[int, typer.Option("--limit", min=1, help="at most this many results (default 20)")] = 20,
    json_lines: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Search every stored week's requirements, documents and campaigns, newest week first."""
    with user_errors():
        import json
        from dataclasses import asdict

        from briefs.history import search, store_path
        from briefs.settings import load_settings

        hits = search(store_path(load_settings(config).home), query, limit)
        for hit in hits:
            if json_lines:
                typer.echo(json.dumps(asdict(hit), ensure_ascii=False))
                continue
            where = f"{hit.week} {hit.ref}" if hit.ref else hit.week
            typer.echo(f"{where} [{hit.kind}] {hit.title or ''}".rstrip())
            for text in (hit.zh, hit.en):
                typer.echo(f"    {_excerpt(text, query)}")
            if hit.url:
                typer.echo(f"    {hit.url}")
        if not hits:
            from briefs.cli_words import no_history_match_line

            say(no_history_match_line(query))


def _excerpt(text: str, query: str, width: int = 120) -> str:
    """One line of ``text`` around the first query term found in it."""
    flat = " ".join(text.split())
    lowered = flat.lower()
    at = min((i for term in query.lower().split() if (i := lowered.find(term)) >= 0), default=0)
    start = max(0, at - width // 3)
    piece = flat[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(flat) else "")


@history_app.command("export")
def history_export_command(
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
    table: Annotated[
        str, typer.Option("--table", help="requirements, deadlines, documents, or all (jsonl only)")
    ] = "all",
    config: ConfigOption = None,
) -> None:
    """Write stored requirements, deadlines and documents to stdout as JSON lines or CSV."""
    with user_errors():
        import csv
        import json

        from briefs.history import EXPORT_TABLES, export_rows, store_path
        from briefs.settings import load_settings

        if fmt not in ("jsonl", "csv"):
            raise ConfigError(f"--format {fmt}: choose jsonl or csv")
        tables = EXPORT_TABLES if table == "all" else (table,)
        if table != "all" and table not in EXPORT_TABLES:
            raise ConfigError(f"--table {table}: choose {', '.join(EXPORT_TABLES)} or all")
        if fmt == "csv" and len(tables) > 1:
            raise ConfigError(f"--format csv holds one table: add --table {'|'.join(EXPORT_TABLES)}")
        store = store_path(load_settings(config).home)
        for name in tables:
            columns, rows = export_rows(store, name)
            if fmt == "csv":
                writer = csv.writer(sys.stdout, lineterminator="\n")
                writer.writerow(columns)
                writer.writerows(rows)
                continue
            for row in rows:
                typer.echo(json.dumps({"table": name, **dict(zip(columns, row, strict=True))}, ensure_ascii=False))


@history_app.command("rebuild")
def history_rebuild_command(
    corpus: CorpusOption = None,
    config: ConfigOption = None,
) -> None:
    """Make the store again from cached answers (or the recordings), every stored week, no model call."""
    with user_errors():
        from briefs.cli_words import history_rebuilt_line
        from briefs.pipeline import rebuild_history

        result = rebuild_history(command_settings(config, corpus=corpus), on_event=Teller())
        say(history_rebuilt_line(result))
        raise typer.Exit(result.exit_code)


@app.command()
def deadlines(
    days: Annotated[int, typer.Option("--days", min=0, help="how many days ahead (default 90)")] = 90,
    start: Annotated[
        str | None, typer.Option("--from", help="first day (YYYY-MM-DD; default today in Asia/Shanghai)")
    ] = None,
    ics: Annotated[Path | None, typer.Option("--ics", help="also write them as an iCalendar (.ics) file")] = None,
    team: Annotated[
        str | None,
        typer.Option("--team", help="a team from the config file: only its deadlines, as its briefing lists them"),
    ] = None,
    json_lines: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Every deadline in the history store (effective dates, comment and compliance deadlines) in the next days."""
    with user_errors():
        import datetime as dt
        import json

        from briefs.calendar import calendar, event_uid
        from briefs.cli_words import no_deadline_line, no_team_deadline_line, wrote_line
        from briefs.errors import RenderError
        from briefs.files import write_atomically
        from briefs.history import stated_deadlines_between, store_path
        from briefs.settings import load_settings
        from briefs.teams import statement_for
        from briefs.weeks import today_in_shanghai

        try:
            first = dt.date.fromisoformat(start) if start else today_in_shanghai()
        except ValueError:
            raise ConfigError(f"--from {start}: not a YYYY-MM-DD date") from None
        settings = load_settings(config)
        chosen = settings.team(team) if team else None
        last = first + dt.timedelta(days=days)
        stated = stated_deadlines_between(store_path(settings.home), first, last)
        # A team's list is its briefing's: each deadline in the words of the first statement for the team.
        picked = [statement_for(statements, chosen) if chosen else statements[0] for statements in stated]
        found = [deadline for deadline in picked if deadline is not None]
        for d in found:
            mark = {True: "verified", False: "UNVERIFIED", None: "unchecked"}[d.verified]
            if json_lines:
                record = {
                    "date": d.date.isoformat(),
                    "kind": d.kind,
                    "verified": d.verified,
                    "uid": event_uid(d),
                    "source_phrase": d.source_phrase,
                    "source_sentence": d.source_sentence,
                    "product_scope": list(d.product_scope),
                    "priority": d.priority,
                    "week": d.document.week,
                    "ref": d.document.ref,
                    "title_zh": d.document.title_zh,
                    "title_en": d.document.title_en,
                    "document_number": d.document.document_number,
                    "url": d.document.url,
                    "path": d.document.path,
                }
                typer.echo(json.dumps(record, ensure_ascii=False))
                continue
            typer.echo(f"{d.date} {d.kind} ({mark}) {d.document.title_zh} [{d.document.week} {d.document.ref}]")
            typer.echo(f"    {d.source_sentence or d.source_phrase}")
            if d.document.url:
                typer.echo(f"    {d.document.url}")
        if ics is not None:
            try:
                write_atomically(ics, calendar(found, dt.datetime.now(dt.UTC)))
            except OSError as error:
                raise RenderError(f"--ics {ics}: cannot write ({error.strerror or error})") from None
            say(wrote_line(ics))
        if not found and chosen and stated:
            say(no_team_deadline_line(len(stated), first, last, chosen.name))
        elif not found:
            say(no_deadline_line(first, last))


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def main() -> None:
    # Chinese text on a terminal or pipe whose locale is not UTF-8 must not crash the run.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as error:  # a flag missing, unknown or malformed: one line, like every mistake
        context = getattr(error, "ctx", None)
        where = f" (see '{context.command_path} --help')" if context is not None else ""
        say(f"briefs: error: {error.format_message()}{where}")
        code = getattr(error, "exit_code", EXIT_USAGE)
    except typer.Abort:
        say("briefs: interrupted")
        code = 130
    except SystemExit as stop:  # the CLI library stops on a broken pipe met outside a command (--help)
        if not isinstance(stop.__context__, BrokenPipeError):
            raise
        code = _reader_gone().exit_code
    _exit(code if isinstance(code, int) else 0)


def _exit(code: int) -> None:
    """Exit now. Model calls abandoned on an interrupt may still be blocked on a hanging endpoint in
    worker threads; a normal exit would wait for each of them (minutes), so the process ends
    without them. Everything worth keeping was written atomically before this point."""
    try:  # what was printed outside a command (--help, --version) meets its reader here
        deliver_output()
    except typer.Exit as gone:
        code = gone.exit_code
    sys.stderr.flush()
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    main()
