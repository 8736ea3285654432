"""The command line's words: what ``briefs`` says on stderr for each event a job tells
(briefs.events) and for what a job returns. The pipeline returns data and tells events; only the
entry points turn them into sentences, so a library caller never meets this wording."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from briefs.deliver import TeamResult
from briefs.errors import BriefsError
from briefs.estimate import WeekEstimate
from briefs.events import (
    BatchDone,
    BatchPolled,
    BriefingWarning,
    DuplicateSkipped,
    Event,
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
)
from briefs.llm import BatchRun, BatchState, Collected, Ledger
from briefs.llm_setup import BRIEFS_HINTS
from briefs.models import Briefing, Period
from briefs.pipeline import BatchStatus, BatchSubmitted, RebuildResult, SendResult
from briefs.render import cost_words

# The briefing's warnings worth a line on the terminal too: the one who runs the job should not have
# to open the briefing to learn that the endpoint refused the key or a recording is missing. (The
# many "unverified" and "injection" flags belong to the briefing's reader.)
TERMINAL_WARNINGS = ("failed", "synthesis", "quiet", "unreadable", "undated")


# What an error of the pipeline tells a user of this command line to type (briefs.errors.Hint): its
# flags and commands, where a library caller reads the settings and arguments of the library.
ERROR_HINTS = {
    "corpus": "--corpus",
    "out": "--out",
    "mode_record": "--mode record",
    "no_cache": "--no-cache",
    "batch": "--batch",
    "use_cache": "drop --no-cache",
    "clear_cache": "`briefs cache clear`",
    "preview": "`briefs send --preview`",
    "allow_incomplete": "--allow-incomplete",
    "generate_week": "run `briefs generate --week {week}`",
    "from_file": "--from-file FILE",
    "batch_submit": "`briefs batch submit`",
    "all": "--all",
    "week": "--week",
    "from": "--from",
    "to": "--to",
    "force": "--force",
}


# What a model-layer error tells a user of this command line to change (briefs.llm.Hints, by field):
# briefs hands the model layer the library's words (briefs.llm_setup.BRIEFS_HINTS), which reach the
# terminal in errors and warnings; these take their place.
MODEL_HINTS = {
    "concurrency": "lower --concurrency (BRIEFS_CONCURRENCY)",
    "collect_offline": "collect its output with `briefs batch collect --from-file FILE`",
    "run_offline": "write it for a batch runner of yours with `briefs batch submit --offline`",
    "refresh_recordings": (
        "refresh with `briefs generate --week … --mode record` against a live model, "
        "or `make reference` for the hand-written sample answers"
    ),
}


def error_line(error: Exception) -> str:
    """The line an error a user can meet is told with: in this command line's words."""
    return in_command_line_words(error.worded(ERROR_HINTS) if isinstance(error, BriefsError) else str(error))


def in_command_line_words(text: str) -> str:
    """``text`` with the model layer's hints (a model-layer error's, as an error or a warning) in this
    command line's words."""
    for name, words in MODEL_HINTS.items():
        text = text.replace(getattr(BRIEFS_HINTS, name), words)
    return text


def event_lines(event: Event) -> list[str]:
    """The lines ``event`` is told with on the terminal (none for an event shown another way)."""
    return [in_command_line_words(line) for line in _event_lines(event)]


