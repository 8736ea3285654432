"""Chinese text as the reader and verification compare it: Han characters, Chinese numerals, date
patterns, width folding and Traditional → Simplified folding. A leaf: it imports nothing from briefs.

Everything here builds comparison keys; stored text is never changed (a quote is verified against
the document's own characters, so script and width are folded only on copies).

The API, for modules that extend it (more date forms belong here, beside the ones below):

* ``HAN_CLASS`` — the Han ranges as a character-class body (``rf"[{HAN_CLASS}]"``); ``HAN``,
  ``HAN_RUN`` compiled from it; ``han_count`` — how many Han characters a text holds; ``nfkc`` —
  NFKC, quicker on long Chinese text.
* ``CN_DIGITS`` / ``CN_UNITS`` / ``CN_MULTIPLIERS`` — numeral characters and their values;
  ``CN_NUMERAL_CHARS`` / ``CN_DIGIT_CHARS`` — character-class bodies for regexes;
  ``chinese_numeral_value("二〇二二")`` → 2022, ``("三十一")`` → 31, ``("一万二千")`` → 12000.
* ``width_fold_char`` / ``fold`` / ``width_fold`` — full/half-width folding (``fold`` also drops
  whitespace); ``to_simplified`` / ``simplified_key`` — script folding (OpenCC t2s);
  ``glossary_terms_in`` — the glossary terms a text holds (for the prompt and the drift measure);
  ``locked_forms``, ``english_stem`` — how a locked English term may be written, compared.
* Dates: ``normalise_for_dates`` (the reader's comparison copy: NFKC, Chinese-numeral dates as
  digits, ROC years as Western ones: ``roc_years_to_western``); ``english_dates`` /
  ``english_month_days`` ("Feb. 11, 2022", "30 June 2023", RFC 822's "Wed, 27 May 2020", "April 21st") and the patterns it is read with (``ISO_LIKE``, ``CJK_FULL_DATE``, ``MONTH_DAY``,
  ``YEAR``, ``YEAR_LAST``); ``date_numerals_to_digits`` and ``STATED_DATE_PATTERNS`` (a phrase's
  dates as verification reads them: year-month-day, ISO, year-month, month-day); for verification
  also ``english_month_years``, ``english_month_day_spans``, ``english_date_ranges`` (with spans),
  ``english_months`` (months named alone) and ``english_number_words`` (four, twenty-one, fourth,
  Class II).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

# --- Han characters ------------------------------------------------------------------------------

# CJK Extension A, the Unified Ideographs and the Compatibility Ideographs.
HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN = re.compile(rf"[{HAN_CLASS}]")
HAN_RUN = re.compile(rf"[{HAN_CLASS}]+")


def han_count(text: str) -> int:
    """How many Han characters ``text`` holds: ``len(HAN.findall(text))`` from runs, far fewer objects."""
    return sum(map(len, HAN_RUN.findall(text)))


# --- script folding ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional read as Simplified (one converter per process), for comparison keys only."""
    return _t2s().convert(text)


# --- width folding -------------------------------------------------------------------------------

# The full-width forms of ASCII (！ to ～) and the ideographic space: each one's compatibility
# decomposition is one ASCII character (U+FF0C ， → ","), so replacing them by it first leaves NFKC's
# result unchanged (NFKC decomposes every character that far anyway) but lets a Chinese text, whose
# only characters NFKC would change are usually these, take NFKC's quick path: its slow path
# decomposes and recomposes every character of the text, ten times the cost of the one pass here.
_FULL_WIDTH_ASCII = re.compile("[\uff01-\uff5e\u3000]")
_HALF_WIDTH_OF = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {"\u3000": " "}
_FOLD_WIDTHS_FIRST = 256  # characters: below, the extra pass costs more than the slow path saves


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, quicker on long Chinese text."""
    if len(text) >= _FOLD_WIDTHS_FIRST:
        text = _FULL_WIDTH_ASCII.sub(lambda match: _HALF_WIDTH_OF[match[0]], text)
    return unicodedata.normalize("NFKC", text)


def width_fold_char(char: str) -> str:
    # Only characters whose Unicode decomposition is a <wide> or <narrow> variant are folded
    # (，→, １→1 ％→% ｡→。); full NFKC would also rewrite ①, ㈠ and compatibility ideographs,
    # which are real differences in a quote.
    decomposition = unicodedata.decomposition(char)
    if decomposition.startswith(("<wide>", "<narrow>")):
        return unicodedata.normalize("NFKC", char)
    return char


# Every <wide>/<narrow> character lies in U+3000..U+FFEE and every whitespace character below
# U+3001: the tables cover those ranges, so ``str.translate`` folds a text in one pass in C (a
# per-character Python loop was most of a cached rerun's verification).
@lru_cache(maxsize=1)
def _width_table() -> dict[int, str]:
    table = {}
    for code in range(0x3000, 0xFFEF):
        folded = width_fold_char(chr(code))
        if folded != chr(code):
            table[code] = folded
    return table


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = dict(_width_table())
    table.update({code: None for code in range(0x3001) if chr(code).isspace()})
    return table


def fold(text: str) -> str:
    """The comparison key of a text: full/half width folded, all whitespace removed."""
    return text.translate(_fold_table())


def width_fold(text: str) -> str:
    """Full/half width folded, whitespace runs kept as one space (dates need 2022-07-26 08:38 apart)."""
    return " ".join(text.translate(_width_table()).split())


def simplified_key(text: str) -> str:
    """``fold`` of the text read as Simplified: for comparing a Simplified summary with a Traditional page."""
    return fold(to_simplified(text))


def english_stem(text: str) -> str:
    """Lower case, each word without its plural ending: "authorities" and "authority" compare equal."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return " ".join(
        word[:-3] + "y" if word.endswith("ies") else word[:-1] if word.endswith("s") and len(word) > 3 else word
        for word in words
    )


