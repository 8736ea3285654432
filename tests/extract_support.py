"""Helpers for the extraction tests (tests/test_extract_*.py): the seed documents as the reader
cleans them, the hand-written reference answers, and a fake server that can answer a label with a
sequence of answers (a wrong one, then its correction)."""

from __future__ import annotations

import copy
import json
from collections import deque
from functools import lru_cache
from pathlib import Path
from typing import Any

from briefs import resources
from briefs.llm import LLMConfig, ModelClient
from briefs.llm.testing.fake_server import FakeServer
from briefs.models import Chunk, Document
from briefs.reader import read_paths
from briefs.settings import Settings

ANSWERS_DIR = Path(__file__).parent / "fixtures" / "answers"
SEED_STEMS = [
    "000_b91c7a1454b64df1",
    "001_856973fa258ed578",
    "002_b253cffd7abe4a40",
    "003_aac249fd25c995dd",
    "004_ec791e3e55a5ef9c",
]
LONG_STEMS = [
    "18_lawrefbook_cosmetics_production_measures_long",
    "19_lawrefbook_medical_device_regulation_long",
    "20_lawrefbook_shanghai_drug_device_regulation_long",
]


@lru_cache(maxsize=1)
def _sample_documents() -> dict[str, Document]:
    paths = sorted(resources.sample_corpus_dir().glob("*.txt"))
    read = read_paths(paths, Settings())
    assert not read.problems, read.problems
    return {Path(document.path).stem: document for document in read.documents}


def sample_document(stem: str) -> Document:
    """A sample document as the reader cleans and chunks it at the default budget (a copy)."""
    return _sample_documents()[stem].model_copy(deep=True)


def answer(label: str) -> dict[str, Any]:
    """The hand-written reference answer for a call label (a fresh copy to mutate)."""
    book = json.loads((ANSWERS_DIR / f"{label}.json").read_text(encoding="utf-8"))
    return copy.deepcopy(book["answer"])


def hand_document(text: str, parts: list[str] | None = None, name: str = "hand_doc") -> Document:
    """A document built by hand; ``parts`` are consecutive slices of ``text`` (default: one chunk)."""
    parts = parts or [text]
    chunks, start = [], 0
    for index, part in enumerate(parts):
        start = text.index(part, start)
        chunks.append(
            Chunk(
                id=f"{name}:{index}",
                index=index,
                start=start,
                end=start + len(part),
                text=part,
                tokens=len(part),
            )
        )
    return Document(
        path=f"corpus/{name}.txt",
        id=name,
        sha256="0" * 64,
        text=text,
        tokens=len(text),
        chunks=chunks,
        title=None,
    )


class SequencedServer(FakeServer):
    """The fake OpenAI server, answering a label with the given answers in order (the last one
    repeats): a wrong first answer, then what the model says when re-asked."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._sequences: dict[str, deque[Any]] = {}

    def answer_sequence(self, label: str, *answers: Any) -> None:
        with self._lock:
            self._sequences[label] = deque(answers)

    def answer_for(self, label: str, body: dict[str, Any]) -> Any:
        with self._lock:
            queue = self._sequences.get(label)
            if queue:
                return queue.popleft() if len(queue) > 1 else queue[0]
        return super().answer_for(label, body)

    def bodies(self, label: str) -> list[dict[str, Any]]:
        with self._lock:
            return [seen.body for seen in self.requests if seen.label == label]


def client_for(server: FakeServer, **config: Any) -> ModelClient:
    """The real client (real SDK, real HTTP) pointed at the fake server on 127.0.0.1."""
    return ModelClient(
        LLMConfig(model="gpt-4.1-mini", mode="live", base_url=server.base_url, timeout=10.0, **config),
        sleep=lambda seconds: None,
    )