def _event_lines(event: Event) -> list[str]:
    match event:
        case ReplayChosen(recordings=recordings):
            where = "the bundled sample recordings" if recordings is None else str(recordings)
            return [
                f"briefs: no OPENAI_API_KEY or OPENAI_BASE_URL set, so model answers are replayed from {where} "
                "(offline; set either variable to call a model)"
            ]
        case ReaderNote(note=note):
            return [f"briefs: warning: {note}"]
        case ModelWarning(message=message):
            return [f"briefs: warning: {message}"]
        case InputSkipped(problem=problem):
            return [f"briefs: skipped {problem}"]
        case DuplicateSkipped(path=path, duplicate_of=duplicate_of):
            return [f"briefs: skipped {path}: duplicate of {duplicate_of}"]
        case NothingReadable(corpus=corpus, problems=problems):
            return [
                *(f"briefs: unreadable: {problem}" for problem in problems),
                f"briefs: error: no document in {corpus} could be read",
            ]
        case NothingExtracted():
            return nothing_extracted_lines(event)
        case HistoryUnavailable(reason=reason):
            return [f"briefs: warning: {reason}; the briefing was written without it"]
        case BriefingWarning(kind=kind, document=document, message=message):
            if kind not in TERMINAL_WARNINGS:
                return []
            return [f"briefs: {kind}: {document + ': ' if document else ''}{message}"]
        case UnusedRecording(path=path):
            return [f"briefs: unused recording {path}"]
        case WeekRebuilt(label=label, documents=documents):
            return [f"briefs: rebuilt {label} ({counted(documents, 'document')})"]
        case WeekNotRebuilt(label=label):
            return [f"briefs: error: {label} could not be rebuilt without a model call (see above)"]
        case MailingIncomplete(period_label=label):
            return [f"briefs: the {label} briefing is incomplete; it is mailed as it is (--allow-incomplete)"]
        case TeamMailed(week=week, result=result):
            return [f"briefs: {team_line(result, week)}"]
        case BatchDone(period_label=label, run=run):
            return batch_run_lines(run, label)
    return []


def nothing_extracted_lines(event: NothingExtracted) -> list[str]:
    lines = [f"briefs: failed: {failure.path}: {failure.reason}" for failure in event.failures]
    if event.answered:
        lines.append(
            f"briefs: the briefing of {event.period_label} is incomplete: no document yielded usable content "
            "(the model's answers were empty or invalid), so nothing was written (an earlier briefing of "
            "this period is left as it was)"
        )
    else:
        lines.append(
            f"briefs: error: no document of {event.period_label} could be extracted, so nothing was written "
            "(an earlier briefing of this period is left as it was); fix the cause above and rerun"
        )
    return lines


def batch_run_lines(run: BatchRun, week: str) -> list[str]:
    """What `generate --batch` did before the online run."""
    lines: list[str] = []
    if run.collected is not None and run.state is not None:
        found = run.collected
        how = "resumed" if run.resumed else f"submitted with {run.submitted} requests ({run.already} answered before)"
        reasks = f", {len(found.reask)} to re-ask in a second batch" if found.reask else ""
        lines.append(
            f"briefs: batch {run.state.batch_id} ({how}) is {found.status}: {len(found.cached)} answers collected "
            f"({batch_cost_words(found)}), {found.already} earlier{reasks}, {len(found.failed)} failed"
        )
        lines += failed_line_lines(found, "asked online")
    elif run.reasks is None:
        if run.state is not None and run.state.finished and run.left_online:
            lines.append(
                f"briefs: the batch of {week} ({run.state.batch_id}) was collected earlier; "
                f"{run.left_online} requests left are asked online"
            )
        else:
            lines.append(f"briefs: all {run.already} extraction requests of {week} are answered already; no batch sent")
    if run.reasks is not None and run.reask_state is not None:
        how = f"submitted with {run.reask_submitted} re-asks" if run.reask_submitted else "resumed"
        lines.append(
            f"briefs: re-ask batch {run.reask_state.batch_id} ({how}) is {run.reasks.status}: "
            f"{len(run.reasks.cached)} answers cached ({batch_cost_words(run.reasks)}), {len(run.reasks.failed)} failed"
        )
        lines += failed_line_lines(run.reasks, None)
    return lines


SHOWN_FAILED_LINES = 10  # a batch refused as a whole fails every line: name a few, count the rest


def failed_line_lines(found: Collected, then: str | None) -> list[str]:
    """Why the provider refused the batch (if it did), and each failed line, the first few by name
    (``then``: what becomes of a failed line, when its reason does not say)."""
    after = f"; {then}" if then else ""
    lines = [f"briefs: the batch was refused: {error}" for error in found.errors[:SHOWN_FAILED_LINES]]
    failed = list(found.failed.items())
    lines += [f"briefs: batch line {custom_id} failed ({why}){after}" for custom_id, why in failed[:SHOWN_FAILED_LINES]]
    if len(failed) > SHOWN_FAILED_LINES:
        lines.append(f"briefs: ... and {len(failed) - SHOWN_FAILED_LINES} more failed lines{after}")
    return lines


