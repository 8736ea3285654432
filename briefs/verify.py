"""Check an ``Extraction`` against the document it came from: nothing quoted, counted or dated may be
invented.

Rules (each verdict is a ``models.Check``; failures are flagged, never silently kept or dropped):

* quote   — every ``requirements[].source_sentence`` occurs in the cleaned text, tolerating ONLY
            whitespace and full-width/half-width differences. Both sides are folded for the
            comparison only (``fold``); stored text is never changed. Traditional never matches
            Simplified: the characters themselves must be the document's. It must be whole
            sentences or clauses (start and end at 。！？；，：, a line break or a quotation mark):
            a piece cut out of a clause fails, and so does a quote of punctuation only.
* figure  — every number in the summaries and key points occurs in the source. Dates first: a
            year-month-day, range, year-month, month-day, year or month a summary writes (2022年2月11日,
            8月17日至19日, 2022年, 9月, "Feb. 11, 2022") must be one the source states, in any of its
            forms (二○二二年, 民國/bare ROC years such as 113年1月18日, "17 December 2020",
            "August 17 to 19 2020", "in 2022", "September"), or the publication date. Then Chinese
            figures are matched as written, number and unit (15.36万件, 20批次, 17.65%, 六个,
            五万元), against the source with Traditional read as Simplified (the summaries are
            written in Simplified; the figure itself must be the document's); on an English page
            the measure word is a translation, so there they are matched by value and magnitude
            (153,600 cases ↔ 153,600件 or 15.36万件, 17.65 percent ↔ 17.65%, 50 million ↔ 5000万,
            four ↔ 四项, Level III ↔ 三级). 一 before a measure word (一批, 一起, 一家) counts as "a"
            and is no figure. Ordinals (第三十三条) by value. English figures are matched by value
            (153,600 ↔ 15.36万; 20th ↔ 二十大), against the numbers the source states, read with its
            spaces kept ("2907 7300" is two numbers): Chinese numerals count only where used as
            numbers (after 第 or in a list after it, before a multiplier or measure word), never
            inside words (统一, 两品一械, 十分, 老百姓); a number joined to a word by a hyphen
            (COVID-19) is a name, not a figure.
            ``figures[].value`` and ``source_phrase`` occur verbatim, the value is a whole number
            of the document (not 15.3 of 15.36), and the value is inside its phrase.
* date    — ``dates[].source_phrase`` and ``requirements[].due_phrase`` occur verbatim, and the date
            given is stated in the phrase (2022年1月1日, 二〇二二年一月一日, 2022-01-01, 113年1月18日,
            "Feb. 11, 2022", or 2月11日 / "May 1" for month and day; year and month state only the
            month's first or last day; a range states both ends). A date
            computed from a phrase (自发布之日起30日内) is not stated, and fails.
* injection — a non-null ``injection_attempt`` is a flagged verdict: the digest is normal, the
            attempt is shown to the reader.

``problems`` turns failed verdicts into the one-line messages a re-ask shows the model.
This module imports only ``briefs.models`` and the leaf ``briefs.zhtext`` (numerals, dates, folding).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from briefs.models import Check, CheckKind, Extraction
from briefs.zhtext import (
    CN_NUMERAL_CHARS,
    HAN,
    STATED_DATE_PATTERNS,
    chinese_numeral_value,
    date_numerals_to_digits,
    english_date_ranges,
    english_dates,
    english_month_day_spans,
    english_month_years,
    english_months,
    english_number_words,
    english_stem,
    fold,
    locked_forms,
    longest_first,
    roc_years_to_western,
    simplified_key,
    terms_found,
    to_simplified,
    width_fold,
)

# --- folding (comparison keys only) ---------------------------------------------------------------


def occurs(needle: str, folded_haystack: str) -> bool:
    key = fold(needle)
    return bool(key) and key in folded_haystack


# Where a sentence or clause of a Chinese text may start or end (compared after ``fold``, so the
# full-width ，；：！？（） are their half-width forms here). Not 、: an item of an enumeration is
# not a clause. Not ".": in folded text it is mostly a decimal point.
_CLAUSE_MARKS = frozenset("。!?;,:…")
_OPENING = frozenset("“‘「『《(【〔[")
_CLOSING = frozenset("”’」』》)】〕]")
_LIST_MARKER = re.compile(rf"(?:[{CN_NUMERAL_CHARS}]{{1,3}}|\d{{1,2}})、")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class FoldedText:
    """A text's comparison key with where its lines broke: a line break ends a sentence (a heading,
    a list item), but ``fold`` removes it, so the breaks are kept beside the key."""

    key: str
    breaks: frozenset[int]  # positions in ``key`` that whitespace stood before

    @classmethod
    def of(cls, text: str) -> FoldedText:
        pieces = [fold(piece) for piece in _WHITESPACE.split(text)]
        breaks, at = set(), 0
        for piece in pieces[:-1]:  # whitespace stood after each piece but the last
            at += len(piece)
            breaks.add(at)
        return cls("".join(pieces), frozenset(breaks))

    def starts_clause(self, at: int) -> bool:
        if at == 0 or at in self.breaks or self.key[at - 1] in _CLAUSE_MARKS | _OPENING | _CLOSING:
            return True
        # after an item's number at the start of a clause (一、 12、): the item's text is a sentence
        marker = _LIST_MARKER.search(self.key, max(0, at - 4), at)
        return marker is not None and marker.end() == at and self.starts_clause(marker.start())

    def ends_clause(self, at: int) -> bool:
        return at == len(self.key) or at in self.breaks or self.key[at] in _CLAUSE_MARKS | _CLOSING

    def whole_clauses(self, needle: str) -> bool:
        """``needle`` occurs starting and ending where sentences or clauses do (its own first or
        last character may be such a mark: a quote may open with “ or end with 。)."""
        key = fold(needle)
        if not key:
            return False
        opens = key[0] in _OPENING
        closes = key[-1] in _CLAUSE_MARKS | _CLOSING
        at = self.key.find(key)
        while at >= 0:
            if (opens or self.starts_clause(at)) and (closes or self.ends_clause(at + len(key))):
                return True
            at = self.key.find(key, at + 1)
        return False


def has_words(text: str) -> bool:
    """A quote needs at least one letter or digit: punctuation alone states nothing."""
    return any(char.isalnum() for char in text)


def _mismatch_hint(needle: str, folded_haystack: str) -> str:
    """Where a quote stops matching: the longest prefix of it found in the document."""
    key = fold(needle)
    low, high = 0, len(key)
    while low < high:  # prefixes that occur form a range [0, n]: binary search n
        middle = (low + high + 1) // 2
        if key[:middle] in folded_haystack:
            low = middle
        else:
            high = middle - 1
    if low == 0:
        return "no part of it occurs in the document"
    return f"the first {low} characters match the document, then it differs at {key[low : low + 12]!r}"


# --- numbers ---------------------------------------------------------------------------------------

_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_MULTIPLIERS = {
    "万亿": Decimal(10) ** 12,
    "亿": Decimal(10) ** 8,
    "万": Decimal(10) ** 4,
    "千": Decimal(1000),
}
# Measure words and units that make a number a figure; longest first so 批次 wins over 批.
_UNITS = sorted(
    "批次 人次 家次 项次 万元 亿元 元 件 批 家 个 個 项 項 名 人 次 例 起 种 種 类 類 "
    "份 张 張 台 套 吨 噸 岁 歲 天 日 号 "
    "月 年 周 小时 小時 条 條 款 所 户 戶 剂 劑 支 盒 瓶 倍 公斤 千克 克 毫升 升 平方米 米 公里 %".split(),
    key=len,
    reverse=True,
)
_ZH_FIGURE = re.compile(rf"(?<![\d.]){_NUMBER}(?:万亿|亿|万|千)?(?:{'|'.join(re.escape(unit) for unit in _UNITS)})?")
_EN_FIGURE = re.compile(
    r"(?<![A-Za-z0-9_.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:st|nd|rd|th)?(?:\s*(%|percent|per cent))?"
    r"(?:\s*(thousand|million|billion))?(?![A-Za-z0-9_])",
    re.IGNORECASE,
)
_EN_SCALE = {"thousand": Decimal(1000), "million": Decimal(10) ** 6, "billion": Decimal(10) ** 9}
# Numbers of a source, read with its whitespace kept: folded away, "2907 7300" would be one number
# and "No. 47" a decimal. A thousands separator needs exactly three digits after it ("28,2022" is
# two numbers, as in "September 28,2022"); 万/亿, %, percent and English scale words apply.
_SOURCE_NUMBER = re.compile(
    r"(?<!\d)(?<!\d\.)(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+)?"
    r"(?: ?(万亿|亿|万|千))?(?: ?(%|percent\b|per cent\b))?(?: ?(thousand|million|billion)\b)?",
    re.IGNORECASE,
)

# A run of Chinese numerals is a number only where the text uses it as one: after 第 (第三十三条,
# 第一章), or before a multiplier or a measure word (六个, 五万元, 一百零七条, 二十大, 十九届).
# Elsewhere the same characters are words: 统一, 进一步, 两品一械, 十分 (very), 老百姓 — reading
# them as numbers would let an invented "2" or "100" in an English summary pass. Matched against
# Simplified text (the measure words are listed in Simplified).
_CN_NUMERALS = CN_NUMERAL_CHARS
_CN_MEASURES = sorted({unit for unit in _UNITS if unit != "%"} | set("届大章节编位级季轮期部篇"), key=len, reverse=True)
_CN_MEASURE = "|".join(re.escape(unit) for unit in _CN_MEASURES)
_CN_FIGURE = re.compile(
    rf"(?<![{_CN_NUMERALS}])(?P<ordinal>第)?(?P<run>[{_CN_NUMERALS}]+)"
    rf"(?P<multiplier>万亿|亿|万)?(?P<measure>{_CN_MEASURE})?"
)

_CN_ORDINAL_LIST = re.compile(rf"第([{_CN_NUMERALS}]+(?:[、,和及至到][{_CN_NUMERALS}]+)+)")


@dataclass(frozen=True)
class SourceNumbers:
    """The values a source states: plain values and percentages (as Decimals)."""

    values: frozenset[Decimal]
    percents: frozenset[Decimal]


def source_numbers(text: str) -> SourceNumbers:
    """Every value a source states: in digits, in Chinese numerals used as numbers, and in English
    words or Roman numerals (four guidelines, Class II)."""
    values: set[Decimal] = set()
    percents: set[Decimal] = set()
    for match in _SOURCE_NUMBER.finditer(width_fold(text)):
        whole, fraction, multiplier, percent, scale = match.groups()
        number = _decimal(whole + (fraction or ""))
        if number is None:
            continue
        # 15.36万 states 153,600, not 15.36: an English "15.36" of it would be a misreading
        if multiplier:
            number *= _MULTIPLIERS[multiplier]
        if scale:
            number *= _EN_SCALE[scale.lower()]
        values.add(number)
        if percent:
            percents.add(number)
    folded = fold(text)
    for match in _CN_FIGURE.finditer(to_simplified(folded)):
        if not _is_cn_figure(match):
            continue
        if (value := chinese_numeral_value(match.group("run"))) is not None:
            multiplier = _MULTIPLIERS[match.group("multiplier")] if match.group("multiplier") else 1
            values.add(Decimal(value) * multiplier)
    for match in _CN_ORDINAL_LIST.finditer(folded):  # 第七十三、七十四、七十五条: each is an ordinal
        for run in re.split("[、,和及至到]", match.group(1)):
            if (value := chinese_numeral_value(run)) is not None:
                values.add(Decimal(value))
    values.update(Decimal(value) for value in english_number_words(text))
    return SourceNumbers(frozenset(values), frozenset(percents))


def zh_figure_value(figure: str) -> tuple[Decimal, bool] | None:
    """(value, is a percentage) of a Chinese figure as ``zh_figures`` finds it: 5000万人 → 5e7,
    17.65% → 17.65 percent, 六个 → 6."""
    folded = to_simplified(fold(figure))
    if match := re.match(rf"({_NUMBER})(万亿|亿|万|千)?", folded):
        value = _decimal(match.group(1))
        if value is None:
            return None
        if match.group(2):
            value *= _MULTIPLIERS[match.group(2)]
        return value, folded.endswith("%")
    if (match := _CN_FIGURE.match(folded)) and (number := chinese_numeral_value(match.group("run"))) is not None:
        multiplier = _MULTIPLIERS[match.group("multiplier")] if match.group("multiplier") else 1
        return Decimal(number) * multiplier, False
    return None


def counting_word(figure: str) -> bool:
    """一批, 一起, 一家, 一条: 一 before a measure word counts an item as English "a" does; it is
    not a quantity of the document, and an English page has none to match it."""
    match = _CN_FIGURE.match(to_simplified(fold(figure)))
    return bool(match and match.group("run") == "一" and not match.group("multiplier") and not match.group("ordinal"))


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _is_cn_figure(match: re.Match[str]) -> bool:
    return bool(match.group("ordinal") or match.group("multiplier") or match.group("measure"))


def zh_figures(text: str) -> list[str]:
    """The figures (number + multiplier + unit, as written) in a Chinese text: in digits
    (15.36万件, 17.65%) and in Chinese numerals used as counts or amounts (六个, 五万元).
    Ordinals (第三十三条) are references, not figures: see ``zh_ordinals``."""
    folded = fold(text)
    digits = [match.group(0) for match in _ZH_FIGURE.finditer(folded)]
    numerals = [
        match.group(0) for match in _CN_FIGURE.finditer(folded) if not match.group("ordinal") and _is_cn_figure(match)
    ]
    return digits + numerals


def zh_ordinals(text: str) -> Iterator[tuple[str, Decimal]]:
    """(as written, value) of each 第N in a Chinese text (第三十三条 → 33). An ordinal is checked by
    value, like an English "Article 33": a summary may say 第一章 of a part whose text only has
    第一条 (a chunk holds part of a chapter), but 第三十四条 where no 34 is stated fails."""
    for match in _CN_FIGURE.finditer(fold(text)):
        if match.group("ordinal") and (value := chinese_numeral_value(match.group("run"))) is not None:
            yield match.group(0), Decimal(value)


def en_figures(text: str) -> Iterator[tuple[str, Decimal, bool]]:
    """(as written, value, is a percentage) for each number in an English text."""
    for match in _EN_FIGURE.finditer(text):
        if _part_of_a_name(text, match.start()):
            continue
        whole, fraction, percent, scale = match.groups()
        value = _decimal(whole + (fraction or ""))
        if value is None:
            continue
        if scale:
            value *= _EN_SCALE[scale.lower()]
        yield match.group(0).strip(), value, bool(percent)


def _part_of_a_name(text: str, start: int) -> bool:
    """COVID-19, SARS-CoV-2: a number joined to a word by a hyphen names something; it is no figure."""
    return start >= 2 and text[start - 1] == "-" and text[start - 2].isalpha()


def zh_figure_occurs(figure: str, haystack: str) -> bool:
    """The figure occurs as written, not as part of a longer number (15.3 is not in 15.36, 十 is
    not in 二十)."""
    figure = fold(figure)
    if not figure:
        return False
    head = rf"(?<![\d.{_CN_NUMERALS}])" if figure[0] in _CN_NUMERALS else r"(?<![\d.])"
    if figure[-1].isdigit():
        tail = r"(?!\.?\d)"
    elif figure[-1] in _CN_NUMERALS:
        tail = rf"(?![{_CN_NUMERALS}])"
    else:
        tail = ""
    return re.search(rf"{head}{re.escape(figure)}{tail}", haystack) is not None


# --- dates -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhraseDate:
    """A date as a phrase states it; a part it does not state is None."""

    year: int | None
    month: int | None
    day: int | None

    def agrees_with(self, date: dt.date) -> bool:
        if self.month is not None and self.day is None and not _first_or_last_day(date):
            return False  # 2022年7月 states July: its first day (自…起) or last (…底前), not the 15th
        return all(
            mine is None or mine == theirs
            for mine, theirs in ((self.year, date.year), (self.month, date.month), (self.day, date.day))
        )


def _first_or_last_day(date: dt.date) -> bool:
    return date.day == 1 or (date + dt.timedelta(days=1)).month != date.month


def date_copy(text: str) -> str:
    """The copy of a text dates are read from: widths folded, Chinese-numeral dates as digits, ROC
    years as Western ones (中華民國一百十四年一月一日 → 2025年1月1日, 113年1月18日 → 2024年1月18日)."""
    return roc_years_to_western(date_numerals_to_digits(width_fold(text)))


# 8月17日至19日, 2022年8月17日—9月2日: a range states both ends.
_CN_RANGE = re.compile(
    r"(?<!\d)(?:(?P<y>\d{4}) ?年 ?)?(?P<m>\d{1,2}) ?月 ?(?P<d>\d{1,2}) ?[日号]? ?(?:至|到|—|–|-|~|～|－) ?"
    r"(?:(?P<m2>\d{1,2}) ?月 ?)?(?P<d2>\d{1,2}) ?[日号]"
)
_CN_YEAR_ALONE = re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d{2}) ?年(?! ?\d{1,2} ?月)")
_CN_MONTH_ALONE = re.compile(r"(?<![\d.])(?P<m>1[0-2]|0?[1-9]) ?月(?! ?\d)")
_BARE_YEAR = re.compile(r"(?<![\d.,])(?:19|20)\d{2}(?![\d])")


def _range_dates(text: str) -> Iterator[tuple[tuple[int, int], PhraseDate]]:
    for match in _CN_RANGE.finditer(text):
        year = int(match["y"]) if match["y"] else None
        month = int(match["m"])
        yield match.span(), PhraseDate(year, month, int(match["d"]))
        yield match.span(), PhraseDate(year, int(match["m2"]) if match["m2"] else month, int(match["d2"]))


def _dated_spans(text: str) -> list[tuple[tuple[int, int], PhraseDate]]:
    """(span, date) of each date a date copy states to at least month and day, or year and month:
    Chinese (ranges, then most specific first), then English."""
    found: list[tuple[tuple[int, int], PhraseDate]] = []

    def free(span: tuple[int, int]) -> bool:
        return not any(start < span[1] and span[0] < end for (start, end), _ in found)

    for span, date in list(_range_dates(text)):
        found.append((span, date))
    for pattern in STATED_DATE_PATTERNS:  # most specific first; a span already read is not read again
        for match in pattern.finditer(text):
            if free(match.span()):
                parts = match.groupdict()
                found.append(
                    (
                        match.span(),
                        PhraseDate(
                            year=int(parts["y"]) if parts.get("y") else None,
                            month=int(parts["m"]) if parts.get("m") else None,
                            day=int(parts["d"]) if parts.get("d") else None,
                        ),
                    )
                )
    for (year, month, first, last), start, end in english_date_ranges(text):
        if free((start, end)):
            found.append(((start, end), PhraseDate(year, month, first)))
            found.append(((start, end), PhraseDate(year, month, last)))
    for (year, month, day), start, end in english_dates(text):
        if free((start, end)):
            found.append(((start, end), PhraseDate(year, month, day)))
    for (month, day), start, end in english_month_day_spans(text):
        if free((start, end)):
            found.append(((start, end), PhraseDate(None, month, day)))
    for (year, month), start, end in english_month_years(text):
        if free((start, end)):
            found.append(((start, end), PhraseDate(year, month, None)))
    return found


def stated_dates(phrase: str) -> list[PhraseDate]:
    """The dates a phrase states to at least month and day, or year and month (Chinese, ROC or English)."""
    return [date for _, date in _dated_spans(date_copy(phrase))]


@dataclass(frozen=True)
class SourceDates:
    """Every date a source states, and the parts it states alone: what a summary's dates are held to."""

    dates: tuple[PhraseDate, ...]
    years: frozenset[int]
    months: frozenset[int]

    @classmethod
    def of(cls, text: str, published: dt.date | None) -> SourceDates:
        copy = date_copy(text)
        dates = [date for _, date in _dated_spans(copy)]
        if published is not None:
            dates.append(PhraseDate(published.year, published.month, published.day))
        years = {date.year for date in dates if date.year} | {int(m["y"]) for m in _CN_YEAR_ALONE.finditer(copy)}
        years |= {int(m.group(0)) for m in _BARE_YEAR.finditer(copy)}  # "in 2022"
        months = {date.month for date in dates if date.month}
        months |= {int(m["m"]) for m in _CN_MONTH_ALONE.finditer(copy)} | set(english_months(copy))
        return cls(tuple(dates), frozenset(years), frozenset(months))

    def states(self, date: PhraseDate) -> bool:
        """A summary's date is the source's: the same year, month and day where both state them; a
        full date may take its year from anywhere in the source ("from May 1 this year")."""
        if date.month is None:
            return date.year in self.years
        if date.year is None and date.day is None:
            return date.month in self.months
        for known in self.dates:
            if known.month != date.month:
                continue
            if date.day is not None and known.day != date.day:
                continue
            if date.day is None and known.year == date.year:
                return True
            if date.day is not None and (known.year == date.year or (known.year is None and date.year in self.years)):
                return True
            if date.day is not None and date.year is None:
                return True
        return False


