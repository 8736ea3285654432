"""The weekly job, and the only module that knows the order of the stages:

    read ─► select period ─► extract (+ verify) ─► synthesize ─► assemble ─► render ─► write

Each stage is a module of its own that knows nothing of the others; this one passes their outputs
along, builds the model client from the settings, and decides the exit code. A failed document
never stops the run: it is listed under warnings and the exit code says the briefing is incomplete.
Because every model answer is cached (live mode), a rerun redoes only what failed.

The jobs here return data and tell what happens as typed events (briefs.events) through one
``on_event`` callback; they hold no sentence for the user (the command line words them).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx2

from briefs import history as history_store
from briefs import resources
from briefs.assemble import build_briefing, coverage_of, number_digests, relative_path
from briefs.baseline import quiet_alert, source_counts
from briefs.continuity import history_for
from briefs.deliver import NO_TEAMS, Attachment, MailContent, SendReport, send_week, subject_for
from briefs.errors import (
    EXIT_INCOMPLETE,
    EXIT_NOTHING,
    EXIT_OK,
    ConfigError,
    DeliveryError,
    Hint,
    HistoryError,
    RenderError,
)
from briefs.estimate import ReaskExpectation, WeekEstimate, estimate_week, expected_reasks
from briefs.events import (
    BatchDone,
    BatchPolled,
    BriefingWarning,
    CallsProgress,
    DocumentFailure,
    DuplicateSkipped,
    Event,
    EventSink,
    HistoryUnavailable,
    InputSkipped,
    MailingIncomplete,
    ModelWarning,
    NothingExtracted,
    NothingReadable,
    ReaderNote,
    ReplayChosen,
    TeamMailed,
    UnusedRecording,
    WeekNotRebuilt,
    WeekRebuilt,
    ignore,
)
from briefs.extract import extract_documents, extraction_requests
from briefs.files import replace_folder, temporary_prefix
from briefs.identity import merge_same_number
from briefs.llm import (
    PRICES_AS_OF,
    BatchProgress,
    BatchRun,
    BatchState,
    BatchWaiting,
    CallRequest,
    Collected,
    Ledger,
    ModelClient,
    collect_batch,
    collect_file,
    reask_state_path,
    retrieve_batch,
    run_batch,
    submit_batch,
    write_offline,
)
from briefs.llm_setup import make_llm_config, resolve_mode
from briefs.models import (
    FORMATS,
    Briefing,
    BriefingLanguage,
    Coverage,
    Digest,
    Document,
    Format,
    InputFile,
    NumberedDigest,
    Period,
    RunRecord,
    StageUsage,
)
from briefs.prompting import EXTRACT, MERGE, Prompts
from briefs.reader import read_paths
from briefs.render import LABELS, Languages, render
from briefs.settings import Settings, Team
from briefs.synthesize import prompt_version as synthesis_prompt_version
from briefs.synthesize import synthesize
from briefs.teams import for_team
from briefs.verify import glossary_drift
from briefs.weeks import in_period

BRIEFING_NAME = "briefing"
RUN_RECORD_NAME = "run.json"
UPCOMING_DAYS = 90  # how far after a week its briefing looks for deadlines announced in earlier weeks


@dataclass(frozen=True)
class GenerateRequest:
    """What `briefs generate` was asked for, beyond the settings."""

    period: Period
    formats: tuple[Format, ...] = FORMATS
    language: BriefingLanguage | None = None  # None: the team's language, else the settings'
    team: str | None = None
    dry_run: bool = False
    list_unused_recordings: bool = False
    history: Path | None = None  # the history store; None: $BRIEFS_HOME/history.db
    batch: bool = False  # extraction through the Batch API first (submit or resume, wait, collect)


@dataclass
class GenerateResult:
    """What ``generate`` made; what happened on the way was told as events."""

    exit_code: int
    out_dir: Path
    briefing: Briefing | None = None  # None: nothing was written (a dry run, nothing read or extracted)
    written: list[Path] = field(default_factory=list)
    week_estimate: WeekEstimate | None = None  # a dry run: every call of the week, priced
    seconds: float = 0.0
    batch: BatchRun | None = None  # what the Batch API step did before the online run


@dataclass(frozen=True)
class ModelSeam:
    """How the model is reached, for record runs (the reference recordings) and tests."""

    inner_transport: httpx2.BaseTransport | None = None
    provenance: str | None = None
    # how the wait between a batch's polls is spent (tests pass one that returns at once)
    batch_sleep: Callable[[float], None] | None = None


def corpus_dir(settings: Settings) -> Path:
    corpus = settings.corpus or resources.sample_corpus_dir()
    if not corpus.exists():
        raise ConfigError(Hint("corpus", "corpus"), f" {corpus}: no such file or folder")
    return corpus


def paths_base(corpus: Path) -> Path:
    """What paths in a briefing are relative to: the corpus folder, or the folder of a one-file corpus
    (relative to the file itself, every path would be '.')."""
    return corpus if corpus.is_dir() else corpus.parent


def check_recordings(settings: Settings, mode: str) -> None:
    """Replay from a folder that is not there would fail every call one by one: say it once, up front."""
    if mode == "replay" and settings.recordings is not None and not settings.recordings.is_dir():
        raise ConfigError(
            f"recordings {settings.recordings}: no such folder to replay from "
            "(set BRIEFS_RECORDINGS or `recordings` in the config file, or ",
            Hint("mode_record", "mode record"),
            " to make it)",
        )


def shown(text: str) -> str:
    """A message as it goes into a briefing: the bundled sample's folders by name, not by this
    machine's absolute path (replay misses name the recordings folder)."""
    for folder, name in (
        (resources.sample_recordings_dir(), "the bundled sample recordings"),
        (resources.sample_corpus_dir(), "the bundled sample corpus"),
    ):
        for spelling in dict.fromkeys((str(folder), str(folder.resolve()))):
            text = text.replace(spelling, name)
    return text


