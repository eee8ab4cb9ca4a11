"""Handing freed heap memory back to the operating system (glibc's malloc_trim).

Reading a whole store (every paper record, every chunk's text) goes through Chroma's Rust core,
which allocates each page of rows and frees it again; glibc keeps most of those free pages in the
process instead of returning them. Measured on a 20,000-paper store: reading
the papers' records left RSS at 847 MB with 500 MB of it free heap, which `malloc_trim(0)` gave
back (343 MB). Trimming takes a few milliseconds. Elsewhere (musl, macOS, Windows) it is a no-op.

A long-running server (`ui`, `serve`) also caps glibc's arenas: by default every thread that
allocates may get a heap of its own, up to eight per core, and the free pages each one keeps add
up as the web stack's short-lived worker threads come and go.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
import time

_LOCK = threading.Lock()
_TRIM: list = []  # [malloc_trim or None], looked up once
M_ARENA_MAX = -8  # glibc's mallopt parameter number
SERVER_ARENAS = 2  # what `ui` and `serve` allow: the main heap and one shared by every other thread


def release_free_memory() -> bool:
    """Return free heap pages to the operating system; True where the C library did."""
    with _LOCK:
        if not _TRIM:
            _TRIM.append(_find_malloc_trim())
        trim = _TRIM[0]
        return bool(trim is not None and trim(0))


GC_INTERVAL_S = 30.0  # at most one full garbage collection per this many seconds of answering
_LAST_COLLECTION = [time.monotonic()]  # the process start counts as one: a one-shot `ask` never pays for it


def collect_cycles_now_and_then(interval_s: float = GC_INTERVAL_S) -> bool:
    """Run Python's full garbage collection if the last one is `interval_s` ago; True if it ran.

    Each answer through the web stack leaves a few hundred objects in reference cycles (about 130
    per answer through the Gradio queue), some holding native buffers, which only a full collection
    frees. Python runs one only when the objects that survived earlier ones grow by a quarter, and a
    process holding models, Chroma and the web stack has millions of those: minutes apart. The UI soak
    crept +5.1 MB per 100 answers; with a full collection after every answer, +1.4 (a collection takes
    about 250 ms there, so it runs at most every `interval_s`, after the answer has been sent)."""
    now = time.monotonic()
    with _LOCK:
        if now - _LAST_COLLECTION[0] < interval_s:
            return False
        _LAST_COLLECTION[0] = now
    gc.collect()
    return True


def cap_arenas(arenas: int = SERVER_ARENAS) -> bool:
    """Let at most `arenas` malloc heaps exist from now on; True where the C library took it."""
    mallopt = _libc_function("mallopt", [ctypes.c_int, ctypes.c_int])
    return bool(mallopt is not None and mallopt(M_ARENA_MAX, arenas))


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def heap_usage() -> tuple[float, float] | None:
    """(MB in use, MB free but kept) over every glibc arena, mmapped blocks counted as in use; None
    where the C library has no mallinfo2. In use that grows is memory something holds (a leak or a
    cache); free that grows is fragmentation that `malloc_trim` could not give back."""
    mallinfo2 = _libc_function("mallinfo2", [], _MallInfo2)
    if mallinfo2 is None:
        return None
    info = mallinfo2()
    return (info.uordblks + info.hblkhd) / 2**20, info.fordblks / 2**20


def _find_malloc_trim():
    return _libc_function("malloc_trim", [ctypes.c_size_t])


def _libc_function(name: str, argtypes: list, restype=ctypes.c_int):
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        function = getattr(libc, name)
    except (OSError, AttributeError):
        return None
    function.argtypes, function.restype = argtypes, restype
    return function
