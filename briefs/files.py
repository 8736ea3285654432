"""Atomic file writes: a run killed halfway leaves either the old file or the new one, never half.

Files get the permissions the user's umask gives a new file (0644 under the usual 022), as any
tool's output does: a briefing is for colleagues and shared drives, and a temporary file's 0600
must not leak into it.

A leaf: it imports nothing from briefs (the model layer uses it for its cache and recordings, the
pipeline for briefings)."""

from __future__ import annotations

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
