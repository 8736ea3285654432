"""The Batch API: the same requests the online path sends, as one batch at half the price.

``submit_batch`` writes each request as a line of the standard batch JSONL (custom_id, POST,
/v1/chat/completions, the exact chat-completions body the online call sends, response_format
included), uploads it (``files.create(purpose="batch")``) and creates the batch; the state (batch
id, file id, each custom_id's cache key and call label) is saved to a file at once, so an
interrupted run loses nothing. A custom_id is short (``custom_id_of``): a call's label holds its
file's name, and some providers refuse a custom_id over 64 characters. The creation is sent once
(a second would be paid twice) but tagged in its metadata, the tag saved in the state before it is
sent: a creation whose reply was lost is looked for among the recent batches (``batches.list``) and
sent again only when none carries the tag. ``collect_batch`` downloads
the output and error files and writes every valid answer into the same response cache the online
path reads: the next online run finds them there and sends only what is left (a failed line, an
invalid answer, an answer whose checks want a re-ask). Collecting again is harmless: an answer
already cached is left as it is.

``run_batch`` does the whole round for a caller that can wait: it submits what is not answered yet
(or resumes the batch a state file names), polls it, telling a ``progress`` callback how it stands
(the layer never draws), and collects it. An interruption while it waits loses nothing: the state
is on disk before the first poll, and the next run (or a collect) picks the batch up again.
``write_offline`` writes the same JSONL without uploading it, for a runner on the user's own
machine (vLLM's ``run_batch``); ``collect_file`` reads that runner's output file into the cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

import pydantic
from openai import APIConnectionError, APIError, APIStatusError
from openai.lib._parsing._completions import type_to_response_format_param

from briefs.llm.answers import Answer, Checked, Conversation, read_completion
from briefs.llm.client import ModelClient
from briefs.llm.config import CallRequest, CallResult, Usage
from briefs.llm.errors import LLMConfigError, ModelError, ModelRequestError
from briefs.llm.files import write_atomically
from briefs.llm.http_errors import call_failure, describe
from briefs.llm.retry import transport_retrying
from briefs.llm.usage import CallTally

T = TypeVar("T")

log = logging.getLogger("briefs.llm")

ENDPOINT: Final = "/v1/chat/completions"
STATE_VERSION = 1
# A batch in one of these states changes no more: what it did not answer, it never will.
TERMINAL: Final = frozenset({"completed", "failed", "expired", "cancelled"})
BATCH_PRICE: Final = 0.5  # the Batch API bills input and output at half the list price
BATCH_STAGE: Final = "batch"  # the run's books: what the batches answered in this run cost
# Anthropic's and OpenRouter's batch endpoints refuse a custom_id longer than this, or with other
# characters than these (OpenAI documents no limit); a call's label has its file's name in it.
CUSTOM_ID_LENGTH: Final = 64
_NOT_IN_CUSTOM_ID: Final = re.compile(r"[^A-Za-z0-9_-]+")
_DIGEST_LENGTH: Final = 16  # hex digits of the label's hash: 64 bits, no two labels of a batch share them
# The metadata key a batch is created with, naming briefs' submission (``BatchState.submission``):
# a creation whose reply was lost is found again by it among the recent batches.
SUBMISSION_KEY: Final = "briefs_submission"
LIST_PAGE: Final = 100  # batches asked for per page of the list
LIST_LOOKBACK: Final = 500  # the most recent batches looked through for a lost creation, at most


def custom_id_of(label: str) -> str:
    """The custom_id of the batch line of the call labelled ``label``: the label's letters and digits
    a person can read (cut to fit), then a hash of the whole label, which keeps it unique and the
    same from run to run; at most 64 characters of [A-Za-z0-9_-]."""
    digest = hashlib.sha256(label.encode("utf-8")).hexdigest()[:_DIGEST_LENGTH]
    readable = _NOT_IN_CUSTOM_ID.sub("_", label).strip("_")[: CUSTOM_ID_LENGTH - _DIGEST_LENGTH - 1]
    return f"{readable}-{digest}" if readable else digest


@dataclass
class BatchState:
    """What a submitted batch needs to be found and collected again, saved beside the cache."""

    batch_id: str
    input_file_id: str
    keys: dict[str, str]  # custom_id -> cache key of the request it carries
    collected: list[str] = field(default_factory=list)  # custom_ids whose answers are cached
    finished: bool = False  # the batch ended and was collected: nothing more will come of it
    # answers whose checks found problems, waiting for their re-ask: custom_id -> raw answer,
    # problems and usage (the answer is cached once its re-ask is answered, or with its flags)
    reasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    parent: str = ""  # a re-ask batch: the batch whose answers it re-asks
    # custom_id -> the label of the call it carries (none in a state written before custom_ids
    # were shortened: each custom_id was the call's label)
    labels: dict[str, str] = field(default_factory=dict)
    # the tag the batch is created with (metadata ``SUBMISSION_KEY``): the input's hash and a nonce,
    # saved before the creation is sent, so a creation whose reply was lost can be found
    submission: str = ""

    @property
    def creating(self) -> bool:
        """The batch's creation was sent (or about to be) and no reply brought its id: it may exist."""
        return not self.batch_id and bool(self.submission)

    def label(self, custom_id: str) -> str:
        """The call a batch line carries, by its label, as a person reads it."""
        return self.labels.get(custom_id, custom_id)

    @property
    def offline(self) -> bool:
        """Written for a runner of the user's own, never uploaded: its output comes back as a file."""
        return not self.batch_id and not self.submission

    def save(self, path: Path) -> None:
        data = {"version": STATE_VERSION, **self.__dict__}
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(data, ensure_ascii=False, indent=1))

    @classmethod
    def load(cls, path: Path) -> BatchState | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise LLMConfigError(f"{path}: the batch state cannot be read ({error})") from None
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise LLMConfigError(f"{path}: not a batch state this version writes")
        return cls(
            data["batch_id"],
            data["input_file_id"],
            dict(data["keys"]),
            list(data.get("collected", [])),
            bool(data.get("finished", False)),
            dict(data.get("reasks", {})),
            str(data.get("parent", "")),
            dict(data.get("labels", {})),
            str(data.get("submission", "")),
        )


@dataclass
class Collected:
    """What one collect found."""

    status: str
    # each line by the label of the call it carries
    cached: list[str] = field(default_factory=list)  # answered and now cached
    already: int = 0  # answers a previous collect had cached
    failed: dict[str, str] = field(default_factory=dict)  # call label -> why (left for the online run)
    pending: int = 0  # lines the batch has not answered yet
    reask: list[str] = field(default_factory=list)  # answers whose checks want a re-ask
    usage: Usage = field(default_factory=Usage)  # the tokens of the answers cached now (billed at batch prices)
    errors: list[str] = field(default_factory=list)  # why the provider refused the batch as a whole, if it did


@dataclass(frozen=True)
class BatchWaiting:
    """Where a batch being waited for stands, told after each poll (the caller draws or says it).
    ``done`` counts answered and failed lines; ``finished`` is told once, when the batch has ended."""

    batch_id: str
    status: str
    done: int
    failed: int
    total: int
    finished: bool = False


@dataclass
class BatchRun:
    """What ``run_batch`` did: a new batch submitted (``submitted`` lines) or an earlier one
    resumed, what was answered before, and what the collect found (None: nothing was waited for)."""

    state: BatchState | None
    submitted: int = 0
    resumed: bool = False
    already: int = 0  # requests answered before this run (cached, or by an earlier batch)
    collected: Collected | None = None
    left_online: int = 0  # requests left to the online run (failed lines, answers to re-ask)
    reask_state: BatchState | None = None  # the second batch, of check re-asks (None: none was needed)
    reask_submitted: int = 0
    reasks: Collected | None = None  # what the re-ask batch's collect found


def request_body(client: ModelClient, request: CallRequest[Any]) -> dict[str, Any]:
    """The chat-completions body the online call sends for ``request`` (first attempt)."""
    return {
        "model": client.model_of(request),
        "messages": [dict(m) for m in request.messages],
        "response_format": type_to_response_format_param(request.schema),
        **client.generation_params(request),
        "stream": False,  # as the SDK's parse() sends it: the line is byte for byte the online body
    }


def batch_lines(client: ModelClient, requests: list[CallRequest[Any]]) -> tuple[list[str], BatchState]:
    """The JSONL lines, and the state of a batch of them yet to be sent (each custom_id's cache key
    and label). Identical requests are sent once."""
    lines: list[str] = []
    state = BatchState("", "", {})
    seen: set[str] = set()
    for request in requests:
        key = client.request_key(request)
        if key in seen:
            continue
        seen.add(key)
        label = request.label if custom_id_of(request.label) not in state.keys else f"{request.label}#{len(state.keys)}"
        line_id = custom_id_of(label)
        state.keys[line_id], state.labels[line_id] = key, label
        lines.append(_request_line(line_id, request_body(client, request)))
    return lines, state


def _request_line(line_id: str, body: dict[str, Any]) -> str:
    return json.dumps({"custom_id": line_id, "method": "POST", "url": ENDPOINT, "body": body}, ensure_ascii=False)


def submit_batch(
    client: ModelClient, requests: list[CallRequest[Any]], state_path: Path, *, skip: Iterable[str] = ()
) -> tuple[BatchState, int]:
    """Upload the requests not already cached (nor among the cache keys in ``skip``) and create the
    batch; returns its state (no batch id when nothing was left to send) and how many requests were
    left out."""
    earlier = BatchState.load(state_path)
    if earlier is not None and earlier.creating and (found := found_lost_creation(client, earlier, state_path)):
        return found, len(requests) - len(found.keys)
    todo = _unanswered(client, requests, skip)
    lines, state = batch_lines(client, todo)
    if not lines:
        return state, len(requests)
    _upload_and_create(client, _write_jsonl(lines, state_path), state, state_path)
    return state, len(requests) - len(todo)


def write_offline(client: ModelClient, requests: list[CallRequest[Any]], state_path: Path) -> tuple[BatchState, int]:
    """Write the requests not already cached as batch JSONL beside the state, upload nothing: a
    runner of the user's own answers it (vLLM: ``python -m vllm.entrypoints.openai.run_batch -i
    IN -o OUT``) and ``collect_file`` reads OUT back. Returns the state and how many were left out."""
    todo = _unanswered(client, requests, ())
    lines, state = batch_lines(client, todo)
    if not lines:
        return state, len(requests)
    _write_jsonl(lines, state_path)
    state.save(state_path)
    return state, len(requests) - len(todo)


def _upload_and_create(client: ModelClient, data: bytes, state: BatchState, state_path: Path) -> None:
    """Upload a batch file and create its batch through the SDK, tagged with the submission; the
    intent is saved first, the batch and file ids once known."""
    uploaded = _batch_api(
        client,
        "uploading the batch file",
        lambda: client._openai.files.create(file=("batch.jsonl", data, "application/jsonl"), purpose="batch"),
    )
    state.input_file_id = uploaded.id
    state.submission = f"{hashlib.sha256(data).hexdigest()[:24]}-{secrets.token_hex(4)}"
    state.save(state_path)  # the intent, before the creation: a lost reply leaves it to be looked for
    _create(client, state, state_path)


def _create(client: ModelClient, state: BatchState, state_path: Path) -> None:
    """Create the batch. A creation whose reply was lost (a dropped connection, a timeout) may have
    made the batch, and a second would be paid twice: it is looked for by its tag first and sent
    again only when none is found (or not at all where batches cannot be listed)."""
    what = "creating the batch"
    started = time.monotonic()
    for attempt in range(1, max(client.config.max_attempts, 1) + 1):
        try:
            batch = _batch_api(client, what, lambda: _send_creation(client, state), attempts=1)
        except _LostReply as lost:
            listed, found = _look_for(client, state.submission, then="it is not created again")
            if found is not None:
                _adopt(state, found, state_path)
                return
            if not listed or attempt >= client.config.max_attempts:
                elapsed = time.monotonic() - started
                raise _batch_api_failure(client, what, lost.error, attempt, elapsed) from None
            log.warning(
                "%s: the reply was lost and no batch tagged %s was found; creating it again", what, state.submission
            )
            continue
        state.batch_id = batch.id
        state.save(state_path)
        return


class _LostReply(Exception):
    """A creation that got no reply: the batch may or may not exist (never asked again blindly)."""

    def __init__(self, error: APIConnectionError) -> None:
        super().__init__(str(error))
        self.error = error


def _send_creation(client: ModelClient, state: BatchState) -> Any:
    try:
        return client._openai.batches.create(
            input_file_id=state.input_file_id,
            endpoint=ENDPOINT,
            completion_window="24h",
            metadata={SUBMISSION_KEY: state.submission},
        )
    except APIConnectionError as error:  # a timeout too: the request left, no reply came back
        raise _LostReply(error) from None


def found_lost_creation(client: ModelClient, state: BatchState, state_path: Path) -> BatchState | None:
    """A state saved while its batch was being created, with no batch id: the batch that creation
    made, found by its tag among the recent batches, saved into the state; None: none was found
    (or batches cannot be listed), and it may be created anew."""
    _listed, found = _look_for(client, state.submission, then="a new one is created")
    if found is None:
        return None
    _adopt(state, found, state_path)
    return state


def _first_page(client: ModelClient) -> Any:
    """The first page of the most recent batches, or the refusal of a server that cannot list them."""
    try:
        return client._openai.batches.list(limit=LIST_PAGE)
    except APIStatusError as error:
        if error.status_code in (404, 405):
            return error
        raise


def _adopt(state: BatchState, batch: Any, state_path: Path) -> None:
    log.warning("found batch %s, created earlier though its reply was lost: it is used, not created again", batch.id)
    state.batch_id = batch.id
    state.input_file_id = batch.input_file_id or state.input_file_id
    state.save(state_path)


def _look_for(client: ModelClient, submission: str, then: str) -> tuple[bool, Any]:
    """(whether batches could be listed, the batch tagged ``submission`` among the most recent
    ``LIST_LOOKBACK``, or None). Where they cannot be (a local server), one line says so and
    ``then`` what follows."""
    what = "looking for the batch whose creation got no reply"
    page = _batch_api(client, what, lambda: _first_page(client))
    if isinstance(page, APIStatusError):
        log.warning(
            "%s cannot list batches (HTTP %s): whether the batch tagged %s was created cannot be checked; %s",
            client._where().url,
            page.status_code,
            submission,
            then,
        )
        return False, None
    seen = 0
    while True:
        for batch in page.data:
            if (batch.metadata or {}).get(SUBMISSION_KEY) == submission:
                return True, batch
        seen += len(page.data)
        if not page.data or seen >= LIST_LOOKBACK or not page.has_next_page():
            return True, None
        page = _batch_api(client, what, page.get_next_page)


def _batch_api(
    client: ModelClient, what: str, send: Callable[[], T], attempts: int | None = None, *, by_id: bool = False
) -> T:
    """One request of the files and batches APIs, asked again as a model call is (a 429, a 5xx, a
    dropped connection); one that fails for good is a ModelError saying what to change, as a call's.
    ``by_id``: the request names a batch or file by its id, so a 404 says the id is unknown there."""
    tries = 0

    def attempt() -> T:
        nonlocal tries
        tries += 1
        return send()

    retrying = transport_retrying(
        max_attempts=client.config.max_attempts if attempts is None else attempts,
        max_seconds=client.config.max_retry_seconds,
        sleep=client._sleep,
        before_sleep=client._log_retry(what),
    )
    started = time.monotonic()
    try:
        return retrying(attempt)
    except APIError as error:
        raise _batch_api_failure(client, what, error, tries, time.monotonic() - started, by_id) from None


def _batch_api_failure(
    client: ModelClient, what: str, error: APIError, attempts: int, elapsed: float, by_id: bool = False
) -> ModelError:
    """What a request of the files and batches APIs failed with: an id the server does not know, a
    server without these APIs (vLLM's, llama.cpp's and Ollama's have none) or a request it refused says
    so; the rest as a call's failure."""
    status = error.status_code if isinstance(error, APIStatusError) else None
    where = client._where()
    if status == 404 and by_id:
        return ModelRequestError(
            f"{what}: not found at {where.url} ({client._scrub(describe(error))}); the batch state names "
            "what this endpoint does not know (made with another endpoint or key, or deleted since)",
            label=what,
            attempts=attempts,
        )
    if status in (404, 405):
        return ModelRequestError(
            f"{what}: {where.url} has no Batch API ({client._scrub(describe(error))}); "
            f"{client.config.hints.run_offline}",
            label=what,
            attempts=attempts,
        )
    if status in (400, 409, 422):
        return ModelRequestError(
            f"{what}: the endpoint refused it ({client._scrub(describe(error))})", label=what, attempts=attempts
        )
    return call_failure(error, where, label=what, attempts=attempts, elapsed=elapsed, scrub=client._scrub)


def jsonl_path(state_path: Path) -> Path:
    """Where the batch's JSONL is kept: beside its state."""
    return state_path.with_suffix(".jsonl")


def _unanswered(client: ModelClient, requests: list[CallRequest[Any]], skip: Iterable[str]) -> list[CallRequest[Any]]:
    skipped = set(skip)
    return [r for r in requests if not client.is_cached(r) and client.request_key(r) not in skipped]


def _write_jsonl(lines: list[str], state_path: Path) -> bytes:
    """The batch file's bytes, kept beside the state: the same file runs offline too."""
    data = ("\n".join(lines) + "\n").encode("utf-8")
    state_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(jsonl_path(state_path), data.decode("utf-8"))
    return data


def retrieve_batch(client: ModelClient, state: BatchState) -> Any:
    """The batch as the server reports it (status, request_counts)."""
    if state.creating:
        raise LLMConfigError(
            f"the batch tagged {state.submission} got no reply to its creation; submit again: "
            "the batch it may have made is looked for before another is created"
        )
    return _batch_api(
        client, f"batch {state.batch_id}", lambda: client._openai.batches.retrieve(state.batch_id), by_id=True
    )


def collect_batch(
    client: ModelClient,
    requests: list[CallRequest[Any]],
    state: BatchState,
    state_path: Path,
    first: BatchState | None = None,
) -> Collected:
    """Cache every valid answer the batch has written; say what failed and what is still pending.
    Once the batch has ended, a line it never answered is failed (the online run asks it).
    ``first``: the batch re-asks that batch's answers."""
    batch = retrieve_batch(client, state)
    lines: list[str] = []
    for file_id in (batch.output_file_id, batch.error_file_id):
        if file_id:
            content = _batch_api(
                client, f"file {file_id} of batch {state.batch_id}", _reader(client, file_id), by_id=True
            )
            lines += content.splitlines()
    found = _collect_lines(client, requests, state, state_path, batch.status, lines, first=first)
    found.errors = [_batch_error(error) for error in (batch.errors.data or [])] if batch.errors else []
    return found


def _reader(client: ModelClient, file_id: str) -> Callable[[], str]:
    return lambda: client._openai.files.content(file_id).text


def _batch_error(error: Any) -> str:
    """One of the reasons a provider gives for refusing a whole batch (a bad line, a missing model)."""
    where = f"line {error.line}: " if getattr(error, "line", None) else ""
    return f"{where}{error.message or error.code or 'no reason given'}"


def collect_file(
    client: ModelClient, requests: list[CallRequest[Any]], state: BatchState, state_path: Path, output: Path
) -> Collected:
    """Cache the answers of an output file a batch runner wrote (vLLM's ``run_batch -o``, or a
    provider's output file downloaded by hand): the same lines a provider's batch writes."""
    try:
        lines = output.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise LLMConfigError(f"{output}: cannot be read ({error})") from None
    return _collect_lines(client, requests, state, state_path, "completed", lines, source=str(output))


def _collect_lines(
    client: ModelClient,
    requests: list[CallRequest[Any]],
    state: BatchState,
    state_path: Path,
    status: str,
    lines: list[str],
    source: str = "",
    first: BatchState | None = None,
) -> Collected:
    """Cache what ``lines`` answer. ``first``: these lines re-ask answers of that batch (its
    ``reasks``), whose answers are cached with the corrections, or as they were, flagged."""
    found = Collected(status=status)
    by_key = {client.request_key(r): r for r in requests}
    answered: set[str] = set()
    for number, raw_line in enumerate(lines, 1):
        if not raw_line.strip():
            continue
        try:
            line = json.loads(raw_line)
            custom_id = str(line.get("custom_id", ""))
        except (ValueError, AttributeError):
            where = f"{source}, line {number}" if source else f"line {number} of the batch output"
            raise LLMConfigError(f"{where}: not a batch output line (JSON with a custom_id)") from None
        if custom_id not in state.keys:
            found.failed[custom_id] = "not a line of this batch"
            continue
        answered.add(custom_id)
        if custom_id in state.collected or custom_id in state.reasks:
            found.already += 1
            continue
        request = by_key.get(state.keys[custom_id])
        if request is None:
            found.failed[custom_id] = "no request of this week carries it any more"
            continue
        if first is None:
            _take_answer(client, request, state, custom_id, line, found)
        else:
            _take_correction(client, request, first.reasks.get(custom_id), custom_id, line, found)
    unanswered = [c for c in state.keys if c not in answered and c not in state.collected]
    if status in TERMINAL:
        for custom_id in unanswered:
            why = f"the batch ended ({status}) without answering it"
            request = by_key.get(state.keys[custom_id])
            if first is not None and request is not None:
                _keep_flagged(client, request, first.reasks.get(custom_id), custom_id, why, found)
            else:
                found.failed[custom_id] = why
    else:
        found.pending = len(unanswered)
    if found.cached or found.reask or (status in TERMINAL and not state.finished):
        state.collected += found.cached
        state.finished = state.finished or status in TERMINAL
        state.save(state_path)
    return _by_label(found, state)


def _by_label(found: Collected, state: BatchState) -> Collected:
    """What a collect found, each line named by the label of the call it carries, not its custom_id."""
    found.cached = [state.label(line_id) for line_id in found.cached]
    found.reask = [state.label(line_id) for line_id in found.reask]
    found.failed = {state.label(line_id): why for line_id, why in found.failed.items()}
    return found


def _take_answer(
    client: ModelClient,
    request: CallRequest[Any],
    state: BatchState,
    custom_id: str,
    line: dict[str, Any],
    found: Collected,
) -> None:
    """A first answer: cached, unless its checks want a re-ask (then kept in the state for one)."""
    read = _read_answer(client, request.schema, line, client.model_of(request))
    if isinstance(read, str):
        found.failed[custom_id] = read
        return
    value, content, usage = read
    problems = list(request.check(value)) if request.check else []
    if problems and request.check_reasks:
        state.reasks[custom_id] = _kept_entry(Checked(value, content, problems), usage)
        found.reask.append(custom_id)
        return
    result = CallResult(label=request.label, value=value, problems=problems, raw=content, usage=usage)
    _cache(client, request, result, custom_id, found)


def _take_correction(
    client: ModelClient,
    request: CallRequest[Any],
    earlier: dict[str, Any] | None,
    custom_id: str,
    line: dict[str, Any],
    found: Collected,
) -> None:
    """A re-ask's answer, put into the earlier answer as the online re-ask does: only the fields it
    asked for are replaced and the whole is checked again; an unusable correction leaves the earlier
    answer standing with its flags."""
    if earlier is None:
        found.failed[custom_id] = "no earlier answer of it is kept any more"
        return
    talk = _asked_again(client, request, earlier)
    read = _read_answer(client, talk.schema, line, client.model_of(request))
    if isinstance(read, str):
        _keep_flagged(client, request, earlier, custom_id, read, found)
        return
    fixed, content, usage = read
    answer = talk.settle(Answer(raw=content, value=fixed))
    if answer is None:
        _keep_flagged(client, request, earlier, custom_id, "the corrected fields could not be used", found)
        return
    checked = talk.check(answer)
    # one call, asked once more: counted as the online call counts its re-ask
    usage = _kept(request, earlier)[1] + usage.model_copy(update={"calls": 0, "reasks": 1})
    result = CallResult(
        label=request.label, value=checked.value, problems=checked.problems, raw=checked.raw, usage=usage
    )
    _cache(client, request, result, custom_id, found)


def _keep_flagged(
    client: ModelClient,
    request: CallRequest[Any],
    earlier: dict[str, Any] | None,
    custom_id: str,
    why: str,
    found: Collected,
) -> None:
    """A re-ask that brought nothing usable: the earlier valid answer stands, its problems flagged
    (as online, when a re-ask cannot be sent)."""
    if earlier is None:
        found.failed[custom_id] = why
        return
    first, usage = _kept(request, earlier)
    result = CallResult(label=request.label, value=first.value, problems=first.problems, raw=first.raw, usage=usage)
    _cache(client, request, result, custom_id, found)
    found.failed[custom_id] = f"{why}; the first answer stands, flagged"


def _cache(
    client: ModelClient, request: CallRequest[Any], result: CallResult[Any], custom_id: str, found: Collected
) -> None:
    """Cache the answer a line brought, and count it (and what it cost) as cached now."""
    client.store(request, result)
    found.cached.append(custom_id)
    found.usage += result.usage


def wait_for_batch(
    client: ModelClient,
    state: BatchState,
    poll_seconds: float,
    progress: Callable[[BatchWaiting], None] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Any:
    """Poll the batch until it has ended, telling ``progress`` after each poll; returns the batch.
    Interrupting the wait (Ctrl-C) loses nothing: the batch runs on and its state is saved."""
    pause = sleep or client._sleep
    while True:
        batch = retrieve_batch(client, state)
        counts = batch.request_counts
        done, failed, total = (counts.completed + counts.failed, counts.failed, counts.total) if counts else (0, 0, 0)
        ended = batch.status in TERMINAL
        if progress is not None:
            progress(BatchWaiting(state.batch_id, batch.status, done, failed, total or len(state.keys), ended))
        if ended:
            return batch
        pause(poll_seconds)


def run_batch(
    client: ModelClient,
    requests: list[CallRequest[Any]],
    state_path: Path,
    poll_seconds: float,
    progress: Callable[[BatchWaiting], None] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> BatchRun:
    """Answer ``requests`` through the Batch API and cache the answers: resume the batch the state
    file names if it has not been collected, else submit those neither cached nor sent in the last
    batch (a line that failed there is left to the online run, not sent again); wait; collect. Then
    the answers whose checks want a re-ask are re-asked the same way, in a second batch."""
    state = BatchState.load(state_path)
    run = BatchRun(state=state)
    lost = state.submission if state is not None and state.creating else ""
    if state is not None and not state.finished and not lost:
        if state.offline:
            raise LLMConfigError(
                f"{state_path}: the batch was written for an offline runner; {client.config.hints.collect_offline}"
            )
        run.resumed = True
    else:
        # a creation that got no reply is looked for first (submit_batch), its lines never skipped
        earlier = state.keys.values() if state is not None and not lost else ()
        new_state, run.already = submit_batch(client, requests, state_path, skip=earlier)
        if lost and new_state.submission == lost:  # the lost creation's batch was found: it is waited for
            state = run.state = new_state
            run.resumed = True
        elif not new_state.offline:  # a batch was sent
            state = run.state = new_state
            run.submitted = len(state.keys)
    if state is not None and (run.resumed or run.submitted):
        wait_for_batch(client, state, poll_seconds, progress, sleep)
        run.collected = collect_batch(client, requests, state, state_path)
    if state is not None and state.finished:
        _reask_round(client, requests, state, state_path, run, poll_seconds, progress, sleep)
    run.left_online = len(_unanswered(client, requests, ()))
    paid = sum((found.usage for found in (run.collected, run.reasks) if found is not None), Usage())
    if paid.prompt_tokens or paid.completion_tokens:
        # into the run's books as a stage of its own: its tokens and cost (at Batch prices) count in
        # the run's total, while the calls stay those of the stages that read these answers
        models = dict.fromkeys(client.model_of(request) for request in requests)
        client.ledger.add(BATCH_STAGE, paid.model_copy(update={"calls": 0, "attempts": 0}), ", ".join(models))
    return run


def reask_state_path(state_path: Path) -> Path:
    """Where the state of a batch's re-ask batch is kept: beside it."""
    return state_path.with_suffix(".reasks.json")


def _reask_round(
    client: ModelClient,
    requests: list[CallRequest[Any]],
    first: BatchState,
    first_path: Path,
    run: BatchRun,
    poll_seconds: float,
    progress: Callable[[BatchWaiting], None] | None,
    sleep: Callable[[float], None] | None,
) -> None:
    """The re-asks of ``first``'s answers whose checks found problems, as a second batch (resumed
    if one is outstanding); its collect caches those answers corrected, or flagged."""
    path = reask_state_path(first_path)
    second = BatchState.load(path)
    if second is not None and second.parent == first.batch_id and second.creating:
        second = found_lost_creation(client, second, path)
    if second is not None and second.parent == first.batch_id:
        run.reask_state = second
        if second.finished:
            return
    else:
        by_key = {client.request_key(r): r for r in requests}
        todo = {
            custom_id: by_key[first.keys[custom_id]]
            for custom_id in first.reasks
            if first.keys.get(custom_id) in by_key and not client.is_cached(by_key[first.keys[custom_id]])
        }
        if not todo:
            return
        lines = [
            _request_line(line_id, reask_body(client, request, first.reasks[line_id]))
            for line_id, request in todo.items()
        ]
        keys, labels = {c: first.keys[c] for c in todo}, {c: first.label(c) for c in todo}
        second = BatchState("", "", keys, parent=first.batch_id, labels=labels)
        _upload_and_create(client, _write_jsonl(lines, path), second, path)
        run.reask_state, run.reask_submitted = second, len(todo)
    wait_for_batch(client, second, poll_seconds, progress, sleep)
    run.reasks = collect_batch(client, requests, second, path, first=first)


def reask_body(client: ModelClient, request: CallRequest[Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """The body of the check re-ask the online run would send after ``earlier`` (the answer and its
    problems): the conversation so far, the problems, and only the failing fields' schema."""
    talk = _asked_again(client, request, earlier)
    return {
        "model": client.model_of(request),
        "messages": talk.messages,
        "response_format": type_to_response_format_param(talk.schema),
        **client.generation_params(request),
        "stream": False,
    }


def _asked_again(client: ModelClient, request: CallRequest[Any], earlier: dict[str, Any]) -> Conversation[Any]:
    """The conversation of ``request`` once its first answer (``earlier``, kept with its problems)
    has been shown its problems, as the online call would have done."""
    talk = Conversation(request, reasks=0, max_output_tokens=client.config.max_output_tokens)
    talk.ask_about(_kept(request, earlier)[0])
    return talk


def _kept_entry(first: Checked[Any], usage: Usage) -> dict[str, Any]:
    """A first answer whose checks want a re-ask, as the batch state keeps it until the re-ask is answered."""
    return {"raw": first.raw, "problems": first.problems, "usage": usage.model_dump()}


def _kept(request: CallRequest[Any], entry: dict[str, Any]) -> tuple[Checked[Any], Usage]:
    """The first answer the state kept (``_kept_entry``), checked as it was, and what it cost."""
    value = request.schema.model_validate_json(entry["raw"])
    return Checked(value, entry["raw"], list(entry["problems"])), Usage.model_validate(entry["usage"])


def _read_answer(
    client: ModelClient, schema: type[pydantic.BaseModel], line: dict[str, Any], model: str
) -> tuple[Any, str, Usage] | str:
    """The valid answer a batch line carries, its text and usage (priced at Batch prices), or why
    it cannot be used."""
    response = line.get("response") or {}
    if line.get("error") or response.get("status_code") != 200:
        return f"HTTP {response.get('status_code')}: {_error_message(line)}"
    tally = CallTally(attempts=1)
    answer = read_completion(response.get("body"), schema, tally, max_output_tokens=client.config.max_output_tokens)
    if answer.error is not None:
        return answer.error
    at_list = tally.usage(model, priced=client.priced)
    batch_cost = None if at_list.cost_usd is None else at_list.cost_usd * BATCH_PRICE
    return answer.value, answer.raw, at_list.model_copy(update={"cost_usd": batch_cost})


def _error_message(line: dict[str, Any]) -> str:
    """Why a line failed, as the provider or runner wrote it: OpenAI puts an error object in the
    response body or in ``error``; vLLM writes a plain string, or an error response (``{"error":
    {"message": ...}}``, or the message at the top in older versions)."""
    body = (line.get("response") or {}).get("body")
    for error in (line.get("error"), body.get("error") if isinstance(body, dict) else None):
        if isinstance(error, str) and error.strip():
            return error.strip()
        if isinstance(error, dict):
            inner = error.get("error")
            message = inner.get("message") if isinstance(inner, dict) else error.get("message")
            if message:
                return str(message)
    return "no answer"
