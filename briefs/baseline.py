"""How many documents each source usually has: the evidence that a quiet week is quiet.

A week with nothing in the folder looks exactly like a broken scraper. So the briefing states, per
source (the publication's name, else the host of its URL), the documents of this period beside the
weekly counts of the weeks just before it, taken from the corpus folder's own earlier documents
(the reader dates every file). An empty period after weeks that had documents is an alert.

Small on purpose: a history store can later answer ``recent_weekly_counts`` from past runs instead
of the folder, and nothing else changes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

from briefs.models import Document, Period, SourceCount

RECENT_WEEKS = 8
UNNAMED_SOURCE = "(source not stated)"


def source_of(document: Document) -> str:
    """The publication's name, else its URL's host, else a fixed word: never a file name."""
    if document.source and document.source.strip():
        return document.source.strip()
    return host_of(document) or UNNAMED_SOURCE


def host_of(document: Document) -> str | None:
    if not document.url:
        return None
    try:
        return urlsplit(document.url).hostname or None
    except ValueError:
        return None


def recent_windows(period: Period, weeks: int = RECENT_WEEKS) -> list[tuple[dt.date, dt.date]]:
    """The ``weeks`` seven-day windows just before the period, oldest first."""
    return [
        (period.start - dt.timedelta(days=7 * k), period.start - dt.timedelta(days=7 * (k - 1) + 1))
        for k in range(weeks, 0, -1)
    ]


def recent_weekly_counts(
    documents: Iterable[Document], period: Period, weeks: int = RECENT_WEEKS
) -> dict[str, list[int]]:
    """Per source, its documents in each of the recent weeks (oldest first)."""
    windows = recent_windows(period, weeks)
    counts: dict[str, list[int]] = {}
    for doc in _countable(documents):
        for index, (start, end) in enumerate(windows):
            if start <= doc.date <= end:  # type: ignore[operator]  # _countable keeps dated ones
                counts.setdefault(source_of(doc), [0] * weeks)[index] += 1
    return counts


def source_counts(documents: Iterable[Document], period: Period, weeks: int = RECENT_WEEKS) -> list[SourceCount]:
    """Every source seen in the period or the recent weeks: this period's count beside the usual."""
    documents = list(documents)
    this_period = Counter(
        source_of(doc)
        for doc in _countable(documents)
        if period.start <= doc.date <= period.end  # type: ignore[operator]
    )
    history = recent_weekly_counts(documents, period, weeks)
    hosts: dict[str, str] = {}
    for doc in _countable(documents):
        if host := host_of(doc):
            hosts.setdefault(source_of(doc), host)
    rows = [
        SourceCount(
            source=source,
            host=hosts.get(source),
            in_period=this_period.get(source, 0),
            recent_weeks=history.get(source, [0] * weeks),
        )
        for source in set(this_period) | set(history)
    ]
    return sorted(rows, key=lambda row: (-row.in_period, -row.recent_total, row.source))


def quiet_alert(counts: list[SourceCount], in_period: int, weeks: int = RECENT_WEEKS) -> str | None:
    """The alert for an empty period after weeks that had documents; None otherwise."""
    if in_period:
        return None
    earlier = sum(row.recent_total for row in counts)
    if not earlier:
        return None
    sources = sum(1 for row in counts if row.recent_total)
    return (
        f"no document of this period was found, though the {weeks} weeks before it had {earlier} "
        f"(from {sources} source{'s' if sources != 1 else ''}): check the scraper and the corpus folder "
        "before reading this as a quiet week"
    )


def _countable(documents: Iterable[Document]) -> list[Document]:
    """Readable, dated originals: a duplicate is one document, an undated page belongs to no week."""
    return [doc for doc in documents if doc.readable and doc.date is not None]
