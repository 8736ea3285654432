"""The history store: every week's documents, requirements, dates, figures and campaigns in one
SQLite file ($BRIEFS_HOME/history.db), the memory behind what crosses weeks.

It is a stage of its own: it imports only the data models, the identity keys and the leaves, and
only the pipeline and the CLI call it. The schema is documented in docs/history.md and readable
by any SQLite tool (the sqlite3 shell, Datasette).

Trust rules kept here:
* A week is written in one transaction that first deletes that week's rows: rerunning a week
  replaces it and never duplicates it, and a run killed mid-write leaves the previous store intact.
* Stored text is the briefing's text as it is (Chinese never folded); only the *_key and *_stem
  columns are folded, for joining (briefs.identity).
* The schema version is PRAGMA user_version; MIGRATIONS[i] takes a store from version i to i + 1.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import typing
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from briefs.errors import HistoryError
from briefs.identity import campaign_key, number_key, number_stem, title_key, title_stem
from briefs.models import Briefing, BriefingDocument, Digest, NumberedDigest, Period, ProductScope, Relevance

STORE_NAME = "history.db"
DEADLINE_KINDS = ("effective", "comment_deadline", "compliance")

_V1 = """
CREATE TABLE weeks (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL UNIQUE,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    iso_week TEXT
);
CREATE TABLE briefings (
    week_id INTEGER PRIMARY KEY REFERENCES weeks(id) ON DELETE CASCADE,
    headline_zh TEXT, headline_en TEXT,
    summary_zh TEXT, summary_en TEXT,
    complete INTEGER NOT NULL,
    corpus TEXT,
    coverage_json TEXT NOT NULL,
    warnings_json TEXT NOT NULL,
    run_json TEXT NOT NULL
);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    week_id INTEGER NOT NULL REFERENCES weeks(id) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    path TEXT NOT NULL,
    url TEXT, source TEXT,
    title_zh TEXT NOT NULL, title_en TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    issuer_zh TEXT, issuer_en TEXT,
    document_number TEXT,
    number_key TEXT, number_stem TEXT, title_key TEXT, title_stem TEXT,
    published TEXT, date_inferred INTEGER NOT NULL,
    sha256 TEXT NOT NULL, text_id TEXT NOT NULL,
    status TEXT NOT NULL,
    UNIQUE (week_id, ref)
);
CREATE INDEX documents_by_number ON documents(number_key);
CREATE INDEX documents_by_title ON documents(title_key);
CREATE TABLE copies (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    path TEXT NOT NULL, source TEXT, url TEXT, title TEXT
);
CREATE INDEX copies_by_document ON copies(document_id);
CREATE TABLE digests (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    summary_zh TEXT, summary_en TEXT,
    key_points_json TEXT NOT NULL,
    product_scope_json TEXT NOT NULL,
    relevance TEXT, relevance_reason_zh TEXT, relevance_reason_en TEXT,
    flagged_checks INTEGER NOT NULL
);
CREATE TABLE requirements (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    source_sentence TEXT NOT NULL,
    text_en TEXT NOT NULL,
    kind TEXT NOT NULL, actors_json TEXT NOT NULL, product_scope_json TEXT NOT NULL, priority TEXT NOT NULL,
    due_date TEXT, due_phrase TEXT,
    action_zh TEXT, action_en TEXT,
    verified INTEGER,
    problem TEXT NOT NULL
);
CREATE INDEX requirements_by_document ON requirements(document_id);
CREATE TABLE dates (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    origin TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    date TEXT NOT NULL,
    source_phrase TEXT NOT NULL,
    source_sentence TEXT,
    verified INTEGER
);
CREATE INDEX dates_by_date ON dates(date);
CREATE INDEX dates_by_document ON dates(document_id);
CREATE TABLE figures (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    value TEXT NOT NULL, meaning_zh TEXT, meaning_en TEXT,
    source_phrase TEXT NOT NULL,
    verified INTEGER
);
CREATE INDEX figures_by_document ON figures(document_id);
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    week_id INTEGER NOT NULL REFERENCES weeks(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name_zh TEXT NOT NULL, name_en TEXT NOT NULL,
    name_key TEXT NOT NULL,
    status_zh TEXT, status_en TEXT,
    document_refs_json TEXT NOT NULL
);
CREATE INDEX campaigns_by_week ON campaigns(week_id);
CREATE TABLE search_items (
    id INTEGER PRIMARY KEY,
    week_id INTEGER NOT NULL REFERENCES weeks(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    document_id INTEGER,
    zh TEXT NOT NULL,
    en TEXT NOT NULL
);
CREATE INDEX search_items_by_week ON search_items(week_id);
CREATE VIRTUAL TABLE search USING fts5(zh, en, content='search_items', content_rowid='id', tokenize='trigram');
"""

# Deadlines keep the product scope and priority of what stated them, so that a team's briefing lists
# only its own. NULL (a row written before this version) is an unknown scope: every team keeps it.
_V2 = """
ALTER TABLE dates ADD COLUMN product_scope_json TEXT;
ALTER TABLE dates ADD COLUMN priority TEXT;
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2)
SCHEMA_VERSION = len(MIGRATIONS)


