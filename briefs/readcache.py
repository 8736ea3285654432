"""The reading cache: each file's reading (decoded, cleaned, dated, counted and chunked) is kept under
``$BRIEFS_HOME/read-cache``, so a run over a folder that grows week by week re-reads only new files.

An entry is keyed by everything its reading depends on: the file's bytes (sha256), its path (problem
lines name it), what a manifest states about it, the token encoding and chunk settings, and the
reader's version, a hash of the reader modules' own source. Changing any rule of the reader changes
the version, so a stale reading is never served.

A cache that cannot be written (read-only home, full disk) must not sink a run: the first failure
turns the cache off for the rest of the run and leaves one warning line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ValidationError

from briefs.files import BestEffortFolder, sweep_temporaries
from briefs.models import Document

# The modules whose rules shape a reading; their source makes up the reader's version.
_READER_MODULES = (
    "load",
    "clean",
    "metadata",
    "manifest",
    "zhtext",
    "chunk",
    "tokens",
    "dedupe",
    "models",
    "reader",
    "readcache",
)
CACHE_FOLDER = "read-cache"


@lru_cache(maxsize=1)
def reader_version() -> str:
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for name in _READER_MODULES:
        digest.update(name.encode())
        digest.update((package / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


class _Entry(BaseModel):
    document: Document
    keys: list[str]  # dedupe.sentence_keys of the text: the costly part of duplicate detection


@dataclass
class ReadCache:
    folder: Path
    settings_key: str  # encoding and chunk settings
    warnings: list[str] = field(default_factory=list)
    hits: int = 0
    misses: int = 0

    def __post_init__(self) -> None:
        self._store = BestEffortFolder(self.folder, "the reading cache", on_switch_off=self._switched_off)

    def _switched_off(self, reason: str) -> None:
        self.warnings.append(
            f"reading cache {self.folder}: cannot write ({reason}); this run reads every file without it"
        )

    def key(self, path: Path, data: bytes, scraped: dict[str, str] | None) -> str:
        identity = {
            "version": reader_version(),
            "settings": self.settings_key,
            "path": str(path),
            "bytes": hashlib.sha256(data).hexdigest(),
            "scraped": scraped or {},
        }
        return hashlib.sha256(json.dumps(identity, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def get(self, key: str) -> tuple[Document, list[str]] | None:
        """The document and its duplicate-detection keys, or None (absent, unreadable, outdated)."""
        text = self._store.read(_entry_file(key))
        try:
            entry = _Entry.model_validate_json(text) if text is not None else None
        except (ValueError, ValidationError):
            entry = None  # torn or from an older model: read the file again
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        return entry.document, entry.keys

    def put(self, key: str, document: Document, keys: list[str]) -> None:
        self._store.write(_entry_file(key), _Entry(document=document, keys=keys).model_dump_json())

    def groups(self, keys: list[str]) -> list[list[int]] | None:
        """The duplicate grouping of exactly these entries, in this order, if a run has made it."""
        text = self._store.read(_groups_file(keys))
        try:
            groups = json.loads(text) if text is not None else None
        except ValueError:
            return None
        return groups if isinstance(groups, list) else None

    def put_groups(self, keys: list[str], groups: list[list[int]]) -> None:
        self._store.write(_groups_file(keys), json.dumps(groups))


def _entry_file(key: str) -> str:
    return f"{key[:2]}/{key}.json"


def _groups_file(keys: list[str]) -> str:
    return f"groups/{hashlib.sha256(chr(10).join(keys).encode()).hexdigest()}.json"


def open_cache(home: Path, settings_key: str, enabled: bool) -> ReadCache | None:
    if not enabled:
        return None
    sweep_temporaries(home / CACHE_FOLDER, depth=1)  # what a killed run was writing
    return ReadCache(folder=home / CACHE_FOLDER, settings_key=settings_key)