def tell_mode(settings: Settings, on_event: EventSink) -> None:
    """Tell the one automatic choice worth telling: replaying because no model is set (nothing to
    tell when the user chose the mode)."""
    if settings.mode == "auto" and resolve_mode(settings) == "replay":
        on_event(ReplayChosen(recordings=settings.recordings))


def calls_progress(on_event: EventSink) -> Callable[[BatchProgress], None]:
    """The model layer's progress callback, told on as events."""

    def tell(progress: BatchProgress) -> None:
        on_event(CallsProgress(progress.description, progress.done, progress.total, progress.finished))

    return tell


def batch_polled(on_event: EventSink) -> Callable[[BatchWaiting], None]:
    """The model layer's callback for a Batch API batch being waited for, told on as events."""

    def tell(waiting: BatchWaiting) -> None:
        on_event(
            BatchPolled(waiting.batch_id, waiting.status, waiting.done, waiting.failed, waiting.total, waiting.finished)
        )

    return tell


def within(line: str, base: Path) -> str:
    """A reader's problem line ("<path>: what is wrong") with its path relative to the corpus, as
    the briefing names documents: no machine's folders in outputs, and the name the operator knows."""
    for spelling in dict.fromkeys((str(base), str(base.absolute()))):
        if line.startswith(spelling + os.sep):
            return line[len(spelling) + 1 :]
    return line


def select_period(documents: list[Document], period: Period) -> list[Document]:
    """The readable, non-duplicate documents dated inside the period (inferred dates count)."""
    return [doc for doc in documents if doc.readable and in_period(doc, period)]


