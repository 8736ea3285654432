"""The same story twice is one document with every copy kept.

Bodies are compared on a *folded key*: Traditional→Simplified (OpenCC t2s), NFKC (full/half-width),
lower case, only letters, digits and Han kept, cut into sentences at 。！？；!? and line breaks. The key
exists only for comparison; no stored text is changed.

Two tests, cheapest first:

1. **Identical key**: the same body (whatever its script, width, punctuation or spacing) is a duplicate.
2. **Sentence ends**: each sentence of the key gives two features, its first and its last ``EDGE``
   characters (one feature when it is that short). Two bodies whose feature sets have a Jaccard
   similarity of at least ``NEAR_DUPLICATE`` are the same story.

Why sentence ends, not every character 5-gram (what this module used before): a document has a few dozen
sentences but a few thousand 5-grams, so the features cost a string split and two slices per sentence
instead of hashing and sorting thousands of windows, and the verdict is an exact set comparison, not an
estimate. Whole sentences are the natural unit of a repost (a changed headline, an added editor's note,
other furniture each add or remove whole sentences), while keeping a sentence's head *and* tail, rather
than the whole sentence, means a sentence with a few characters edited in its middle still matches
entirely, and one edited near an end still matches on its other end; so a repost with small edits spread
over several sentences stays a duplicate. Different stories rarely share sentence ends beyond their
boilerplate: two reports of one regulator sharing three boilerplate sentences score far below the bar.

What it misses, by design or as a known limit:

- **Containment**: a short notice quoted in full inside a longer article is *not* a duplicate: the long
  one carries more (a follow-up, a commentary, other notices), and merging would drop that content from
  extraction, since only the kept copy is read by the model. Both stay; the quoted notice is a
  separate document.
- A repost that rewrites most sentences at both ends (a rewrite, a translation, a paraphrase), re-cuts the
  sentences (commas turned into full stops throughout) or is mostly new text around the story.
- Traditional-script reposts using Taiwan/Hong Kong vocabulary, not just characters, match only as far
  as their sentence ends survive t2s.
- Candidates are found by bucket, not all pairs (see ``PROBES``): a pair near the bar can, rarely, share
  none of its probes and be missed. A pair well above the bar practically always shares one.

Finding candidates without comparing every pair: each document is put in the buckets of its ``PROBES``
features with the smallest crc32 (a bottom-k MinHash sketch, so two copies pick the same features
whenever their smallest ones agree), and is compared only with the documents in those buckets, one per
story already merged. crc32, not hash(): the same documents give the same verdict in every run. Once a
bucket holds more than ``CROWDED`` different stories its feature is boilerplate (a closing formula such
as 特此通知, a standard attendance sentence), says nothing about sameness, and is skipped as a probe:
documents take their next smallest features instead, so thousands of notices sharing boilerplate cost a
bounded number of comparisons each. When a bucket crowds, the documents already in it move on to their
next uncrowded feature, so every document always sits in the buckets of its smallest uncrowded
features, as a repost read later chooses them: recall does not fall as the corpus grows (a document
read early would otherwise be missed by its repost once its probes had turned into boilerplate). The
crowding is counted in stories, not copies, so a story reposted forty times does not crowd its own
features.

The copy that stays is the best-documented one (a stated date, Simplified script, a source, then path
order); it lists every copy in ``copies``, the others point at it with ``duplicate_of``.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Iterator
from itertools import chain, filterfalse, islice
from operator import itemgetter

from briefs.models import Document, SourceRef
from briefs.zhtext import to_simplified

NEAR_DUPLICATE = 0.7  # Jaccard similarity of the sentence-end feature sets
EDGE = 8  # characters kept from each end of a sentence: long enough that unrelated sentences rarely agree
PROBES = 6  # buckets per document: its uncrowded features with the smallest crc32
CROWDED = 8  # stories in a bucket beyond which its feature is boilerplate: no longer a probe

# Sentence ends, in both widths: NFKC has not run yet when the key is cut.
_SENTENCE_END = re.compile(r"[。｡！？；!?;\r\n\u2028\u2029]+")
# Punctuation and spacing that fold to punctuation and spacing whatever NFKC does, removed before the
# (expensive) t2s and NFKC passes so they run on little more than the words; ASCII, General
# Punctuation, CJK punctuation (not 々〆〇〡-〩…, which are letters and numbers) and full-width punctuation.
_PUNCTUATION = re.compile(
    r"[\x00-\x09\x0b-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\x85\xa0\u2000-\u206f\u3000-\u3004\u3008-\u3020\u302a-\u3030"
    r"\u3036\u3037\u303d-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\uffe0-\uffee]+"
)
_NOT_CONTENT = re.compile(r"[^\w\n]+|_+")  # what NFKC left that is neither a word character nor a cut
_HEAD = itemgetter(slice(None, EDGE))
_TAIL = itemgetter(slice(-EDGE, None))


def sentence_keys(text: str) -> list[str]:
    """The folded key cut into sentences, empty ones dropped."""
    marked = _PUNCTUATION.sub("", _SENTENCE_END.sub("\n", text))
    folded = unicodedata.normalize("NFKC", to_simplified(marked))
    # Most sentences are only letters and digits by now: str.isalnum (the same test as the regex's \w,
    # less the underscore) finds them in one C pass, and only the rest pay for the substitution.
    keys = (key if key.isalnum() else _NOT_CONTENT.sub("", key) for key in folded.split("\n"))
    return [key.lower() for key in keys if key]


def comparison_key(text: str) -> str:
    """Folded for comparison only: script, width, punctuation and spacing no longer matter."""
    return "".join(sentence_keys(text))


def features(sentences: list[str]) -> frozenset[str]:
    """The first and last EDGE characters of every sentence."""
    return frozenset(map(_HEAD, sentences)) | frozenset(map(_TAIL, sentences))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two feature sets."""
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) if shared else 0.0


