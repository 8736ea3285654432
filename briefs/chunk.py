"""Split a cleaned document body into token-bounded chunks.

Rules, in order of preference:

* a chunk ends at the end of a paragraph (best of all right before an article or chapter of a legal
  text, 第十条 / 第二章); failing that, at the end of a sentence (。！？；!? and an English full stop
  before a space, with any closing quotes or brackets after them);
* only a single sentence longer than the whole budget is cut inside, at the last character that
  still fits;
* every chunk's text is ``text[start:end]`` and the chunks cover every character of the body;
* consecutive chunks overlap by whole sentences worth at most ``overlap`` tokens, so a requirement
  that straddles a boundary is read whole at least once;
* ids are ``'<document id>:<index>'`` and depend only on the text, the budget and the encoding.

Token counts are checked on the actual chunk text, never estimated: BPE counts are not exactly
additive across a cut, so a candidate that comes out over budget gives up its last sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import NamedTuple

from briefs import tokens
from briefs.models import Chunk

Counter = Callable[[str], int]
Ends = Callable[[str], list[int]]  # a text's token ends, as UTF-8 byte offsets (tokens.token_ends)

# A sentence ends at one of these (a run of them: "？！"), plus closing quotes/brackets.
_SENTENCE_END = re.compile(r"(?:[。！？；!?]+|\.(?=[\s\"'”’)]|$))[\"'”’」』）)\]】》]*[ \t\u3000]*")
# One sentence: words up to a sentence end (a full stop counts only before a blank, a quote, a bracket
# or the text's end), the end, and, when only blanks are left on its line, those and the line breaks
# after them (the sentence closes its paragraph); or a paragraph's words after its last end (or with
# none), with its line breaks. Sentences tile the text; at most one empty match, at its end.
_WORDS = r"[^\n。！？；!?.]*(?:\.(?![\s\"'”’)]|$)[^\n。！？；!?.]*)*"
_SENTENCE = re.compile(rf"{_WORDS}(?:(?:{_SENTENCE_END.pattern})(?:[^\S\n]*(?:\n+|\Z))?|\n+|\Z)")
# The start of an article, section or chapter of a legal text: the best place for a chunk to begin.
_SECTION_START = re.compile(r"第[一二三四五六七八九十百千零〇两\d]+[条章节编]")


class Unit(NamedTuple):
    """A stretch of the body that a chunk may end after: a sentence, or a piece of an oversize one.
    (A named tuple: a long regulation has thousands, and a tuple is made a third as fast as a frozen
    dataclass.)"""

    start: int
    end: int
    tokens: int
    paragraph_end: bool  # the unit closes its paragraph
    before_section: bool  # ... and the next paragraph opens an article or chapter (第十条, 第二章)
    whole: bool  # False for a piece of a sentence that alone exceeded the budget


def chunk_text(
    doc_id: str,
    text: str,
    count: Counter,
    budget: int,
    overlap: int = 0,
    total: int | None = None,
    ends: Ends | None = None,
    splits_at_line_starts: bool = False,
) -> list[Chunk]:
    """The chunks of ``text``; an empty body has none. ``total``: the tokens of ``text`` if known.
    ``ends`` (``tokens.token_ends``): with it the text is encoded once and each sentence's tokens are
    read off that one encoding (then only the chunks themselves are counted again, exactly); without
    it each sentence is counted on its own. ``splits_at_line_starts`` (``tokens.splits_at_line_starts``
    of the encoding behind ``ends``): a chunk's exact count then encodes only its first and last
    paragraph and reads the paragraphs between off the one encoding, which is exact there."""
    if budget < 1:
        raise ValueError("chunk budget must be at least one token")
    if not text:
        return []
    token_ends = ends(text) if ends is not None and (total is None or total > budget) else None
    if total is None:
        total = len(token_ends) if token_ends is not None else count(text)
    if total <= budget:
        return [Chunk(id=f"{doc_id}:0", index=0, start=0, end=len(text), text=text, tokens=total)]
    count = _remembering(count)  # packing asks again for the span it settled on: encode each span once
    measure = _Measure(text, count, token_ends, splits_at_line_starts)
    units = split_units(text, count, budget, measure)
    spans = _pack(units, measure, budget, overlap)
    return [
        Chunk(id=f"{doc_id}:{index}", index=index, start=start, end=end, text=text[start:end], tokens=tokens)
        for index, (start, end, tokens) in enumerate(spans)
    ]


def _remembering(count: Counter) -> Counter:
    """``count`` with a memory of the texts it has seen (one document's sentences and spans)."""
    seen: dict[str, int] = {}

    def counted(text: str) -> int:
        if text not in seen:
            seen[text] = count(text)
        return seen[text]

    return counted


class _Measure:
    """The tokens of stretches of one text, in order of position. With the whole text's token ends
    (UTF-8 byte offsets) a stretch's count is read off them: the tokens ending inside it. That is an
    estimate at its two edges (a token may straddle one), so whatever must fit is counted exactly."""

    def __init__(
        self, text: str, count: Counter, token_ends: list[int] | None, splits_at_line_starts: bool = False
    ) -> None:
        self.text, self.count, self.ends = text, count, token_ends
        self._char, self._byte = 0, 0  # a running position: units are measured left to right
        # where a token always ends, so the tokens between two of them are exact off the one encoding
        self._line_starts = tokens.line_starts(text) if token_ends is not None and splits_at_line_starts else None

    def byte_at(self, char: int) -> int:
        if char < self._char:
            self._byte -= len(self.text[char : self._char].encode("utf-8"))
        else:
            self._byte += len(self.text[self._char : char].encode("utf-8"))
        self._char = char
        return self._byte

    def ends_within(self, start: int, end: int, size: int) -> list[int]:
        """Token ends inside ``text[start:end]`` (``size`` bytes), as offsets into its bytes. Without
        the whole text's encoding: evenly spaced ends, as many as the stretch has tokens."""
        if self.ends is None:
            tokens = max(1, self.count(self.text[start:end]))
            return [size * (k + 1) // tokens for k in range(tokens)]
        low, high = self.byte_at(start), self.byte_at(end)
        inside = [at - low for at in self.ends[bisect_right(self.ends, low) : bisect_right(self.ends, high)]]
        return inside if inside and inside[-1] == size else [*inside, size]

    def tokens(self, start: int, end: int) -> int:
        if self.ends is None:
            return self.count(self.text[start:end])
        low, high = self.byte_at(start), self.byte_at(end)
        return bisect_right(self.ends, high) - bisect_right(self.ends, low)

    def all_tokens(self, stretches: list[tuple[int, int, bool, bool]]) -> list[int]:
        """``tokens`` of each stretch (start, end, ...), in order of position: one pass over the text."""
        if self.ends is None:
            return [self.count(self.text[start:end]) for start, end, *_ in stretches]
        text, ends, position, byte = self.text, self.ends, 0, 0
        counts: list[int] = []
        ended = bisect_right(ends, 0)  # tokens ended by ``position``
        for start, end, *_ in stretches:
            if start != position:  # stretches that tile the text start where the last one ended
                byte += _utf8_length(text, position, start)
                ended = bisect_right(ends, byte)
            byte += _utf8_length(text, start, end)
            position, before, ended = end, ended, bisect_right(ends, byte)
            counts.append(ended - before)
        return counts

    def exact(self, start: int, end: int) -> int:
        """The tokens of ``text[start:end]``, exactly: encoded, except the stretch between its first
        and last line start, which is read off the whole text's encoding (exact there)."""
        starts = self._line_starts
        if starts is None:
            return self.count(self.text[start:end])
        first, last = bisect_left(starts, start), bisect_right(starts, end) - 1
        if first >= last:  # fewer than two line starts inside: nothing to read off
            return self.count(self.text[start:end])
        head, tail = starts[first], starts[last]
        edges = (self.count(self.text[start:head]) if head > start else 0) + (
            self.count(self.text[tail:end]) if end > tail else 0
        )
        return edges + self.tokens(head, tail)


def _utf8_length(text: str, start: int, end: int) -> int:
    """The UTF-8 bytes of ``text[start:end]``, negative when ``end`` comes before ``start``."""
    if end >= start:
        return len(text[start:end].encode("utf-8"))
    return -len(text[end:start].encode("utf-8"))


def split_units(text: str, count: Counter, budget: int, measure: _Measure | None = None) -> list[Unit]:
    """Sentences (with their trailing blanks) tiling ``text``; oversize sentences cut to fit."""
    measure = measure or _Measure(text, count, None)
    # an estimate this close to the budget is counted exactly: a unit alone must never exceed it
    near = budget - max(32, budget // 8) if measure.ends is not None else budget
    sentences = _sentences(text)
    estimates = measure.all_tokens(sentences)
    units: list[Unit] = []
    for (start, end, closes, sectioned), estimate in zip(sentences, estimates, strict=True):
        counted = count(text[start:end]) if estimate > near else estimate
        if counted <= budget:
            units.append(Unit(start, end, counted, closes, sectioned, True))
        else:
            units.extend(_cut_oversize(text, start, end, measure, budget, closes, sectioned))
    return units


def _sentences(text: str) -> list[tuple[int, int, bool, bool]]:
    """(start, end, closes its paragraph, the next paragraph opens an article or chapter) of each
    sentence, in order, tiling ``text``. A paragraph is a line with the line breaks after it."""
    found: list[tuple[int, int, bool, bool]] = []
    size = len(text)
    for sentence in _SENTENCE.finditer(text):  # one regex over the text, not one per paragraph
        start, end = sentence.span()
        if start == end:
            continue
        if end == size or text[end - 1] == "\n":
            found.append((start, end, True, bool(_SECTION_START.match(text, end))))
        else:
            found.append((start, end, False, False))
    return found


def _cut_oversize(
    text: str, start: int, end: int, measure: _Measure, budget: int, closes: bool, sectioned: bool
) -> list[Unit]:
    """Cut one sentence that exceeds the budget into pieces that fit, in time linear in its length
    (an unpunctuated line of 320k characters): each piece is cut where ``budget`` tokens of the one
    encoding end, then counted exactly; a piece the exact count puts over steps back by the excess."""
    count = measure.count
    data = text[start:end].encode("utf-8")
    token_ends = measure.ends_within(start, end, len(data))
    pieces: list[Unit] = []
    cursor, cursor_byte, first_token = start, 0, 0
    while cursor < end:
        take = budget
        while True:
            last_token = min(first_token + take, len(token_ends)) - 1
            cut_byte = token_ends[last_token] if last_token >= first_token else cursor_byte
            # a token may end inside a character: the cut goes before that character
            cut = cursor + len(data[cursor_byte:cut_byte].decode("utf-8", "ignore"))
            cut = max(cut, cursor + 1) if cut < end else end
            tokens = count(text[cursor:cut])
            if tokens <= budget or cut == cursor + 1:
                break
            take -= max(1, tokens - budget)
        last = cut == end
        pieces.append(Unit(cursor, cut, tokens, closes and last, sectioned and last, whole=last))
        cursor_byte += len(text[cursor:cut].encode("utf-8"))
        cursor = cut
        first_token = bisect_right(token_ends, cursor_byte)
    return pieces


def _pack(units: list[Unit], measure: _Measure, budget: int, overlap: int) -> list[tuple[int, int, int]]:
    spans: list[tuple[int, int, int]] = []
    first_new = 0  # the first unit no chunk has covered yet
    previous_start = -1
    while first_new < len(units):
        start = _overlap_start(units, first_new, previous_start, overlap)
        while True:
            last = _last_fitting(units, start, first_new, measure, budget)
            if last is not None:
                break
            start += 1  # the overlap plus the next sentence do not fit: give up overlap
        begin, end = units[start].start, units[last].end
        spans.append((begin, end, measure.exact(begin, end)))
        previous_start = start
        first_new = last + 1
    return spans


def _overlap_start(units: list[Unit], first_new: int, previous_start: int, overlap: int) -> int:
    """Go back over whole sentences of the previous chunk while they fit in ``overlap`` tokens."""
    start, used = first_new, 0
    while start - 1 > previous_start and units[start - 1].whole:
        used += units[start - 1].tokens
        if used > overlap:
            break
        start -= 1
    return start


def _last_fitting(units: list[Unit], start: int, first_new: int, measure: _Measure, budget: int) -> int | None:
    """The last unit of the chunk starting at ``start``: the best end (``_prefer_boundary``) such that
    units[start..last] fit the budget and cover ``first_new``. Units' counts choose it; only the
    chosen span is counted exactly (stepping back while it is over)."""
    estimate, last = 0, start - 1
    while last + 1 < len(units) and estimate + units[last + 1].tokens <= budget:
        last += 1
        estimate += units[last].tokens
    while last >= first_new:
        chosen = _prefer_boundary(units, start, first_new, last, budget)
        if measure.exact(units[start].start, units[chosen].end) <= budget:
            return chosen
        last = chosen - 1
    return None


def _prefer_boundary(units: list[Unit], start: int, first_new: int, last: int, budget: int) -> int:
    """The best end that still fills at least half the budget: before an article or chapter, else at a
    paragraph end, else ``last`` (a sentence end)."""
    if last == len(units) - 1:
        return last
    for wanted in ("before_section", "paragraph_end"):
        filled = sum(unit.tokens for unit in units[start : last + 1])
        for candidate in range(last, first_new - 1, -1):
            if filled < budget // 2:
                break
            if getattr(units[candidate], wanted):
                return candidate
            filled -= units[candidate].tokens
    return last