def generate(
    settings: Settings, request: GenerateRequest, seam: ModelSeam = ModelSeam(), on_event: EventSink = ignore
) -> GenerateResult:
    """Write the briefing of ``request.period`` to ``settings.out/<label>/``: read the corpus, keep
    the period's documents, extract and verify each, synthesize the week, assemble, add what the
    history store knows, render every asked format and the run record, then record the week.

    Returns a ``GenerateResult``: the exit code (``EXIT_OK``; ``EXIT_INCOMPLETE`` when a document,
    the synthesis or a check was left out; ``EXIT_NOTHING`` when nothing could be read or extracted,
    and then nothing is written, so an earlier briefing stays), the briefing as written (``None``
    when nothing was), the files written and the seconds taken; with ``request.batch``, what the
    Batch API part did (``batch``). A dry run (``request.dry_run``) only counts tokens and fills
    ``week_estimate``. ``seam`` reaches the model another way (record runs, tests).

    ``on_event`` is told, in this order, as it happens (briefs.events): ``ReplayChosen`` when no
    model is set and answers are replayed; a ``ReaderNote`` per note of the reader;
    ``NothingReadable`` (and the job ends) when no document could be read; ``ModelWarning`` before
    the first call when a request will not fit; with ``request.batch``, ``BatchPolled`` after each
    look at the Batch API batch and ``BatchDone`` once it is collected; ``CallsProgress`` while each
    batch of model calls runs; ``NothingExtracted`` (and the job ends) when every document failed; ``HistoryUnavailable``
    when the history store cannot be used; then a ``BriefingWarning`` per warning of the written
    briefing and, when asked, an ``UnusedRecording`` per recording no call used.

    Raises ``BriefsError`` for a wrong setting or team or a briefing that cannot be written, the
    model layer's ``LLMError`` for a wrong model setup or a missing recording in replay; one bad
    document or one failed call never raises.
    """
    started = time.monotonic()
    if request.team:
        settings.team(request.team)  # an unknown team fails now, before anything is read or paid for
    corpus = corpus_dir(settings)
    check_recordings(settings, resolve_mode(settings))
    if request.batch and not request.dry_run:
        check_batch_mode(settings)
        if not settings.use_cache:  # the online run would ignore what the batch answered, and pay again
            raise ConfigError(
                Hint("no_cache", "use_cache off"),
                " with ",
                Hint("batch", "a batch"),
                ": the batch's answers reach the run through the response cache; ",
                Hint("use_cache", "set use_cache"),
                " (",
                Hint("clear_cache", "clear_cache"),
                " empties the cache first, if that is what you want)",
            )
    base = paths_base(corpus)
    out_dir = settings.out / request.period.label
    result = GenerateResult(exit_code=EXIT_OK, out_dir=out_dir)
    tell_mode(settings, on_event)

    read = read_paths([corpus], settings)
    for note in read.notes:
        on_event(ReaderNote(note))
    skipped = [within(problem, base) for problem in read.problems]
    if not read.readable and read.problems:
        on_event(NothingReadable(corpus=corpus, problems=tuple(skipped)))
        result.exit_code = EXIT_NOTHING
        return result
    selected = select_period(read.documents, request.period)

    config = make_llm_config(
        settings,
        provenance=seam.provenance,
        inner_transport=seam.inner_transport,
        progress=calls_progress(on_event),
    )
    prompts = Prompts()  # one per run: templates, glossary and versions are read once
    with ModelClient(config) as client:
        if request.dry_run:
            per_document = extraction_requests(selected, prompts, settings.extract_model)
            store = request.history or history_store.store_path(settings.home)
            reask = recorded_reasks(store, settings.extraction_model)
            week = estimate_week(
                client, request.period, selected, per_document, prompts, settings.synthesis_tokens, reask
            )
            result.week_estimate = week
            return result
        chunk_requests = [
            r for per_document in extraction_requests(selected, prompts, settings.extract_model) for r in per_document
        ]
        if warning := client.context_warning(chunk_requests):
            on_event(ModelWarning(warning))  # now, before the first call, not after the run
        preflight(client, out_dir, selected, len(request.formats))
        if request.batch:  # the answers land in the cache, where the extraction below finds them
            path = batch_state_path(settings, request.period)
            polled = batch_polled(on_event)
            result.batch = run_batch(
                client, chunk_requests, path, settings.batch_poll_seconds, polled, seam.batch_sleep
            )
            on_event(BatchDone(request.period.label, result.batch))
        digests = extract_documents(selected, client, prompts, settings.extract_model)
        if digests and all(digest.extraction is None for digest in digests):
            return _nothing_extracted(result, digests, request.period, base, on_event)
        numbered = number_digests(merge_same_number(digests))  # one document per verified 文号
        outcome = synthesize(client, request.period, numbered, settings.synthesis_tokens)
        unused = client.unused_recordings() if request.list_unused_recordings and config.mode == "replay" else []
        run = run_record(settings, config.mode, client, selected, base, prompts)

    failed = [d.model_copy(update={"error": shown(d.error or "")}) for d in digests if d.extraction is None]
    briefing = build_briefing(
        period=request.period,
        numbered=numbered,
        failed=failed,
        coverage=with_sources(coverage_of(read.documents, skipped, selected, base), read.documents, request.period),
        synthesis=outcome.synthesis,
        synthesis_error=shown(outcome.error) if outcome.error else outcome.error,
        synthesis_problems=outcome.problems,
        run=run,
        corpus=base,
        language=settings.language,
    )
    store = request.history or history_store.store_path(settings.home)
    briefing, history_problem = with_history(briefing, store)
    whole_week = briefing
    briefing = _for_audience(briefing, settings, request)
    result.briefing = briefing
    # what each team will be mailed, written with the briefing so that a person can review it
    team_files = team_mail_files(briefing, settings.teams) if not request.team else {}
    drift = glossary_drift_record(digests, prompts, base)
    result.written = write_outputs(briefing, request.formats, out_dir, started, corpus, team_files, drift)
    if history_problem is None:
        history_problem = record_week(store, whole_week, numbered, corpus)
    if history_problem is not None:
        on_event(HistoryUnavailable(history_problem))
    result.seconds = time.monotonic() - started
    result.exit_code = EXIT_OK if briefing.complete else EXIT_INCOMPLETE
    for flagged in briefing.warnings:
        on_event(BriefingWarning(kind=flagged.kind, document=flagged.document, message=flagged.message))
    for path in unused:
        on_event(UnusedRecording(path))
    return result


def with_sources(coverage: Coverage, documents: list[Document], period: Period) -> Coverage:
    """The coverage with its per-source counts beside the recent weeks, and the empty-week alert."""
    counts = source_counts(documents, period)
    return coverage.model_copy(update={"sources": counts, "alert": quiet_alert(counts, coverage.in_period)})


