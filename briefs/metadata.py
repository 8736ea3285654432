"""Title, publication date, language, source and URL of a cleaned page.

The publication date comes from few, strong rules, in this order: front matter or a scraper's
manifest (``date:``), HTML metadata, a labelled date (发布时间/發佈日期/Published: … anywhere around
the body; a bare 日期:/时间:/Date: only in the header zone; 成文日期 after those), the byline in the
header zone (the headline and the few lines under it; the last lines above the body when there is no
headline), an "Updated" label when the page says nothing else, and a signature date closing an
official notice (年月日 right after the body or under the issuer's name). Where two dates of the same
strength disagree there is no date and a problem line that names them. Only when the page states
none is a date inferred and marked so: the body's one date (a body naming several gives none), a
month and day with the one year the text names, the page's address, the fetch time. Effective
dates (施行), deadlines, dates after another label (生产日期:) or after "updated", site clocks,
sidebars and related lists never date a page (clean stops before lists it can recognise). Numeric
dates whose day/month order is unknown (04/12/2025) are reported, never guessed.

Dates are matched on a comparison copy of the text (NFKC: full-width digits and colons; Chinese
numerals 二〇二二年二月十一日 → 2022年2月11日); the stored text is never changed. Weeks are ISO weeks
of the date in Asia/Shanghai time.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import operator
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from briefs.models import SHANGHAI, DateSource, Language, iso_week_label
from briefs.zhtext import (
    CJK_FULL_DATE,
    HAN,
    HAN_CLASS,
    HAN_RUN,
    ISO_LIKE,
    MONTH_DAY,
    YEAR,
    YEAR_LAST,
    english_dates,
    english_month_days,
    han_count,
    normalise_for_dates,
    roc_numeric_to_western,
    to_simplified,
)

_LATIN_RUN = re.compile(r"[A-Za-z]+")

# --- dates -------------------------------------------------------------------------------------

# Used with .match(text, pos): anchored at pos (a "^" would only match at the very start of text).
_EFFECTIVE_AFTER = re.compile(r"\s*(?:起?施行|起?实施|起?實施|起?生效|起|前|之前|截止|到期|止)")
_EFFECTIVE_LINE = re.compile(
    r"施行|实施|實施|生效|go(?:es)? into effect|come(?:s)? into force|effective (?:from|on|as)", re.IGNORECASE
)
# Date labels, strongest first. A bare 时间/日期 only counts when no Han character is glued before
# it: 生产日期, 有效日期, 抽样日期, 会议时间 and 报名时间 name other dates. 成文/印发 (written, signed)
# yield to a stated publication date, and "Updated" to every other label and to the header zone.
_PUBLISHED_LABEL = re.compile(
    r"(?:发布|發布|發佈|发表|發表|发稿|發稿|发文|發文|公布|公佈|颁布|頒布|刊登|上架|刊出|出版)(?:时间|時間|日期)"
    r"(?:\s*[:：]\s*|\s+(?=\d))|"
    r"\b(?:Published(?:\s+on)?|Posted(?:\s+on)?|Release date|Publication date|Date published|Published date)\s*[:：]\s*|"
    r"\b(?:Published|Posted)(?:\s+by\s+[^\n:]{1,60}?)?\s+on\s+",
    re.IGNORECASE,
)
_PLAIN_LABEL = re.compile(rf"(?:(?<![{HAN_CLASS}])(?:时间|時間|日期)|\bDate)\s*[:：]\s*", re.IGNORECASE)
_WRITTEN_LABEL = re.compile(r"(?:成文|印发|印發|签发|簽發)(?:时间|時間|日期)\s*[:：]\s*")
_UPDATED_LABEL = re.compile(
    r"(?:更新|修改|修订|修訂)(?:时间|時間|日期)\s*[:：]\s*|\b(?:Last\s+)?(?:Updated|Modified|Revised)(?:\s+on)?\s*[:：]\s*",
    re.IGNORECASE,
)
# A date right after a label the publication labels did not claim (生产日期:, 有效期至, Approval Date:)
# is that other date: the zone does not read it as the byline's.
_OTHER_LABEL = re.compile(r"(?:日期|时间|時間|期限|有效期至?)\s*[:：]?\s*$|\b(?:Date|Time)\s*[:：]\s*$", re.IGNORECASE)
# A date after one of these words (in a byline: "2024年1月26日 最後更新:1月27日") is not the publication date.
_UPDATE_WORD = re.compile(r"(?:更新|修改|Updated|Modified|Revised)\s*[:：]?\s*$", re.IGNORECASE)
_TIMESTAMP = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
)


@dataclass(frozen=True)
class FoundDate:
    date: dt.date
    start: int
    end: int


def _valid(year: str | int, month: str | int, day: str | int) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


# Every full date the patterns below read holds a year of four digits in a row (2022年, 2022-02-11,
# Feb. 11, 2022): a text without four digits in a row holds none, and one search tells.
_FOUR_DIGITS = re.compile(r"\d{4}")


def full_dates(text: str) -> list[FoundDate]:
    """Every year-month-day date in ``text`` (already normalised), in order of appearance."""
    if not _FOUR_DIGITS.search(text):
        return []
    found: list[FoundDate] = []
    for match in CJK_FULL_DATE.finditer(text):
        if day := _valid(match[1], match[2], match[3]):
            found.append(FoundDate(day, match.start(), match.end()))
    for match in ISO_LIKE.finditer(text):
        day_digits = match[4]
        # "2026-03-0558": a two-digit day may have a view count glued on; a one-digit day may not.
        if len(day_digits) == 1 and match.end() < len(text) and text[match.end()].isdigit():
            continue
        if day := _valid(match[1], match[3], day_digits):
            found.append(FoundDate(day, match.start(), match.end()))
    found += [FoundDate(day, start, end) for ymd, start, end in english_dates(text) if (day := _valid(*ymd))]
    return sorted(found, key=lambda f: f.start)


def ambiguous_dates(text: str) -> list[str]:
    """Numeric dates with the year last whose day and month could be swapped (04/12/2025)."""
    found = []
    for match in YEAR_LAST.finditer(text):
        first, second = int(match[1]), int(match[3])
        if first <= 12 and second <= 12 and first != second:
            found.append(match[0])
    return found


def unambiguous_year_last(text: str) -> list[FoundDate]:
    """Year-last numeric dates whose order is certain because one part exceeds 12 (25/04/2025)."""
    found = []
    for match in YEAR_LAST.finditer(text):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        day = None
        if first > 12 >= second:
            day = _valid(year, second, first)
        elif second > 12 >= first or first == second:
            day = _valid(year, first, second)
        if day:
            found.append(FoundDate(day, match.start(), match.end()))
    return found


def month_days(text: str) -> list[tuple[int, int]]:
    """Month and day without a year: 2月11日, "April 21st", "September 5"."""
    pairs = [(int(m[1]), int(m[2])) for m in MONTH_DAY.finditer(text) if _valid(2000, m[1], m[2])]
    return pairs + [(month, day) for month, day in english_month_days(text) if _valid(2000, month, day)]


def parse_timestamp(value: str) -> dt.date | None:
    """``2022-02-11 18:10:58 +0800`` → its date in Shanghai; a naive time is taken as Shanghai time."""
    value = value.strip()
    if value.isdigit() and len(value) in (10, 13):  # seconds or milliseconds since 1970 (scrapers' fetch times)
        seconds = int(value) / (1000 if len(value) == 13 else 1)
        return dt.datetime.fromtimestamp(seconds, dt.UTC).astimezone(SHANGHAI).date()
    if (rfc := _rfc822(value)) is not None:
        return rfc
    match = _TIMESTAMP.match(unicodedata.normalize("NFKC", value))
    if not match:
        found = full_dates(normalise_for_dates(value))
        return found[0].date if found else None
    day = _valid(match[1], match[2], match[3])
    if day is None or match[4] is None or match[7] is None:
        return day
    offset = match[7].replace(":", "")
    zone = (
        dt.UTC
        if offset == "Z"
        else dt.timezone(
            (1 if offset[0] == "+" else -1) * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
        )
    )
    moment = dt.datetime(day.year, day.month, day.day, int(match[4]), int(match[5]), int(match[6] or 0), tzinfo=zone)
    return moment.astimezone(SHANGHAI).date()


def _rfc822(value: str) -> dt.date | None:
    """'Wed, 27 May 2020 00:00:00 GMT' (feeds, HTTP headers) → its date in Shanghai."""
    if not re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d", value):
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(SHANGHAI).date()


# --- the document's metadata ----------------------------------------------------------------------


_FRONT_MATTER_DATE_KEYS = (
    "date",
    "published",
    "pubdate",
    "publishdate",
    "publish_date",
    "date_published",
    "published_at",
)
_FETCHED_KEYS = ("fetched", "fetched_at", "crawled_at", "crawl_time", "scraped_at", "retrieved_at")


@dataclass
class Metadata:
    title: str | None = None
    subtitle: str | None = None
    date: dt.date | None = None
    date_inferred: bool = False
    date_source: DateSource = "none"
    iso_week: str | None = None
    language: Language | None = None
    source: str | None = None
    url: str | None = None
    official_url: str | None = None
    problems: list[str] = field(default_factory=list)


def extract_metadata(
    name: str,
    *,
    body: str,
    header: list[str],
    trailer: list[str],
    front_matter: dict[str, str],
    hints: dict[str, str],
    scraped: dict[str, str] | None = None,
) -> Metadata:
    """``name`` (the file) starts every problem line. ``scraped``: what a scraper's manifest or
    sidecar states (title, url, date, fetched); the page's own front matter wins where both speak."""
    meta = Metadata()
    scraped = scraped or {}
    front_matter = {**{k: v for k, v in scraped.items() if k in ("title", "url")}, **front_matter}
    header = without_site_clock(header)
    meta.title, meta.subtitle, title_index = find_title(header, front_matter, hints)
    meta.source = find_source(header, trailer, front_matter, hints)
    meta.url = find_url(header, trailer, front_matter, hints)
    meta.official_url = find_official_url(meta.url, [*front_matter.values(), *header, body, *trailer])
    stated_date = scraped.get("date")
    if stated_date and not any(front_matter.get(key) for key in _FRONT_MATTER_DATE_KEYS):
        front_matter = {**front_matter, "date": stated_date, "_date_source": "manifest"}
    front_matter["_page_url"] = find_url([], [], front_matter, hints) or ""
    fetched = scraped.get("fetched") or next((front_matter[k] for k in _FETCHED_KEYS if front_matter.get(k)), None)
    if fetched:
        front_matter["_fetched"] = fetched
    meta.language = detect_language(body or " ".join(header))
    _date(meta, name, body, header, title_index, trailer, front_matter, hints)
    meta.iso_week = iso_week_label(meta.date) if meta.date else None
    return meta


