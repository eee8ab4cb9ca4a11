"""release_free_memory hands free heap pages back: 200 MB freed between live blocks (the pattern a
whole-store read leaves) stay in the process until it is called."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

import pytest

from assistant.heap import release_free_memory

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")


def _rss_anon_mb() -> float:
    with open("/proc/self/status") as fh:
        return int(fh.read().split("RssAnon:")[1].split()[0]) / 1024


def test_free_pages_between_live_blocks_go_back_to_the_system():
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    blocks = [libc.malloc(16384) for _ in range(12800)]  # 200 MB, below the mmap threshold: on the heap
    for block in blocks:
        libc.memset(block, 1, 16384)  # touched: resident
    kept = blocks[63::64]  # one live block in every 64 pins the heap: free() alone cannot shrink it
    for i, block in enumerate(blocks):
        if i % 64 != 63:
            libc.free(block)
    freed = _rss_anon_mb()
    try:
        assert release_free_memory() is True
        assert freed - _rss_anon_mb() > 100  # of the ~197 MB freed
    finally:
        for block in kept:
            libc.free(block)



_ARENAS_AFTER_EIGHT_THREADS = """
import ctypes, ctypes.util, sys, threading
sys.path.insert(0, {root!r})
from assistant.heap import cap_arenas
if {cap}:
    assert cap_arenas(2) is True
libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
held = threading.Barrier(8)
def allocate():
    block = libc.malloc(4096)
    held.wait()  # all eight alive at once, each with its first allocation made
    libc.free(block)
threads = [threading.Thread(target=allocate) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
libc.malloc_stats()  # one "Arena N:" paragraph per heap, on stderr
"""


@pytest.mark.parametrize("cap", [False, True])
def test_a_server_keeps_to_two_heaps_however_many_threads_allocate(cap):
    """Without the cap glibc gives each new thread a heap of its own (up to eight per core)."""
    import subprocess
    from pathlib import Path
    root = str(Path(__file__).resolve().parents[2])
    stderr = subprocess.run([sys.executable, "-c", _ARENAS_AFTER_EIGHT_THREADS.format(root=root, cap=cap)],
                            capture_output=True, text=True, check=True).stderr
    arenas = stderr.count("Arena ")
    assert arenas <= 2 if cap else arenas > 2, stderr


def test_heap_usage_counts_what_is_held_and_what_is_freed():
    from assistant.heap import heap_usage

    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    start_used, _ = heap_usage()
    blocks = [libc.malloc(16384) for _ in range(3200)]  # 50 MB on the heap
    try:
        held, _ = heap_usage()
        assert held - start_used > 45
    finally:
        for block in blocks[:-1]:  # the last one pins the heap's top: the rest is free but kept
            libc.free(block)
    used, free = heap_usage()
    assert used - start_used < 5 and free > 45
    libc.free(blocks[-1])


def test_cycles_are_collected_at_most_once_per_interval():
    import gc
    import weakref

    from assistant import heap

    class Node:
        pass

    gc.disable()
    try:
        node = Node()
        node.self = node  # a reference cycle: only the garbage collector frees it
        alive = weakref.ref(node)
        del node
        heap._LAST_COLLECTION[0] = 0.0
        assert heap.collect_cycles_now_and_then(interval_s=3600) is True
        assert alive() is None
        again = Node()
        again.self = again
        alive = weakref.ref(again)
        del again
        assert heap.collect_cycles_now_and_then(interval_s=3600) is False  # too soon: left for later
        assert alive() is not None
    finally:
        gc.enable()
        gc.collect()