def store_path(home: Path) -> Path:
    return home / STORE_NAME


# --- opening and migrating ---------------------------------------------------------------------------


@contextmanager
def connect(path: Path, *, create: bool = True) -> Iterator[sqlite3.Connection]:
    """A connection to an up-to-date store. ``create=False``: a missing store is an error (the
    read-only commands must not leave an empty file behind)."""
    if not create and not path.is_file():
        raise HistoryError(f"history store {path}: not there yet (`briefs generate` writes it)")
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    except (sqlite3.Error, OSError) as error:
        raise HistoryError(f"history store {path}: cannot open ({error})") from None
    with closing(connection):
        try:  # a corrupt file, a lock held too long, a full disk: one line naming the store
            connection.execute("PRAGMA foreign_keys = ON")
            migrate(connection, path)
            yield connection
        except sqlite3.Error as error:
            raise HistoryError(f"history store {path}: {error}") from None


def migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Bring the store to SCHEMA_VERSION, one migration per transaction."""
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"history store {path}: schema version {version} was written by a newer briefs "
            f"(this one knows up to {SCHEMA_VERSION}); upgrade briefs or point BRIEFS_HOME elsewhere"
        )
    for number in range(version, SCHEMA_VERSION):
        with transaction(connection):
            for statement in _statements(MIGRATIONS[number]):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {number + 1}")


def _statements(script: str) -> list[str]:
    """A migration script cut into statements (executescript would commit on its own)."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        joined = "\n".join(current)
        if sqlite3.complete_statement(joined):
            statements.append(joined)
            current = []
    return statements


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


# --- writing a week ----------------------------------------------------------------------------------


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def write_week(path: Path, briefing: Briefing, numbered: list[NumberedDigest], corpus: str | None) -> None:
    """Replace the week's rows with this briefing's, in one transaction."""
    try:
        with connect(path) as connection, transaction(connection):
            _replace_week(connection, briefing, numbered, corpus)
    except HistoryError as error:
        raise HistoryError(f"cannot write {briefing.period.label} to the {error}") from None


def _replace_week(
    connection: sqlite3.Connection, briefing: Briefing, numbered: list[NumberedDigest], corpus: str | None
) -> None:
    period = briefing.period
    _unindex_week(connection, period.label)
    connection.execute("DELETE FROM weeks WHERE label = ?", (period.label,))  # cascades to every row of the week
    week_id = _new_id(
        connection.execute(
            "INSERT INTO weeks (label, start_date, end_date, iso_week) VALUES (?, ?, ?, ?)",
            (period.label, period.start.isoformat(), period.end.isoformat(), period.iso_week),
        )
    )
    _insert_briefing(connection, week_id, briefing, corpus)
    digests = {item.ref: item.digest for item in numbered}
    for doc in briefing.documents:
        document_id = _insert_document(connection, week_id, doc)
        _insert_contents(connection, week_id, document_id, doc, digests.get(doc.ref))
    _insert_campaigns(connection, week_id, briefing)
    _index_week(connection, week_id)