def recorded_reasks(store: Path, extract_model: str | None = None) -> ReaskExpectation:
    """The re-asks a dry run expects: from the user's recorded runs (those whose extraction went to
    ``extract_model``, when given) when the store has enough, else the measured default (an
    unreadable store is no reason to stop a dry run)."""
    try:
        record = history_store.reask_record(store, extract_model)
    except HistoryError:
        return expected_reasks()
    return expected_reasks(record.reasks, record.sent, extract_model)


def with_history(briefing: Briefing, store: Path) -> tuple[Briefing, str | None]:
    """The briefing with its sections from the history store (what changed, upcoming deadlines), or
    unchanged with the reason when the store cannot be read: history never sinks a paid run."""
    try:
        earlier = history_store.earlier_than(store, briefing.period, UPCOMING_DAYS)
    except HistoryError as error:
        return briefing, str(error)
    return briefing.model_copy(update={"history": history_for(briefing, earlier, UPCOMING_DAYS)}), None


def record_week(store: Path, briefing: Briefing, numbered: list[NumberedDigest], corpus: Path) -> str | None:
    """The week written to the history store (replacing it if it was there); the reason if it could not be."""
    try:
        history_store.write_week(store, briefing, numbered, str(corpus.resolve()))
    except HistoryError as error:
        return str(error)
    return None


def _nothing_extracted(
    result: GenerateResult, digests: list[Digest], period: Period, base: Path, on_event: EventSink
) -> GenerateResult:
    """Every document failed (typically: the endpoint is down or refuses the key). A briefing of
    nothing but failures would overwrite a good earlier one of the same week, so nothing is written."""
    failures = tuple(
        DocumentFailure(relative_path(digest.document.path, base), shown(digest.error or "no answer"))
        for digest in digests
    )
    # the model answered, but nothing usable: the week is incomplete, not unreachable
    answered = any(digest.failure == "answer" for digest in digests)
    on_event(NothingExtracted(period_label=period.label, failures=failures, answered=answered))
    result.exit_code = EXIT_INCOMPLETE if answered else EXIT_NOTHING
    return result


def preflight(client: ModelClient, out_dir: Path, documents: list[Document], formats: int) -> None:
    """Everything that would fail after the model calls were paid for, tried before the first one;
    each failure is one line. (The settings were validated when they were loaded.)"""
    check_writable(out_dir.parent, Hint("out", "out"), "the briefing")
    check_space(out_dir.parent, expected_output_bytes(documents, formats))
    client.preflight()  # the cache folder (a warning) and the endpoint (one request)


def check_writable(folder: Path, setting: Hint, what: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=temporary_prefix())
        probe.close()  # deleted on close
    except OSError as error:
        raise ConfigError(setting, f" {folder}: cannot write {what} there ({error.strerror or error})") from None


def expected_output_bytes(documents: list[Document], formats: int) -> int:
    """Generous: each format holds about the documents' text again (quotes, both languages), plus a margin."""
    text = sum(len(document.text.encode("utf-8")) for document in documents)
    return 1_000_000 + (formats + 1) * 3 * text


def check_space(folder: Path, needed: int) -> None:
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise ConfigError(
            Hint("out", "out"),
            f" {folder}: only {free / 1e6:.1f} MB free, the briefing needs about {needed / 1e6:.1f} MB; "
            "free some space or choose another ",
            Hint("out", "out"),
        )


def _for_audience(briefing: Briefing, settings: Settings, request: GenerateRequest) -> Briefing:
    """The team's view (if asked) in the chosen language: the request's beats the team's, which
    beats the settings'."""
    if request.team:
        briefing = for_team(briefing, settings.team(request.team))
    if request.language:
        briefing = briefing.model_copy(update={"language": request.language})
    return briefing


def run_record(
    settings: Settings, mode: str, client: ModelClient, selected: list[Document], corpus: Path, prompts: Prompts
) -> RunRecord:
    ledger = client.ledger
    stages = [
        StageUsage(stage=name, usage=usage, model=", ".join(ledger.models_of(name)) or None)
        for name, usage in sorted(ledger.stages.items())
    ]
    total = ledger.run
    sent = total.calls - total.cache_hits
    return RunRecord(
        model=settings.model,
        mode=mode,  # type: ignore[arg-type]
        prompt_versions={
            EXTRACT: prompts.version(EXTRACT),
            MERGE: prompts.version(MERGE),
            "synthesize": synthesis_prompt_version(),
        },
        inputs=[InputFile(path=relative_path(doc.path, corpus), sha256=doc.sha256) for doc in selected],
        stages=stages,
        total=total,
        retries=max(0, total.attempts - sent),
        endpoint=client.endpoint_host(),
        priced=client.priced,
        prices_as_of=PRICES_AS_OF if client.priced else None,
        recordings=client.replayed_provenance(),
    )


