"""The reader stage: files and folders in, clean, dated, de-duplicated, chunked documents out.

    paths ─► expand (folders, recursively) ─► load ─► clean ─► metadata ─► dedupe ─► chunk

Each stage runs over all the pages not served from the reading cache before the next begins (load
and clean, then metadata, then token counts and chunks, then duplicate keys, then duplicate
groups): the output is what page-by-page reading gives, and each stage's tables stay in the
processor's caches.

One bad file never stops the others: each unreadable input becomes one line in
``ReadResult.problems`` naming the file and what is wrong. Problems of a document that *was* read
(no date found, an ambiguous date, a wrong declared charset) stay on ``Document.problems``.
"""

from __future__ import annotations

import errno
import hashlib
import stat
from dataclasses import dataclass, field
from pathlib import Path

import tiktoken

from briefs import chunk, clean, dedupe, load, manifest, metadata, readcache, tokens
from briefs.errors import InputError
from briefs.models import Chunk, Document
from briefs.settings import Settings

ID_LENGTH = 12


@dataclass
class ReadResult:
    documents: list[Document] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)  # plainly not documents (manifests, images, lock files)
    notes: list[str] = field(default_factory=list)  # worth telling, nothing lost (e.g. the cache is off)
    from_cache: int = 0  # files whose reading came from the reading cache

    @property
    def readable(self) -> list[Document]:
        """Documents to work on: read, with a body, and not a copy of another one."""
        return [document for document in self.documents if document.readable]


def read_paths(paths: list[Path], settings: Settings) -> ReadResult:
    count = _LazyCounter(settings)  # a run served from the reading cache never loads the encoding
    cache = readcache.open_cache(
        settings.home,
        # chunks depend on the tokenizer, not on which model of that tokenizer will read them
        f"{settings.encoding or tokens.encoding_name_for(settings.extraction_model)}"
        f"|{settings.chunk_tokens}|{settings.chunk_overlap}",
        enabled=settings.use_cache,
    )
    files, problems, ignored = expand_paths(paths)
    stated = manifest.read_manifests(ignored + _sidecars_of_named_files(paths), files)
    result = ReadResult(problems=problems + stated.problems, ignored=ignored)
    read: list[Document | _Page] = []  # from the cache, or a page read now and described below
    keys: list[list[str]] = []
    entries: list[str] = []
    for path in files:
        try:
            found, sentence_keys, entry = _read_cached(path, settings, stated.facts_for(path), cache)
        except InputError as error:
            result.problems.append(str(error))
            continue
        read.append(found)
        keys.append(sentence_keys or [])
        entries.append(entry)
    # Each stage runs over all the new pages in turn, not page by page: its tables and code (tiktoken's,
    # OpenCC's, the metadata rules') then stay in the processor's caches (encoding the cleaned texts
    # is about a tenth faster back to back than between one page's cleaning and the next).
    fresh = [index for index, found in enumerate(read) if isinstance(found, _Page)]
    result.documents = [found if isinstance(found, Document) else _describe(found) for found in read]
    for index in fresh:
        _count_and_chunk(result.documents[index], settings, count)
    for index in fresh:
        keys[index] = dedupe.sentence_keys(result.documents[index].text)
        if cache is not None:
            cache.put(entries[index], result.documents[index], keys[index])
    _assign_ids(result.documents)
    known_groups = cache.groups(entries) if cache is not None else None
    groups = dedupe.mark_duplicates(result.documents, keys, known_groups)
    if cache is not None:
        if known_groups is None:
            cache.put_groups(entries, groups)
        result.notes += cache.warnings
        result.from_cache = cache.hits
    for document in result.documents:
        document.chunks = [
            Chunk(id=f"{document.id}:{c.index}", index=c.index, start=c.start, end=c.end, text=c.text, tokens=c.tokens)
            for c in document.chunks
        ]
    return result