# The full-text index is filled and emptied a week at a time, by one statement each: row by row
# (triggers) it costs about ten times as much for a large week.


def _index_week(connection: sqlite3.Connection, week_id: int) -> None:
    connection.execute(
        "INSERT INTO search (rowid, zh, en) SELECT id, zh, en FROM search_items WHERE week_id = ?", (week_id,)
    )


def _unindex_week(connection: sqlite3.Connection, label: str) -> None:
    connection.execute(
        "INSERT INTO search (search, rowid, zh, en) SELECT 'delete', s.id, s.zh, s.en FROM search_items s "
        "JOIN weeks w ON w.id = s.week_id WHERE w.label = ?",
        (label,),
    )


def _insert_briefing(connection: sqlite3.Connection, week_id: int, briefing: Briefing, corpus: str | None) -> None:
    headline, summary = briefing.headline, briefing.executive_summary
    connection.execute(
        "INSERT INTO briefings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            week_id,
            headline.zh if headline else None,
            headline.en if headline else None,
            summary.zh if summary else None,
            summary.en if summary else None,
            int(briefing.complete),
            corpus,
            briefing.coverage.model_dump_json(),
            _json([w.model_dump(mode="json") for w in briefing.warnings]),
            briefing.run.model_dump_json(),
        ),
    )
    if headline:
        _index(
            connection,
            week_id,
            "briefing",
            None,
            f"{headline.zh}\n{summary.zh if summary else ''}",
            f"{headline.en}\n{summary.en if summary else ''}",
        )


def _insert_document(connection: sqlite3.Connection, week_id: int, doc: BriefingDocument) -> int:
    document_id = _new_id(
        connection.execute(
            """INSERT INTO documents (week_id, ref, path, url, source, title_zh, title_en, doc_type, issuer_zh,
               issuer_en, document_number, number_key, number_stem, title_key, title_stem, published,
               date_inferred, sha256, text_id, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                week_id,
                doc.ref,
                doc.path,
                doc.url,
                doc.source,
                doc.title.zh,
                doc.title.en,
                doc.doc_type,
                doc.issuer.zh if doc.issuer else None,
                doc.issuer.en if doc.issuer else None,
                doc.document_number,
                number_key(doc.document_number),
                number_stem(doc.document_number),
                title_key(doc.title.zh),
                title_stem(doc.title.zh),
                doc.date.isoformat() if doc.date else None,
                int(doc.date_inferred),
                doc.sha256,
                doc.id,
                doc.status,
            ),
        )
    )
    connection.executemany(
        "INSERT INTO copies VALUES (?, ?, ?, ?, ?, ?)",
        [(document_id, i, c.path, c.source, c.url, c.title) for i, c in enumerate(doc.copies)],
    )
    summary = doc.summary
    _index(
        connection,
        week_id,
        "document",
        document_id,
        "\n".join(filter(None, [doc.title.zh, doc.document_number, summary.zh if summary else None])),
        "\n".join(filter(None, [doc.title.en, summary.en if summary else None])),
    )
    return document_id


def _insert_contents(
    connection: sqlite3.Connection, week_id: int, document_id: int, doc: BriefingDocument, digest: Digest | None
) -> None:
    extraction = digest.extraction if digest else None
    checks = digest.checks if digest else []
    connection.execute(
        "INSERT INTO digests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            document_id,
            doc.summary.zh if doc.summary else None,
            doc.summary.en if doc.summary else None,
            _json([p.model_dump() for p in doc.key_points]),
            _json(doc.product_scope),
            doc.relevance,
            doc.relevance_reason.zh if doc.relevance_reason else None,
            doc.relevance_reason.en if doc.relevance_reason else None,
            sum(1 for c in checks if not c.ok),
        ),
    )
    for position, entry in enumerate(doc.requirements):
        r = entry.requirement
        connection.execute(
            """INSERT INTO requirements (document_id, position, source_sentence, text_en, kind, actors_json,
               product_scope_json, priority, due_date, due_phrase, action_zh, action_en, verified, problem)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                document_id,
                position,
                r.source_sentence,
                r.text_en,
                r.kind,
                _json(r.actors),
                _json(r.product_scope),
                r.priority,
                r.due_date,
                r.due_phrase,
                r.action.zh,
                r.action.en,
                _flag(entry.verified),
                entry.problem,
            ),
        )
        _index(
            connection,
            week_id,
            "requirement",
            document_id,
            f"{r.source_sentence}\n{r.action.zh}",
            f"{r.text_en}\n{r.action.en}",
        )
        if r.due_date and r.due_phrase and _is_date(r.due_date):
            verified = _verdict(checks, f"requirements[{position}].due_")
            connection.execute(
                "INSERT INTO dates (document_id, origin, position, kind, date, source_phrase, source_sentence, verified,"
                " product_scope_json, priority) VALUES (?, 'requirement', ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    document_id,
                    position,
                    due_kind(r.due_phrase),
                    r.due_date,
                    r.due_phrase,
                    r.source_sentence,
                    _flag(verified),
                    _json(r.product_scope),
                    r.priority,
                ),
            )
    if extraction is None:
        return
    for position, stated in enumerate(extraction.dates):
        if _is_date(stated.date):
            connection.execute(
                "INSERT INTO dates (document_id, origin, position, kind, date, source_phrase, source_sentence, verified,"
                " product_scope_json, priority) VALUES (?, 'dates', ?, ?, ?, ?, NULL, ?, ?, ?)",
                (
                    document_id,
                    position,
                    stated.kind,
                    stated.date,
                    stated.source_phrase,
                    _flag(_verdict(checks, f"dates[{position}].")),
                    _json(doc.product_scope),
                    doc.relevance,  # a date of the document's own list is judged as the document is
                ),
            )
    for position, figure in enumerate(extraction.figures):
        connection.execute(
            "INSERT INTO figures (document_id, position, value, meaning_zh, meaning_en, source_phrase, verified)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                document_id,
                position,
                figure.value,
                figure.meaning.zh,
                figure.meaning.en,
                figure.source_phrase,
                _flag(_verdict(checks, f"figures[{position}].")),
            ),
        )


