"""Chunking properties, checked on generated Chinese/English text with the real o200k encoding."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefs.chunk import chunk_text

HAN = "药品监督管理局国家部署专项整治行动会议要求企业应当建立质量体系"
sentence = st.builds(
    lambda words, end: "".join(words) + end,
    st.lists(
        st.sampled_from([*HAN, "，", "、", "2022年", "15.36万件", " MAH ", "“两品一械”"]), min_size=1, max_size=60
    ),
    st.sampled_from(["。", "！", "？", "；", "!", "?", "。”"]),
)
paragraph = st.lists(sentence, min_size=1, max_size=6).map("".join)
body = st.lists(paragraph, min_size=1, max_size=12).map("\n\n".join)
END = re.compile(r"[。！？；!?][”’」』）)]*\s*$")


def _ends_cleanly(text: str, chunk_end: int, body_text: str) -> bool:
    return chunk_end == len(body_text) or bool(END.search(body_text[:chunk_end]))


@settings(max_examples=60, deadline=None)
@given(text=body, budget=st.integers(min_value=30, max_value=300), overlap=st.integers(min_value=0, max_value=40))
def test_chunks_cover_every_character_within_budget_at_sentence_ends(count_o200k, text, budget, overlap):
    chunks = chunk_text("doc", text, count_o200k, budget, overlap)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for before, after in itertools.pairwise(chunks):
        assert before.start < after.start <= before.end  # moves on, no gap
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.tokens == count_o200k(chunk.text) <= budget
    longest = max(count_o200k(s) for s in re.findall(r"[^。！？；!?]*[。！？；!?]+[”]?", text) or [text])
    if longest <= budget:  # no sentence had to be cut: every chunk ends at a sentence end
        assert all(_ends_cleanly(text, c.end, text) for c in chunks)


@settings(max_examples=40, deadline=None)
@given(text=body, budget=st.integers(min_value=40, max_value=200), overlap=st.integers(min_value=0, max_value=60))
def test_overlap_is_whole_sentences_within_the_overlap_budget(count_o200k, text, budget, overlap):
    chunks = chunk_text("doc", text, count_o200k, budget, overlap)
    for before, after in itertools.pairwise(chunks):
        shared = text[after.start : before.end]
        if shared:
            assert count_o200k(shared) <= overlap + 2  # BPE counts are not exactly additive at a cut
            assert after.start == 0 or END.search(text[: after.start]) or text[after.start - 1] == "\n"


@settings(max_examples=30, deadline=None)
@given(text=body, budget=st.integers(min_value=30, max_value=300))
def test_ids_are_stable_and_numbered(count_o200k, text, budget):
    first = chunk_text("abc123", text, count_o200k, budget, 20)
    again = chunk_text("abc123", text, count_o200k, budget, 20)
    assert first == again
    assert [c.id for c in first] == [f"abc123:{i}" for i in range(len(first))]


def test_paragraph_end_is_preferred_over_a_later_sentence_end(count_o200k):
    paragraph_one = "国家药监局部署专项整治行动。" * 6
    paragraph_two = "企业应当建立质量管理体系。" * 6
    text = f"{paragraph_one}\n\n{paragraph_two}"
    budget = count_o200k(paragraph_one) + count_o200k(paragraph_two) // 3
    chunks = chunk_text("d", text, count_o200k, budget, 0)
    assert chunks[0].text == paragraph_one + "\n\n"


def test_a_sentence_longer_than_the_budget_is_cut_inside_and_still_covered(count_o200k):
    text = "药品" * 400 + "。后面还有一句。"
    chunks = chunk_text("d", text, count_o200k, 50, 10)
    assert "".join(c.text for c in chunks if c.index == 0 or c.start >= chunks[c.index - 1].end) == text
    assert all(c.tokens <= 50 for c in chunks)
    assert chunks[-1].text.endswith("后面还有一句。")


def test_a_short_text_is_one_chunk_and_an_empty_one_none(count_o200k):
    assert [(c.start, c.end, c.id) for c in chunk_text("d", "一句话。", count_o200k, 3000, 150)] == [(0, 4, "d:0")]
    assert chunk_text("d", "", count_o200k, 3000, 150) == []


def test_legal_text_chunks_end_before_an_article(count_o200k):
    articles = [
        f"第{n}条 企业应当依法建立质量管理体系，履行产品召回等义务。\n\n（一）项目内容；\n\n"
        for n in "一二三四五六七八九十"
    ]
    text = "".join(articles)
    chunks = chunk_text("d", text, count_o200k, 90, 0)
    assert len(chunks) > 1
    assert all(text[c.end :].startswith("第") for c in chunks[:-1])


@pytest.mark.parametrize("budget", [0, -5], ids=["a zero budget is refused", "a negative budget is refused"])
def test_budget_must_be_positive(count_o200k, budget):
    with pytest.raises(ValueError):
        chunk_text("d", "一句话。", count_o200k, budget)