def batch_cost_words(found: Collected) -> str:
    usage = found.usage
    tokens = f"{usage.prompt_tokens:,} tokens in, {usage.completion_tokens:,} out"
    if usage.cost_usd is None or not found.cached:
        return tokens
    return f"{tokens}, ${usage.cost_usd:.4f} at Batch prices"


# --- the batch commands ------------------------------------------------------------------------------


def batch_waiting_line(event: BatchPolled) -> str:
    """Said once when `generate --batch` starts waiting for a batch."""
    return (
        f"briefs: waiting for batch {event.batch_id} ({event.total} requests); Ctrl-C stops "
        "the waiting, not the batch: `briefs generate --batch` or `briefs batch collect` picks it up"
    )


def batch_polled_line(event: BatchPolled) -> str:
    """Said at each change of a waited-for batch's status."""
    return f"briefs: batch {event.batch_id} is {event.status}: {event.done} of {event.total} answered"


def batch_submitted_lines(done: BatchSubmitted) -> list[str]:
    """What `batch submit` did: nothing to send, a file written for an offline runner, or a batch created."""
    label = done.path.stem
    if not done.state.keys:
        return [f"briefs: all {done.total} extraction requests of {label} are answered already; nothing sent"]
    if done.offline:
        return [
            f"briefs: wrote {len(done.state.keys)} extraction requests of {label} to {done.path.with_suffix('.jsonl')}"
            f" ({done.already} already answered, not written); run it, then "
            f"`briefs batch collect --week {label} --from-file OUTPUT.jsonl`"
        ]
    return [
        f"briefs: submitted batch {done.state.batch_id}: {len(done.state.keys)} extraction requests of "
        f"{label} ({done.already} already answered, not sent); state in {done.path}"
    ]


def batch_status_lines(found: BatchStatus) -> list[str]:
    """Where `batch status` found the week's batch (and its re-ask batch) standing."""
    if found.status == "offline":
        return [
            f"briefs: the batch ({found.total} requests) was written for an offline runner; collect with --from-file"
        ]
    lines = []
    for batch, what in ((found, "batch"), (found.reasks, "re-ask batch")):
        if batch is not None:
            done = f": {batch.done} done, {batch.failed} failed of {batch.total}" if batch.done is not None else ""
            lines.append(f"briefs: {what} {batch.batch_id} is {batch.status}{done}")
    if found.reasks_waiting:
        lines.append(
            f"briefs: {found.reasks_waiting} answers wait for a check re-ask; `briefs generate --batch` sends them"
        )
    return lines


def batch_collected_lines(state: BatchState, found: Collected, from_file: Path | None, label: str | None) -> list[str]:
    """What `batch collect` cached, what failed, and what to run next (``label``: the week to finish,
    None while requests are still pending)."""
    name = f"batch {state.batch_id}" if state.batch_id else f"the batch output {from_file}"
    if found.pending:
        lines = [
            f"briefs: {name} is still {found.status}: {found.pending} of {len(state.keys)} requests pending, "
            f"{len(found.cached)} answers cached now; collect again later"
        ]
    else:
        lines = [
            f"briefs: {name} is {found.status}: {len(found.cached)} answers cached now, "
            f"{found.already} earlier, {len(found.failed)} failed, {found.pending} pending"
        ]
    lines += failed_line_lines(found, "`briefs generate` asks it online")
    if found.reask:
        lines.append(
            f"briefs: {len(found.reask)} answers need a check re-ask: `briefs generate --batch` sends them "
            "as a second batch, `briefs generate` asks them again online"
        )
    if label is not None:
        lines.append(f"briefs: run `briefs generate --week {label}` to finish the week from the cache")
    return lines


def usage_lines(ledger: Ledger) -> list[str]:
    """The model calls a job made, a line per stage and one for the run (the model layer's words)."""
    return [f"briefs: {line}" for line in ledger.summary().splitlines()]


# --- generate's closing lines ------------------------------------------------------------------------


def written_lines(briefing: Briefing, out_dir: Path, written: list[Path], seconds: float) -> list[str]:
    """What generate says once the briefing is written: where, what it covers, whether it is whole,
    and what the run took."""
    lines = [
        # by path inside the week's folder: each team's mail has files of the same names in teams/<team>/
        f"briefs: wrote {out_dir}/ ({', '.join(path.relative_to(out_dir).as_posix() for path in written)})",
        f"briefs: {coverage_line(briefing)}",
    ]
    if not briefing.complete:
        lines.append(f"briefs: {incomplete_line(briefing)}; rerun after fixing to redo only what is missing")
    lines.append(f"briefs: {run_line(briefing, seconds)}")
    return lines