def _insert_campaigns(connection: sqlite3.Connection, week_id: int, briefing: Briefing) -> None:
    for position, campaign in enumerate(briefing.campaigns):
        connection.execute(
            "INSERT INTO campaigns (week_id, position, name_zh, name_en, name_key, status_zh, status_en,"
            " document_refs_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                week_id,
                position,
                campaign.name.zh,
                campaign.name.en,
                campaign_key(campaign.name.zh),
                campaign.status.zh,
                campaign.status.en,
                _json([s.ref for s in campaign.sources]),
            ),
        )
        _index(
            connection,
            week_id,
            "campaign",
            None,
            f"{campaign.name.zh}\n{campaign.status.zh}",
            f"{campaign.name.en}\n{campaign.status.en}",
        )


def _index(connection: sqlite3.Connection, week_id: int, kind: str, document_id: int | None, zh: str, en: str) -> None:
    connection.execute(
        "INSERT INTO search_items (week_id, kind, document_id, zh, en) VALUES (?, ?, ?, ?, ?)",
        (week_id, kind, document_id, zh, en),
    )


def _verdict(checks: Iterable, prefix: str) -> bool | None:
    """True when every check of the target passed, False when one failed, None when none was made."""
    relevant = [c for c in checks if c.target.startswith(prefix)]
    return None if not relevant else all(c.ok for c in relevant)


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def due_kind(phrase: str) -> str:
    """What a requirement's due date is, from its phrase: 施行 is an effective date, 意见 a comment
    deadline, anything else a date to comply by."""
    if "施行" in phrase or "生效" in phrase:
        return "effective"
    if "意见" in phrase or "反馈" in phrase:
        return "comment_deadline"
    return "compliance"


