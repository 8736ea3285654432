"""The model layer's file helpers: atomic writes (a run killed halfway leaves the old file or the
new one, never half), folders whose writes are a convenience (a cache), which a file system error
switches off, and the sweeping of temporaries that killed runs left.

Here so that the layer imports nothing from briefs; ``briefs.files`` builds its folder swaps on them.
Files get the permissions the user's umask gives a new file (0644 under the usual 022).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
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


def temporary_prefix() -> str:
    """Every temporary file or folder briefs makes starts with this: ``.tmp-<pid>-``, so a later
    run can tell the leftovers of a killed process from the work of a live one."""
    return f".tmp-{os.getpid()}-"


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=temporary_prefix(), suffix=path.suffix)
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

    The first read or write that the file system refuses (its home is a file, a read-only folder,
    a full disk) switches the folder off with one warning, and the run goes on without it: answers
    already paid for are never lost to a cache that cannot keep them. Paths are relative to the folder.
    """

    def __init__(self, directory: Path, what: str, on_switch_off: Callable[[str], None] | None = None) -> None:
        self.directory = directory
        self.what = what
        self.off: str | None = None  # why it was switched off
        # Told the reason instead of the log, for a caller that reports warnings as data.
        self.on_switch_off = on_switch_off

    def check(self) -> bool:
        """Usable now? Tries a real write (mkdir, a temporary file, its removal) and switches the
        folder off, with the one warning, when that fails."""
        if self.off is not None:
            return False
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, probe = tempfile.mkstemp(dir=self.directory, prefix=temporary_prefix())
            os.close(handle)
            os.unlink(probe)
        except OSError as error:
            self._switch_off(error)
            return False
        sweep_temporaries(self.directory, depth=1)
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
        if self.on_switch_off is not None:
            self.on_switch_off(self.off)
            return
        log.warning(
            "warning: %s %s: cannot be used (%s); this run goes on without it (nothing is kept there for the next)",
            self.what,
            self.directory,
            self.off,
        )


_ORPHAN_AGE = 3600.0  # seconds: an old-style temporary (no pid in its name) this old is a leftover


def sweep_temporaries(folder: Path, depth: int = 0) -> int:
    """Remove temporaries (``.tmp-<pid>-*``) whose process is gone, in ``folder`` and ``depth``
    levels of subfolders; a live process's temporaries are left alone. Returns how many went."""
    removed = 0
    patterns = [".tmp-*"] + ["/".join(["*"] * level + [".tmp-*"]) for level in range(1, depth + 1)]
    for pattern in patterns:
        try:
            found = list(folder.glob(pattern))
        except OSError:  # a folder we may not look into: sweeping is housekeeping, never a failure
            return removed
        for path in found:
            if _is_orphan(path):
                with contextlib.suppress(OSError):
                    if path.is_dir() and not path.is_symlink():
                        shutil.rmtree(path)
                    else:
                        path.unlink()
                    removed += 1
    return removed


def _is_orphan(path: Path) -> bool:
    pid_text = path.name.split("-")[1] if path.name.count("-") >= 2 else ""
    if not pid_text.isdigit():  # an old-style name, without the pid: judged by its age
        try:
            return time.time() - path.lstat().st_mtime > _ORPHAN_AGE
        except OSError:
            return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, another user's
        return False
    return False