# How far below the headline the byline may sit, and how many lines above the body count as the
# header zone when no headline was found: a date further up is navigation, a site clock or a sidebar.
_ZONE_BELOW_TITLE = 6
_ZONE_WITHOUT_TITLE = 3


def header_zone(header: list[str], title_index: int | None) -> list[str]:
    """The lines where a page states its own date: the headline and the few lines under it (with a
    lone date line just above it, as feeds print them), else the last lines before the body."""
    if title_index is None:
        return header[-_ZONE_WITHOUT_TITLE:]
    above = [header[title_index - 1]] if title_index > 0 and _date_line_above(header[title_index - 1]) else []
    return above + header[title_index : title_index + 1 + _ZONE_BELOW_TITLE]


_SITE_CLOCK = re.compile(r"今天|今日|今天是|Today", re.IGNORECASE)
_WEEKDAY = re.compile(
    r"星期.|週[一二三四五六日天]|周[一二三四五六日天]|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", re.IGNORECASE
)
_CLOCK_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")
# A feed's RFC 822 stamp (Wed, 27 May 2020 00:00:00 GMT) names its zone; a clock shown to readers does not.
_TIME_ZONE = re.compile(r"\b(?:GMT|UTC|CST|Z)\b|[+-]\d{2}:?\d{2}\s*$")
_CLOCK_PART = re.compile(
    r"^\s*(?:[(（]?(?:星期.|週.|周.|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?)[)）]?|\d{1,2}:\d{2}(?::\d{2})?)\s*$",
    re.IGNORECASE,
)