# --- reading what came before a week ---------------------------------------------------------------


@dataclass(frozen=True)
class StoredDocument:
    week: str
    week_start: dt.date
    ref: str
    title_zh: str
    title_en: str
    doc_type: str
    document_number: str | None
    number_key: str | None
    number_stem: str | None
    title_key: str | None
    title_stem: str | None
    text_id: str
    url: str | None
    path: str


@dataclass(frozen=True)
class StoredCampaign:
    week: str
    week_start: dt.date
    name_zh: str
    name_en: str
    name_key: str


@dataclass(frozen=True)
class StoredDeadline:
    date: dt.date
    kind: str
    source_phrase: str
    source_sentence: str | None
    verified: bool | None
    document: StoredDocument
    # The requirement's scope and priority when a requirement stated it, else (a date of the document's
    # own list) the document's scope and relevance, which a team's minimum priority compares as it does
    # the document's (briefs.teams). Empty scope, None priority: unknown (a row stored before deadlines
    # kept them, an unclassified document), which every team keeps.
    product_scope: tuple[str, ...] = ()
    priority: str | None = None
    from_requirement: bool = False


@dataclass(frozen=True)
class Earlier:
    """Everything the store holds from the weeks that began before a given week, oldest first."""

    weeks: list[str]
    documents: list[StoredDocument]
    campaigns: list[StoredCampaign]
    deadlines: list[StoredDeadline]


_DOCUMENT_COLUMNS = (
    "w.label, w.start_date, d.ref, d.title_zh, d.title_en, d.doc_type, d.document_number, d.number_key, "
    "d.number_stem, d.title_key, d.title_stem, d.text_id, d.url, d.path"
)


def _stored_document(row: tuple) -> StoredDocument:
    return StoredDocument(row[0], dt.date.fromisoformat(row[1]), *row[2:14])


def earlier_than(path: Path, period: Period, window_days: int) -> Earlier:
    """What the store holds before ``period`` (earlier_periods), with the deadlines of those periods
    that fall from the period's first day to ``window_days`` after its last."""
    start = period.start.isoformat()
    until = (period.end + dt.timedelta(days=window_days)).isoformat()
    with connect(path) as connection:
        kept = earlier_periods(connection, start)
        ids = [week_id for week_id, _ in kept]
        among = f"w.id IN ({', '.join('?' * len(ids))})"
        documents = [
            _stored_document(row)
            for row in connection.execute(
                f"SELECT {_DOCUMENT_COLUMNS} FROM documents d JOIN weeks w ON w.id = d.week_id "
                f"WHERE {among} ORDER BY w.start_date, d.id",
                ids,
            )
        ]
        campaigns = [
            StoredCampaign(r[0], dt.date.fromisoformat(r[1]), r[2], r[3], r[4])
            for r in connection.execute(
                "SELECT w.label, w.start_date, c.name_zh, c.name_en, c.name_key FROM campaigns c "
                f"JOIN weeks w ON w.id = c.week_id WHERE {among} ORDER BY w.start_date, c.position",
                ids,
            )
        ]
        deadlines = _deadlines(connection, among, tuple(ids), start, until)
    return Earlier(weeks=[label for _, label in kept], documents=documents, campaigns=campaigns, deadlines=deadlines)


def earlier_periods(connection: sqlite3.Connection, start: str) -> list[tuple[int, str]]:
    """(id, label) of the stored periods a briefing beginning on ``start`` reads as earlier, oldest
    first, each document counted once: the periods that end before it begins; among them every ISO
    week, and a --from/--to period only when it overlaps no stored ISO week and no earlier period kept
    (its documents would otherwise be read twice)."""
    rows = connection.execute(
        "SELECT id, label, start_date, end_date, iso_week FROM weeks ORDER BY start_date, label"
    ).fetchall()
    weeks = [(row[2], row[3]) for row in rows if row[4] is not None]
    kept: list[tuple] = []
    for row in rows:
        if row[3] >= start:
            continue
        span = (row[2], row[3])
        if row[4] is None and any(_overlap(span, other) for other in [*weeks, *((k[2], k[3]) for k in kept)]):
            continue
        kept.append(row)
    return [(row[0], row[1]) for row in kept]


