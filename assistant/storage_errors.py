"""Storage failures told apart (disk full, read-only, damaged store) and turned into one StoreError line.

Chroma, SQLite, bm25s and the OS each word these differently and raise different types (an
OSError with an errno, sqlite3's OperationalError), so the whole chain of causes is read for
known wordings. Chroma says nothing useful on a full disk ("Error in compaction: Failed to apply
logs to the metadata segment", on reads too), so an unrecognised storage-layer error is judged by
the data directory itself: almost no free space, or not writable. Anything else is left alone.

>>> import errno
>>> store_failure(OSError(errno.ENOSPC, "No space left on device"), Path("/data")).friendly()
'the disk is full: cannot write to /data — free some space, then rerun the same command: it completes the store'
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from assistant.errors import StoreError

_DISK_FULL = ("no space left", "disk is full", "database or disk is full", "disk full", "quota exceeded")
_READ_ONLY = ("read-only file system", "readonly database", "read only", "permission denied",
              "operation not permitted")
_DAMAGED = ("malformed", "file is not a database", "not a database", "corrupt", "no such table",
            "unsupported file format", "invalid magic")
_STORAGE_MODULES = {"chromadb", "sqlite3", "bm25s"}
LOW_SPACE_BYTES = 32 * 2**20  # below this a store write fails somewhere, whatever chroma then says
_ERRNOS = {errno.ENOSPC: "full", errno.EDQUOT: "full", errno.EROFS: "read-only", errno.EACCES: "read-only",
           errno.EPERM: "read-only"}


def store_failure(error: BaseException, data_dir: Path) -> StoreError | None:
    """A StoreError saying what happened to the store in `data_dir` and what to do; None when
    `error` is not a storage failure."""
    kind = failure_kind(error) or _kind_from_disk(error, data_dir)
    location = str(data_dir)
    if kind == "full":
        return StoreError(f"the disk is full: cannot write to {location}",
                          hint="free some space, then rerun the same command: it completes the store")
    if kind == "read-only":
        return StoreError(f"cannot write to {location}: it is read-only or not yours, so the store "
                          "cannot be opened or written",
                          hint="make it writable, or set ASSISTANT_DATA_DIR (--data-dir) to a writable "
                               "folder, then rerun the same command")
    if kind == "damaged":
        return StoreError(f"the store at {location} is damaged and cannot be read ({_first_line(error)})",
                          hint="move that folder aside (or delete it), then ingest again: it builds a new store")
    return None


def failure_kind(error: BaseException) -> str | None:
    """"full", "read-only", "damaged", or None, from the errnos and messages of the error's chain."""
    for link in _chain(error):
        code = getattr(link, "errno", None)
        if code in _ERRNOS:
            return _ERRNOS[code]
    text = " ".join(str(link) for link in _chain(error)).lower()
    for kind, wordings in (("full", _DISK_FULL), ("read-only", _READ_ONLY), ("damaged", _DAMAGED)):
        if any(wording in text for wording in wordings):
            return kind
    return None


def _kind_from_disk(error: BaseException, data_dir: Path) -> str | None:
    """"full" or "read-only" from the data directory's filesystem, for errors of the storage layer."""
    if not any(isinstance(link, OSError) or type(link).__module__.split(".")[0] in _STORAGE_MODULES
               for link in _chain(error)):
        return None
    existing = next((p for p in (data_dir, *data_dir.parents) if p.exists()), None)
    if existing is None:
        return None
    if shutil.disk_usage(existing).free < LOW_SPACE_BYTES:
        return "full"
    return None if os.access(existing, os.W_OK) else "read-only"


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:160] if text else type(error).__name__