def write_outputs(
    briefing: Briefing,
    formats: tuple[Format, ...],
    out_dir: Path,
    started: float,
    corpus: Path,
    extra: dict[str, str] | None = None,
    glossary: dict[str, Any] | None = None,
) -> list[Path]:
    """Render every format and the run record first, then make them the week's folder as one set
    (staging folder, one atomic swap): a template error, a full disk or a kill leaves the earlier
    briefing whole, and no reader ever sees files of two runs. What other commands keep in the
    folder (``mail/``) stays."""
    files = {f"{BRIEFING_NAME}.{fmt}": render(briefing, fmt) for fmt in formats}
    files.update(extra or {})  # the teams' emails (teams/<team>/...), swapped in with the rest
    files[RUN_RECORD_NAME] = run_file_text(briefing, started, corpus, list(files), glossary)
    try:
        replace_folder(out_dir, files, keep=lambda name: not _is_briefing_file(name))
    except OSError as error:  # disk full, a read-only folder: one line, not a traceback
        raise RenderError(f"{out_dir}: cannot write the briefing ({error.strerror or error})") from None
    return [out_dir / name for name in files]


def _is_briefing_file(name: str) -> bool:
    return name in (RUN_RECORD_NAME, TEAMS_FOLDER) or name.startswith(f"{BRIEFING_NAME}.")


def glossary_drift_record(digests: list[Digest], prompts: Prompts, base: Path | None) -> dict[str, Any]:
    """How often a requirement's English missed the locked term of a glossary term its source
    sentence holds: a rate for run.json and the misses behind it (a soft flag, never re-asked)."""
    terms = [(term.zh, term.en) for term in prompts.glossary]
    checked = 0
    misses = []
    for digest in digests:
        if digest.extraction is None:
            continue
        path = None
        for check in glossary_drift(digest.extraction, terms):
            checked += 1
            if not check.ok:
                path = path or relative_path(digest.document.path, base)
                misses.append({"document": path, "target": check.target, "term": check.value, "detail": check.detail})
    rate = round(len(misses) / checked, 4) if checked else 0.0
    return {"terms_checked": checked, "missed": len(misses), "drift_rate": rate, "misses": misses}


def run_file_text(
    briefing: Briefing, started: float, corpus: Path, files: list[str], glossary: dict[str, Any] | None = None
) -> str:
    """run.json: the briefing's run record plus what only this run knows (time, files, glossary drift)."""
    record = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started, 3),
        "period": briefing.period.model_dump(mode="json"),
        "corpus": shown(str(corpus)),
        "complete": briefing.complete,
        "coverage": briefing.coverage.model_dump(mode="json"),
        "warnings": [w.model_dump(mode="json") for w in briefing.warnings],
        "files": files,
        "glossary": glossary or {"terms_checked": 0, "missed": 0, "drift_rate": 0.0, "misses": []},
        **briefing.run.model_dump(mode="json"),
    }
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


# --- the other two jobs: digests of any files, and mailing the week to each team ------------------


@dataclass
class ExtractResult:
    """What ``extract_paths`` made; what happened on the way was told as events."""

    exit_code: int
    digests: list[Digest]
    usage: Ledger  # the model calls made, per stage and in total


def extract_paths(settings: Settings, paths: list[Path], on_event: EventSink = ignore) -> ExtractResult:
    """read → extract (+ verify) for the given files, whatever their dates.

    Returns the exit code (``EXIT_OK``; ``EXIT_INCOMPLETE`` when an input was skipped or a document
    failed; ``EXIT_NOTHING`` when nothing could be read), a digest per readable document (failed ones
    included, with their error) and the model usage. ``on_event`` is told ``ReplayChosen`` when answers
    are replayed because no model is set, a ``ReaderNote`` per note of the reader, an ``InputSkipped``
    per input not read, a ``DuplicateSkipped`` per copy of another document, and ``CallsProgress``
    while the calls run.
    """
    check_recordings(settings, resolve_mode(settings))
    tell_mode(settings, on_event)
    read = read_paths(paths, settings)
    for note in read.notes:
        on_event(ReaderNote(note))
    for problem in read.problems:
        on_event(InputSkipped(problem))
    for document in read.documents:
        if document.duplicate_of:
            on_event(DuplicateSkipped(document.path, document.duplicate_of))
    with ModelClient(make_llm_config(settings, progress=calls_progress(on_event))) as client:
        digests = extract_documents(read.readable, client, extract_model=settings.extract_model)
    failed = any(digest.status == "failed" for digest in digests)
    if not digests and read.problems:
        exit_code = EXIT_NOTHING
    else:
        exit_code = EXIT_INCOMPLETE if failed or read.problems else EXIT_OK
    return ExtractResult(exit_code=exit_code, digests=digests, usage=client.ledger)