def without_site_clock(header: list[str]) -> list[str]:
    """The header with a site clock blanked out (indexes kept): a lone date that carries both a
    weekday and a time of day, on its line or on the one or two lines right under it (2024/05/10 /
    Friday / 21:04). That is the moment the page was served, never when the article was published;
    a byline's date carries a time or a weekday, not both with nothing else, and a feed's stamp
    names its time zone."""
    cleaned = list(header)
    for index, line in enumerate(header):
        if not lone_date(line):
            continue
        parts = [line]
        for below in header[index + 1 : index + 3]:
            if not _CLOCK_PART.match(below):
                break
            parts.append(below)
        text = " ".join(parts)
        date_end = full_dates(normalise_for_dates(line))[0].end
        rest = normalise_for_dates(line)[date_end:] + " " + " ".join(parts[1:])
        if _WEEKDAY.search(text) and _CLOCK_TIME.search(rest) and not _TIME_ZONE.search(text):
            cleaned[index : index + len(parts)] = [""] * len(parts)
    return cleaned


def _date_line_above(line: str) -> bool:
    """A feed's date line, or a short date-and-tag line (date 2026-03-07 快訊), right above the
    headline; a site clock (今天是…) is not the page's date."""
    if lone_date(line):
        return True
    text = normalise_for_dates(line)
    return len(text) <= 30 and len(full_dates(text)) == 1 and not _SITE_CLOCK.search(text)


def _date(
    meta: Metadata,
    name: str,
    body: str,
    header: list[str],
    title_index: int | None,
    trailer: list[str],
    front_matter: dict[str, str],
    hints: dict[str, str],
) -> None:
    """Few, strong rules, in order: front matter or manifest, HTML metadata, a labelled date, the
    byline under the headline, a signature date closing a notice; an "Updated" label only when the
    page says nothing else. Inferred dates (the body, the address, the fetch time) only when the page
    states none. Where two dates of the same strength disagree there is no date and a problem line:
    a wrong date is worse than none."""
    for key in _FRONT_MATTER_DATE_KEYS:
        if front_matter.get(key) and (day := parse_timestamp(front_matter[key])):
            meta.date, meta.date_source = day, front_matter.get("_date_source", "front-matter")  # type: ignore[assignment]
            return
    if hints.get("published") and (day := parse_timestamp(hints["published"])):
        meta.date, meta.date_source = day, "meta"
        return
    zone = header_zone(header, title_index)
    ambiguous: list[str] = []
    # a publication label anywhere around the body; plainer labels only in the header zone
    for labels, lines in (
        (_PUBLISHED_LABEL, header + trailer),
        (_PLAIN_LABEL, zone),
        (_WRITTEN_LABEL, header + trailer),
    ):
        days, unsure = _labelled_dates(lines, labels)
        ambiguous += unsure
        if _settle(meta, name, days, "label", "labelled dates"):
            return
    zone_days, unsure = _zone_dates(zone)
    ambiguous += unsure
    if _settle(meta, name, zone_days, "header", "dates under the headline"):
        return
    days, unsure = _labelled_dates(zone + trailer, _UPDATED_LABEL)
    ambiguous += unsure
    if _settle(meta, name, days, "label", "'updated' dates"):
        return
    if signed := signature_date(trailer):
        meta.date, meta.date_source = signed, "signature"
        return
    if ambiguous:
        meta.problems.append(
            f"{name}: ambiguous date {ambiguous[0]!r} (day/month order unknown); not used, no publication date"
        )
        return
    _infer(meta, name, body, front_matter)