def run_line(briefing: Briefing, seconds: float) -> str:
    """generate's last line: calls (and, when a stage had a model of its own, which), tokens, cost and time."""
    t = briefing.run.total
    by_model: dict[str, list[str]] = {}
    for stage, model in briefing.run.stage_models().items():
        by_model.setdefault(model, []).append(stage)
    models = "".join(f"; {' and '.join(stages)} on {model}" for model, stages in by_model.items())
    models += f", the rest on {briefing.run.model}" if models else ""
    return (
        f"{t.calls} model calls ({t.cache_hits} cached{models}), {t.prompt_tokens:,} tokens in, "
        f"{t.completion_tokens:,} out; {cost_words(briefing.run)}; {seconds:.1f} s"
    )


def dry_run_lines(week: WeekEstimate, period: Period) -> list[str]:
    """Every call the week would make, expected tokens and the three prices (or why there is none),
    then what the estimate warns of."""
    if week.list_usd is None:
        cost = "estimated cost unknown (no price: the endpoint is not a priced hosted API, or the model is not in the price table)"
    else:
        cost = (
            f"estimated cost ${week.list_usd:.4f} at list price, ${week.cached_usd:.4f} with the prompt cache, "
            f"${week.batch_usd:.4f} with `--batch` (extraction through the Batch API at half price, merges and "
            "synthesis online)"
        )
    summary = (
        f"briefs: dry run {period.label}: {counted(week.documents, 'document')}, {counted(week.calls, 'call')} "
        f"({week.chunk_calls - week.cached} extraction, {week.merge_calls} merge, {week.synthesis_calls} synthesis; "
        f"{week.cached} extraction calls already cached) and about {week.reasks} re-asks "
        f"({week.reask.share:.1%} of calls, {week.reask.basis}); "
        f"about {week.prompt_tokens:,} prompt tokens ({week.static_tokens:,} of them a static prefix) and "
        f"{week.output_tokens:,} output tokens expected from measured answer sizes; {cost}. Nothing was sent."
    )
    return [summary, *_by_model_lines(week), *(f"briefs: warning: {warning}" for warning in week.warnings)]


def _by_model_lines(week: WeekEstimate) -> list[str]:
    """One line per model, each stage priced at its own model's rates: said when the week has more
    than one model (a cheaper extract_model), and for one model only which it is."""
    parts = list(week.models.values())
    if len(parts) == 1:
        return [f"briefs: dry run: every call on {parts[0].model}"]
    lines = []
    for part in parts:
        if part.list_usd is None:
            cost = "no price (the endpoint is not a priced hosted API, or the model is not in the price table)"
        else:
            cost = (
                f"${part.list_usd:.4f} at list price, ${part.cached_usd:.4f} with the prompt cache, "
                f"${part.batch_usd:.4f} with `--batch`"
            )
        lines.append(
            f"briefs: dry run: {' and '.join(part.stages)} on {part.model}: about {part.prompt_tokens:,} prompt and "
            f"{part.output_tokens:,} output tokens; {cost}"
        )
    return lines


_MISSING_WORDS = {
    "failed": ("document failed", "documents failed"),
    "synthesis": ("the week synthesis failed", "the week synthesis failed"),
    "unreadable": ("input could not be read", "inputs could not be read"),
    "quiet": ("no document found though earlier weeks had some", "no document found though earlier weeks had some"),
}


def incomplete_line(briefing: Briefing) -> str:
    """What leaves the briefing incomplete, in words: `1 document failed, 2 inputs could not be read`."""
    parts = []
    for kind, count in briefing.missing.items():
        one, many = _MISSING_WORDS[kind]
        parts.append(one if kind in ("synthesis", "quiet") else f"{count} {one if count == 1 else many}")
    return f"the briefing is incomplete ({', '.join(parts)}; see its warnings)"


