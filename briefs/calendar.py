"""Deadlines as an iCalendar file (RFC 5545): one all-day event per deadline, importable into any
calendar. Written by hand: the format is a few lines of text, and the rules that matter are here
(CRLF line ends, TEXT escaping, lines folded at 75 octets without splitting a UTF-8 character).

Each event's UID is derived from the document's identity (normalised 文号, else title) and the date,
never from a row id or a week: exporting again, after more weeks or a rebuilt store, gives the same
UIDs, so a calendar that imports the file again updates its events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from briefs.history import StoredDeadline, deadline_identity, one_per_deadline

PRODID = "-//briefs//deadlines from Chinese drug-regulator news//EN"
KIND_WORDS = {
    "effective": "Effective 施行",
    "comment_deadline": "Comment deadline 征求意见截止",
    "compliance": "Compliance deadline 合规期限",
}
VERIFIED_WORDS = {True: "verified in source", False: "NOT found in source", None: "not checked"}


def event_uid(deadline: StoredDeadline) -> str:
    identity, date = deadline_identity(deadline)
    digest = hashlib.sha256(f"{identity}\n{date}".encode()).hexdigest()[:24]
    return f"{digest}@briefs"


def escape_text(text: str) -> str:
    """An RFC 5545 TEXT value: backslash, semicolon, comma and line breaks escaped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded at 75 octets (continuations start with a space); UTF-8 characters whole."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74  # a continuation's leading space counts
        if size + width > limit:
            out.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n ".join(out)


def calendar(deadlines: Iterable[StoredDeadline], stamp: dt.datetime) -> str:
    """The .ics text: one event per deadline UID (a repost stating the same deadline is one event)."""
    stamp_text = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    for deadline in one_per_deadline(deadlines):
        lines.extend(_event(deadline, event_uid(deadline), stamp_text))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _event(deadline: StoredDeadline, uid: str, stamp: str) -> list[str]:
    doc = deadline.document
    kind = KIND_WORDS.get(deadline.kind, deadline.kind)
    mark = "" if deadline.verified else " [unverified]"
    description = "\n".join(
        part
        for part in (
            deadline.source_sentence or deadline.source_phrase,
            f"{doc.title_zh} / {doc.title_en}",
            doc.document_number or "",
            f"briefs {doc.week} {doc.ref}; date {VERIFIED_WORDS[deadline.verified]}",
            doc.url or doc.path,
        )
        if part
    )
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{deadline.date.strftime('%Y%m%d')}",
        f"DTEND;VALUE=DATE:{(deadline.date + dt.timedelta(days=1)).strftime('%Y%m%d')}",
        f"SUMMARY:{escape_text(f'{kind}{mark}: {doc.title_zh}')}",
        f"DESCRIPTION:{escape_text(description)}",
        "TRANSP:TRANSPARENT",
    ]
    if doc.url and doc.url.startswith(("http://", "https://")):
        lines.append(f"URL:{doc.url.replace(chr(10), '').replace(chr(13), '')}")
    lines.append("END:VEVENT")
    return lines