@dataclass(frozen=True)
class MailPreview:
    """What ``send`` would mail one team: the subject, the sizes (HTML, text, each attachment) in bytes."""

    team: Team
    subject: str
    html_bytes: int
    text_bytes: int
    attachments: tuple[tuple[str, int], ...]  # (file name, bytes)


@dataclass
class SendResult:
    report: SendReport | None  # None: a preview, nothing was sent
    previews: list[MailPreview] = field(default_factory=list)  # a preview: what would be sent, per team
    week: ReviewedWeek | None = None  # what the run record says of the briefing (with a preview)

    @property
    def exit_code(self) -> int:
        return self.report.exit_code if self.report else EXIT_OK


def send_briefings(
    settings: Settings,
    period: Period,
    teams: list[Team],
    *,
    dry_run: bool = False,
    force: bool = False,
    resend_unknown: bool = False,
    resend_all: bool = False,
    allow_incomplete: bool = False,
    preview: bool = False,
    on_event: EventSink = ignore,
) -> SendResult:
    """Mail each team the files `briefs generate` wrote for it (OUT/<week>/teams/<team>/), as they are
    on disk after review: nothing is read, extracted or rendered again. An incomplete briefing is
    refused unless ``allow_incomplete``; ``preview`` only says what would be sent (``previews``).

    ``on_event`` is told ``MailingIncomplete`` when an incomplete briefing is mailed anyway, then a
    ``TeamMailed`` per team as soon as it is done."""
    if not teams:
        raise ConfigError(NO_TEAMS)
    out_dir = settings.out / period.label
    week = reviewed_week(out_dir, period)
    contents = {team.name: reviewed_mail(out_dir, team, period) for team in teams}
    if preview:
        return SendResult(report=None, previews=[mail_preview(team, contents[team.name]) for team in teams], week=week)
    if not week.complete and not allow_incomplete:
        raise DeliveryError(
            f"{out_dir / RUN_RECORD_NAME}: the {period.label} briefing is incomplete ({len(week.warnings)} warnings; "
            "see ",
            Hint("preview", "its preview"),
            "); nothing was sent: fix and regenerate, or send it as it is with ",
            Hint("allow_incomplete", "allow_incomplete"),
        )
    if not week.complete:
        on_event(MailingIncomplete(period.label))
    report = send_week(
        settings,
        period.label,
        teams,
        lambda team: contents[team.name],
        dry_run=dry_run,
        force=force,
        resend_unknown=resend_unknown,
        resend_all=resend_all,
        progress=lambda result: on_event(TeamMailed(period.label, result)),
    )
    return SendResult(report=report)


def mail_preview(team: Team, content: MailContent) -> MailPreview:
    return MailPreview(
        team=team,
        subject=subject_for(content),
        html_bytes=len(content.html.encode("utf-8")),
        text_bytes=len(content.text.encode("utf-8")),
        attachments=tuple((a.filename, len(a.data)) for a in content.attachments),
    )


TEAMS_FOLDER = "teams"
MAIL_META_NAME = "mail.json"
# The team's whole briefing (every requirement), attached to its email: the mail body shows the top
# requirements per document to stay within an inbox's clipping limit. Markdown: readable as it is,
# about a third of the HTML's size, and any editor can review it.
FULL_BRIEFING_NAME = f"{BRIEFING_NAME}-full.md"


def team_mail_dir(out_dir: Path, team: Team) -> Path:
    return out_dir / TEAMS_FOLDER / team.name


def team_mail_files(briefing: Briefing, teams: list[Team]) -> dict[str, str]:
    """Each team's email as it will be sent, by path inside the week's folder
    (teams/<team>/briefing.html and .txt, the attached briefing-full.md, plus mail.json with its
    subject line's headline): `briefs send` mails these files as they are on disk, edits included."""
    files = {}
    for team in teams:
        content = mail_content(briefing, team)
        folder = f"{TEAMS_FOLDER}/{team.name}"
        meta = {"headline": content.headline, "audience": content.audience}
        files[f"{folder}/{BRIEFING_NAME}.html"] = content.html
        files[f"{folder}/{BRIEFING_NAME}.txt"] = content.text
        files[f"{folder}/{FULL_BRIEFING_NAME}"] = content.attachments[0].data.decode("utf-8")
        files[f"{folder}/{MAIL_META_NAME}"] = json.dumps(meta, ensure_ascii=False, indent=2) + "\n"
    return files