def mark_duplicates(
    documents: list[Document], keys: list[list[str]] | None = None, groups: list[list[int]] | None = None
) -> list[list[int]]:
    """Set ``duplicate_of`` and ``copies`` on ``documents`` in place; returns the groups (indexes of
    one story each). ``keys``: each document's ``sentence_keys`` if known; ``groups``: the grouping
    of these same documents if known (the reading cache keeps both)."""
    for document in documents:
        document.copies = [_ref(document)]
    if groups is None:
        groups = _group(keys if keys is not None else [sentence_keys(document.text) for document in documents])
    for members in groups:
        if len(members) < 2:
            continue
        ordered = sorted((documents[i] for i in members), key=_keeper_rank)
        keeper, others = ordered[0], ordered[1:]
        keeper.copies = [_ref(document) for document in ordered]
        for other in others:
            other.duplicate_of = keeper.id
            other.copies = []
    return groups


def _group(documents: list[list[str]]) -> list[list[int]]:
    """Indexes of the documents, grouped: each group is one story."""
    parent = list(range(len(documents)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_key: dict[str, int] = {}
    marks: dict[int, frozenset[str]] = {}
    index = _Buckets(root)
    for i, sentences in enumerate(documents):
        key = "".join(sentences)
        if not key:
            continue
        if key in by_key:  # identical after folding
            parent[root(i)] = root(by_key[key])
            continue
        by_key[key] = i
        marks[i] = mine = features(sentences)
        hashes = sorted(map(zlib.crc32, map(str.encode, mine)))
        for j in index.candidates(hashes):  # a document found in several buckets is compared once
            if root(i) != root(j) and similarity(mine, marks[j]) >= NEAR_DUPLICATE:
                parent[root(i)] = root(j)
        index.add(i, hashes)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(documents)):
        groups[root(i)].append(i)
    return list(groups.values())


class _Buckets:
    """Documents by their probes: at every moment each document sits in the buckets of its ``PROBES``
    smallest uncrowded features. When a bucket crowds, its members move on to their next uncrowded
    feature, so a repost read later (which skips the crowded feature too) still picks the buckets its
    original is in, however many documents came between them."""

    def __init__(self, root) -> None:
        self.root = root
        self.buckets: dict[int, list[int]] = defaultdict(list)
        self.crowded: set[int] = set()
        # per document: its hashes not yet looked at, smallest first (skipping the crowded ones runs
        # in C through filterfalse, not in a Python loop per hash)
        self.pending: dict[int, Iterator[int]] = {}

    def candidates(self, hashes: list[int]) -> set[int]:
        chosen = islice(filterfalse(self.crowded.__contains__, hashes), PROBES)
        return set(chain.from_iterable(map(self.buckets.__getitem__, chosen)))

    def add(self, document: int, hashes: list[int]) -> None:
        self.pending[document] = iter(hashes)
        for _ in range(PROBES):
            self._probe_once_more(document)

    def _probe_once_more(self, document: int) -> None:
        """Put ``document`` in the bucket of its next uncrowded feature (if it has one left)."""
        probe = next(filterfalse(self.crowded.__contains__, self.pending[document]), None)
        if probe is None:
            return
        bucket = self.buckets[probe]
        story = self.root(document)
        if story in map(self.root, bucket):  # one member per story: forty reposts stay one entry
            return
        bucket.append(document)
        if len(bucket) > CROWDED:
            self.crowded.add(probe)
            for member in self.buckets.pop(probe):
                self._probe_once_more(member)


def _keeper_rank(document: Document) -> tuple:
    return (
        document.date is None or document.date_inferred,
        document.language != "zh-Hans",
        document.source is None and document.url is None,
        document.path,
    )


def _ref(document: Document) -> SourceRef:
    return SourceRef(path=document.path, source=document.source, url=document.url, title=document.title)