def _settle(meta: Metadata, name: str, days: list[dt.date], source: str, what: str) -> bool:
    """One date: it is the page's. Several that disagree: none, and a problem line saying so."""
    if not days:
        return False
    distinct = sorted(set(days))
    if len(distinct) > 1:
        listed = ", ".join(day.isoformat() for day in distinct)
        meta.problems.append(f"{name}: {what} disagree ({listed}); no publication date taken")
        return True
    meta.date, meta.date_source = distinct[0], source  # type: ignore[assignment]
    return True


def _labelled_dates(lines: Sequence[str], labels: re.Pattern[str]) -> tuple[list[dt.date], list[str]]:
    """The dates that directly follow a label, and ambiguous ones found there."""
    days: list[dt.date] = []
    ambiguous: list[str] = []
    for index, line in enumerate(lines):
        text = normalise_for_dates(line)
        for label in labels.finditer(text):
            rest = text[label.end() :]
            if not rest.strip() and index + 1 < len(lines):
                # the label's value on the next line (發布日期: / 109-04-30)
                rest = normalise_for_dates(lines[index + 1])
            rest = roc_numeric_to_western(rest.strip())
            found = full_dates(rest) or unambiguous_year_last(rest)
            if found and found[0].start == 0:
                days.append(found[0].date)
            ambiguous += [d for d in ambiguous_dates(rest) if rest.startswith(d)]
    return days, ambiguous


def _zone_dates(zone: Sequence[str]) -> tuple[list[dt.date], list[str]]:
    """The dates of the first dated lines of the header zone: a byline, or a block of consecutive
    dated lines. A block whose every line says 公布/修订/通过 is a regulation's adoption and revision
    history, and its latest date counts; otherwise every date is returned, so that disagreeing ones
    give none. Effective dates, deadlines and dates after "updated" are skipped; a dated line further
    down, after an undated one (a table, a quoted notice), is not read."""
    block: list[tuple[str, list[dt.date]]] = []
    ambiguous: list[str] = []
    previous = ""
    for line in zone:
        text = normalise_for_dates(line)
        label_above, previous = previous, text
        if _OTHER_LABEL.search(label_above) and not any(
            label.search(label_above) for label in (_PUBLISHED_LABEL, _PLAIN_LABEL, _WRITTEN_LABEL)
        ):
            continue  # "生产日期：" with its value on the next line: that value is the other date
        if _EFFECTIVE_LINE.search(text) and not _PUBLISHED_WORDS.search(text):
            continue  # "2022年1月1日 施行" says when it applies, not when it was published
        line_days = [
            f.date
            for f in full_dates(text) + unambiguous_year_last(text)
            if not _is_deadline(text, f)
            and not _UPDATE_WORD.search(text, max(0, f.start - 12), f.start)
            and not _OTHER_LABEL.search(text, max(0, f.start - 16), f.start)
        ]
        if line_days:
            block.append((text, line_days))
        else:
            ambiguous += ambiguous_dates(text)
            if block:
                break
    if len(block) > 1 and all(len(set(days)) == 1 and _PUBLISHED_WORDS.search(text) for text, days in block):
        return [max(days[0] for _, days in block)], ambiguous
    return [day for _, days in block for day in days], ambiguous


_PUBLISHED_WORDS = re.compile(
    r"公布|发布|發布|公佈|通过|通過|修订|修訂|印发|印發|issued|promulgated|published", re.IGNORECASE
)
# Words before a date that make it a deadline, a start or the end of a range, not a publication date.
_DEADLINE_BEFORE = re.compile(
    r"(?:\b(?:by|before|until|till|through|from|as of|effective|to|than|deadline)\s+(?:on\s+)?|截至|截止|至|到)\s*$",
    re.IGNORECASE,
)
_LONE_DATE_REST = re.compile(
    r"^(?:[\s•·*\-–—|,，、()（）\[\]【】:：/]|\d{1,2}:\d{2}(?::\d{2})?|星期.|週.|周[一二三四五六日天]|"
    r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?|gmt|utc|cst|[+-]\d{4}|am|pm|ends)*$",
    re.IGNORECASE,
)


def _is_deadline(text: str, found: FoundDate) -> bool:
    return bool(
        _EFFECTIVE_AFTER.match(text, found.end) or _DEADLINE_BEFORE.search(text, max(0, found.start - 24), found.start)
    )


# The issuer line of a notice's signature: a short office name just above the date.
_ISSUER_LINE = re.compile(
    rf"^[{HAN_CLASS}（）()、\s]{{3,30}}(?:局|厅|廳|委|委员会|委員會|署|部|政府|中心|院|办公室|辦公室|办公厅|辦公廳|司|所|站|会|會|处|處|科)$"
)
_CJK_DATE_LINE = re.compile(r"年\s*\d{1,2}\s*月|^\s*Ends\s*/", re.IGNORECASE)


