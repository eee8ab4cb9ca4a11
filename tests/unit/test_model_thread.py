"""ModelThread: every call and every streamed item is produced on the one thread, whoever asks."""

import threading
import time

import pytest

from assistant.model_thread import ModelThread


def test_calls_from_many_short_lived_threads_all_run_on_one_thread():
    worker = ModelThread("test-model")
    seen = set()

    def call():
        seen.add(worker.run(lambda: threading.current_thread().name))
    threads = [threading.Thread(target=call, name=f"request-{i}") for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 1 and seen.pop().startswith("test-model")


def test_a_call_from_the_model_thread_runs_in_place_instead_of_deadlocking():
    worker, other = ModelThread("outer"), ModelThread("inner")
    inner_ids = worker.run(lambda: (threading.get_ident(), worker.run(threading.get_ident),
                                    other.run(threading.get_ident)))
    assert len(set(inner_ids)) == 1


def test_errors_reach_the_caller():
    worker = ModelThread("failing")
    with pytest.raises(ZeroDivisionError):
        worker.run(lambda: 1 / 0)
    assert worker.run(lambda: 2) == 2  # the thread survives


def test_stream_produces_on_the_model_thread_and_hands_items_over_in_order():
    worker = ModelThread("streaming")
    producer_ids = []

    def pieces():
        for i in range(5):
            producer_ids.append(threading.get_ident())
            yield i
    items = []
    stream = worker.stream(pieces)
    # advance the one stream from different threads, as a web server's worker pool does
    for _ in range(5):
        t = threading.Thread(target=lambda: items.append(next(stream)))
        t.start()
        t.join()
    assert items == [0, 1, 2, 3, 4]
    assert list(stream) == []
    assert len(set(producer_ids)) == 1 and producer_ids[0] != threading.get_ident()


def test_closing_a_stream_stops_its_producer_and_frees_the_thread():
    worker = ModelThread("cancelled")
    produced, closed = [], threading.Event()

    def endless():
        try:
            i = 0
            while True:
                produced.append(i)
                yield i
                i += 1
                time.sleep(0.001)
        finally:
            closed.set()
    stream = worker.stream(endless)
    assert next(stream) == 0
    stream.close()
    assert closed.wait(5)
    assert worker.run(lambda: "free") == "free"
    assert len(produced) < 1000


def test_a_producer_error_is_raised_to_the_consumer():
    worker = ModelThread("broken-stream")

    def broken():
        yield "first"
        raise ValueError("model fell over")
    stream = worker.stream(broken)
    assert next(stream) == "first"
    with pytest.raises(ValueError, match="fell over"):
        next(stream)