class _LazyCounter:
    """The token counter, built on first use (loading an encoding costs about half a second). It
    keeps the tokens of the last text it counted, so the chunker reads a long document's sentences
    off the encoding the reader made to count the document (the text is encoded once)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._encoding: tiktoken.Encoding | None = None
        self._last: tuple[str, list[int]] | None = None

    def _encode(self, text: str) -> list[int]:
        if self._last is not None and self._last[0] is text:
            return self._last[1]
        found = self.encoding.encode_ordinary(text)
        self._last = (text, found)
        return found

    @property
    def encoding(self) -> tiktoken.Encoding:
        if self._encoding is None:
            # chunks go to the extraction model: their budget is counted in its tokens
            self._encoding = tokens.encoding_for(self._settings.extraction_model, self._settings.encoding)
        return self._encoding

    def ends(self, text: str) -> list[int]:
        return tokens.ends_of(self._encode(text), self.encoding)

    def __call__(self, text: str) -> int:
        return len(self._encode(text))


def _read_cached(
    path: Path, settings: Settings, scraped: manifest.Scraped | None, cache: readcache.ReadCache | None
) -> tuple[Document | _Page, list[str] | None, str]:
    """One file's reading, its duplicate-detection keys and its cache key: from the cache (a
    Document with its token count, chunks and keys) when its bytes, path and reader are unchanged,
    else the page read and cleaned now (keys None: ``_describe``, ``_count_and_chunk`` and
    ``dedupe.sentence_keys`` follow). Raises ``InputError``."""
    data = load.read_bytes(path, settings.max_file_bytes)
    key = cache.key(path, data, scraped.as_dict() if scraped else None) if cache is not None else ""
    if cache is not None and (cached := cache.get(key)) is not None:
        return cached[0], cached[1], key
    return _read_page(path, data, scraped), None, key


def _count_and_chunk(document: Document, settings: Settings, count: _LazyCounter) -> None:
    """The tokens and chunks of a document just read (the text is encoded once for both)."""
    document.tokens = count(document.text)
    document.chunks = chunk.chunk_text(
        "",
        document.text,
        count,
        settings.chunk_tokens,
        settings.chunk_overlap,
        document.tokens,
        count.ends,
        splits_at_line_starts=tokens.splits_at_line_starts(count.encoding),
    )


def _sidecars_of_named_files(paths: list[Path]) -> list[Path]:
    """A file named on the command line may have a sidecar beside it (page.html.json or page.json)."""
    found = []
    for path in paths:
        if path.is_file():
            for sidecar in (path.with_name(path.name + ".json"), path.with_suffix(".json")):
                if sidecar.is_file() and sidecar != path:
                    found.append(sidecar)
    return found


def expand_paths(paths: list[Path]) -> tuple[list[Path], list[str], list[Path]]:
    """Files to read, in a stable order; one problem line per path that yields nothing or holds files
    that may be documents but cannot be read as such; and the files that are plainly not documents."""
    files: list[Path] = []
    problems: list[str] = []
    ignored: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        found: list[tuple[Path, Path]] = []  # (file, its resolved path: one file named twice is read once)
        if path.is_dir():
            found, skipped, unresolved = _documents_in(path)
            problems += unresolved
            not_documents = [file for file in skipped if manifest.is_plainly_not_a_document(file)]
            ignored += not_documents
            skipped = [file for file in skipped if not manifest.is_plainly_not_a_document(file)]
            if skipped:
                problems.append(
                    f"{path}: skipped {len(skipped)} file(s) that are not .txt/.md/.html (e.g. {skipped[0].name})"
                )
            if not found and not unresolved:
                also = f" (only files that are not documents, e.g. {not_documents[0].name})" if not_documents else ""
                problems.append(f"{path}: folder holds no .txt, .md or .html documents{also}")
        elif path.exists():
            found = [(path, path.resolve())]
        elif path.is_symlink():
            problems.append(f"{path}: {_dead_link(path)}")
        else:
            problems.append(f"{path}: no such file or folder")
        for file, identity in found:
            if identity not in seen:
                seen.add(identity)
                files.append(file)
    return files, problems, ignored


def _dead_link(path: Path) -> str:
    try:
        path.resolve(strict=True)
    except (OSError, RuntimeError) as error:  # RuntimeError: a loop, before Python 3.13
        if isinstance(error, RuntimeError) or getattr(error, "errno", None) == errno.ELOOP:
            return "symbolic link loop (the link leads back to itself), skipped"
    return "broken link, the file it points to does not exist"


def _documents_in(folder: Path) -> tuple[list[tuple[Path, Path]], list[Path], list[str]]:
    """(document, resolved path) pairs, the skipped files and one problem line per link that leads
    nowhere (a broken link, a loop), in path order.

    One lstat per entry instead of a stat plus a full ``resolve()``: a file that is not a link
    resolves to its resolved folder plus its name (folders are resolved once each).
    """
    documents, skipped, unresolved = [], [], []
    resolved_folders: dict[Path, Path] = {}
    depth = len(folder.parts)  # rglob's paths are the folder's parts, then their own
    for path in sorted(folder.rglob("*"), key=_path_order):
        if any(part.startswith(".") for part in path.parts[depth:]):
            continue  # hidden files and folders (.git, .DS_Store) are not documents
        kind = _entry_kind(path)
        if kind == "folder" or (kind == "other" and path.is_dir()):
            continue
        if not load.is_document(path):
            skipped.append(path)
        elif kind == "file":
            parent = path.parent
            if (resolved := resolved_folders.get(parent)) is None:
                resolved = resolved_folders[parent] = parent.resolve()
            documents.append((path, resolved / path.name))
        elif path.exists():  # a link, or lstat failed: resolve the slow, link-following way
            documents.append((path, path.resolve()))
        else:  # a link to nothing, or a loop: one problem line, never a stopped run
            unresolved.append(f"{path}: {_dead_link(path)}")
    return documents, skipped, unresolved


def _path_order(path: Path) -> tuple[str, ...]:
    return path.parts  # the order of sorted(paths), without a Python-level __lt__ per comparison


def _entry_kind(path: Path) -> str:
    """'file' or 'folder' when ``path`` itself is one (not a link to one), else 'other'."""
    try:
        mode = path.lstat().st_mode
    except OSError:
        return "other"
    if stat.S_ISLNK(mode):
        return "other"
    return "folder" if stat.S_ISDIR(mode) else "file"


@dataclass(frozen=True)
class _Page:
    """A file read and cleaned, waiting for its metadata (the raw text is not kept)."""

    path: Path
    sha256: str
    encoding: str
    front_matter: dict[str, str]
    problems: tuple[str, ...]
    cleaned: clean.Cleaned
    scraped: manifest.Scraped | None


def _read_page(path: Path, data: bytes, scraped: manifest.Scraped | None) -> _Page:
    """One file's bytes decoded and cleaned. Raises ``InputError`` (no article text among others).

    ``scraped``: what a manifest or sidecar states about the page (it wins over inference)."""
    loaded = load.load_bytes(path, data)
    cleaned = clean.clean(loaded.text, loaded.format)
    if not cleaned.body.strip():
        raise InputError(f"{path}: no article text found (only page furniture or markup)")
    return _Page(path, loaded.sha256, loaded.encoding, loaded.front_matter, loaded.problems, cleaned, scraped)


def _describe(page: _Page) -> Document:
    """A page's Document, without id, token count, duplicates or chunks."""
    cleaned = page.cleaned
    meta = metadata.extract_metadata(
        str(page.path),
        body=cleaned.body,
        header=cleaned.header,
        trailer=cleaned.trailer,
        front_matter=page.front_matter,
        hints=cleaned.hints,
        scraped=page.scraped.as_dict() if page.scraped else None,
    )
    return Document(
        path=str(page.path),
        id="",
        sha256=page.sha256,
        encoding=page.encoding,
        title=meta.title,
        subtitle=meta.subtitle,
        date=meta.date,
        date_inferred=meta.date_inferred,
        date_source=meta.date_source,
        iso_week=meta.iso_week,
        language=meta.language,
        source=meta.source,
        url=meta.url,
        official_url=meta.official_url,
        text=cleaned.body,
        problems=[*page.problems, *meta.problems],
    )


