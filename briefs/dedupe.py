"""The same story twice is one document with every copy kept.

Bodies are compared on a *folded key*: Traditional→Simplified (OpenCC t2s), NFKC (full/half-width),
only letters, digits and Han kept. The key exists only for comparison; no stored text is changed.
Identical keys are duplicates; otherwise near-duplicates are found with a bottom-k sketch of the key's
character 5-grams (deterministic crc32 hashes) and an estimated Jaccard similarity of at least
``NEAR_DUPLICATE``, so a repost with a changed line, different furniture or in Traditional script is
caught without comparing every pair of documents.

The copy that stays is the best-documented one (a stated date, Simplified script, a source, then
path order); it lists every copy in ``copies``, the others point at it with ``duplicate_of``.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import defaultdict
from functools import lru_cache

import opencc

from briefs.models import Document, SourceRef

NEAR_DUPLICATE = 0.8
SKETCH_SIZE = 64
SHINGLE = 5
_NOT_CONTENT = re.compile(r"[\W_]+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def comparison_key(text: str) -> str:
    """Folded for comparison only: script, width, punctuation and spacing no longer matter."""
    folded = unicodedata.normalize("NFKC", _t2s().convert(text))
    return _NOT_CONTENT.sub("", folded).lower()


def sketch(key: str) -> tuple[int, ...]:
    """The SKETCH_SIZE smallest distinct 5-gram hashes of ``key`` (all of them for a short key)."""
    if len(key) <= SHINGLE:
        grams = {key}
    else:
        grams = {key[i : i + SHINGLE] for i in range(len(key) - SHINGLE + 1)}
    hashes = {zlib.crc32(gram.encode("utf-8")) for gram in grams}
    return tuple(sorted(hashes)[:SKETCH_SIZE])


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of two sketches (exact when both keys are short)."""
    union = sorted(set(a) | set(b))[:SKETCH_SIZE]
    shared = set(a) & set(b)
    return sum(1 for value in union if value in shared) / len(union) if union else 1.0


def mark_duplicates(documents: list[Document]) -> None:
    """Set ``duplicate_of`` and ``copies`` on ``documents`` in place."""
    for document in documents:
        document.copies = [_ref(document)]
    keys = [comparison_key(document.text) for document in documents]
    sketches = [sketch(key) for key in keys]
    groups = _group(keys, sketches)
    for members in groups:
        if len(members) < 2:
            continue
        ordered = sorted((documents[i] for i in members), key=_keeper_rank)
        keeper, others = ordered[0], ordered[1:]
        keeper.copies = [_ref(document) for document in ordered]
        for other in others:
            other.duplicate_of = keeper.id
            other.copies = []


def _group(keys: list[str], sketches: list[tuple[int, ...]]) -> list[list[int]]:
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_key: dict[str, int] = {}
    postings: dict[int, list[int]] = defaultdict(list)
    for i, (key, marks) in enumerate(zip(keys, sketches, strict=True)):
        if not key:
            continue
        if key in by_key:
            parent[root(i)] = root(by_key[key])
            continue
        by_key[key] = i
        shared: dict[int, int] = defaultdict(int)
        for value in marks:
            for j in postings[value]:
                shared[j] += 1
            postings[value].append(i)
        for j, count in shared.items():
            # Two sketches of sets with Jaccard J share about J*k values; half of k is a generous net.
            if count * 2 >= len(marks) and similarity(marks, sketches[j]) >= NEAR_DUPLICATE:
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(keys)):
        groups[root(i)].append(i)
    return list(groups.values())


def _keeper_rank(document: Document) -> tuple:
    return (
        document.date is None or document.date_inferred,
        document.language != "zh-Hans",
        document.source is None and document.url is None,
        document.path,
    )


def _ref(document: Document) -> SourceRef:
    return SourceRef(path=document.path, source=document.source, url=document.url, title=document.title)
