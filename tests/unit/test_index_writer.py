"""The ingest's store writer (assistant/indexing.py `_Writer`): one batch's writes in flight while the next
batch encodes, in order, with a failed write raised on the ingest's own thread."""

import threading
import time

import pytest

from assistant.indexing import _Writer


def write_batches(write, n: int) -> None:
    """Submit n batches as the ingest does, then wait for the last; the writer is closed either way."""
    writer = _Writer()
    try:
        for i in range(n):
            writer.submit(write, i)
        writer.wait()
    finally:
        writer.close()


def test_writes_run_in_order_on_one_other_thread_one_at_a_time():
    seen, running = [], []

    def write(i):
        running.append(i)
        assert len(running) == 1  # never two writes at once
        time.sleep(0.01)
        seen.append((i, threading.current_thread().name))
        running.remove(i)
    write_batches(write, 5)
    assert [i for i, _ in seen] == list(range(5))
    assert {name for _, name in seen} != {threading.current_thread().name}
    assert all(name.startswith("store-writer") for _, name in seen)


def test_a_failed_write_is_raised_by_the_next_submit_and_stops_the_batches_after_it():
    written = []

    def write(i):
        if i == 1:
            raise OSError("No space left on device")
        written.append(i)
    with pytest.raises(OSError, match="No space left"):
        write_batches(write, 4)
    assert written == [0]  # batch 2 was encoded but never written after batch 1 failed