def signature_date(trailer: Sequence[str]) -> dt.date | None:
    """The date closing an official notice: a line holding only a date, written 年月日 (or Hong
    Kong's "Ends/<date>"), right after the body or under the issuer's name. A lone date further down
    (a table's cell, a related item) is not a signature."""
    for index, line in enumerate(trailer):
        day = lone_date(line)
        if day is None or not _CJK_DATE_LINE.search(normalise_for_dates(line)):
            continue
        if index == 0 or _ISSUER_LINE.match(trailer[index - 1].strip()):
            return day
    return None


def lone_date(line: str) -> dt.date | None:
    """The date of a line that holds nothing but a date (and a time or weekday): a signature, a feed
    item's date, a date line under a headline."""
    text = normalise_for_dates(line)
    found = full_dates(text)
    if len(found) != 1:
        return None
    rest = text[: found[0].start] + " " + text[found[0].end :]
    return found[0].date if _LONE_DATE_REST.match(rest) else None


def _infer(meta: Metadata, name: str, body: str, front_matter: dict[str, str]) -> None:
    """No stated date: the body, then the page's own address, then the time it was fetched; each
    marked inferred, and each says where it came from."""
    if _infer_from_body(meta, name, body):
        return
    if day := date_in_address(front_matter.get("_page_url", "")):
        meta.date, meta.date_inferred, meta.date_source = day, True, "address"
        return
    if front_matter.get("_fetched") and (day := parse_timestamp(front_matter["_fetched"])):
        meta.date, meta.date_inferred, meta.date_source = day, True, "fetched"
        meta.problems.append(f"{name}: no publication date stated; inferred from the time the page was fetched")
        return
    meta.problems.append(f"{name}: no publication date found; it cannot be placed in a week")


# /2022/02/11/, /20220211/, t20220211_123.html, 2022-02-11-slug: a full date as one path part.
_ADDRESS_DATE = re.compile(r"(?<![\d])((?:19|20)\d{2})([-/_]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")


def date_in_address(url: str) -> dt.date | None:
    path = re.sub(r"^[a-z]+://[^/]*", "", url, flags=re.IGNORECASE).split("?")[0]
    days = {day for m in _ADDRESS_DATE.finditer(path) if (day := _valid(m[1], m[3], m[4]))}
    return days.pop() if len(days) == 1 else None


def _infer_from_body(meta: Metadata, name: str, body: str) -> bool:
    """The body's one date, when it names only one (deadlines and effective dates aside); else, a
    month and day with the one year the text names (a dateline's 2月11日 in a page about 2022). A body
    naming several dates or several years gives none: which one was the publication is a guess."""
    text = normalise_for_dates(body)
    stated = {f.date for f in full_dates(text) if not _is_deadline(text, f)}
    if len(stated) == 1:
        meta.date, meta.date_inferred, meta.date_source = stated.pop(), True, "body"
        return True
    if stated:
        return False
    years = {int(y) for y in YEAR.findall(text)} | {int(y) for y in _EN_YEAR.findall(text)}
    pairs = month_days(text)
    if len(years) == 1 and pairs:
        year = years.pop()
        candidates = [d for month, day in pairs if (d := _valid(year, month, day))]
        if candidates:
            meta.date, meta.date_inferred, meta.date_source = max(candidates), True, "body"
            return True
    ambiguous = ambiguous_dates(text)
    if ambiguous:
        meta.problems.append(f"{name}: ambiguous date {ambiguous[0]!r} (day/month order unknown); not used")
    return False


_EN_YEAR = re.compile(r"\b(?:in|of|year)\s+((?:19|20)\d{2})\b", re.IGNORECASE)


# --- title -----------------------------------------------------------------------------------------

_GLUE = re.compile(r"^(?:标题|標題|题目|摘要|摘\s*要)\s*[:：]\s*|\s*(?:摘要|摘\s*要|内容摘要|正文)\s*[:：]?\s*$")
_SITE_NAME = r"[^-_|｜—–]{2,30}(?:网|局|政府|门户|网站|官网|中心|报|频道|首页|财经|新闻|资讯)"
# In a <title> any separator run goes before the site name; in a headline line only a spaced dash,
# "_" or a bar does, because "——" there usually starts a real part of the title (——访…局).
_SITE_SUFFIX = re.compile(rf"\s*(?:[-_|｜—–]+)\s*{_SITE_NAME}\s*$")
_SITE_SUFFIX_IN_LINE = re.compile(rf"(?:\s+[-—–]\s*|\s*[_|｜]\s*){_SITE_NAME}\s*$")
_TITLE_LABEL = re.compile(r"(?:原文链接|原文標題|原文标题|标题|標題)\s*[:：]\s*(?!https?://)(\S.{3,80})$")
_META_LINE = re.compile(
    r"(?:来源|來源|发布|發布|时间|時間|日期|作者|编辑|編輯|浏览|瀏覽|字体|原文链接)\s*[:：]|"
    # a metadata table's label and value (法律類型 行政法規, 發行單位 中國國務院)
    r"^(?:法律[类類]型|[发發]行[单單]位|[发發]布机关|[发發]布機關|[发發]文机关|[发發]文機關|[发發]文字[号號]|文[号號]|效力[级級]别|"
    r"效力級別|时效性|時效性|有效期|适用范围|適用範圍|索引[号號]|主[题題]分[类類]|公[布佈]日期|生效日期|施行日期|[颁頒]布日期)\s|"
    r"^(?:By|Updated|Published|Posted|Source|Written by)\b|^by\s+[A-Z]"
)
# A document number on a line of its own (国药监药管〔2021〕31号): metadata, not the headline.
_DOCUMENT_NUMBER = re.compile(r"^\S{0,16}[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*(?:第\s*)?\d+\s*[号號]\s*$")
_TABLE_DEBRIS = re.compile(r"[|｜].*[|｜]|^【[^】]{1,10}】\s*[|｜]")
_BREADCRUMB = re.compile(r"[>＞›»]|\s/\s|^(?:Home|Homepage)\b", re.IGNORECASE)
_EN_TITLE_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d[\d.,%]*")
_EN_NOT_TITLE = re.compile(
    r"^(?:by|published|posted|updated|share|print|email|home|menu|search|subscribe|sign in|log in|skip to|chat with|"
    r"latest|related|read more|advertisement|copyright)\b",
    re.IGNORECASE,
)


