"""The same story twice is one document with every copy kept.

Bodies are compared on a *folded key*: Traditional→Simplified (OpenCC t2s), NFKC (full/half-width),
only letters, digits and Han kept. The key exists only for comparison; no stored text is changed.
Identical keys are duplicates; otherwise near-duplicates are found with a MinHash signature of the
key's character 5-grams and locality-sensitive banding, then confirmed by an estimated Jaccard
similarity of at least ``NEAR_DUPLICATE``: a repost with a changed line, different furniture or in
Traditional script is caught without comparing every pair of documents.

The copy that stays is the best-documented one (a stated date, Simplified script, a source, then
path order); it lists every copy in ``copies``, the others point at it with ``duplicate_of``.
"""

from __future__ import annotations

import operator
import re
import unicodedata
import zlib
from collections import defaultdict
from functools import lru_cache
from itertools import repeat

import opencc

from briefs.models import Document, SourceRef

NEAR_DUPLICATE = 0.8
SHINGLE = 5
BINS = 64  # signature length: one minimum per bin of the hash space ("one-permutation" MinHash)
BANDS = 16  # LSH: documents sharing all BINS // BANDS values of any band become candidates
_EMPTY = 0xFFFFFFFF + 1  # an empty bin (short text); equal empty bins count as agreeing
_NOT_CONTENT = re.compile(r"[\W_]+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def comparison_key(text: str) -> str:
    """Folded for comparison only: script, width, punctuation and spacing no longer matter."""
    folded = unicodedata.normalize("NFKC", _t2s().convert(text))
    return _NOT_CONTENT.sub("", folded).lower()


def signature(key: str) -> tuple[int, ...]:
    """MinHash signature of the key's character 5-grams: the smallest crc32 in each of BINS bins.
    crc32, not hash(): the same documents give the same verdict in every run."""
    data = key.encode("utf-32-le")  # four bytes a character: a 5-gram is a 20-byte slice
    width = 4 * SHINGLE
    starts = range(0, max(len(data) - width, 0) + 4, 4)
    grams = map(data.__getitem__, map(slice, starts, range(width, starts.stop + width, 4)))
    # All of it runs in C (no per-gram Python code): hash every gram, order the hashes from the largest
    # down, and let the dict keep the last, i.e. the smallest, hash of each bin. A gram repeated in the
    # text repeats its hash, which cannot change a minimum, so no set is needed.
    values = sorted(map(zlib.crc32, grams), reverse=True)
    minima = dict(zip(map(BINS.__rmod__, values), values, strict=True))
    return tuple(map(minima.get, range(BINS), repeat(_EMPTY, BINS)))


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity: the share of bins whose minima agree."""
    return sum(map(operator.eq, a, b)) / len(a)


def mark_duplicates(documents: list[Document]) -> None:
    """Set ``duplicate_of`` and ``copies`` on ``documents`` in place."""
    for document in documents:
        document.copies = [_ref(document)]
    keys = [comparison_key(document.text) for document in documents]
    for members in _group(keys):
        if len(members) < 2:
            continue
        ordered = sorted((documents[i] for i in members), key=_keeper_rank)
        keeper, others = ordered[0], ordered[1:]
        keeper.copies = [_ref(document) for document in ordered]
        for other in others:
            other.duplicate_of = keeper.id
            other.copies = []


def _group(keys: list[str]) -> list[list[int]]:
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_key: dict[str, int] = {}
    signatures: dict[int, tuple[int, ...]] = {}
    rows = BINS // BANDS
    bands = [(band * rows, (band + 1) * rows, defaultdict(list)) for band in range(BANDS)]
    for i, key in enumerate(keys):
        if not key:
            continue
        if key in by_key:  # identical after folding
            parent[root(i)] = root(by_key[key])
            continue
        by_key[key] = i
        signatures[i] = marks = signature(key)
        candidates: set[int] = set()
        for start, end, buckets in bands:
            bucket = buckets[marks[start:end]]
            candidates.update(bucket)
            bucket.append(i)
        for j in candidates:
            if root(i) != root(j) and similarity(marks, signatures[j]) >= NEAR_DUPLICATE:
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