def _overlap(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Two periods of ISO dates (first, last), inclusive, share a day."""
    return a[0] <= b[1] and b[0] <= a[1]


def _deadlines(
    connection: sqlite3.Connection, where: str, params: tuple, first: str, last: str
) -> list[StoredDeadline]:
    kinds = ", ".join(f"'{kind}'" for kind in DEADLINE_KINDS)
    rows = connection.execute(
        "SELECT t.date, t.kind, t.source_phrase, t.source_sentence, t.verified, t.product_scope_json, t.priority, "
        f"t.origin, {_DOCUMENT_COLUMNS} "
        "FROM dates t JOIN documents d ON d.id = t.document_id JOIN weeks w ON w.id = d.week_id "
        f"WHERE {where} AND t.kind IN ({kinds}) AND t.date >= ? AND t.date <= ? "
        "ORDER BY t.date, w.start_date, d.id, t.origin DESC, t.position",
        (*params, first, last),
    )
    return [
        StoredDeadline(
            date=dt.date.fromisoformat(row[0]),
            kind=row[1],
            source_phrase=row[2],
            source_sentence=row[3],
            verified=None if row[4] is None else bool(row[4]),
            document=_stored_document(row[8:]),
            product_scope=_stored_scope(row[5]),
            priority=row[6] if row[6] in _PRIORITIES_OR_RELEVANCES else None,
            from_requirement=row[7] == "requirement",
        )
        for row in rows
    ]


_SCOPES = frozenset(typing.get_args(ProductScope))
_PRIORITIES_OR_RELEVANCES = frozenset(typing.get_args(Relevance))  # every Priority is a Relevance


def _stored_scope(text: str | None) -> tuple[str, ...]:
    """A deadline's stored scope; what cannot be read (NULL from before version 2, a value damaged by
    hand) is unknown, which every team keeps, rather than a failed week."""
    try:
        scope = json.loads(text) if text else []
    except ValueError:
        return ()
    if not isinstance(scope, list) or not all(value in _SCOPES for value in scope):
        return ()
    return tuple(scope)


def stated_deadlines_between(path: Path, first: dt.date, last: dt.date) -> list[list[StoredDeadline]]:
    """Every stored deadline (any week) from ``first`` to ``last``, inclusive, as its statements
    (statements_of_each): what a team's list chooses from."""
    with connect(path, create=False) as connection:
        return statements_of_each(_deadlines(connection, "1 = 1", (), first.isoformat(), last.isoformat()))


def statements_of_each(deadlines: Iterable[StoredDeadline]) -> list[list[StoredDeadline]]:
    """Each deadline (deadline_identity) once, in the store's order, as the copies that say whom it is
    for: its first copy (what one_per_deadline keeps), then each other requirement stating it for other
    products or at another priority. The document's own date list says whom a deadline is for only
    when no requirement states it."""
    copies: dict[tuple[str, str], list[StoredDeadline]] = {}
    for deadline in deadlines:
        copies.setdefault(deadline_identity(deadline), []).append(deadline)
    return [_who_it_is_for(group) for group in copies.values()]


def _who_it_is_for(copies: list[StoredDeadline]) -> list[StoredDeadline]:
    first = copies[0]
    statements = [first]
    seen = {_for_whom(first)}
    for copy in [c for c in copies if c.from_requirement] or copies:
        if _for_whom(copy) not in seen:
            seen.add(_for_whom(copy))
            statements.append(copy)
    return statements


def _for_whom(deadline: StoredDeadline) -> tuple[frozenset[str], str | None]:
    return frozenset(deadline.product_scope), deadline.priority


def deadline_identity(deadline: StoredDeadline) -> tuple[str, str]:
    """One deadline whichever copy states it: the document's identity (文号, else title, else text) and the date."""
    doc = deadline.document
    return (doc.number_key or doc.title_key or doc.text_id, deadline.date.isoformat())