def coverage_line(briefing: Briefing) -> str:
    c = briefing.coverage
    return (
        f"{briefing.period.label} ({briefing.period.start} to {briefing.period.end}): "
        f"read {counted(c.documents_read, 'document')}, {c.in_period} in the period "
        f"({c.dates_inferred} with inferred dates), {counted(c.duplicates_merged, 'duplicate')} merged, "
        f"{len(c.skipped)} skipped; {counted(len(briefing.warnings), 'warning')}"
        + (f"; {len(c.undated)} undated not placed: {', '.join(c.undated)}" if c.undated else "")
    )


# --- the response cache, the history store, deadlines ----------------------------------------------


def cache_cleared_line(removed: int, directory: Path) -> str:
    return f"briefs: removed {removed} cached answers from {directory}"


def no_history_match_line(query: str) -> str:
    return f"briefs: nothing in the history matches {query!r}"


def history_rebuilt_line(result: RebuildResult) -> str:
    """Whether `history rebuild` replaced the store (a week that could not be made leaves it as it was)."""
    if result.failed:
        return f"briefs: the history store {result.store} was left as it was"
    return f"briefs: rebuilt {result.store} ({len(result.rebuilt)} weeks)"


def wrote_line(path: Path) -> str:
    return f"briefs: wrote {path}"


def no_deadline_line(first: dt.date, last: dt.date) -> str:
    return f"briefs: no stored deadline from {first} to {last}"


def no_team_deadline_line(count: int, first: dt.date, last: dt.date, team: str) -> str:
    """A team whose filter removed every deadline of the window: there were some, none for it."""
    deadlines = "deadline" if count == 1 else "deadlines"
    return f"briefs: none of the {count} stored {deadlines} from {first} to {last} is for team {team!r}"


# --- send --------------------------------------------------------------------------------------------


def team_line(result: TeamResult, week: str) -> str:
    """What became of one team's mail of ``week``, recipient by recipient where it matters."""
    if result.outcome == "dry-run":
        skip = f"; a real send would skip {result.passed_over} who have it or may have it" if result.passed_over else ""
        return f"{result.team}: wrote {result.eml} (dry run, nothing sent){skip}"
    if result.outcome == "skipped":
        if result.held:
            already = f"{week} already sent to {len(result.already)} of {result.recipients} recipients"
        else:
            already = f"{week} already sent to all {len(result.already)} recipients (--force --all sends again)"
        parts = [f"{result.team}: skipped, {already}"]
    elif result.outcome == "unknown":
        parts = [f"{result.team}: handed to the server, no answer"]
    else:
        parts = [f"{result.team}: sent to {len(result.accepted)}"]
    if result.refused:
        parts.append("refused by the server: " + "; ".join(f"{a} ({why})" for a, why in result.refused.items()))
    if result.unknown:
        parts.append(
            f"not confirmed for {', '.join(result.unknown)} ({result.error}): the server may have it, so a rerun "
            "does not send it again unless told --resend-unknown"
        )
    if result.held:
        parts.append(
            f"not resent to {', '.join(result.held)}: an earlier send was never confirmed and may have "
            "arrived (--resend-unknown sends it again, with the same Message-ID)"
        )
    return ", ".join(parts)


def preview_lines(result: SendResult) -> list[str]:
    """What `send --preview` shows per team: recipients, subject, size and the briefing's state."""
    week = result.week
    warnings = week.warnings if week is not None else []
    complete = week is not None and week.complete
    state = "complete" if complete else "INCOMPLETE (send refuses it without --allow-incomplete)"
    lines = []
    for preview in result.previews:
        attached = ", ".join(f"{name} {size / 1000:.1f} KB" for name, size in preview.attachments)
        lines += [
            f"{preview.team.name}",
            f"  To: {', '.join(preview.team.recipients)}",
            f"  Subject: {preview.subject}",
            f"  Size: {preview.html_bytes / 1000:.1f} KB HTML (Gmail clips past about 102 KB), "
            f"{preview.text_bytes / 1000:.1f} KB text" + (f"; attached: {attached}" if attached else ""),
            f"  Briefing: {state}; warnings: {len(warnings)}",
            *(f"    - {kind}: {message}" for kind, message in warnings),
        ]
    return lines


def counted(count: int, thing: str) -> str:
    """``1 document``, ``2 documents``: the nouns these lines count take a plain s."""
    return f"{count} {thing}" if count == 1 else f"{count} {thing}s"
