"""The hot paths of a large week do each piece of work once, and in time linear in the text: the
comparison fold, the per-text verification context, the system message, chunking's token counts
and the cut of an oversize sentence. Behaviour is pinned against the plain definitions."""

from __future__ import annotations

import json
import random
import re
import unicodedata
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefs import clean, dedupe
from briefs import verify as verify_module
from briefs.chunk import chunk_text
from briefs.extract import extract_documents
from briefs.prompting import EXTRACT, Prompts
from briefs.tokens import count_tokens, encoding_for, token_ends
from briefs.verify import FoldedText
from briefs.zhtext import fold, width_fold
from tests.extract_support import LONG_STEMS, SEED_STEMS, SequencedServer, answer, client_for, sample_document


def _fold_by_definition(text: str) -> str:
    out = []
    for char in text:
        if char.isspace():
            continue
        if unicodedata.decomposition(char).startswith(("<wide>", "<narrow>")):
            out.append(unicodedata.normalize("NFKC", char))
        else:
            out.append(char)
    return "".join(out)


def _breaks_by_definition(text: str) -> frozenset[int]:
    breaks, length = set(), 0
    for char in text:
        if char.isspace():
            breaks.add(length)
        else:
            length += len(_fold_by_definition(char))
    return frozenset(breaks)


def _mixed_texts() -> list[str]:
    rng = random.Random(5)
    alphabet = [chr(c) for c in range(0x20, 0x3100)] + [chr(c) for c in range(0xFF00, 0xFFF0)]
    alphabet += [*"药品监督管理局，。！？\u3000\n\t\u2028\u00a0￣①㈠", "\U00020000"]
    texts = ["", " ", "\u3000\u3000", "２０２２年　１月", "a\u3000b\nc ￣d", "一、总则\n\n第一条　为了"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 400))) for _ in range(300)]
    return texts


def test_fold_is_the_per_character_definition() -> None:
    for text in _mixed_texts():
        assert fold(text) == _fold_by_definition(text), repr(text)


def test_width_fold_keeps_single_spaces_between_runs() -> None:
    for text in _mixed_texts():
        expected = " ".join("".join(_fold_by_definition(c) if not c.isspace() else c for c in text).split())
        assert width_fold(text) == expected, repr(text)


def test_folded_text_keeps_where_lines_broke() -> None:
    for text in _mixed_texts():
        folded = FoldedText.of(text)
        assert folded.key == _fold_by_definition(text)
        assert folded.breaks == _breaks_by_definition(text), repr(text)


# --- verification: each text prepared once, each answer verified once ------------------------------


@pytest.fixture
def server():
    with SequencedServer() as fake:
        yield fake