@lru_cache(maxsize=4096)
def locked_forms(english: str) -> tuple[str, ...]:
    """How a locked term may be written: whole, the name before its parenthesis, or the abbreviation
    inside it (marketing authorization holder (MAH) → either, or MAH)."""
    forms = {english}
    if match := re.fullmatch(r"(.+?) \((.+)\)", english):
        forms.add(match[1])
        if re.fullmatch(r"[A-Z][A-Za-z/]*", match[2]):
            forms.add(match[2])
    return tuple(english_stem(form) for form in forms)


def glossary_terms_in(text: str, terms: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The glossary terms a Chinese text holds, longest first, none inside a longer one
    (药品上市许可持有人 is one term, not also 药品 and 持有人); Traditional read as Simplified."""
    return terms_found(text, longest_first(terms))


def longest_first(terms: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(zh, en, zh folded) of each term, longest first: for ``terms_found``, sorted and folded once per
    glossary rather than once per text."""
    return list(_longest_first(tuple(terms)))


@lru_cache(maxsize=8)
def _longest_first(terms: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str, str], ...]:
    return tuple((zh, en, fold(zh)) for zh, en in sorted(terms, key=lambda term: len(term[0]), reverse=True))


def terms_found(text: str, terms: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """``glossary_terms_in`` with the glossary already prepared by ``longest_first``."""
    key = simplified_key(text)
    found: list[tuple[str, str]] = []
    taken: list[tuple[int, int]] = []
    for zh, en, term in terms:
        at = key.find(term)
        while at >= 0:
            if not any(start < at + len(term) and at < end for start, end in taken):
                taken.append((at, at + len(term)))
                found.append((zh, en))
                break
            at = key.find(term, at + 1)
    return found


# --- Chinese numerals ----------------------------------------------------------------------------

# 〇 (U+3007) is the numeral zero; ○ (U+25CB, a white circle) stands in for it in many pages
# (二○二二年), so it is read as zero too.
CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_MULTIPLIERS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
CN_DIGIT_CHARS = "".join(CN_DIGITS)
CN_NUMERAL_CHARS = CN_DIGIT_CHARS + "".join(CN_UNITS)


def _below_ten_thousand(run: str) -> int | None:
    if not run:
        return 0
    if not any(char in CN_UNITS for char in run):
        if not all(char in CN_DIGITS for char in run):
            return None
        return int("".join(str(CN_DIGITS[char]) for char in run))  # 二〇二二: digit by digit
    total, current = 0, 0
    for char in run:
        if char in CN_DIGITS:
            current = CN_DIGITS[char]
        elif char in CN_UNITS:
            total += (current or 1) * CN_UNITS[char]
            current = 0
        else:
            return None
    return total + current


def chinese_numeral_value(run: str) -> int | None:
    """二〇二二 → 2022 (digit by digit), 二十二 → 22, 十二 → 12, 一百零五 → 105, 一万二千 → 12000,
    三亿 → 300000000; None when ``run`` is not a numeral."""
    if not run:
        return None
    total, rest = 0, run
    for markers in (("亿", "億"), ("万", "萬")):
        marker = next((each for each in markers if each in rest), None)
        if marker is None:
            continue
        head, _, rest = rest.partition(marker)
        value = _below_ten_thousand(head)
        if not head or value is None:
            return None  # 万 alone is a word, not a number
        total += value * CN_MULTIPLIERS[marker]
    value = _below_ten_thousand(rest)
    return None if value is None else total + value


# --- dates ---------------------------------------------------------------------------------------

# The reader's patterns, matched on ``normalise_for_dates`` output.
ISO_LIKE = re.compile(r"(?<!\d)(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
CJK_FULL_DATE = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
YEAR_LAST = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?!\d)")  # 04/12/2025
MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")

_DATE_DIGIT = f"[{CN_DIGIT_CHARS}]"
_DAY_NUMERAL = "[一二三四五六七八九十]{1,3}"
_CN_YEAR_DATE = re.compile(rf"({_DATE_DIGIT}{{4}})\s*年\s*({_DAY_NUMERAL})\s*月\s*({_DAY_NUMERAL})\s*([日号])")
_CN_YEAR = re.compile(rf"({_DATE_DIGIT}{{4}})\s*年")
_CN_MONTH_DAY = re.compile(rf"(?<![{CN_NUMERAL_CHARS}])({_DAY_NUMERAL})\s*月\s*({_DAY_NUMERAL})\s*([日号])")


def _digits(numeral: str) -> str:
    return str(chinese_numeral_value(numeral))


# Minguo (ROC) years, as Taiwan writes them: 民國110年, or a bare three-digit year before a month and
# day (113年1月18日). Two digits need the era name: "15年3月" is too often a duration or a short year.
ROC_OFFSET = 1911
_ROC_ERA = re.compile(r"(?:中華民國|中华民国|民國|民国)\s*(\d{2,3})\s*年")
_ROC_ERA_NUMERALS = re.compile(r"(?:中華民國|中华民国|民國|民国)\s*([〇○零一二三四五六七八九十百]{2,5})\s*年")
_ROC_BARE = re.compile(r"(?<![\d.])(1\d{2})\s*年(?=\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号])")
# Taiwan's numeric form, 112-05-03 or 112/5/3 (years 100–139 are 2011–2050).
ROC_NUMERIC_DATE = re.compile(r"(?<![\d/.-])(1[0-3]\d)([-/.])(\d{1,2})\2(\d{1,2})(?![\d/.-])")


def roc_years_to_western(text: str) -> str:
    """民國110年 → 2021年, 中華民國一一二年 → 2023年, 113年1月18日 → 2024年1月18日 (on digits: run after
    NFKC)."""
    if "年" not in text:
        return text
    text = _ROC_ERA_NUMERALS.sub(lambda m: f"{(chinese_numeral_value(m[1]) or 0) + ROC_OFFSET}年", text)
    text = _ROC_ERA.sub(lambda m: f"{int(m[1]) + ROC_OFFSET}年", text)
    return _ROC_BARE.sub(lambda m: f"{int(m[1]) + ROC_OFFSET}年", text)


def roc_numeric_to_western(text: str) -> str:
    """112-05-03 → 2023-05-03. Only where a date is expected (after a date label): elsewhere three
    digits and two pairs may be anything."""
    return ROC_NUMERIC_DATE.sub(lambda m: f"{int(m[1]) + ROC_OFFSET}{m[2]}{m[3]}{m[2]}{m[4]}", text)


def normalise_for_dates(text: str) -> str:
    """A comparison copy: NFKC (full-width digits), Chinese-numeral dates as digits
    (二〇二二年二月十一日 → 2022年2月11日) and ROC years as Western ones (民國110年 → 2021年)."""
    text = nfkc(text)
    if "年" in text:  # the patterns need 年 or 月: most lines have neither, and a scan is cheaper than a sub
        text = roc_years_to_western(text)
        text = _CN_YEAR_DATE.sub(lambda m: f"{_digits(m[1])}年{_digits(m[2])}月{_digits(m[3])}{m[4]}", text)
        text = _CN_YEAR.sub(lambda m: f"{_digits(m[1])}年", text)
    if "月" in text:
        text = _CN_MONTH_DAY.sub(lambda m: f"{_digits(m[1])}月{_digits(m[2])}{m[3]}", text)
    return text


# Verification's reading of a phrase (after ``width_fold`` and ``date_numerals_to_digits``), most
# specific first: year-month-day, ISO-like, year-month, month-day.
STATED_DATE_PATTERNS = [
    re.compile(r"(?<!\d)(?P<y>\d{4}) ?年 ?(?P<m>\d{1,2}) ?月 ?(?P<d>\d{1,2}) ?[日号]"),
    re.compile(r"(?<!\d)(?P<y>\d{4})[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>\d{4}) ?年 ?(?P<m>\d{1,2}) ?月(?! ?\d)"),
    # not after a year's digits (read above), but after a 年 whose digits are missing (于年3月10日前)
    re.compile(r"(?<!\d)(?<!\d年)(?<!\d 年)(?P<m>\d{1,2}) ?月 ?(?P<d>\d{1,2}) ?[日号]"),
]
_DATE_NUMERAL_RUN = re.compile(rf"[{CN_DIGIT_CHARS}十百]+(?=[年月日号])")  # 百: ROC years (一百十四年)


def date_numerals_to_digits(text: str) -> str:
    """Every run of Chinese numerals before 年/月/日/号 as digits (二○二二年一月一日 → 2022年1月1日)."""
    return _DATE_NUMERAL_RUN.sub(lambda match: str(chinese_numeral_value(match.group(0)) or match.group(0)), text)


# --- English dates -------------------------------------------------------------------------------

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_NAME = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_LATIN = re.compile(r"[A-Za-z]{3}")
# "Feb. 11, 2022", "March 08, 2021", "Sep 08, 2025"; "30 June 2023", "25 November, 2024", RFC 822's
# "Wed, 27 May 2020"; forum and log stamps' "24-Apr-2020". The year must follow at once: "August 17
# to 19 2020" is a range, not a date.
EN_MONTH_FIRST = re.compile(
    rf"(?<![A-Za-z]){_MONTH_NAME}\s+(?P<day>\d{{1,2}}){_ORDINAL},?\s+(?P<year>(?:19|20)\d{{2}})(?!\d)", re.IGNORECASE
)
EN_DAY_FIRST = re.compile(
    rf"(?<![\d.\-])(?P<day>\d{{1,2}}){_ORDINAL}(?:\s+|-){_MONTH_NAME}(?:,?\s+|-)(?P<year>(?:19|20)\d{{2}})(?!\d)",
    re.IGNORECASE,
)
# "April 21st", "On September 5": a month and day with no year after them.
EN_MONTH_DAY = re.compile(
    rf"(?<![A-Za-z]){_MONTH_NAME}\s+(?P<day>\d{{1,2}}){_ORDINAL}(?!\d)(?![\d,]*\s*(?:19|20)\d{{2}})", re.IGNORECASE
)


def english_dates(text: str) -> list[tuple[tuple[int, int, int], int, int]]:
    """((year, month, day), start, end) of every English full date in ``text``; the caller checks
    the day exists."""
    if not _LATIN.search(text):
        return []
    return [
        ((int(m["year"]), MONTHS[m["month"].lower()], int(m["day"])), m.start(), m.end())
        for pattern in (EN_MONTH_FIRST, EN_DAY_FIRST)
        for m in pattern.finditer(text)
    ]


def english_month_days(text: str) -> list[tuple[int, int]]:
    """(month, day) of each English month-and-day with no year ("April 21st")."""
    if not _LATIN.search(text):
        return []
    return [(MONTHS[m["month"].lower()], int(m["day"])) for m in EN_MONTH_DAY.finditer(text)]


# "February 2022", "Feb. 2022": a month and year with no day.
EN_MONTH_YEAR = re.compile(rf"(?<![A-Za-z\d]){_MONTH_NAME}\.?,?\s+(?P<year>(?:19|20)\d{{2}})(?!\d)", re.IGNORECASE)
# "August 17 to 19 2020", "17-19 August 2020": a range states both days.
EN_RANGE_MONTH_FIRST = re.compile(
    rf"(?<![A-Za-z]){_MONTH_NAME}\s+(?P<day>\d{{1,2}}){_ORDINAL}\s*(?:to|-|–|—|and|through)\s*"
    rf"(?P<day2>\d{{1,2}}){_ORDINAL}(?:,?\s+(?P<year>(?:19|20)\d{{2}}))?(?!\d)",
    re.IGNORECASE,
)
EN_RANGE_DAY_FIRST = re.compile(
    rf"(?<![\d.])(?P<day>\d{{1,2}}){_ORDINAL}\s*(?:to|-|–|—|and)\s*(?P<day2>\d{{1,2}}){_ORDINAL}\s+{_MONTH_NAME}"
    rf"(?:,?\s+(?P<year>(?:19|20)\d{{2}}))?(?!\d)",
    re.IGNORECASE,
)
# A month named alone ("From January to August"): full names only, and capitalised, so the modal
# verb "may" and the word "march" are not months.
_FULL_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
EN_MONTH_ALONE = re.compile(r"(?<![A-Za-z])(" + "|".join(_FULL_MONTHS) + r")(?![A-Za-z])")


def english_month_years(text: str) -> list[tuple[tuple[int, int], int, int]]:
    """((year, month), start, end) of each English month-and-year with no day ("February 2022")."""
    if not _LATIN.search(text):
        return []
    return [((int(m["year"]), MONTHS[m["month"].lower()]), m.start(), m.end()) for m in EN_MONTH_YEAR.finditer(text)]


def english_month_day_spans(text: str) -> list[tuple[tuple[int, int], int, int]]:
    """((month, day), start, end) of each English month-and-day with no year ("April 21st")."""
    if not _LATIN.search(text):
        return []
    return [((MONTHS[m["month"].lower()], int(m["day"])), m.start(), m.end()) for m in EN_MONTH_DAY.finditer(text)]


def english_date_ranges(text: str) -> list[tuple[tuple[int | None, int, int, int], int, int]]:
    """((year or None, month, first day, last day), start, end) of each English day range
    ("August 17 to 19 2020", "17-19 August 2021")."""
    if not _LATIN.search(text):
        return []
    return [
        (
            (int(m["year"]) if m["year"] else None, MONTHS[m["month"].lower()], int(m["day"]), int(m["day2"])),
            m.start(),
            m.end(),
        )
        for pattern in (EN_RANGE_MONTH_FIRST, EN_RANGE_DAY_FIRST)
        for m in pattern.finditer(text)
    ]


def english_months(text: str) -> list[int]:
    """Every month an English text names in full (January … December, capitalised)."""
    return [_FULL_MONTHS.index(m[1]) + 1 for m in EN_MONTH_ALONE.finditer(text)]


# --- English numbers ----------------------------------------------------------------------------

_EN_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split()
)
_EN_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_EN_ORDINALS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth".split()
)
_EN_TENS_ORDINALS = {name[:-1] + "ieth": value for name, value in _EN_TENS.items()}
EN_NUMBER_WORDS: dict[str, int] = {
    **{name: value for value, name in enumerate(_EN_UNITS)},
    **{name: value for value, name in enumerate(_EN_ORDINALS)},
    **_EN_TENS,
    **_EN_TENS_ORDINALS,
    "hundred": 100,
    "dozen": 12,
}
_EN_NUMBER_WORD = re.compile(
    r"(?<![A-Za-z])(?:(?P<tens>"
    + "|".join(_EN_TENS)
    + r")[-\s](?P<unit>"
    + "|".join(_EN_UNITS[1:10] + _EN_ORDINALS[1:10])
    + r")|(?P<word>"
    + "|".join(sorted(EN_NUMBER_WORDS, key=len, reverse=True))
    + r"))(?![A-Za-z])",
    re.IGNORECASE,
)
# Roman numerals name classes and levels (Class II devices, a Level III recall, Phase IV): two
# characters or more anywhere in capitals, one (I, V, X) only after such a word.
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}
_ROMAN = re.compile(r"(?<![A-Za-z])(?P<before>[A-Za-z]+ )?(?P<numeral>[IVX]+)(?![A-Za-z])")
_VALID_ROMAN = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")
_ROMAN_CLASSIFIERS = {"class", "level", "phase", "grade", "category", "type", "chapter", "part", "tier"}


def _roman_value(numeral: str) -> int:
    total = 0
    for char, following in zip(numeral, numeral[1:] + " ", strict=True):
        value = _ROMAN_VALUES[char]
        total += -value if following != " " and _ROMAN_VALUES[following] > value else value
    return total


def english_number_words(text: str) -> list[int]:
    """The values of the numbers an English text writes in words (two, seventeen, twenty-one,
    fourth, a dozen) and in Roman numerals (Class II, Level III)."""
    if not _LATIN.search(text):
        return []
    values = []
    for m in _EN_NUMBER_WORD.finditer(text):
        if m["tens"]:
            values.append(_EN_TENS[m["tens"].lower()] + EN_NUMBER_WORDS[m["unit"].lower()])
        else:
            values.append(EN_NUMBER_WORDS[m["word"].lower()])
    for m in _ROMAN.finditer(text):
        numeral, before = m["numeral"], (m["before"] or "").strip().lower()
        if _VALID_ROMAN.fullmatch(numeral) and (len(numeral) > 1 or before in _ROMAN_CLASSIFIERS):
            values.append(_roman_value(numeral))
    return values
