"""Handing freed heap memory back to the operating system (glibc's malloc_trim).

Reading a whole store (every paper record, every chunk's text) goes through Chroma's Rust core,
which allocates each page of rows and frees it again; glibc keeps most of those free pages in the
process instead of returning them. Measured on a 20,000-paper store: reading
the papers' records left RSS at 847 MB with 500 MB of it free heap, which `malloc_trim(0)` gave
back (343 MB). Trimming takes a few milliseconds. Elsewhere (musl, macOS, Windows) it is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading

_LOCK = threading.Lock()
_TRIM: list = []  # [malloc_trim or None], looked up once


def release_free_memory() -> bool:
    """Return free heap pages to the operating system; True where the C library did."""
    with _LOCK:
        if not _TRIM:
            _TRIM.append(_find_malloc_trim())
        trim = _TRIM[0]
        return bool(trim is not None and trim(0))


def _find_malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim
