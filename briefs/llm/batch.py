"""The Batch API: the same requests the online path sends, as one batch at half the price.

``submit_batch`` writes each request as a line of the standard batch JSONL (custom_id, POST,
/v1/chat/completions, the exact chat-completions body the online call sends, response_format
included), uploads it (``files.create(purpose="batch")``) and creates the batch; the state (batch
id, file id, each custom_id's cache key) is saved to a file at once, so an interrupted run loses
nothing. ``collect_batch`` downloads the output and error files and writes every valid answer into the
same response cache the online path reads: the next online run finds them there and sends only
what is left (a failed line, an invalid answer, an answer whose checks want a re-ask).
Collecting again is harmless: an answer already cached is left as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pydantic
from openai.lib._parsing._completions import type_to_response_format_param

from briefs.llm.client import ModelClient
from briefs.llm.config import CallRequest, CallResult, Usage
from briefs.llm.errors import LLMConfigError
from briefs.llm.files import write_atomically

ENDPOINT: Final = "/v1/chat/completions"
STATE_VERSION = 1


@dataclass
class BatchState:
    """What a submitted batch needs to be found and collected again, saved beside the cache."""

    batch_id: str
    input_file_id: str
    keys: dict[str, str]  # custom_id -> cache key of the request it carries
    collected: list[str] = field(default_factory=list)  # custom_ids whose answers are cached

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
        return cls(data["batch_id"], data["input_file_id"], dict(data["keys"]), list(data.get("collected", [])))


@dataclass
class Collected:
    """What one collect found."""

    status: str
    cached: list[str] = field(default_factory=list)  # custom_ids answered and now cached
    already: int = 0  # answers a previous collect had cached
    failed: dict[str, str] = field(default_factory=dict)  # custom_id -> why (left for the online run)
    pending: int = 0  # lines the batch has not answered yet


def request_body(client: ModelClient, request: CallRequest[Any]) -> dict[str, Any]:
    """The chat-completions body the online call sends for ``request`` (first attempt)."""
    return {
        "model": client.config.model,
        "messages": [dict(m) for m in request.messages],
        "response_format": type_to_response_format_param(request.schema),
        **client.generation_params(request),
        "stream": False,  # as the SDK's parse() sends it: the line is byte for byte the online body
    }


def batch_lines(client: ModelClient, requests: list[CallRequest[Any]]) -> tuple[list[str], dict[str, str]]:
    """The JSONL lines and each custom_id's cache key. Identical requests are sent once."""
    lines: list[str] = []
    keys: dict[str, str] = {}
    seen: set[str] = set()
    for request in requests:
        key = client.request_key(request)
        if key in seen:
            continue
        seen.add(key)
        custom_id = request.label if request.label not in keys else f"{request.label}#{len(keys)}"
        keys[custom_id] = key
        line = {"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": request_body(client, request)}
        lines.append(json.dumps(line, ensure_ascii=False))
    return lines, keys


def submit_batch(client: ModelClient, requests: list[CallRequest[Any]], state_path: Path) -> tuple[BatchState, int]:
    """Upload the requests not already cached and create the batch; returns its state and how many
    requests were already answered (those are not sent)."""
    todo = [r for r in requests if not client.is_cached(r)]
    lines, keys = batch_lines(client, todo)
    if not lines:
        return BatchState("", "", {}), len(requests)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    # kept beside the state: the same file runs offline too (vLLM's batch runner reads this format)
    state_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(state_path.with_suffix(".jsonl"), data.decode("utf-8"))
    uploaded = client._openai.files.create(file=("batch.jsonl", data, "application/jsonl"), purpose="batch")
    batch = client._openai.batches.create(input_file_id=uploaded.id, endpoint=ENDPOINT, completion_window="24h")
    state = BatchState(batch.id, uploaded.id, keys)
    state.save(state_path)
    return state, len(requests) - len(todo)


def retrieve_batch(client: ModelClient, state: BatchState) -> Any:
    """The batch as the server reports it (status, request_counts)."""
    return client._openai.batches.retrieve(state.batch_id)


def collect_batch(
    client: ModelClient, requests: list[CallRequest[Any]], state: BatchState, state_path: Path
) -> Collected:
    """Cache every valid answer of a finished batch; say what failed and what is still pending."""
    batch = retrieve_batch(client, state)
    found = Collected(status=batch.status)
    by_key = {client.request_key(r): r for r in requests}
    answered: set[str] = set()
    for file_id in (batch.output_file_id, batch.error_file_id):
        if not file_id:
            continue
        text = client._openai.files.content(file_id).text
        for raw_line in text.splitlines():
            if not raw_line.strip():
                continue
            line = json.loads(raw_line)
            custom_id = str(line.get("custom_id", ""))
            answered.add(custom_id)
            if custom_id in state.collected:
                found.already += 1
                continue
            request = by_key.get(state.keys.get(custom_id, ""))
            if request is None:
                found.failed[custom_id] = "no request of this week carries it any more"
                continue
            why = _store(client, request, line)
            if why is None:
                found.cached.append(custom_id)
            else:
                found.failed[custom_id] = why
    found.pending = len([c for c in state.keys if c not in answered])
    if found.cached:
        state.collected += found.cached
        state.save(state_path)
    return found


def _store(client: ModelClient, request: CallRequest[Any], line: dict[str, Any]) -> str | None:
    """Cache the answer a batch line carries, or say why it cannot be used (None: cached)."""
    response = line.get("response") or {}
    if line.get("error") or response.get("status_code") != 200:
        error = line.get("error") or (response.get("body") or {}).get("error") or {}
        return f"HTTP {response.get('status_code')}: {error.get('message', 'no answer')}"
    body = response.get("body") or {}
    try:
        choice = body["choices"][0]
        content = choice["message"]["content"]
        if choice.get("finish_reason") != "stop" or not content:
            return f"the answer ended with {choice.get('finish_reason')!r}"
        value = request.schema.model_validate_json(content)
    except (KeyError, IndexError, TypeError) as error:
        return f"not a chat completion ({error})"
    except pydantic.ValidationError as error:
        return f"the answer does not fit the schema ({error.error_count()} errors)"
    # An answer the checks would re-ask about is left to the online run, which re-asks it.
    if request.check and request.check_reasks and list(request.check(value)):
        return "its checks found problems; the online run re-asks it"
    wire_usage = body.get("usage") or {}
    usage = Usage(
        calls=1,
        attempts=1,
        prompt_tokens=int(wire_usage.get("prompt_tokens") or 0),
        completion_tokens=int(wire_usage.get("completion_tokens") or 0),
    )
    result = CallResult(label=request.label, value=value, problems=[], raw=content, usage=usage)
    client.store(request, result)
    return None