def _with_parts_alone(text: str) -> list[tuple[tuple[int, int], PhraseDate]]:
    spans = _dated_spans(text)
    for pattern, part in ((_CN_YEAR_ALONE, "y"), (_CN_MONTH_ALONE, "m")):
        for match in pattern.finditer(text):
            if not any(start < match.end() and match.start() < end for (start, end), _ in spans):
                value = int(match[part])
                spans.append(
                    (match.span(), PhraseDate(value, None, None) if part == "y" else PhraseDate(None, value, None))
                )
    return spans


def summary_dates(text: str) -> tuple[list[tuple[str, PhraseDate]], str]:
    """(as written, date) of each date a summary writes (ranges, year-month-day, year-month,
    month-day, a year or a month alone; Chinese, ROC or English), and the summary with its dates in
    digits blanked out (what is left holds its other figures; Chinese numerals are left as written,
    where 一年半 is a duration, not a date)."""
    copy = date_copy(text)
    found = [(copy[start:end].strip(), date) for (start, end), date in _with_parts_alone(copy)]
    digits = width_fold(text)
    rest = list(digits)
    for (start, end), _ in _with_parts_alone(digits):
        rest[start:end] = " " * (end - start)
    return found, "".join(rest)


def date_stated_in(date_text: str, phrase: str) -> str | None:
    """None when ``phrase`` states ``date_text`` (YYYY-MM-DD); else what is wrong."""
    try:
        date = dt.date.fromisoformat(date_text)
    except ValueError:
        return f"{date_text!r} is not a YYYY-MM-DD date"
    mentions = stated_dates(phrase)
    if not mentions:
        return "the phrase states no date (it needs at least month and day, or year and month)"
    if not any(mention.agrees_with(date) for mention in mentions):
        return f"the phrase does not state {date_text}"
    return None