def find_title(
    header: list[str], front_matter: dict[str, str], hints: dict[str, str]
) -> tuple[str | None, str | None, int | None]:
    """(title, subtitle, index of the title line in ``header`` or None)."""
    if title := front_matter.get("title"):
        return clean_title(title), front_matter.get("subtitle"), None
    for line_index, line in enumerate(header):
        if found := _TITLE_LABEL.search(unicodedata.normalize("NFKC", line)):
            return clean_title(found.group(1)), None, line_index
    candidates = _title_lines(header)
    if hints.get("h1"):
        heading = clean_title(hints["h1"])
        index = next((i for i, line in enumerate(header) if clean_title(line) == heading), None)
        return heading, None, index
    if candidates:
        return _headline_and_kicker(header, candidates)
    if glued := _headline_glued_to_byline(header):
        return glued
    for key in ("og_title", "html_title"):
        if hints.get(key):
            return clean_title(_SITE_SUFFIX.sub("", hints[key])), None, None
    return None, None, None


# A headline with its byline on the same line: 国家药监局召开会议 2022-02-11 来源：新华网
_GLUED_BYLINE = re.compile(
    r"^(?P<title>.{4,80}?)\s*(?:\d{4}\s*[-/.年]\s*\d{1,2}|(?:来源|來源|发布|發布|时间|時間|作者|记者|記者)\s*[:：])"
)


def _headline_glued_to_byline(header: list[str]) -> tuple[str, None, int] | None:
    for index, line in enumerate(header):
        text = unicodedata.normalize("NFKC", line)
        if not (_META_LINE.search(text) or full_dates(normalise_for_dates(text))):
            continue
        found = _GLUED_BYLINE.match(text)
        if found and _is_title_like(found["title"].strip()) and han_count(found["title"]) >= 6:
            return clean_title(found["title"].strip()), None, index
        return None  # only the first metadata line may carry the headline
    return None


# A document number glued before or after a headline (国药监药管〔2021〕31号关于…的通知): not part of it.
# The parenthesised issue number of a bulletin, （2022年第12号）, is part of its title and stays.
_LEADING_DOCUMENT_NUMBER = re.compile(
    rf"^[{HAN_CLASS}]{{1,12}}\s*[〔\[［]\s*\d{{4}}\s*[〕\]］]\s*(?:第\s*)?\d+\s*[号號]\s*"
)
_TRAILING_DOCUMENT_NUMBER = re.compile(r"[〔\[［]\s*\d{4}\s*[〕\]］]\s*(?:第\s*)?\d+\s*[号號]$")
# What a document's headline ends with (…的通知, …公告): the agency's abbreviation after it cannot be
# told from the headline's last words otherwise.
_DOCUMENT_KIND_END = re.compile(
    r"(?:通知|通告|公告|决定|決定|意见|意見|办法|辦法|批复|批覆|规定|規定|细则|細則|方案|的函|规范|規範)"
)


def _without_document_number(title: str) -> str:
    title = _LEADING_DOCUMENT_NUMBER.sub("", title)
    if trailing := _TRAILING_DOCUMENT_NUMBER.search(title):
        before = title[: trailing.start()]
        ends = list(_DOCUMENT_KIND_END.finditer(before, max(0, len(before) - 14)))
        if ends and han_count(before[ends[-1].end() :]) <= 12:
            title = before[: ends[-1].end()]
    return title.strip()


def clean_title(title: str) -> str:
    title = title.strip().strip("\"'“”").rstrip("|｜ ").strip()
    if han_count(without_number := _without_document_number(title)) >= 6:
        title = without_number
    previous = None
    while previous != title:
        previous, title = title, _GLUE.sub("", title).strip()
    without_site = _SITE_SUFFIX_IN_LINE.sub("", title).strip()
    return without_site if han_count(without_site) >= 4 else title


# A wire-service dateline on a line of its own (新华社北京3月5日电, 本报讯): neither title nor kicker.
_DATELINE = re.compile(
    r"^\s*(?:新华社|新華社|中新社|中央社|本报讯|本報訊|本报|本報|记者|記者)|(?:\d{1,2}月)?\d{1,2}日[电電]\s*[)）]?\s*$"
)


