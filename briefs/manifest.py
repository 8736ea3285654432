"""What a scraper wrote down beside the pages: a manifest (JSON lines, one object per page) or a
sidecar ``PAGE.json`` / ``PAGE.html.json`` next to ``PAGE.html``.

Scrapers name their fields in many ways; the common spellings are read (``path``/``file``, ``url``,
``title``, ``published``/``date``, ``fetched``/``crawled_at``). What a manifest states wins over what
the reader would infer from the page; the fetch time is only ever a fallback date, marked inferred.

A manifest that cannot be parsed is one problem line naming it; the pages are still read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

# Files a scraper or an operating system leaves beside the pages: never documents, never problems.
NOT_DOCUMENT_SUFFIXES = frozenset(
    {
        ".json", ".jsonl", ".ndjson", ".csv", ".tsv", ".yaml", ".yml", ".xml", ".rss", ".atom", ".lock", ".log",
        ".pid", ".tmp", ".part", ".crdownload", ".swp", ".bak", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg",
        ".bmp", ".ico", ".tif", ".tiff", ".css", ".js", ".map", ".woff", ".woff2", ".ttf", ".sqlite", ".db",
    }
)  # fmt: skip
NOT_DOCUMENT_NAMES = frozenset({"thumbs.db", "desktop.ini", "robots.txt"})

_PATH_KEYS = ("path", "file", "filename", "file_path", "filepath", "local_path", "saved_as", "output", "html_file")
_URL_KEYS = ("url", "link", "source_url", "page_url", "href", "final_url", "canonical_url")
_TITLE_KEYS = ("title", "headline", "page_title")
_DATE_KEYS = ("published", "published_at", "date_published", "datePublished", "publish_date", "pubdate", "date")
_FETCHED_KEYS = ("fetched", "fetched_at", "crawled_at", "crawl_time", "crawled", "scraped_at", "downloaded_at",
                 "retrieved_at", "retrieved", "timestamp")  # fmt: skip


def is_plainly_not_a_document(path: Path) -> bool:
    name = path.name.lower()
    return name in NOT_DOCUMENT_NAMES or path.suffix.lower() in NOT_DOCUMENT_SUFFIXES or name.endswith("~")


@dataclass
class Scraped:
    """What the scraper stated about one page (strings as written; the reader parses them)."""

    title: str | None = None
    url: str | None = None
    date: str | None = None
    fetched: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {key: value for key, value in vars(self).items() if value}


@dataclass
class Manifests:
    by_page: dict[Path, Scraped] = field(default_factory=dict)  # resolved page path → what was stated
    problems: list[str] = field(default_factory=list)

    def facts_for(self, page: Path) -> Scraped | None:
        return self.by_page.get(page.resolve()) if self.by_page else None


def read_manifests(candidates: list[Path], pages: list[Path]) -> Manifests:
    """Manifests and sidecars among ``candidates`` (the folder's non-document files) for ``pages``."""
    found = Manifests()
    candidates = [c for c in candidates if c.suffix.lower() in (".json", ".jsonl", ".ndjson")]
    if not candidates:
        return found  # most folders have none: resolving every page would cost more than reading it
    page_set = {page.resolve() for page in pages}
    by_name: dict[str, list[Path]] = {}
    for page in page_set:
        by_name.setdefault(page.name, []).append(page)
    for candidate in candidates:
        sidecar_of = _sidecar_page(candidate, page_set)
        try:
            records = _records(candidate)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            if sidecar_of or _looks_like_manifest_name(candidate):
                found.problems.append(
                    f"{candidate}: not a readable manifest ({_why(error)}); its pages are read without it"
                )
            continue
        if sidecar_of is not None and len(records) == 1 and not _value(records[0], _PATH_KEYS):
            found.by_page[sidecar_of] = _merge(found.by_page.get(sidecar_of), _scraped(records[0]))
            continue
        for record in records:
            stated_path = _value(record, _PATH_KEYS)
            if not stated_path:
                continue
            for page in _pages_named(stated_path, candidate.parent, page_set, by_name):
                found.by_page[page] = _merge(found.by_page.get(page), _scraped(record))
    return found


def _looks_like_manifest_name(path: Path) -> bool:
    return path.suffix.lower() in (".jsonl", ".ndjson") or "manifest" in path.name.lower()


def _why(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"line {error.lineno}: {error.msg}"
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def _sidecar_page(candidate: Path, pages: set[Path]) -> Path | None:
    """``page.html.json`` or ``page.json`` beside ``page.html``."""
    resolved = candidate.resolve()
    stem = resolved.with_suffix("")
    if stem in pages:
        return stem
    for page in pages:
        if page.parent == resolved.parent and page.stem == resolved.stem and page != resolved:
            return page
    return None


def _records(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8-sig")
    stripped = text.strip()
    if not stripped:
        return []
    if stripped[0] in "[{" and path.suffix.lower() == ".json":
        data = json.loads(stripped)
        if isinstance(data, dict):
            for key in ("pages", "items", "documents", "records", "entries"):
                if isinstance(data.get(key), list):
                    return [item for item in data[key] if isinstance(item, dict)]
            return [data]
        return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []
    records = []
    for line in stripped.splitlines():
        if line.strip():
            item = json.loads(line)
            if isinstance(item, dict):
                records.append(item)
    return records


def _value(record: dict, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = record.get(key)
        if isinstance(value, (str, int, float)) and str(value).strip():
            return str(value).strip()
    return None


def _scraped(record: dict) -> Scraped:
    return Scraped(
        title=_value(record, _TITLE_KEYS),
        url=_value(record, _URL_KEYS),
        date=_value(record, _DATE_KEYS),
        fetched=_value(record, _FETCHED_KEYS),
    )


def _merge(old: Scraped | None, new: Scraped) -> Scraped:
    """A sidecar and a manifest may both speak of a page: what one leaves empty the other fills."""
    if old is None:
        return new
    return Scraped(**{key: getattr(old, key) or getattr(new, key) for key in vars(new)})


def _pages_named(stated: str, base: Path, pages: set[Path], by_name: dict[str, list[Path]]) -> list[Path]:
    """The page a manifest line names: a path relative to the manifest's folder, else a unique file name."""
    stated = stated.replace("\\", "/")
    relative = (base / stated).resolve()
    if relative in pages:
        return [relative]
    named = by_name.get(Path(stated).name, [])
    return named if len(named) == 1 else []