def one_per_deadline(deadlines: Iterable[StoredDeadline]) -> list[StoredDeadline]:
    """The first of each deadline_identity: a repost restating a deadline, or a requirement and the
    document's date list stating the same date, give it once. The store's order puts the earliest
    week first and, within a document, a requirement (which has a sentence) before a bare phrase."""
    return [statements[0] for statements in statements_of_each(deadlines)]


# --- search and export ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    week: str
    kind: str
    ref: str | None
    title: str | None
    url: str | None
    zh: str
    en: str


def search(path: Path, query: str, limit: int = 20) -> list[SearchHit]:
    """Full-text search over Chinese and English. The trigram index needs three characters per term;
    a shorter term (疫苗, 5号) is matched by substring over the same rows instead of finding nothing."""
    terms = query.split()
    if not terms:
        raise HistoryError("history search: give a word or phrase to look for")
    with connect(path, create=False) as connection:
        if all(len(term) >= 3 for term in terms):
            match = " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)
            where, params = "s.id IN (SELECT rowid FROM search WHERE search MATCH ?)", [match]
        else:
            where = " AND ".join("(s.zh LIKE ? ESCAPE '\\' OR s.en LIKE ? ESCAPE '\\')" for _ in terms)
            params = [p for term in terms for p in (_like(term),) * 2]
        rows = connection.execute(
            "SELECT w.label, s.kind, d.ref, d.title_zh, d.url, s.zh, s.en FROM search_items s "
            "JOIN weeks w ON w.id = s.week_id LEFT JOIN documents d ON d.id = s.document_id "
            f"WHERE {where} ORDER BY w.start_date DESC, s.id LIMIT ?",
            (*params, limit),
        ).fetchall()
    return [SearchHit(*row) for row in rows]


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


EXPORT_TABLES = ("documents", "requirements", "deadlines")

_EXPORT_QUERIES = {
    "documents": (
        "SELECT w.label AS week, d.ref, d.title_zh, d.title_en, d.doc_type, d.document_number, d.published, "
        "d.date_inferred, d.source, d.url, d.path, d.sha256, d.status, "
        "(SELECT COUNT(*) FROM copies c WHERE c.document_id = d.id) AS copies "
        "FROM documents d JOIN weeks w ON w.id = d.week_id ORDER BY w.start_date, d.id"
    ),
    "requirements": (
        "SELECT w.label AS week, d.ref, d.title_zh AS document, d.document_number, d.url, r.position, "
        "r.source_sentence, r.text_en, r.kind, r.actors_json AS actors, r.product_scope_json AS product_scope, "
        "r.priority, r.due_date, r.due_phrase, r.action_zh, r.action_en, r.verified, r.problem "
        "FROM requirements r JOIN documents d ON d.id = r.document_id JOIN weeks w ON w.id = d.week_id "
        "ORDER BY w.start_date, d.id, r.position"
    ),
    "deadlines": (
        "SELECT w.label AS week, d.ref, d.title_zh AS document, d.document_number, d.url, t.date, t.kind, "
        "t.source_phrase, t.source_sentence, t.verified, t.origin, t.product_scope_json AS product_scope, t.priority "
        "FROM dates t JOIN documents d ON d.id = t.document_id JOIN weeks w ON w.id = d.week_id "
        f"WHERE t.kind IN ({', '.join(repr(k) for k in DEADLINE_KINDS)}) ORDER BY t.date, w.start_date, d.id"
    ),
}


def export_rows(path: Path, table: str) -> tuple[list[str], list[tuple]]:
    """The columns and rows of one exported table, in a stable order."""
    with connect(path, create=False) as connection:
        cursor = connection.execute(_EXPORT_QUERIES[table])
        return [column[0] for column in cursor.description], cursor.fetchall()