def _is_english_title_like(line: str) -> bool:
    """An English headline: 3–25 words, no sentence end, not a byline, breadcrumb or widget."""
    words = _EN_TITLE_WORD.findall(line)
    return (
        3 <= len(words) <= 25
        and not HAN.search(line)
        and not re.search(r"[.;,:]$", line)
        and not _EN_NOT_TITLE.match(line)
        and not _BREADCRUMB.search(line)
        and not full_dates(line)
        and (words[0][0].isupper() or words[0][0].isdigit())
    )


# Lines that are never a headline wherever they sit: a video player's error or loading text, a
# citation (Journal 2020, 7(4), 98; https://doi…), a firm's name as a byline (… LLP), a note in brackets.
_NEVER_TITLE = re.compile(
    r"未能播放|无法播放|無法播放|播放失败|播放失敗|视频加载|視頻加載|影片載入|加载中|載入中|"
    r"your browser does not support|video (?:is )?unavailable|^loading\b|"
    r"https?://|\bdoi\.org\b|\d+\s*\(\d+\)\s*,\s*\d+|"
    r"\b(?:LLP|LLC|Inc\.?|Ltd\.?|Limited|GmbH|Corp\.?|PLC|Co\.)$|^[(（].*[)）]$",
    re.IGNORECASE,
)
# A channel or desk tag between a headline and its byline (时讯, 社會事, 衛生局; too short for a
# headline, which needs four Han characters): skipped.
_SHORT_TAG = re.compile(rf"^[{HAN_CLASS}]{{1,3}}$")
# Short page chrome that has a headline's shape but labels something else: a channel or column
# (媒体滚动, 要闻频道), an image (文章插图, 官网截图), a logo's alt text, a credit naming where the
# text was taken from (取自…網站), an English source's name (Center for Biosimilars) and a
# month-year byline with its authors (September, 2023 - names).
_CHROME_LINE = re.compile(
    rf"^[{HAN_CLASS}]{{0,6}}(?:滚动|滾動|频道|頻道|要闻|要聞|快讯|快訊|栏目|欄目|专栏|專欄|专题|專題)$|"
    rf"^[{HAN_CLASS}]{{0,12}}(?:插图|插圖|配图|配圖|截图|截圖|图片|圖片|供图|供圖|摄影|攝影)$|"
    r"[(（]\s*logo\b|\blogo[-_ ](?:image|img|text)\b|^logo$|"
    rf"^(?:取自|摘自|转自|轉自|转载自|轉載自|引自|来自|來自|图片来源|圖片來源)[^。！？]{{2,24}}$|"
    r"^(?:The\s+)?(?:[A-Z][\w&'’.-]*\s+){0,2}(?:Center|Centre|Institute|Association|Society|Council|Foundation)"
    r"(?:\s+(?:for|of|on)\s+(?:the\s+)?[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,2})?$|"
    r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?,?\s+(?:19|20)\d{2}\s*[-–—|]",
    re.IGNORECASE,
)
# A label alone on its line (公報編號:), its value on the next: a metadata table, read past upwards.
_LONE_LABEL = re.compile(r"^[^:：]{1,12}[:：]\s*$")


def _is_title_like(line: str) -> bool:
    if (
        _TABLE_DEBRIS.search(line)
        or _DOCUMENT_NUMBER.search(line)
        or _NEVER_TITLE.search(line)
        or _CHROME_LINE.search(line.strip())
    ):
        return False
    han = han_count(line)
    if han < 4 and _is_english_title_like(line):
        return True
    return (
        4 <= han <= 80
        and not _DATELINE.search(unicodedata.normalize("NFKC", line))
        and not _META_LINE.search(line)
        and not full_dates(normalise_for_dates(line))
        and not re.search(r"[。！？；]$", line)
        and not re.search(r"[>＞›»]", line)
    )


def _title_lines(header: list[str]) -> list[int]:
    """Indexes of title-like lines; when a metadata/date line exists, only the run just above it."""
    meta_index = next(
        (
            i
            for i, line in enumerate(header)
            if _META_LINE.search(line) or _DOCUMENT_NUMBER.search(line) or full_dates(normalise_for_dates(line))
        ),
        None,
    )
    if meta_index is None:
        return [i for i, line in enumerate(header) if _is_title_like(line)]
    run: list[int] = []
    skipped_tags = 0
    for i in range(meta_index - 1, -1, -1):
        line = header[i].strip()
        if not run and skipped_tags < 2 and (_SHORT_TAG.match(line) or _CHROME_LINE.search(line)):
            skipped_tags += 1
            continue
        if (
            not run
            and skipped_tags < 6
            and (
                _LONE_LABEL.match(line) or (i and _LONE_LABEL.match(header[i - 1].strip()) and not _is_title_like(line))
            )
        ):
            skipped_tags += 1  # a label/value table between the headline and the first date (公報編號: / 29/1999)
            continue
        if not _is_title_like(header[i]):
            break
        run.insert(0, i)
    if not run:  # a date line above the headline (a feed item): the first title-like run below it
        for i in range(meta_index + 1, len(header)):
            if _is_title_like(header[i]):
                run.append(i)
            elif run or _META_LINE.search(header[i]):
                break
    return run