# --- the verification ------------------------------------------------------------------------------

QUOTE_RULE = "does not occur in the document (only whitespace and full/half-width differences are tolerated)"
FRAGMENT_RULE = (
    "is only part of a sentence of the document: quote a whole sentence or clause, starting and ending "
    "where the document's sentence or clause does (at 。！？；，：, a line break or a quotation mark)"
)


@dataclass(frozen=True)
class Source:
    """What verification compares an answer with, prepared once per text: its folded key with its
    line breaks, the key read as Simplified, the numbers and dates it states, its language and its
    injection spans."""

    text: str
    lines: FoldedText
    simplified: str
    numbers: SourceNumbers
    dates: SourceDates
    english: bool  # an English page
    published: dt.date | None
    injections: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, text: str, title: str | None = None, published: dt.date | None = None) -> Source:
        context = f"{title}\n{text}" if title else text
        if published is not None:  # the METADATA line: a summary may take the year from it
            context += f"\n{published.year}年{published.month}月{published.day}日"
        return cls(
            text=text,
            lines=FoldedText.of(text),
            simplified=simplified_key(context),
            numbers=source_numbers(context),
            dates=SourceDates.of(f"{title}\n{text}" if title else text, published),
            # A Chinese summary of an English page renders its figures with Chinese measure words
            # (153,600 cases → 153,600件, 87 drugs → 87个): there only the value and its magnitude
            # can be compared.
            english=len(re.findall(r"[A-Za-z]", text)) > len(HAN.findall(text)),
            published=published,
            injections=tuple(injection_spans(text)),
        )


