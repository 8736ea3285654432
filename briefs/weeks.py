"""Which days a briefing covers: ``--week`` and ``--from/--to`` become a ``Period``.

A week is an ISO week (Monday to Sunday) labelled ``%G-W%V`` (never ``%Y``/``%W``, which disagree
with ISO at year ends). "Today" is today in Asia/Shanghai, where the regulators publish: a user in
Europe on Monday morning and the NMPA agree on which week is "this" one. Documents carry their
publication date already converted to Shanghai local time by the reader, so a document is in the
period when that date lies between ``start`` and ``end`` inclusive.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from briefs.errors import ConfigError, Hint
from briefs.models import SHANGHAI, Document, Period, iso_week_label

_ISO_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# What a bad period names (briefs.errors.Hint): the arguments here, the CLI's flags there
WEEK, START, END = Hint("week", "week"), Hint("from", "start"), Hint("to", "end")
WEEK_FORMS = "an ISO week (2022-W06 or 2022W06), 'this', 'last', or a date inside the week (2022-02-09)"
# Years a briefing can cover. Outside them a typo (0000-W01, 9999-W52) would overflow Python's
# dates or produce labels that do not sort; no regulator news predates 1900.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def today_in_shanghai(now: dt.datetime | None = None) -> dt.date:
    moment = now or dt.datetime.now(tz=SHANGHAI)
    return moment.astimezone(SHANGHAI).date()


def week_of(day: dt.date) -> Period:
    start = day - dt.timedelta(days=day.isoweekday() - 1)
    return Period(
        label=iso_week_label(day), start=start, end=start + dt.timedelta(days=6), iso_week=iso_week_label(day)
    )


def parse_week(value: str, today: dt.date | None = None) -> Period:
    """``--week VALUE`` as a Period; a bad value is one ConfigError line saying what is accepted."""
    text = value.strip()
    today = today or today_in_shanghai()
    if text.lower() == "this":
        return week_of(today)
    if text.lower() == "last":
        return week_of(today - dt.timedelta(days=7))
    if match := _ISO_WEEK.match(text):
        year, week = int(match.group(1)), int(match.group(2))
        _check_year(WEEK, value, year)
        try:
            monday = dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            weeks_in_year = dt.date(year, 12, 28).isocalendar().week
            raise ConfigError(
                WEEK, f" {value}: {year} has ISO weeks W01 to W{weeks_in_year:02d}, there is no week {week:02d}"
            ) from None
        return week_of(monday)
    if _DATE.match(text):
        return week_of(_parse_date(WEEK, text))
    raise ConfigError(WEEK, f" {value}: not understood; give {WEEK_FORMS}")


def parse_range(start: str, end: str) -> Period:
    """``--from START --to END`` (inclusive dates) as a Period."""
    first, last = _parse_date(START, start), _parse_date(END, end)
    if last < first:
        raise ConfigError(END, f" {end} is before ", START, f" {start}")
    return Period(label=f"{first.isoformat()}_{last.isoformat()}", start=first, end=last, iso_week=None)


def resolve_period(week: str | None, start: str | None, end: str | None, today: dt.date | None = None) -> Period:
    """The command line's period: exactly one of --week or the pair --from/--to."""
    if week and (start or end):
        raise ConfigError("give either ", WEEK, " or ", START, "/", END, ", not both")
    if start or end:
        if not (start and end):
            raise ConfigError(START, " and ", END, " go together: give both dates (YYYY-MM-DD)")
        return parse_range(start, end)
    if not week:
        raise ConfigError(WEEK, f" is required: {WEEK_FORMS}; or give ", START, "/", END)
    return parse_week(week, today)


def in_period(document: Document, period: Period) -> bool:
    return document.date is not None and period.start <= document.date <= period.end


def weeks_of(documents: Iterable[Document]) -> list[Period]:
    """Every ISO week that holds at least one dated document, oldest first."""
    labels = {iso_week_label(doc.date): doc.date for doc in documents if doc.date is not None}
    return [week_of(day) for _, day in sorted(labels.items())]


def _parse_date(flag: Hint, text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError as error:
        reason = str(error) if _DATE.match(text.strip()) else "write it YYYY-MM-DD"
        raise ConfigError(flag, f" {text}: not a date ({reason})") from None
    _check_year(flag, text, day.year)
    return day


def _check_year(flag: Hint, text: str, year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ConfigError(flag, f" {text}: year {year} is outside {FIRST_YEAR}-{LAST_YEAR}")
