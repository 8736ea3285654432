"""The reader's fast paths give what the plain rules they replace give.

Each rule rewritten for speed (a cheap test in front of a regex, one pass instead of two) is compared
here with its plain definition, kept in this file, over generated inputs built from the rule's own
vocabulary (so the rare branches are reached) as well as arbitrary text.
"""

from __future__ import annotations

import operator
import os
import random
import re
import unicodedata
from bisect import bisect_right
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefs import chunk, clean, dedupe, load, metadata
from briefs.errors import InputError
from briefs.tokens import encoding_for, token_ends
from briefs.zhtext import (
    _HALF_WIDTH_OF,
    CJK_FULL_DATE,
    HAN,
    HAN_RUN,
    ISO_LIKE,
    english_dates,
    han_count,
    nfkc,
    to_simplified,
)

# --- furniture lines -------------------------------------------------------------------------------

_FURNITURE_START_AS_IT_WAS = re.compile(
    r"\S+\.(?:jpe?g|png|gif|bmp|webp|svg)$|(?:当前位置|您的位置|您现在的位置|所在位置)[:：]|首页\s*[>＞›»]|"
    r"(?:打印|关闭|收藏|分享|举报|打赏)$|(?:点赞|收藏|评论|分享|举报|打赏)\s*\d*$|附件[:：]?$|技术支持|联系我们"
)


def _is_furniture_by_definition(line: str) -> bool:
    """Every check searched or matched in full, one after the other."""
    return bool(
        clean._SYMBOLS_ONLY.match(line)
        or clean._CHROME_LINE.search(line)
        or (len(line) <= 80 and clean._SUBSCRIBE_LINE.search(line))
        or _FURNITURE_START_AS_IT_WAS.match(line)
        or clean._FURNITURE_ANYWHERE.search(line)
        or clean._SKIP_LINK.match(line)
        or (len(line) <= 60 and clean._CREDITS.search(line))
        or (len(line) <= 40 and not clean._TERMINATOR.search(line) and clean._CAPTION.search(line))
        or clean._EN_WIDGETS.match(line)
        or clean._RELATIVE_TIME.match(line)
        or clean._ACT_LINK.match(line)
    )


def _is_stop_by_definition(line: str) -> bool:
    return bool(
        clean._FOOTER_START.match(line)
        or clean._FOOTER_ANYWHERE.search(line)
        or clean._DISCLAIMER.match(line)
        or clean._NO_REPRINTS.search(line)
        or clean._REACTIONS.match(line)
        or clean._STOP_MORE.match(line)
        or clean._SIGN_IN_TO_COMMENT.search(line)
        or (clean._STOP.match(line) and not clean.is_paragraph(line))
    )


# Pieces of the furniture and stop rules' own words (both scripts, both cases), prose, marks, blanks
# and the characters a case-blind match folds (ſ, K, İ, ı), glued at random into lines.
_PIECES = [
    *"查看大图 点击查看原图 View gallery Enlarge 广告 廣告 Sponsored Image or Video Photo Click the download".split(),
    *"PDF Related News More Latest Recommended [ART_TITLE] {dede:field} <%=x%> 訂閱本局 Telegram 頻道 Follow us".split(),
    *"WeChat photo.jpg a.PNG x.webp 图.svg 当前位置： 首页 > 打印 收藏 点赞 12 附件： 技术支持 联系我们".split(),
    *"浏览次数 【字体 字号： 【大 中 小】 返回首页 ::: Skip to main content 跳到主要內容 按 Enter 到主內容區".split(),
    *"责任编辑： 編輯: （记者 张三） Tags: Editor 新华社记者 摄 （图） Photos by Share Print E-mail Login".split(),
    *"12分鐘前 3 hours ago 第4/2023號法律 - 動物 本法規的內容已被第27/2024號法律重新公佈 Copyright © 版权所有".split(),
    *"ICP备 icp證 公網安備 版權聲明 凡本网 转载请注明 未经本网授权不得转载 点赞 0 评论(3) 1. 更多 更多新聞報導".split(),
    *"【看原文連結】 Members' Comments Please log in to post 相关文章 上一篇 Read more Was this page helpful".split(),
    *"药品监督管理局要求企业建立质量体系。 The agency said on Monday that it will act. 第十条 一、 ".split(),
    *"。 ！ ？ ； ! ? . ... … : ： | ｜ > ＞ ( ) （ ） 【 】 [ ] - — _ * • · \u3000 \u00a0 ſ K İ ı 1 ２ 2024".split(),
    " ",
    "  ",
]