class _Checker:
    def __init__(self, source: Source) -> None:
        self.lines = source.lines
        self.folded = self.lines.key
        self.published = source.published
        self.simplified = source.simplified
        self.numbers = source.numbers
        self.dates = source.dates
        self.english = source.english
        self.checks: list[Check] = []

    def add(self, kind: CheckKind, target: str, value: str, problem: str | None) -> None:
        self.checks.append(Check(kind=kind, target=target, value=value, ok=problem is None, detail=problem or ""))

    def verbatim(self, kind: CheckKind, target: str, value: str) -> bool:
        if occurs(value, self.folded):
            self.add(kind, target, value, None)
            return True
        detail = "is empty" if not fold(value) else f"{QUOTE_RULE}; {_mismatch_hint(value, self.folded)}"
        self.add(kind, target, value, detail)
        return False

    def figure_value(self, target: str, value: str) -> bool:
        """``figures[].value`` as written, and a whole number of the document (not 15.3 of 15.36)."""
        if not self.verbatim("figure", target, value):
            return False
        if zh_figure_occurs(value, self.folded):
            return True
        self.checks[-1] = Check(
            kind="figure", target=target, value=value, ok=False, detail="occurs only as part of a longer number"
        )
        return False

    def sentence(self, target: str, value: str) -> None:
        """A requirement's source sentence: verbatim, with words in it, and whole sentences or
        clauses of the document (a piece cut out of a clause can change what it says)."""
        if not has_words(value):
            detail = "is empty" if not fold(value) else "is only punctuation, not a sentence of the document"
            self.add("quote", target, value, detail)
        elif not occurs(value, self.folded):
            self.add("quote", target, value, f"{QUOTE_RULE}; {_mismatch_hint(value, self.folded)}")
        elif not self.lines.whole_clauses(value):
            self.add("quote", target, value, FRAGMENT_RULE)
        else:
            self.add("quote", target, value, None)

    def summary_date(self, target: str, written: str, date: PhraseDate) -> None:
        ok = self.dates.states(date)
        self.add("figure", target, written, None if ok else "this date is not stated in the document")

    def zh_text(self, target: str, text: str) -> None:
        dates, rest = summary_dates(text)
        for written, date in dates:
            self.summary_date(target, written, date)
        for figure in zh_figures(rest):
            if counting_word(figure):
                continue
            self.add(
                "figure",
                target,
                figure,
                None if self.zh_figure_ok(figure) else "this figure does not occur in the document",
            )
        for written, value in zh_ordinals(rest):
            ok = value in self.numbers.values
            self.add("figure", target, written, None if ok else "no such number occurs in the document")

    def zh_figure_ok(self, figure: str) -> bool:
        """As written (number and unit, scripts folded); on an English page, by value."""
        if zh_figure_occurs(figure, self.simplified):
            return True
        if not self.english or (parsed := zh_figure_value(figure)) is None:
            return False
        value, percent = parsed
        return value in (self.numbers.percents if percent else self.numbers.values)

    def en_text(self, target: str, text: str) -> None:
        dates, rest = summary_dates(text)
        for written, date in dates:
            self.summary_date(target, written, date)
        for written, value, percent in en_figures(rest):
            known = self.numbers.percents if percent else self.numbers.values
            ok = value in known
            self.add("figure", target, written, None if ok else "this figure does not occur in the document")

    def bilingual(self, target: str, zh: str, en: str) -> None:
        self.zh_text(f"{target}.zh", zh)
        self.en_text(f"{target}.en", en)

    def metadata_publication(self, date: str, phrase: str) -> bool:
        """A publication date taken from the METADATA line (which the prompt points the model to)."""
        if self.published is None or date != self.published.isoformat():
            return False
        return date in width_fold(phrase) or date_stated_in(date, phrase) is None

    def document_number(self, number: str) -> None:
        """A 文号 is the document's own: it must occur in the page (whitespace and width aside)."""
        ok = occurs(number, self.folded) or occurs(number, simplified_key(self.folded))
        self.add(
            "document_number",
            "document_number",
            number,
            None if ok else "does not occur in the document: a 文号 is copied from the page or left null",
        )

    def dated_phrase(
        self, where: str, date_field: str, phrase_field: str, date: str | None, phrase: str | None
    ) -> None:
        if phrase is None:
            if date is not None:
                self.add("date", f"{where}.{date_field}", date, "a date is given without the phrase that states it")
            return
        if not self.verbatim("date", f"{where}.{phrase_field}", phrase):
            return
        if date is not None:
            self.add("date", f"{where}.{date_field}", f"{date} ← {phrase}", date_stated_in(date, phrase))


