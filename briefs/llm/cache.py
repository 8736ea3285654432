"""The response cache: one JSON file per answered call, keyed by everything that determines the
answer (model, prompt version, schema, messages, generation parameters).

An identical call is never paid twice. Each entry is written to a temporary file and renamed into
place, so a run killed halfway loses only the calls in flight. Only answers are stored, never
failures, so a rerun redoes exactly what failed. An entry holds the validated answer, the model's
raw text, and for a reader of the folder what the call was (label, stage, model, prompt version,
schema) and what it spent.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic

from briefs.llm.config import CallRequest, CallResult, T, stage_of
from briefs.llm.files import BestEffortFolder

log = logging.getLogger("briefs.llm")


def cache_key(
    *,
    endpoint: str,
    model: str,
    prompt_version: str,
    schema: dict[str, Any],
    messages: list[dict[str, str]],
    params: dict[str, Any],
) -> str:
    # The endpoint belongs to the answer: "gpt-4.1-mini" on a local server is not OpenAI's.
    identity = {
        "endpoint": endpoint,
        "model": model,
        "prompt_version": prompt_version,
        "schema": schema,
        "messages": messages,
        "params": params,
    }
    canonical = json.dumps(identity, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheInfo:
    path: Path
    entries: int
    bytes: int


class ResponseCache:
    """Answers on disk. A cache folder that cannot be used (its home is a file, read-only, a full
    disk) costs one warning and the run goes on uncached: it never loses answers already paid for."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._folder = BestEffortFolder(directory, "the response cache")

    @staticmethod
    def _relative(key: str) -> str:
        return f"{key[:2]}/{key}.json"

    def check(self) -> bool:
        """Usable? A preflight: says so once, before any call is paid for."""
        return self._folder.check()

    def get(self, key: str) -> dict[str, Any] | None:
        text = self._folder.read(self._relative(key))
        if text is None:
            return None
        try:
            entry = json.loads(text)
        except ValueError as error:  # a damaged entry is a miss; the call overwrites it
            log.warning("cache entry %s is unreadable (%s); asking the model again", key, error)
            return None
        return entry if isinstance(entry, dict) and "answer" in entry else None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        self._folder.write(self._relative(key), json.dumps(entry, ensure_ascii=False, indent=1))

    def put_answer(self, key: str, request: CallRequest[Any], result: CallResult[Any], model: str) -> None:
        """Keep the answer to ``request`` under ``key``."""
        self.put(key, _answer_entry(request, result, model))

    def answer(self, key: str, schema: type[T]) -> tuple[T, str] | None:
        """The answer kept under ``key``, validated again, and its raw text; None when there is none."""
        entry = self.get(key)
        if entry is None:
            return None
        try:
            value = schema.model_validate(entry["answer"])
        except pydantic.ValidationError:
            return None  # cannot happen for the same schema; asking again is the safe answer
        return value, entry.get("raw", "")


def _answer_entry(request: CallRequest[Any], result: CallResult[Any], model: str) -> dict[str, Any]:
    return {
        "label": request.label,
        "stage": stage_of(request.label),
        "model": model,
        "prompt_version": request.prompt_version,
        "schema": request.schema.__name__,
        "answer": result.value.model_dump(mode="json"),
        "raw": result.raw,
        # what the call spent when it was paid for (a hit later costs nothing)
        "usage": result.usage.model_dump(
            include={"attempts", "prompt_tokens", "cached_tokens", "completion_tokens", "cost_usd"}
        ),
    }


_ENTRY = re.compile(r"^(\.tmp-.*|[0-9a-f]{64})\.json$")


def _entries(directory: Path) -> list[Path]:
    """Only files this cache wrote (``ab/<sha256>.json``): clearing never deletes anything else."""
    if not directory.is_dir():
        return []
    return [p for p in directory.glob("??/*.json") if _ENTRY.match(p.name)]


def cache_info(directory: Path) -> CacheInfo:
    files = [p for p in _entries(directory) if not p.name.startswith(".tmp-")]
    return CacheInfo(path=directory, entries=len(files), bytes=sum(p.stat().st_size for p in files))


def clear_cache(directory: Path) -> int:
    """Delete every cached answer under ``directory``; returns how many answers there were."""
    removed = 0
    for path in _entries(directory):
        removed += int(not path.name.startswith(".tmp-"))
        path.unlink(missing_ok=True)
    for sub in directory.glob("??") if directory.is_dir() else []:
        if sub.is_dir() and not any(sub.iterdir()):
            sub.rmdir()
    return removed