def _count_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    calls = [0]
    original = getattr(owner, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


@pytest.mark.parametrize("cached", [False, True], ids=["fresh", "from the cache"])
def test_each_answer_is_verified_once_and_each_text_prepared_once(
    server: SequencedServer, tmp_path, monkeypatch: pytest.MonkeyPatch, cached: bool
) -> None:
    for stem in SEED_STEMS:
        server.set_answer(f"extract/{stem}/chunk-0", answer(f"extract/{stem}/chunk-0"))
    documents = [sample_document(stem) for stem in SEED_STEMS]
    if cached:  # the rerun of a week: every answer comes from the response cache
        extract_documents(documents, client_for(server, cache_dir=tmp_path / "cache"))
    verified = _count_calls(monkeypatch, verify_module, "verify_against")
    prepared = _count_calls(monkeypatch, verify_module.Source, "of")
    digests = extract_documents(documents, client_for(server, cache_dir=tmp_path / "cache"))
    assert [d.status for d in digests] == ["verified"] * 5
    assert server.count() == 5  # the rerun sent nothing
    assert verified[0] == 5 and prepared[0] == 5


def test_a_long_document_prepares_its_whole_text_once(server: SequencedServer, monkeypatch) -> None:
    stem = LONG_STEMS[2]
    document = sample_document(stem)
    for chunk in document.chunks:
        server.set_answer(f"extract/{stem}/chunk-{chunk.index}", answer(f"extract/{stem}/chunk-{chunk.index}"))
    server.set_answer(f"merge/{stem}", answer(f"merge/{stem}"))
    prepared = _count_calls(monkeypatch, verify_module.Source, "of")
    [digest] = extract_documents([document], client_for(server))
    assert digest.status in ("verified", "flagged") and digest.extraction is not None
    assert prepared[0] == len(document.chunks) + 1  # each chunk's text, and the whole text once


# --- one system message per run --------------------------------------------------------------------


def test_every_request_of_a_run_shares_one_system_message_string() -> None:
    prompts = Prompts()
    documents = [sample_document(stem) for stem in SEED_STEMS]
    systems = [prompts.extract_messages(d, c)[0]["content"] for d in documents for c in d.chunks]
    assert all(system is systems[0] for system in systems)
    assert prompts.system_message(EXTRACT) == Prompts().system_message(EXTRACT)  # the same bytes


# --- chunking: the text encoded once, an oversize sentence cut in linear time ------------------------


class _Tally:
    """The real o200k counter and token ends, with the characters each was asked to encode."""

    def __init__(self) -> None:
        self.encoding = encoding_for("gpt-4.1-mini")
        self.counted = 0

    def count(self, text: str) -> int:
        self.counted += len(text)
        return count_tokens(text, self.encoding)

    def ends(self, text: str) -> list[int]:
        self.counted += len(text)
        return token_ends(text, self.encoding)


def _unpunctuated_line(characters: int) -> str:
    rng = random.Random(3)
    words = ["药品", "医疗器械", "监督管理", "注册人", "备案", "生产企业", "质量", "abc", "2022", "规范"]
    text = ""
    while len(text) < characters:
        text += "".join(rng.choice(words) for _ in range(1000))
    return text[:characters]


@pytest.mark.parametrize("with_ends", [True, False], ids=["one encoding", "a counter alone"])
def test_an_unpunctuated_line_is_cut_into_pieces_that_fit_encoding_it_a_few_times_only(with_ends: bool) -> None:
    text = _unpunctuated_line(100_000)
    tally = _Tally()
    chunks = chunk_text("d", text, tally.count, 3000, 150, ends=tally.ends if with_ends else None)
    assert "".join(chunk.text for chunk in chunks) == text  # no overlap: a piece of a sentence is not whole
    assert all(chunk.tokens == count_tokens(chunk.text, tally.encoding) <= 3000 for chunk in chunks)
    assert all(chunk.tokens >= 2900 for chunk in chunks[:-1])  # pieces are as long as fit, near enough
    assert tally.counted <= 4 * len(text)  # (cutting by bisection encoded each prefix: ~30x)


def test_a_long_document_is_encoded_whole_once_then_only_its_chunks() -> None:
    document = sample_document(LONG_STEMS[1])
    tally = _Tally()
    chunks = chunk_text("d", document.text, tally.count, 3000, 150, ends=tally.ends)
    assert [(c.start, c.end, c.tokens) for c in chunks] == [(c.start, c.end, c.tokens) for c in document.chunks]
    assert len(chunks) > 3
    assert tally.counted <= 2.3 * len(document.text)  # the whole text, then each chunk (with its overlap)


@pytest.mark.parametrize("stem", LONG_STEMS)
def test_a_long_documents_chunks_are_counted_off_its_one_encoding_but_their_edges(stem: str) -> None:
    document = sample_document(stem)
    tally = _Tally()
    chunks = chunk_text("d", document.text, tally.count, 3000, 150, ends=tally.ends, splits_at_line_starts=True)
    assert [(c.start, c.end, c.tokens) for c in chunks] == [(c.start, c.end, c.tokens) for c in document.chunks]
    assert all(chunk.tokens == count_tokens(chunk.text, tally.encoding) for chunk in chunks)
    assert len(chunks) > 1
    assert tally.counted <= 1.3 * len(document.text)  # the whole text, then only each chunk's edge paragraphs


@settings(max_examples=60, deadline=None)
@given(
    paragraphs=st.lists(
        st.lists(
            st.sampled_from(["药品", "监督", "第一条", "。", "，", " ", "MAH", "2022", "/", "'s", "\n"]), max_size=40
        ),
        min_size=1,
        max_size=30,
    ),
    budget=st.integers(min_value=8, max_value=120),
    overlap=st.integers(min_value=0, max_value=30),
)
def test_chunks_counted_off_the_one_encoding_are_the_chunks_counted_one_by_one(paragraphs, budget, overlap) -> None:
    text = "\n\n".join("".join(words) for words in paragraphs).strip()
    tally = _Tally()
    plain = chunk_text("d", text, tally.count, budget, overlap, ends=tally.ends)
    read_off = chunk_text("d", text, tally.count, budget, overlap, ends=tally.ends, splits_at_line_starts=True)
    assert read_off == plain


# --- duplicate recall that holds as the corpus grows -----------------------------------------------


def test_a_repost_is_found_after_its_originals_probes_turned_into_boilerplate(monkeypatch) -> None:
    monkeypatch.setattr(dedupe, "PROBES", 1)
    monkeypatch.setattr(dedupe, "CROWDED", 2)
    rng = random.Random(8)
    han = [chr(code) for code in range(0x4E00, 0x4E00 + 2000)]

    def sentence() -> str:
        return "".join(rng.choice(han) for _ in range(20)) + "。"

    def crc(mark: str) -> int:
        return zlib.crc32(mark.encode())

    def above(bar: int) -> str:  # a sentence whose features all sort after ``bar``
        while True:
            candidate = sentence()
            if all(crc(mark) > bar for mark in dedupe.features(dedupe.sentence_keys(candidate))):
                return candidate

    original = [sentence() for _ in range(8)]
    keys = dedupe.sentence_keys("".join(original))
    first, second = sorted(dedupe.features(keys), key=crc)[:2]
    shared = next(s for s, k in zip(original, keys, strict=True) if first in (k[:8], k[-8:]))
    # three other stories quoting that sentence: the original's only probe crowds into boilerplate
    others = [[shared] + [above(crc(first)) for _ in range(7)] for _ in range(3)]
    keeps = [s for s, k in zip(original, keys, strict=True) if second in (k[:8], k[-8:])]
    dropped = next(s for s in original if s != shared and s not in keeps)
    repost = [s for s in original if s != dropped] + [above(crc(second))]
    bodies = ["".join(original), *("".join(o) for o in others), "".join(repost)]
    groups = dedupe._group([dedupe.sentence_keys(body) for body in bodies])
    assert [0, 4] in groups and len(groups) == 4


# --- the static prefix: each field described once ---------------------------------------------------


def test_field_descriptions_are_sent_once_in_the_system_prompt_not_again_in_the_schema() -> None:
    from openai.lib._pydantic import to_strict_json_schema

    from briefs.models import Extraction
    from briefs.prompting import MERGE, field_guide

    sent = json.dumps(to_strict_json_schema(Extraction), ensure_ascii=False)
    prompts = Prompts()
    guided = [guide for guide in field_guide(Extraction) if guide.description]
    assert len(guided) > 20
    for guide in guided:
        assert guide.description not in sent, guide.path
        assert guide.description in prompts.system_message(MERGE), guide.path
    assert '"enum"' in sent and '"required"' in sent  # structure and allowed values stay


def test_the_extraction_prompt_names_every_field_once_in_its_rules_without_a_second_field_list() -> None:
    """The extraction rules already say what each field holds; a field list restating them (and the
    allowed values the schema carries) cost ~800 tokens a call. Every field is still named."""
    from briefs.models import Extraction
    from briefs.prompting import field_guide

    system = Prompts().system_message(EXTRACT)
    named = {name for span in re.findall(r"`([^`]+)`", system) for name in re.findall(r"[a-z_]+", span)}
    for guide in field_guide(Extraction):
        assert guide.path.replace("[]", "").rsplit(".", 1)[-1] in named, guide.path
    assert "(one of:" not in system, "allowed values are the schema's to state"


# --- cleaning: case-blind checks only where their words are ----------------------------------------


@pytest.mark.parametrize(
    ("line", "stop", "furniture"),
    [
        ("Pleaſe log in to post a comment", True, False),  # a long s is an s to a case-blind match
        ("PLEASE SIGN IN TO VIEW comments", True, False),
        ("MEMBERS COMMENTS", True, False),
        ("【看原文連結】", True, False),
        ("icp备12345号", True, False),
        ("粤公網安備 44010602000161號", True, False),
        ("京icp證030173號", True, False),  # every footer mark character, whatever the case around it
        ("滬ICP证 2021-1号", True, False),
        ("Icp備 0001", True, False),
        ("（未經本網授權，不得轉載）本文由……。", True, False),
        ("版權聲明：本文", True, False),
        ("ſKIP TO MAIN CONTENT", False, True),
        ("Read: skip to content", False, False),  # the skip link opens its line
        ("按 Enter 到主內容區", False, True),
        ("瀏覽次數：12", False, True),
        ("药品监督管理局要求企业建立质量体系。", False, False),
    ],
)
def test_stop_and_furniture_lines_whatever_their_case(line: str, stop: bool, furniture: bool) -> None:
    assert (clean.is_stop(line), clean.is_furniture(line)) == (stop, furniture)


def _sentence_keys_by_definition(text: str) -> list[str]:
    marked = dedupe._PUNCTUATION.sub("", dedupe._SENTENCE_END.sub("\n", text))
    folded = dedupe._NOT_CONTENT.sub("", unicodedata.normalize("NFKC", dedupe.to_simplified(marked))).lower()
    return [key for key in folded.split("\n") if key]


# letters whose folding changes length or leaves a mark (İ lowers to i + a combining dot, ﬁ and ¼ expand
# under NFKC), underscores, spaces of both widths, both scripts and every sentence end
_KEY_ALPHABET = "abcAB_ İΣσ。！？；!?;\r\n\u2028\u2029 ,.-·＿＃１２ａＡ國国體体藥药⁄¼㈠ﬁ\u0307\u00a0\u3000々〇٣"


@given(st.text(alphabet=_KEY_ALPHABET, max_size=40) | st.text(max_size=40))
@settings(max_examples=400, deadline=None)
def test_sentence_keys_are_the_plain_fold_cut_into_sentences(text: str) -> None:
    assert dedupe.sentence_keys(text) == _sentence_keys_by_definition(text)


def test_markdown_lines_opening_with_their_marks_are_still_read_as_markdown() -> None:
    hints: dict[str, str] = {}
    text = "<https://www.nmpa.gov.cn/a.html>\n<!-- 页面注释 -->\n# 国家药监局发布公告\n## 一、总则\n正文 <b>#1</b>"
    lines = clean._prepare_lines(text, hints, markdown=True)
    assert lines == ["国家药监局发布公告", "一、总则", "正文 <b>#1</b>"]
    assert hints == {"url": "https://www.nmpa.gov.cn/a.html", "h1": "国家药监局发布公告"}