def _assign_ids(documents: list[Document]) -> None:
    """Ids from the cleaned text; a second identical text (a duplicate) also hashes its path."""
    taken: set[str] = set()
    for document in documents:
        digest = hashlib.sha256(document.text.encode("utf-8")).hexdigest()[:ID_LENGTH]
        if digest in taken:
            digest = hashlib.sha256(f"{document.text}\0{document.path}".encode()).hexdigest()[:ID_LENGTH]
        taken.add(digest)
        document.id = digest


def relative_to_inputs(path: str, inputs: list[Path]) -> str:
    """``path`` relative to the folder given on the command line that holds it (else as it is)."""
    for folder in inputs:
        if folder.is_dir():
            try:
                return Path(path).resolve().relative_to(folder.resolve()).as_posix()
            except ValueError:
                continue
    return path


def inspect_row(document: Document) -> dict:
    """The stable shape of ``briefs inspect --json``: one object per document."""
    return {
        "path": document.path,
        "id": document.id,
        "title": document.title,
        "subtitle": document.subtitle,
        "date": document.date.isoformat() if document.date else None,
        "date_inferred": document.date_inferred,
        "date_source": document.date_source,
        "iso_week": document.iso_week,
        "language": document.language,
        "source": document.source,
        "url": document.url,
        "encoding": document.encoding,
        "characters": len(document.text),
        "text": document.text,
        "tokens": document.tokens,
        "chunks": len(document.chunks),
        "duplicate_of": document.duplicate_of,
        "copies": [copy.path for copy in document.copies],
        "problems": document.problems,
    }