_QUOTED_NAME = re.compile(r"^[「『《“\"][^「『《“”」』》\"]{1,40}[」』》”\"]$")


def _headline_and_kicker(header: list[str], candidates: list[int]) -> tuple[str, str | None, int]:
    """The headline is the last line of the run; a '——' line below it is a subtitle, a line above a kicker."""
    last = candidates[-1]
    if len(candidates) >= 2 and header[last].lstrip().startswith(("——", "—", "--")):
        title_index = candidates[-2]
        return clean_title(header[title_index]), header[last].lstrip("—- "), title_index
    if len(candidates) >= 2 and _QUOTED_NAME.match(header[last].strip()):
        # a line that is only a quoted name (「幸福狐狸植物精油」) under a headline names its subject
        title_index = candidates[-2]
        return clean_title(header[title_index]), header[last].strip(), title_index
    kicker = clean_title(header[candidates[-2]]) if len(candidates) >= 2 else None
    headline = clean_title(header[last])
    if kicker and (kicker.startswith(headline) or headline.startswith(kicker)):
        # the same headline twice, once with its edition or year: (2021) belongs to the title
        longer = max((candidates[-2], kicker), (last, headline), key=lambda pair: len(pair[1]))
        return longer[1], None, longer[0]
    return headline, kicker, last


# --- source and URL --------------------------------------------------------------------------------

_SOURCE_LABEL = re.compile(r"(?:文章来源|信息来源|稿件来源|来源|來源|出处|出處)\s*[:：]\s*([^\s()（）|｜:：]{2,40})")
_ORG = re.compile(r"(?:局|委|厅|廳|院|部|网|網|报|報|社|中心|办|辦|会|會|政府|所|站|台|处|處)$")
_DATE_BYLINE = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\d*[A-Za-z_.\d]*\s*(\S+)\s*$")
_URL = re.compile(r"https?://[^\s<>\"'）)】]+")


def find_source(
    header: list[str], trailer: list[str], front_matter: dict[str, str], hints: dict[str, str]
) -> str | None:
    for line in trailer + header:
        if found := _SOURCE_LABEL.search(line):
            return found.group(1)
    if value := front_matter.get("source"):
        return value
    for key in ("categories", "category"):
        value = front_matter.get(key, "")
        if HAN.search(value):  # a pinyin slug is not a name a reader can use
            return value
    if hints.get("source"):
        return hints["source"]
    for line in header:
        if (found := _DATE_BYLINE.match(unicodedata.normalize("NFKC", line))) and _ORG.search(found.group(1)):
            return found.group(1)
    return None


def find_url(header: list[str], trailer: list[str], front_matter: dict[str, str], hints: dict[str, str]) -> str | None:
    for key in ("url", "link", "source_url", "original_url", "canonical", "permalink"):
        if (value := front_matter.get(key, "")).startswith(("http://", "https://")):
            return value
    if hints.get("url", "").startswith(("http://", "https://")):
        return hints["url"]
    for line in header + trailer:
        if found := _URL.search(line):
            return found.group(0)
    return None


# An address a URL ends at: whitespace, quotes, brackets or any non-ASCII character (a Chinese full
# stop or bracket right after the link is prose, not part of it).
_ASCII_URL = re.compile(r"https?://[^\s<>\"'\u0080-\U0010ffff]+")  # no IGNORECASE: the Kelvin sign would fold to k


def find_official_url(page_url: str | None, texts: Sequence[str]) -> str | None:
    """The regulator's own address when the page names one: the first http(s) URL on a gov.cn host
    in the page's metadata or text that is not the page's own URL (a mirror that reposts a notice
    often says where it came from). The page's own URL on a gov.cn host already is the source."""
    for text in texts:
        for found in _ASCII_URL.finditer(text or ""):
            url = found.group(0).rstrip(".,;:!?)]}")
            if url != page_url and _is_government_host(url):
                return url
    return None


def _is_government_host(url: str) -> bool:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return host == "gov.cn" or host.endswith(".gov.cn")


# --- language --------------------------------------------------------------------------------------


def detect_language(text: str, sample: int = 400) -> Language | None:
    """zh-Hans, zh-Hant or en. OpenCC t2s leaves Simplified text alone and rewrites a good share of
    Traditional characters; a sample of the first Han characters is enough to tell."""
    # runs, not single characters: the same string and count, far fewer objects
    han_chars = "".join(HAN_RUN.findall(text, 0, sample * 4))[:sample]
    # A full sample of Han characters leaves at most three times as many other characters in the
    # window: no count of Latin letters can then make the page English, and none is made.
    if len(han_chars) < sample:
        latin = sum(map(len, _LATIN_RUN.findall(text, 0, sample * 4)))
        if not han_chars:
            return "en" if latin else None
        if latin > 3 * len(han_chars):
            return "en"
    simplified = to_simplified(han_chars)
    if simplified == han_chars:  # already Simplified, the usual case
        return "zh-Hans"
    changed = sum(map(operator.ne, han_chars, simplified))  # characters t2s rewrote
    return "zh-Hant" if changed >= max(2, 0.05 * len(han_chars)) else "zh-Hans"