def stored_weeks(path: Path) -> list[tuple[str, dt.date, dt.date, str | None, str | None]]:
    """(label, start, end, iso_week, corpus) of every stored week, oldest first."""
    with connect(path, create=False) as connection:
        rows = connection.execute(
            "SELECT w.label, w.start_date, w.end_date, w.iso_week, b.corpus FROM weeks w "
            "LEFT JOIN briefings b ON b.week_id = w.id ORDER BY w.start_date, w.label"
        ).fetchall()
    return [(r[0], dt.date.fromisoformat(r[1]), dt.date.fromisoformat(r[2]), r[3], r[4]) for r in rows]


@dataclass(frozen=True)
class ReaskRecord:
    """Re-asks and calls sent, over the stored weeks whose runs called a model."""

    reasks: int = 0
    sent: int = 0
    weeks: int = 0


def reask_record(path: Path, extract_model: str | None = None) -> ReaskRecord:
    """What the stored runs say about re-asks: the model calls each live (or record) run sent and how
    many of those asked again. Runs recorded before re-asks were counted apart from transport
    retries are left out (their re-asks are unknown, not zero). With ``extract_model``, only the runs
    whose extraction went to that model: most calls are extraction's, and another model's share says
    little about this one's. No store yet: nothing recorded."""
    if not path.is_file():
        return ReaskRecord()
    with connect(path, create=False) as connection:
        rows = connection.execute("SELECT run_json FROM briefings").fetchall()
    reasks = sent = weeks = 0
    for (text,) in rows:
        run = json.loads(text)
        total = run.get("total") or {}
        if run.get("mode") not in ("live", "record") or "reasks" not in total:
            continue
        if extract_model is not None and _extraction_model(run) != extract_model:
            continue
        reasks += int(total["reasks"])
        sent += int(total.get("calls", 0)) - int(total.get("cache_hits", 0))
        weeks += 1
    return ReaskRecord(reasks=reasks, sent=sent, weeks=weeks)


def _extraction_model(run: dict) -> str | None:
    """The model a stored run's extraction went to: its extract stage's, else the run's (records
    written before stages named their model)."""
    for stage in run.get("stages") or []:
        if stage.get("stage") == "extract" and stage.get("model"):
            return str(stage["model"])
    return run.get("model")


# What makes two run records records of one run: the same model (and extraction model) and prompts
# over the same files.
_SAME_RUN = ("model", "prompt_versions", "inputs")


def keep_run_records(source: Path, target: Path) -> None:
    """Give each week of ``target``, a store just rebuilt from cached answers, the run record
    ``source`` holds for it when that records the same run (_SAME_RUN). A rebuild makes no model call:
    its own record says every call was a cache hit and none was asked again, which would erase what
    the run that paid for the answers recorded (its calls, tokens, cost, retries and re-asks, which a
    dry run's expected re-ask share reads). A week made from other files keeps its rebuilt record:
    the stored one is another run's."""
    with connect(source, create=False) as connection:
        stored = dict(_run_json_by_week(connection))
    with connect(target) as connection, transaction(connection):
        for label, rebuilt in _run_json_by_week(connection):
            if label in stored and _same_run(stored[label], rebuilt):
                connection.execute(
                    "UPDATE briefings SET run_json = ? WHERE week_id = (SELECT id FROM weeks WHERE label = ?)",
                    (stored[label], label),
                )


def _run_json_by_week(connection: sqlite3.Connection) -> list[tuple[str, str]]:
    return connection.execute("SELECT w.label, b.run_json FROM briefings b JOIN weeks w ON w.id = b.week_id").fetchall()


def _same_run(stored: str, rebuilt: str) -> bool:
    try:
        old, new = json.loads(stored), json.loads(rebuilt)
    except ValueError:  # a record damaged by hand: the rebuilt one is the one to trust
        return False
    return (
        isinstance(old, dict)
        and all(old.get(key) == new.get(key) for key in _SAME_RUN)
        and _extraction_model(old) == _extraction_model(new)  # answers of another extract_model: another run
    )


def _new_id(cursor: sqlite3.Cursor) -> int:
    """The row id an INSERT just made (typed Optional by sqlite3; always set after an INSERT)."""
    assert cursor.lastrowid is not None
    return cursor.lastrowid