def reviewed_mail(out_dir: Path, team: Team, period: Period) -> MailContent:
    """The team's email from the files on disk: what a person reviewed (and maybe edited)."""
    folder = team_mail_dir(out_dir, team)
    texts, full = {}, b""
    for name in (f"{BRIEFING_NAME}.html", f"{BRIEFING_NAME}.txt", MAIL_META_NAME, FULL_BRIEFING_NAME):
        path = folder / name
        try:
            if name == FULL_BRIEFING_NAME:
                full = path.read_bytes()  # attached as it is: no decoding, no re-encoding
            else:
                texts[name] = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DeliveryError(
                f"{path}: not found; ",
                generate_first(period),
                " first, review what it wrote, then send (send mails the files on disk and never generates)",
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise DeliveryError(f"{path}: cannot read it ({error})") from None
    try:
        meta = json.loads(texts[MAIL_META_NAME])
    except ValueError as error:
        raise DeliveryError(f"{folder / MAIL_META_NAME}: not valid JSON ({error})") from None
    return MailContent(
        week=period.label,
        text=texts[f"{BRIEFING_NAME}.txt"],
        html=texts[f"{BRIEFING_NAME}.html"],
        headline=meta.get("headline"),
        title=LABELS["title"],
        audience=meta.get("audience"),
        attachments=(Attachment(FULL_BRIEFING_NAME, full),),
    )


@dataclass(frozen=True)
class ReviewedWeek:
    """What run.json says of the week's briefing: whether it is complete, and its warnings."""

    complete: bool
    warnings: list[tuple[str, str]]  # (kind, message)


def generate_first(period: Period) -> Hint:
    """What to do before a send can find the week's files: generate them."""
    return Hint("generate_week", f"generate the {period.label} briefing", {"week": period.label})


def reviewed_week(out_dir: Path, period: Period) -> ReviewedWeek:
    path = out_dir / RUN_RECORD_NAME
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeliveryError(
            f"{path}: not found; ", generate_first(period), " first, review what it wrote, then send"
        ) from None
    except (OSError, ValueError) as error:
        raise DeliveryError(f"{path}: cannot read the run record ({error})") from None
    warnings = [
        (str(w.get("kind")), str(w.get("message"))) for w in record.get("warnings") or [] if isinstance(w, dict)
    ]
    return ReviewedWeek(complete=bool(record.get("complete")), warnings=warnings)


def mail_content(briefing: Briefing, team: Team) -> MailContent:
    """One team's view of the week's briefing, rendered for email by the briefing's own templates,
    with the full briefing attached."""
    view = for_team(briefing, team)
    return MailContent(
        week=view.period.label,
        text=render(view, "txt"),
        html=render(view, "html", full_briefing=FULL_BRIEFING_NAME),
        attachments=(Attachment(FULL_BRIEFING_NAME, render(view, "md").encode("utf-8")),),
        headline=Languages(view.language).one(view.headline) or None,
        title=LABELS["title"],
        audience=team.name if view.team_filter is not None else None,
    )


# --- the history store rebuilt from cached answers --------------------------------------------------


class _NoModelCalls(httpx2.BaseTransport):
    """Stands in for the network while the history is rebuilt: an answer not in the cache (or the
    recordings) fails instead of being paid for."""

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("history rebuild makes no model calls and this answer is not cached", request=request)


@dataclass
class RebuildResult:
    exit_code: int
    store: Path
    rebuilt: list[str]  # the labels of the weeks made again
    failed: list[str]  # the labels of the weeks that could not be; then the store was left as it was


def rebuild_history(settings: Settings, on_event: EventSink = ignore) -> RebuildResult:
    """Every week of the history store made again from the cached answers (live and record runs) or
    the recordings (replay), with no model call, into a new file that replaces the store only when
    every week came back whole. The weeks go oldest first, so each one's sections see the ones before.

    ``on_event`` is told ``WeekRebuilt`` per week made again, and for a week that could not be, what
    its run told (``generate``'s events) followed by ``WeekNotRebuilt``.
    """
    store = history_store.store_path(settings.home)
    weeks = history_store.stored_weeks(store)
    result = RebuildResult(exit_code=EXIT_OK, store=store, rebuilt=[], failed=[])
    with tempfile.TemporaryDirectory(dir=store.parent, prefix=".rebuild-") as scratch:
        fresh = Path(scratch) / history_store.STORE_NAME
        for label, start, end, iso_week, corpus in weeks:
            period = Period(label=label, start=start, end=end, iso_week=iso_week)
            week_settings = settings.model_copy(
                update={
                    "out": Path(scratch) / "briefings",
                    "corpus": settings.corpus or (Path(corpus) if corpus else None),
                }
            )
            request = GenerateRequest(period=period, formats=("json",), history=fresh)
            told: list[Event] = []  # a week that comes back whole has nothing worth telling
            week = generate(week_settings, request, ModelSeam(inner_transport=_NoModelCalls()), told.append)
            if week.briefing is None or not week.briefing.complete or week.exit_code != EXIT_OK:
                for event in told:
                    on_event(event)
                on_event(WeekNotRebuilt(label))
                result.failed.append(label)
            else:
                on_event(WeekRebuilt(label, len(week.briefing.documents)))
                result.rebuilt.append(label)
        if result.failed:
            result.exit_code = EXIT_INCOMPLETE
            return result
        history_store.keep_run_records(store, fresh)
        os.replace(fresh, store)
    return result


# --- the Batch API: a week's extraction requests at half the price ---------------------------------


def batch_state_path(settings: Settings, period: Period) -> Path:
    return settings.home / "batches" / f"{period.label}.json"


def check_batch_mode(settings: Settings) -> None:
    if resolve_mode(settings) == "replay":
        raise ConfigError("mode: a batch is sent to a live endpoint; set mode = live (or a base URL)")


@contextmanager
def _week_extraction(settings: Settings, period: Period) -> Iterator[tuple[ModelClient, list[CallRequest[Any]]]]:
    """A client and every chunk request of the period: the same requests ``generate`` sends first."""
    check_batch_mode(settings)
    read = read_paths([corpus_dir(settings)], settings)
    selected = select_period(read.documents, period)
    requests = [
        r for per_document in extraction_requests(selected, Prompts(), settings.extract_model) for r in per_document
    ]
    with ModelClient(make_llm_config(settings)) as client:
        yield client, requests


def _loaded_state(settings: Settings, period: Period) -> BatchState:
    path = batch_state_path(settings, period)
    state = BatchState.load(path)
    if state is None:
        raise ConfigError(
            f"{path}: no batch was submitted for {period.label}; run ", Hint("batch_submit", "batch_submit"), " first"
        )
    return state


@dataclass(frozen=True)
class BatchSubmitted:
    """What `batch submit` did: the new batch's state (no keys: nothing was left to send), how many
    of the period's requests were answered already, and where the state and its JSONL are."""

    state: BatchState
    already: int
    total: int
    path: Path
    offline: bool


def batch_submit(settings: Settings, period: Period, offline: bool = False) -> BatchSubmitted:
    """Upload the period's extraction requests not answered yet and create the batch; ``offline``:
    only write them (beside the state) for a runner of the user's own."""
    path = batch_state_path(settings, period)
    earlier = BatchState.load(path)
    if earlier is not None and not earlier.finished and not earlier.creating:  # a lost creation is looked for
        raise ConfigError(f"{path}: a batch of {period.label} was already submitted; collect it (or delete the file)")
    with _week_extraction(settings, period) as (client, requests):
        state, already = (write_offline if offline else submit_batch)(client, requests, path)
    return BatchSubmitted(state, already, len(requests), path, offline)


@dataclass(frozen=True)
class BatchStatus:
    batch_id: str
    status: str  # the provider's word (validating, in_progress, completed, ...) or "offline"
    done: int | None = None  # None: the provider gave no counts
    failed: int = 0
    total: int = 0
    reasks: BatchStatus | None = None  # the batch of its answers' check re-asks, once one was sent
    reasks_waiting: int = 0  # answers whose check re-ask no batch has sent yet


def batch_status(settings: Settings, period: Period) -> BatchStatus:
    path = batch_state_path(settings, period)
    state = _loaded_state(settings, period)
    if state.offline:
        return BatchStatus("", "offline", total=len(state.keys))
    second = BatchState.load(reask_state_path(path))
    if second is not None and second.parent != state.batch_id:
        second = None  # the re-asks of an earlier batch
    with _week_extraction(settings, period) as (client, _):
        found = _status_of(client, state)
        if second is not None:
            found = replace(found, reasks=_status_of(client, second))
        elif state.reasks:
            found = replace(found, reasks_waiting=len(state.reasks))
    return found


def _status_of(client: ModelClient, state: BatchState) -> BatchStatus:
    found = retrieve_batch(client, state)
    counts = found.request_counts
    if counts is None:
        return BatchStatus(state.batch_id, found.status)
    return BatchStatus(state.batch_id, found.status, counts.completed, counts.failed, counts.total)


def batch_collect(settings: Settings, period: Period, from_file: Path | None = None) -> tuple[BatchState, Collected]:
    """Cache the answers of the period's batch (from the provider, or the output file a batch
    runner wrote); the state says which batch, the result what was found."""
    path = batch_state_path(settings, period)
    state = _loaded_state(settings, period)
    if from_file is None and state.offline:
        raise ConfigError(
            f"{path}: the batch of {period.label} was written for an offline runner; collect its output file with ",
            Hint("from_file", "from_file"),
        )
    with _week_extraction(settings, period) as (client, requests):
        if from_file is not None:
            return state, collect_file(client, requests, state, path, from_file)
        return state, collect_batch(client, requests, state, path)
