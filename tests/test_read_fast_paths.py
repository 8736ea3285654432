"""The reader's fast paths give what the plain rules they replace give.

Each rule rewritten for speed (a cheap test in front of a regex, one pass instead of two) is compared
here with its plain definition, kept in this file, over generated inputs built from the rule's own
vocabulary (so the rare branches are reached) as well as arbitrary text.
"""

from __future__ import annotations

import random
import re
import unicodedata
from bisect import bisect_right

from hypothesis import given, settings
from hypothesis import strategies as st

from briefs import chunk, clean, metadata
from briefs.tokens import encoding_for, token_ends
from briefs.zhtext import _HALF_WIDTH_OF, CJK_FULL_DATE, HAN, ISO_LIKE, english_dates, han_count, nfkc

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


@given(st.lists(st.sampled_from(_NFKC_PIECES), min_size=100, max_size=400).map("".join) | st.text(min_size=256))
@settings(max_examples=300, deadline=None)
def test_nfkc_is_unicodedatas(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


# --- sentences and their tokens --------------------------------------------------------------------


def _sentences_by_definition(text: str) -> list[tuple[int, int, bool, bool]]:
    """Paragraph by paragraph, each paragraph's sentence bounds found first, then marked."""
    found: list[tuple[int, int, bool, bool]] = []
    for paragraph in chunk._PARAGRAPH.finditer(text):
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


_SENTENCE_ALPHABET = '药品。！？；!?."”）」 \t\u3000\n第十条章a1'


@given(st.text(alphabet=_SENTENCE_ALPHABET, max_size=80) | st.text(max_size=40))
@settings(max_examples=800, deadline=None)
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