def _random_lines(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        pieces = [rng.choice(_PIECES) for _ in range(rng.randint(1, 6))]
        joined = "".join(pieces) if rng.random() < 0.5 else " ".join(pieces)
        if rng.random() < 0.2:
            joined = joined.upper() if rng.random() < 0.5 else joined.lower()
        lines.append(joined.strip() if rng.random() < 0.7 else joined)
    return lines


def test_only_p_and_its_capital_match_p_case_blind() -> None:
    """What the sign-in prompt's gate relies on (ſ matches s and K matches k, but nothing else matches p)."""
    assert [chr(code) for code in range(0x110000) if re.match("p", chr(code), re.IGNORECASE)] == ["P", "p"]


def test_furniture_and_stop_lines_are_what_the_plain_rules_say_over_generated_lines() -> None:
    lines = _random_lines(60_000, seed=11)
    assert sum(map(clean.is_furniture, lines)) > 5_000  # the generator reaches the rules (a check it skips would show)
    assert sum(map(clean.is_stop, lines)) > 5_000
    for line in lines:
        assert clean.is_furniture(line) == _is_furniture_by_definition(line), line
        assert clean.is_stop(line) == _is_stop_by_definition(line), line


@given(st.text(max_size=60) | st.lists(st.sampled_from(_PIECES), max_size=6).map("".join))
@settings(max_examples=600, deadline=None)
def test_furniture_and_stop_lines_are_what_the_plain_rules_say(line: str) -> None:
    assert clean.is_furniture(line) == _is_furniture_by_definition(line)
    assert clean.is_stop(line) == _is_stop_by_definition(line)


# Pieces of the article's end rules: end marks, Hong Kong's "Ends/", dates alone on a line, issuers.
_REGION_END_PIECES = [
    *"完 （完） -End- END End 全文完 — ( ) Ends/Saturday, June 3, 2023 ends / x 2016年10月14日 二〇二三年十月四日".split(),
    *"(星期三) Wed, 27 May 2020 00:00:00 GMT +0800 •· 国家药品监督管理局 办公厅 委员会 署 正文第一句。 More".split(),
    " ",
    "  ",
]


def _region_end_lines(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pieces = _PIECES + _REGION_END_PIECES * 4
    return [
        ("" if rng.random() < 0.5 else " ").join(rng.choice(pieces) for _ in range(rng.randint(1, 4)))
        for _ in range(count)
    ]


def _article_region_by_definition(lines: list[str]) -> tuple[list[str], list[str]]:
    """Every end rule tried on every line, one after the other."""
    region: list[str] = []
    teasers = 0
    for index, line in enumerate(lines):
        if _is_stop_by_definition(line):
            return region, []
        if index == 0:
            region.append(line)
            continue
        if clean._END_MARK.match(line):
            return region, [n for n in lines[index + 1 : index + 2] if clean._LONE_DATE.match(n)]
        if clean._ENDS_DATED.match(line):
            return region, [line]
        if (
            clean._LONE_DATE.match(line)
            and region
            and (clean._ISSUER.search(region[-1]) or line.lstrip("•· ")[:3].isalpha())
        ):
            return region, [line]
        teasers = teasers + 1 if clean._is_teaser(line) else 0
        if teasers == 2:
            return region[:-1], []
        region.append(line)
    return region, []


def test_the_region_gate_matches_exactly_when_one_of_its_rules_does_over_generated_lines() -> None:
    lines = _random_lines(20_000, seed=5) + _region_end_lines(20_000, seed=6)
    region_rules = (clean._END_MARK, clean._ENDS_DATED, clean._LONE_DATE)
    assert sum(any(rule.match(line) for rule in region_rules) for line in lines) > 500
    for line in lines:
        assert bool(clean._MAY_END_REGION.match(line)) == any(rule.match(line) for rule in region_rules), line


def test_the_article_region_is_what_every_end_rule_tried_on_every_line_gives() -> None:
    rng = random.Random(3)
    lines = _region_end_lines(30_000, seed=4)
    ended_early = 0
    for _ in range(3_000):
        start = rng.randrange(len(lines))
        window = lines[start : start + rng.randint(1, 12)]
        expected = _article_region_by_definition(window)
        assert clean._article_region(window) == expected, window
        ended_early += len(expected[0]) < len(window)
    assert ended_early > 500  # the windows reach the end rules


@given(st.lists(st.sampled_from(_REGION_END_PIECES + _PIECES[:40]), max_size=5).map("".join) | st.text(max_size=40))
@settings(max_examples=400, deadline=None)
def test_the_region_gate_matches_exactly_when_one_of_its_rules_does(line: str) -> None:
    rules = (clean._END_MARK, clean._ENDS_DATED, clean._LONE_DATE)
    assert bool(clean._MAY_END_REGION.match(line)) == any(rule.match(line) for rule in rules)


def _prepare_lines_by_definition(text: str, hints: dict[str, str], markdown: bool) -> list[str]:
    """Every line tried for every Markdown and widget rule."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip(clean._STRIP)
        if markdown:
            if autolink := clean._AUTOLINK.match(line):
                hints.setdefault("url", autolink.group(1))
                continue
            if line.startswith("<!--") and line.endswith("-->"):
                continue
            if clean._MD_HEADING.match(line):
                line = clean._MD_HEADING.sub("", line)
                if raw.startswith("# "):
                    hints.setdefault("h1", line)
            line = clean._MD_LINK.sub(r"\1", clean._MD_IMAGE.sub("", line)).strip(clean._STRIP)
        line = clean._INLINE_WIDGET.sub("", line).strip(clean._STRIP)
        if line.endswith(("照", "照片", "圖", "图", "圖片", "图片")):
            line = clean._GLUED_CREDIT.sub("", line)
        if line:
            lines.append(line)
    return clean._drop_boxed_promotions(lines)


_MARKDOWN_PIECES = [
    *"<https://a.gov.cn/x> <!-- 注 --> # ## 标题 [链接](https://b.cn) ![图](c.png) ]] > [ ] ( ) 【 】 CDATA".split(),
    *"<![CDATA[ ]]> [Read More] 【阅读全文】 。资料照 受影響。聯合報系資料照 图片 ------ 正文 药品 \n \n\n".split(),
    " ",
]


@given(st.lists(st.sampled_from(_MARKDOWN_PIECES), max_size=30).map("".join) | st.text(max_size=60), st.booleans())
@settings(max_examples=600, deadline=None)
def test_lines_are_prepared_as_every_rule_tried_on_every_line_would(text: str, markdown: bool) -> None:
    hints: dict[str, str] = {}
    expected_hints: dict[str, str] = {}
    assert clean._prepare_lines(text, hints, markdown) == _prepare_lines_by_definition(text, expected_hints, markdown)
    assert hints == expected_hints


# --- dates and Han counts --------------------------------------------------------------------------


def _full_dates_by_definition(text: str) -> list[metadata.FoundDate]:
    found = [
        metadata.FoundDate(day, m.start(), m.end())
        for m in CJK_FULL_DATE.finditer(text)
        if (day := metadata._valid(m[1], m[2], m[3]))
    ]
    for m in ISO_LIKE.finditer(text):
        if len(m[4]) == 1 and m.end() < len(text) and text[m.end()].isdigit():
            continue
        if day := metadata._valid(m[1], m[3], m[4]):
            found.append(metadata.FoundDate(day, m.start(), m.end()))
    found += [metadata.FoundDate(day, s, e) for ymd, s, e in english_dates(text) if (day := metadata._valid(*ymd))]
    return sorted(found, key=lambda f: f.start)


_DATE_PIECES = [
    *"2022 2026 1999 0558 11 2 03 12 ２０２２ ٢٠٢٢ 年 月 日 号 - / . , : Feb. March May Sep 8th of".split(),
    *"2022年2月11日 2026-03-0558 2026-3-5 Sep 8, 2025 30 June 2023 24-Apr-2020 国药 发布".split(),
    " ",
]


@given(st.lists(st.sampled_from(_DATE_PIECES), max_size=8).map("".join) | st.text(max_size=40))
@settings(max_examples=800, deadline=None)
def test_full_dates_are_what_the_patterns_find(text: str) -> None:
    assert metadata.full_dates(text) == _full_dates_by_definition(text)


@given(
    st.text(alphabet="国國药a1 。\u3400\u4dbf\u4dc0\u9fff\ua000\uf900\ufaff\ufb00𠀀", max_size=30)
    | st.text(max_size=30)
)
@settings(max_examples=300, deadline=None)
def test_han_count_counts_each_han_character(text: str) -> None:
    assert han_count(text) == len(HAN.findall(text))


def test_each_full_width_form_folded_first_is_its_own_compatibility_decomposition() -> None:
    assert len(_HALF_WIDTH_OF) == 95
    for wide, narrow in _HALF_WIDTH_OF.items():
        assert unicodedata.normalize("NFKD", wide) == narrow


# Full-width forms with combining marks after them (＜ + U+0338 composes to ≮ either way), other
# characters NFKC changes (①, ﬁ, half-width katakana and its voicing mark, Å), both scripts.
_NFKC_PIECES = [
    "，",
    "：",
    "（",
    "）",
    "\u3000",
    "＜\u0338",
    "ｅ\u0301",
    "Ａ",
    "１",
    "①",
    "ﬁ",
    "ｶﾞ",
    "Å",
    "國",
    "药",
    " ",
    "a",
    "\n",
]


@given(
    st.lists(st.sampled_from(_NFKC_PIECES), min_size=100, max_size=300).map("".join)
    | st.text(min_size=256, max_size=300)
)
@settings(max_examples=150, deadline=None)
def test_nfkc_is_unicodedatas(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


# --- sentences and their tokens --------------------------------------------------------------------


def _sentences_by_definition(text: str) -> list[tuple[int, int, bool, bool]]:
    """Paragraph by paragraph, each paragraph's sentence bounds found first, then marked."""
    found: list[tuple[int, int, bool, bool]] = []
    for paragraph in re.finditer(r"[^\n]*\n*", text):
        if paragraph.start() == paragraph.end():
            continue
        bounds: list[tuple[int, int]] = []
        cursor = paragraph.start()
        for match in chunk._SENTENCE_END.finditer(text, paragraph.start(), paragraph.end()):
            if match.end() > cursor:
                bounds.append((cursor, match.end()))
                cursor = match.end()
        if cursor < paragraph.end():
            if text[cursor : paragraph.end()].strip() or not bounds:
                bounds.append((cursor, paragraph.end()))
            else:
                bounds[-1] = (bounds[-1][0], paragraph.end())
        found += [(start, end, False, False) for start, end in bounds[:-1]]
        found.append((*bounds[-1], True, bool(chunk._SECTION_START.match(text, paragraph.end()))))
    return found


_SENTENCE_ALPHABET = "药品。！？；!?.\"'”’）)」 \t\u3000\u00a0\r\x1c\n第十条章a1"


@given(st.text(alphabet=_SENTENCE_ALPHABET, max_size=80) | st.text(max_size=40))
@settings(max_examples=2000, deadline=None)
def test_sentences_are_each_paragraphs_sentence_bounds(text: str) -> None:
    assert chunk._sentences(text) == _sentences_by_definition(text)


def _tokens_of_stretches_by_definition(text: str, ends: list[int], stretches) -> list[int]:
    counts = []
    for start, end, *_ in stretches:
        low, high = len(text[:start].encode("utf-8")), len(text[:end].encode("utf-8"))
        counts.append(bisect_right(ends, high) - bisect_right(ends, low))
    return counts


@given(st.text(alphabet=_SENTENCE_ALPHABET + "é𠀀", max_size=80), st.randoms(use_true_random=False))
@settings(max_examples=300, deadline=None)
def test_tokens_of_stretches_are_read_off_the_one_encoding(text: str, rng: random.Random) -> None:
    encoding = encoding_for("gpt-4o-mini")
    measure = chunk._Measure(text, lambda piece: len(encoding.encode_ordinary(piece)), token_ends(text, encoding))
    tiling = chunk._sentences(text)
    cuts = [sorted((rng.randint(0, len(text)), rng.randint(0, len(text)))) for _ in range(5)]
    scattered = [(start, end, False, False) for start, end in cuts]  # with gaps, overlaps and steps back
    for stretches in (tiling, scattered):
        assert measure.all_tokens(stretches) == _tokens_of_stretches_by_definition(text, measure.ends or [], stretches)


# --- reading files ---------------------------------------------------------------------------------


def test_a_file_that_grew_after_its_size_was_taken_is_read_whole_or_refused(tmp_path: Path, monkeypatch) -> None:
    """The file is read for the size stat gave, and on past it when there is more (up to the limit)."""
    page = tmp_path / "page.txt"
    page.write_bytes(b"x" * 100)
    real_stat = Path.stat

    def stale_stat(self: Path, **kwargs) -> os.stat_result:
        found = real_stat(self, **kwargs)
        return os.stat_result((*found[:6], 10, *found[7:])) if self == page else found  # 10 bytes, then it grew

    monkeypatch.setattr(Path, "stat", stale_stat)
    assert page.stat().st_size == 10
    assert load.read_bytes(page, 1_000) == b"x" * 100
    with pytest.raises(InputError, match="over the limit of 50 bytes"):
        load.read_bytes(page, 50)


# --- duplicate buckets -----------------------------------------------------------------------------


class _BucketsByIndex(dedupe._Buckets):
    """The buckets walking each document's hashes by index, one Python step per crowded hash."""

    def add(self, document: int, hashes: list[int]) -> None:
        self.hashes_of = getattr(self, "hashes_of", {})
        self.next_of = getattr(self, "next_of", {})
        self.hashes_of[document], self.next_of[document] = hashes, 0
        for _ in range(dedupe.PROBES):
            self._probe_once_more(document)

    def _probe_once_more(self, document: int) -> None:
        hashes, at = self.hashes_of[document], self.next_of[document]
        while at < len(hashes) and hashes[at] in self.crowded:
            at += 1
        self.next_of[document] = at + 1
        if at >= len(hashes):
            return
        probe = hashes[at]
        bucket = self.buckets[probe]
        if self.root(document) in map(self.root, bucket):
            return
        bucket.append(document)
        if len(bucket) > dedupe.CROWDED:
            self.crowded.add(probe)
            for member in self.buckets.pop(probe):
                self._probe_once_more(member)


def test_documents_are_grouped_as_walking_their_hashes_by_index_groups_them(monkeypatch) -> None:
    """Many documents sharing boilerplate (buckets crowd and their members move on), reposts among them."""
    rng = random.Random(4)
    boilerplate = [f"本局通知第{i}条规定应当遵守执行" for i in range(12)]
    stories = [[f"故事{s}的第{k}句话内容各不相同{rng.random()}" for k in range(rng.randint(3, 12))] for s in range(400)]
    documents = []
    for _ in range(900):
        story = list(rng.choice(stories))
        story += rng.sample(boilerplate, rng.randint(0, 6))
        if rng.random() < 0.3:
            story[rng.randrange(len(story))] += "编辑"  # a small edit: near, not identical
        rng.shuffle(story)
        documents.append(story)
    grouped = dedupe._group(documents)
    monkeypatch.setattr(dedupe, "_Buckets", _BucketsByIndex)
    assert grouped == dedupe._group(documents)
    assert sum(len(group) > 1 for group in grouped) > 100  # reposts were found


# --- language --------------------------------------------------------------------------------------


def _language_by_definition(text: str, sample: int = 400) -> str | None:
    han_chars = "".join(HAN_RUN.findall(text, 0, sample * 4))[:sample]
    latin = sum(map(len, metadata._LATIN_RUN.findall(text, 0, sample * 4)))
    if not han_chars:
        return "en" if latin else None
    if latin > 3 * len(han_chars):
        return "en"
    simplified = to_simplified(han_chars)
    if simplified == han_chars:
        return "zh-Hans"
    changed = sum(map(operator.ne, han_chars, simplified))
    return "zh-Hant" if changed >= max(2, 0.05 * len(han_chars)) else "zh-Hans"


@given(
    st.lists(st.sampled_from(["药品监督", "藥品監督", "国", "國", "abc", "Agency ", " ", "。"]), max_size=900).map(
        "".join
    ),
    st.sampled_from([1, 3, 40, 400]),
)
@settings(max_examples=300, deadline=None)
def test_language_is_what_counting_every_letter_says(text: str, sample: int) -> None:
    assert metadata.detect_language(text, sample) == _language_by_definition(text, sample)
