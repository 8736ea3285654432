"""Atomic file writes: a run killed halfway leaves either the old file or the new one, never half;
and folders whose writes are a convenience (a cache), which a file system error switches off.

Files get the permissions the user's umask gives a new file (0644 under the usual 022), as any
tool's output does: a briefing is for colleagues and shared drives, and a temporary file's 0600
must not leak into it.

A leaf: it imports nothing from briefs (the model layer uses it for its cache and recordings, the
pipeline for briefings)."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path

_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process umask. POSIX can only read it by setting it, so it is set straight back, under a
    lock so that two writer threads never see each other's temporary value; the temporary value is
    the strictest, so a file some other thread creates in that instant errs on the private side."""
    with _umask_lock:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


log = logging.getLogger("briefs.files")
_warn_once = threading.Lock()


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        os.fchmod(handle, 0o666 & ~current_umask())
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class BestEffortFolder:
    """A folder whose files save work but are not the product, such as a cache.

    The first read or write that the file system refuses (BRIEFS_HOME is a file, a read-only folder,
    a full disk) switches the folder off with one warning, and the run goes on without it: answers
    already paid for are never lost to a cache that cannot keep them. Paths are relative to the folder.
    """

    def __init__(self, directory: Path, what: str) -> None:
        self.directory = directory
        self.what = what
        self.off: str | None = None  # why it was switched off

    def check(self) -> bool:
        """Usable now? Tries a real write (mkdir, a temporary file, its removal) and switches the
        folder off, with the one warning, when that fails."""
        if self.off is not None:
            return False
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, probe = tempfile.mkstemp(dir=self.directory, prefix=".tmp-probe-")
            os.close(handle)
            os.unlink(probe)
        except OSError as error:
            self._switch_off(error)
            return False
        return True

    def read(self, relative: str) -> str | None:
        if self.off is not None:
            return None
        try:
            return (self.directory / relative).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as error:
            self._switch_off(error)
            return None

    def write(self, relative: str, text: str) -> bool:
        """True when written; False (never an exception) when the folder is or has just been switched off."""
        if self.off is not None:
            return False
        try:
            write_atomically(self.directory / relative, text)
        except OSError as error:
            self._switch_off(error)
            return False
        return True

    def _switch_off(self, error: OSError) -> None:
        with _warn_once:
            if self.off is not None:
                return
            self.off = error.strerror or str(error)
        log.warning(
            "%s %s cannot be used (%s); going on without it, so nothing this run would keep there is kept",
            self.what,
            self.directory,
            self.off,
        )