# --- text addressed to a model (found in code, whatever the model reports) ---------------------------

# Phrases that address an AI or a model, or give orders about the task, in either language. A page of
# regulatory news has no reason to say them; a page that does is treated as an injection attempt
# whether or not the model reported it (a model that obeyed it would not).
_INJECTION = re.compile(
    r"(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)*"
    r"(?:previous|prior|above|preceding|earlier|system)\s+(?:instructions?|prompts?|rules|directions)"
    r"|you\s+are\s+now\s+(?:a|an|the)\b|system\s+prompt|as\s+an?\s+(?:ai|language\s+model|llm)\b"
    r"|\b(?:ai|llm|chatgpt|language\s+model|assistant)\s*[,:]\s*(?:please\s+)?(?:ignore|output|write|say|print)"
    r"|output\s+the\s+following|new\s+instructions?\s*:"
    r"|(?:忽略|无视|忽视|無視|不要理会|不要理會)(?:掉)?(?:你)?(?:以上|之前|上面|前面|上述|先前|此前|所有|全部|以前)"
    r"(?:的|所有|全部)*(?:指令|指示|提示|要求|规则|規則|设定|設定|命令)"
    r"|你现在是|你現在是|你现在扮演|你現在扮演|系统提示词|系統提示詞|系统提示|系統提示"
    r"|(?:输出|輸出)以下(?:内容|內容|文字)|作为(?:一个|一名)?(?:AI|人工智能|语言模型|大模型)(?:助手)?[，,]"
    r"|作為(?:一個|一名)?(?:AI|人工智慧|人工智能|語言模型)(?:助手)?[，,]",
    re.IGNORECASE,
)
_SENTENCE_END = "。！？!?\n"


