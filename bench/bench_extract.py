"""Benchmark of what extraction sends to the model, for the sample corpus (seeds + long documents).

    python bench/bench_extract.py [--overlap 300]      (also runs overlap 0 and the default overlap)

Counts tokens (briefs.tokens, the model's encoding) over the messages briefs actually renders, with
no model and no network:

* requests per document: one per chunk, plus one merge for a document of several chunks;
* document text sent / tokens of the document: the chunk texts found inside the requests, divided by
  the document's own tokens (goal: exactly 1.0 for a single-chunk document, at most 1.1 with
  overlap). Run once without overlap (the default settings) and once with ``--overlap`` tokens;
* the fixed prefix: the system message, byte-identical for every call of a prompt (≥ 1024 tokens is
  what providers need to cache it);
* total prompt tokens of briefs against a naive pipeline that asks separately, for every chunk, for
  the Chinese summary, the English summary and the requirements (goal: at most half). Two naive
  baselines are printed side by side: (A) each naive request carries the same instructions and
  glossary briefs sends once (what it needs to keep the same rules), (B) each carries only a
  one-line task (the cheapest naive pipeline possible, which gives up the glossary and the rules).

The merge requests are rendered over the hand-written chunk answers in tests/fixtures/answers, the
records a merge really receives. Token counts cover message contents; the response_format schema the
SDK adds to each request is printed separately (the same for every briefs request).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openai.lib._pydantic import to_strict_json_schema

from briefs import resources
from briefs.extract import chunk_requests, doc_stem, merge_request
from briefs.models import Document, Extraction
from briefs.prompting import EXTRACT, MERGE, Prompts
from briefs.reader import read_paths
from briefs.settings import Settings
from briefs.tokens import count_tokens, encoding_for

ANSWERS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "answers"

NAIVE_ASKS = {
    "zh": "用中文概括下面这份药监文件（几句话）。",
    "en": "Summarise the following Chinese regulatory document in English, in a few sentences.",
    "requirements": "List every requirement the document below states, with its verbatim source sentence.",
}


@dataclass
class Row:
    name: str
    chunks: int
    requests: int
    doc_tokens: int
    text_sent: int
    prompt_tokens: int
    naive_a: int
    naive_b: int
    stand_ins: int = 0


def messages_tokens(messages: list[dict[str, str]], count) -> int:
    return sum(count(message["content"]) for message in messages)


def chunk_records(document: Document) -> tuple[list[Extraction], int]:
    """The hand-written answers of the document's chunks. Chunked with another overlap than the
    answers were written for, a chunk may have none: the nearest chunk's answer stands in (counted,
    and said in the output), which keeps the merge request's size realistic."""
    folder = ANSWERS / "extract" / doc_stem(document)
    written = sorted(int(p.stem.removeprefix("chunk-")) for p in folder.glob("chunk-*.json"))
    records, stand_ins = [], 0
    for chunk in document.chunks:
        index = min(written, key=lambda i: abs(i - chunk.index))
        stand_ins += index != chunk.index
        book = json.loads((folder / f"chunk-{index}.json").read_text(encoding="utf-8"))
        records.append(Extraction.model_validate(book["answer"]))
    return records, stand_ins


def measure(document: Document, prompts: Prompts, count) -> Row:
    requests = chunk_requests(document, prompts)
    text_sent = 0
    for request, chunk in zip(requests, document.chunks, strict=True):
        assert chunk.text in request.messages[-1]["content"], f"{request.label}: chunk text not in the request"
        text_sent += count(chunk.text)
    stand_ins = 0
    if len(document.chunks) > 1:
        records, stand_ins = chunk_records(document)
        requests.append(merge_request(document, records, prompts))
    system = prompts.system_message(EXTRACT)
    naive_a = naive_b = 0
    for chunk in document.chunks:
        for ask in NAIVE_ASKS.values():
            data = f"{ask}\n\n{chunk.text}"
            naive_a += count(system) + count(data)
            naive_b += count(data)
    return Row(
        name=Path(document.path).name,
        chunks=len(document.chunks),
        requests=len(requests),
        doc_tokens=count(document.text),
        text_sent=text_sent,
        prompt_tokens=sum(messages_tokens(request.messages, count) for request in requests),
        naive_a=naive_a,
        naive_b=naive_b,
        stand_ins=stand_ins,
    )


def table(title: str, rows: list[Row]) -> None:
    print(f"\n{title}")
    columns = (
        ("chunks", 6),
        ("reqs", 4),
        ("doc tok", 7),
        ("sent/doc", 8),
        ("prompt", 7),
        ("naive A", 7),
        ("naive B", 7),
    )
    header = f"{'document':<58} " + " ".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.name:<58} {row.chunks:>6} {row.requests:>4} {row.doc_tokens:>7} "
            f"{row.text_sent / row.doc_tokens:>8.3f} "
            f"{row.prompt_tokens:>7} {row.naive_a:>7} {row.naive_b:>7}"
        )
    total = sum(row.prompt_tokens for row in rows)
    naive_a = sum(row.naive_a for row in rows)
    naive_b = sum(row.naive_b for row in rows)
    single = [row.text_sent / row.doc_tokens for row in rows if row.chunks == 1]
    multi = [row.text_sent / row.doc_tokens for row in rows if row.chunks > 1]
    print("-" * len(header))
    print(
        f"requests: {sum(r.requests for r in rows)} for {len(rows)} documents "
        f"({sum(r.chunks for r in rows)} chunk calls + {sum(r.requests - r.chunks for r in rows)} merges)"
    )
    print(
        f"text sent / document: single-chunk {min(single):.3f}–{max(single):.3f}"
        + (f", multi-chunk {min(multi):.3f}–{max(multi):.3f}" if multi else "")
    )
    if stand_ins := sum(row.stand_ins for row in rows):
        print(
            f"note: {stand_ins} merge record(s) stood in by a neighbouring chunk's answer "
            "(no answer written for that chunking)"
        )
    print(
        f"total prompt tokens: briefs {total}  naive A {naive_a} (briefs/naive = {total / naive_a:.2f})  "
        f"naive B {naive_b} (briefs/naive = {total / naive_b:.2f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overlap", type=int, default=300, help="a further chunk overlap to measure (tokens)")
    args = parser.parse_args()

    settings = Settings()
    encoding = encoding_for(settings.model, settings.encoding)

    def count(text: str) -> int:
        return count_tokens(text, encoding)

    prompts = Prompts()
    schema = json.dumps(to_strict_json_schema(Extraction), ensure_ascii=False)
    print(f"model {settings.model}, encoding {encoding.name}, chunk budget {settings.chunk_tokens} tokens")
    print(
        "fixed prefix (system message, identical for every call): "
        f"extract {count(prompts.system_message(EXTRACT))} "
        f"tokens, merge {count(prompts.system_message(MERGE))} tokens; prompt versions "
        f"{prompts.version(EXTRACT)}, {prompts.version(MERGE)}"
    )
    print(f"response_format schema sent with every request: {count(schema)} tokens (not in the figures below)")

    corpus = sorted(resources.sample_corpus_dir().glob("*.txt"))
    for overlap in sorted({0, settings.chunk_overlap, args.overlap}):
        read = read_paths(corpus, settings.model_copy(update={"chunk_overlap": overlap}))
        documents = [document for document in read.documents if document.readable]
        rows = [measure(document, prompts, count) for document in documents]
        table(f"chunk overlap {overlap} tokens", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
