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

from briefs.files import sweep_temporaries, write_atomically
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
    enabled: bool = True
    hits: int = 0
    misses: int = 0

    def key(self, path: Path, data: bytes, scraped: dict[str, str] | None) -> str:
        identity = {
            "version": reader_version(),
            "settings": self.settings_key,
            "path": str(path),
            "bytes": hashlib.sha256(data).hexdigest(),
            "scraped": scraped or {},
        }
        return hashlib.sha256(json.dumps(identity, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> tuple[Document, list[str]] | None:
        """The document and its duplicate-detection keys, or None (absent, unreadable, outdated)."""
        if not self.enabled:
            return None
        try:
            entry = _Entry.model_validate_json(self._file(key).read_text(encoding="utf-8"))
        except (OSError, ValueError, ValidationError):
            self.misses += 1
            return None  # absent, unreadable or from an older model: read the file again
        self.hits += 1
        return entry.document, entry.keys

    def put(self, key: str, document: Document, keys: list[str]) -> None:
        self._write(self._file(key), _Entry(document=document, keys=keys).model_dump_json())

    def groups(self, keys: list[str]) -> list[list[int]] | None:
        """The duplicate grouping of exactly these entries, in this order, if a run has made it."""
        if not self.enabled:
            return None
        try:
            groups = json.loads(self._groups_file(keys).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return groups if isinstance(groups, list) else None

    def put_groups(self, keys: list[str], groups: list[list[int]]) -> None:
        self._write(self._groups_file(keys), json.dumps(groups))

    def _groups_file(self, keys: list[str]) -> Path:
        return self.folder / "groups" / f"{hashlib.sha256(chr(10).join(keys).encode()).hexdigest()}.json"

    def _write(self, path: Path, text: str) -> None:
        if not self.enabled:
            return
        try:
            write_atomically(path, text)
        except OSError as error:
            self.enabled = False
            self.warnings.append(
                f"reading cache {self.folder}: cannot write ({error.strerror or error}); "
                "this run reads every file without it"
            )


def open_cache(home: Path, settings_key: str, enabled: bool) -> ReadCache | None:
    if not enabled:
        return None
    sweep_temporaries(home / CACHE_FOLDER, depth=1)  # what a killed run was writing
    return ReadCache(folder=home / CACHE_FOLDER, settings_key=settings_key)