def injection_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) in ``text`` of each sentence holding text addressed to a model."""
    spans: list[tuple[int, int]] = []
    for match in _INJECTION.finditer(text):
        start = max(text.rfind(mark, 0, match.start()) for mark in _SENTENCE_END) + 1
        ends = [at for mark in _SENTENCE_END if (at := text.find(mark, match.end())) >= 0]
        end = min(ends) + 1 if ends else len(text)
        if spans and start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


# --- completeness ----------------------------------------------------------------------------------

# Words that make a sentence an obligation, a prohibition, or a direction to act (a recall, an order,
# an appeal to the public, a plan). A document holding such a sentence but no extracted requirement
# may have lost them: flagged, never silently clean. 应/應 alone is a modal (应咨询医护人员), but not
# inside 供应, 反应, 相应, 应用, 应对…; 需 is not 需求.
_OBLIGATION = re.compile(
    r"应当|應當|不得|必须|必須|须|須|要求|责令|責令|严禁|嚴禁|禁止|切勿|呼吁|呼籲|请|請|督促|指令"
    r"|(?<![供反相响響适適对對效感回照答])[应應](?![用对對急答聘邀届屆变變])|(?<![无無必])需(?!求)"
    r"|回收|召回|下架|停止|暂停|暫停|封存|负责|負責"
    r"|[将將要][^，。,；;]{0,6}(?:加[强強快大]|继续|繼續|推[进進动動]|完善|开展|開展|实施|實施|规范|規範)"
    r"|\b(?:must|shall|should|required to|needs? to|will|plans? to|recall(?:s|ed)?|urge[sd]?|ban(?:s|ned)?"
    r"|prohibit(?:s|ed)?|suspend(?:s|ed)?|order(?:s|ed)? to)\b",
    re.IGNORECASE,
)
# Document types that state requirements by what they are: such an answer with none is incomplete
# whatever words the page uses.
_REQUIRING_TYPES = frozenset({"regulation", "draft_for_comment", "enforcement_campaign"})


def obligation_sentence(text: str) -> str | None:
    """The first sentence of ``text`` that carries an obligation or a direction to act, or None."""
    match = _OBLIGATION.search(text)
    if match is None:
        return None
    start = max(text.rfind(mark, 0, match.start()) for mark in _SENTENCE_END) + 1
    ends = [at for mark in _SENTENCE_END if (at := text.find(mark, match.end())) >= 0]
    return text[start : (min(ends) + 1 if ends else len(text))].strip()


def _incomplete(extraction: Extraction, text: str) -> tuple[str, str] | None:
    """(value, detail) of a "possibly incomplete" verdict for an answer with no requirement."""
    if extraction.requirements:
        return None
    if sentence := obligation_sentence(text):
        return (
            sentence if len(sentence) <= 120 else sentence[:119] + "…",
            "possibly incomplete: the document states an obligation, prohibition or direction to act, "
            "but no requirement was extracted",
        )
    if extraction.doc_type in _REQUIRING_TYPES:
        return (
            extraction.doc_type,
            f"possibly incomplete: a {extraction.doc_type.replace('_', ' ')} states requirements, "
            "but no requirement was extracted",
        )
    return None


def verify(
    extraction: Extraction,
    text: str,
    title: str | None = None,
    published: dt.date | None = None,
) -> list[Check]:
    """Every verdict on ``extraction`` against the document's cleaned ``text`` (``title``, when given,
    may also be the source of a figure in a summary; ``published``, the publication date the request's
    METADATA gave, may be the source of a publication date and of the year a summary names)."""
    return verify_against(extraction, Source.of(text, title, published))


def verify_against(extraction: Extraction, source: Source) -> list[Check]:
    """``verify`` against a source prepared once (``Source.of``) for all the answers checked on it."""
    checker = _Checker(source)
    text = source.text
    flagged_spans = [fold(text[start:end]) for start, end in source.injections]
    for index, requirement in enumerate(extraction.requirements):
        where = f"requirements[{index}]"
        checker.sentence(f"{where}.source_sentence", requirement.source_sentence)
        quote = fold(requirement.source_sentence)
        if quote and any(quote in span or span in quote for span in flagged_spans):
            checker.add(
                "quote",
                f"{where}.source_sentence",
                requirement.source_sentence,
                "lies in text addressed to an AI model (a possible injection): not a requirement of the document",
            )
        checker.dated_phrase(where, "due_date", "due_phrase", requirement.due_date, requirement.due_phrase)
    checker.bilingual("summary", extraction.summary.zh, extraction.summary.en)
    for index, point in enumerate(extraction.key_points):
        checker.bilingual(f"key_points[{index}]", point.zh, point.en)
    for index, figure in enumerate(extraction.figures):
        where = f"figures[{index}]"
        value_ok = checker.figure_value(f"{where}.value", figure.value)
        phrase_ok = checker.verbatim("figure", f"{where}.source_phrase", figure.source_phrase)
        if value_ok and phrase_ok and fold(figure.value) not in fold(figure.source_phrase):
            checker.add(
                "figure",
                f"{where}.source_phrase",
                figure.source_phrase,
                "the phrase does not contain the figure",
            )
    for index, stated in enumerate(extraction.dates):
        if stated.kind == "publication" and checker.metadata_publication(stated.date, stated.source_phrase):
            checker.add("date", f"dates[{index}].date", f"{stated.date} ← {stated.source_phrase}", None)
            continue
        checker.dated_phrase(f"dates[{index}]", "date", "source_phrase", stated.date, stated.source_phrase)
    if extraction.document_number is not None:
        checker.document_number(extraction.document_number)
    if incomplete := _incomplete(extraction, text):
        checker.add("completeness", "requirements", *incomplete)
    for start, end in source.injections:
        checker.add(
            "injection",
            "document",
            text[start:end].strip(),
            "the document contains text addressed to an AI model (found by briefs' own scan); it was not followed",
        )
    if extraction.injection_attempt is not None:
        checker.add(
            "injection",
            "injection_attempt",
            extraction.injection_attempt,
            "the document contains instructions addressed to the model; they were not followed",
        )
    return checker.checks


# --- glossary drift (measured, never re-asked) --------------------------------------------------------


def glossary_drift(extraction: Extraction, terms: list[tuple[str, str]]) -> list[Check]:
    """For each glossary term in a requirement's source sentence, whether its English uses the locked
    term. A miss is a soft flag: measured (the run's drift rate), never a failed verification."""
    checks = []
    prepared = longest_first(terms)
    for index, requirement in enumerate(extraction.requirements):
        english = f" {english_stem(requirement.text_en)} "
        for zh, en in terms_found(requirement.source_sentence, prepared):
            ok = any(f" {form} " in english for form in locked_forms(en))
            detail = "" if ok else f"the English does not use the locked term {en!r} for {zh}"
            checks.append(
                Check(kind="glossary", target=f"requirements[{index}].text_en", value=zh, ok=ok, detail=detail)
            )
    return checks


def problems(checks: list[Check]) -> list[str]:
    """One line per failed verdict, for a re-ask. An injection attempt is not a problem with the
    answer (reporting it is the right answer), so it is not re-asked; nor is a possibly incomplete
    answer (asking for the whole object again would double the output for a hint)."""
    return [
        f"{check.target}: {check.value!r} {check.detail}"
        for check in checks
        if not check.ok and check.kind not in ("injection", "completeness")
    ]


class SoftCheck:
    """The ``check`` hook of a model call: the problems of an answer against one text. The text is
    prepared once however many answers it checks (re-asks, an answer from the cache), and the
    verdicts on the last answer are kept, so the digest takes them instead of verifying it again."""

    def __init__(self, text: str, title: str | None = None, published: dt.date | None = None) -> None:
        self._args = (text, title, published)
        self._source: Source | None = None
        self._last: tuple[Extraction, list[Check]] | None = None

    @property
    def source_text(self) -> str:
        return self._args[0]

    @property
    def source(self) -> Source:
        if self._source is None:
            self._source = Source.of(*self._args)
        return self._source

    def checks(self, extraction: Extraction) -> list[Check]:
        """Every verdict on ``extraction`` (the same answer object is verified once)."""
        if self._last is None or self._last[0] is not extraction:
            self._last = (extraction, verify_against(extraction, self.source))
        return list(self._last[1])

    def __call__(self, extraction: Extraction) -> list[str]:
        return problems(self.checks(extraction))


def soft_check(text: str, title: str | None = None, published: dt.date | None = None) -> SoftCheck:
    """The ``check`` hook of a model call: the problems of an answer against ``text``."""
    return SoftCheck(text, title, published)
