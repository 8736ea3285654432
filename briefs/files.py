"""Atomic file writes: a run killed halfway leaves either the old file or the new one, never half;
a folder of files replaced as one set (readers never see files of two runs); the sweeping of
temporaries that killed runs left; and folders whose writes are a convenience (a cache), which a
file system error switches off.

Files get the permissions the user's umask gives a new file (0644 under the usual 022), as any
tool's output does: a briefing is for colleagues and shared drives, and a temporary file's 0600
must not leak into it.

A leaf: the single-file pieces (``write_atomically``, ``BestEffortFolder``, ``sweep_temporaries``)
live in the model layer's ``briefs.llm.files``, which must import nothing from briefs; they are
re-exported here, where the rest of briefs looks for them."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from briefs.llm.files import (
    BestEffortFolder,
    current_umask,
    sweep_temporaries,
    temporary_prefix,
    write_atomically,
)

__all__ = [
    "BestEffortFolder",
    "current_umask",
    "replace_folder",
    "sweep_temporaries",
    "temporary_prefix",
    "write_atomically",
]

# --- a folder replaced as one set ------------------------------------------------------------------------


def replace_folder(target: Path, files: Mapping[str, str], keep: Callable[[str], bool] = lambda name: False) -> None:
    """Make ``files`` (name → text) the content of ``target`` in one step.

    They are written to a staging folder beside it, flushed to disk, then swapped in with one
    rename: a reader (or a run killed at any moment) sees the old set or the new one, never a mix.
    Entries of the old folder for which ``keep(name)`` is true (what other commands put there) are
    carried over; everything else of the old set goes. Raises OSError; the old set then stays.
    """
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    sweep_temporaries(parent)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f"{temporary_prefix()}{target.name}-"))
    try:
        os.chmod(staging, 0o777 & ~current_umask())  # mkdtemp's 0700 would make the briefing private
        for name, text in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)  # "teams/<team>/briefing.html"
            with (staging / name).open("w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
        if target.is_dir():
            for entry in list(target.iterdir()):
                if entry.name not in files and keep(entry.name):
                    os.rename(entry, staging / entry.name)
        _swap_in(staging, target)
        _sync_folder(parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # after a swap: the old set


def _swap_in(staging: Path, target: Path) -> None:
    """Afterwards ``target`` holds what ``staging`` held, and ``staging`` the old content (if any)."""
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        return
    # No atomic exchange here (not Linux, or a file system without it): two renames. A reader in
    # between finds no folder, never a mixed one; a kill in between leaves the old set in staging.
    aside = target.parent / f"{temporary_prefix()}{target.name}-old"
    os.rename(target, aside)
    os.rename(staging, target)
    os.rename(aside, staging)  # the caller removes staging: now the old set


def _exchange(a: Path, b: Path) -> bool:
    """renameat2(RENAME_EXCHANGE): swaps two folders atomically (Linux 3.15+). False when unavailable."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


_LIBC: list[ctypes.CDLL | None] = []


def _libc() -> ctypes.CDLL | None:
    if not _LIBC:
        try:
            _LIBC.append(ctypes.CDLL(None, use_errno=True))
        except OSError:
            _LIBC.append(None)
    return _LIBC[0]


def _sync_folder(folder: Path) -> None:
    # the rename itself survives a power cut only once the folder's entry is on disk
    with contextlib.suppress(OSError, AttributeError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
