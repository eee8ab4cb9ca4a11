"""One long-lived thread per local model, so the model's per-thread native state stays bounded.

torch (OpenMP thread teams, MKL's and oneDNN's scratch buffers) and llama.cpp (its sampler's
scratch vector) keep state per *calling* thread. A web server runs each request, and each step of
a streamed answer, on whichever short-lived worker thread is free (Gradio and anyio start new ones
and retire idle ones), so a model called from there grows the process with the threads it meets:
heaptrack on the UI soak found MKL's bfloat16 GEMM buffers of new OpenMP threads and llama.cpp's
sampler vectors among what grew between answer 40 and answer 160. Calls made through a
`ModelThread` all run on its one thread, in order.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")
_local = threading.local()  # .pinned: this thread is some ModelThread's own
_DONE = object()


class ModelThread:
    """Runs calls and generators on one lazily started thread. `torch_threads` sets torch's
    intra-op width for that thread (None: the process's default). A call made from any model thread
    runs in place, so nesting cannot deadlock."""

    def __init__(self, name: str, torch_threads: int | None = None):
        self.name = name
        self.torch_threads = torch_threads
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.name,
                                                initializer=self._initialize)
            return self._pool

    def _initialize(self) -> None:
        _local.pinned = True
        set_torch_threads(self.torch_threads)

    def submit(self, fn: Callable[..., T], *args, **kwargs) -> Future:
        """`fn(*args, **kwargs)` on this thread; a Future of its result."""
        if getattr(_local, "pinned", False):
            done: Future = Future()
            try:
                done.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller through the Future
                done.set_exception(exc)
            return done
        return self._executor().submit(fn, *args, **kwargs)

    def run(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """`fn(*args, **kwargs)` on this thread, waited for."""
        return self.submit(fn, *args, **kwargs).result()

    def stream(self, make: Callable[[], Iterator[T]]) -> Iterator[T]:
        """The items of the generator `make()` as this thread produces them. Closing the returned
        generator (or dropping it) stops the producer after its current item."""
        if getattr(_local, "pinned", False):
            yield from make()
            return
        items: queue.SimpleQueue = queue.SimpleQueue()
        stop = threading.Event()

        def produce() -> None:
            source = make()
            try:
                for item in source:
                    items.put((True, item))
                    if stop.is_set():
                        break
            except BaseException as exc:  # noqa: BLE001 - re-raised on the consumer's side
                items.put((False, exc))
                return
            finally:
                source.close()
            items.put((True, _DONE))

        self._executor().submit(produce)
        try:
            while True:
                ok, item = items.get()
                if not ok:
                    raise item
                if item is _DONE:
                    return
                yield item
        finally:
            stop.set()


_TORCH_DEFAULT: list[int] = []  # torch's intra-op width before any ModelThread changed it


def set_torch_threads(n: int | None) -> None:
    """torch's intra-op threads for the calling thread (and, torch being torch, the default of threads
    that start using it later, hence every model thread sets its own). No-op without torch loaded."""
    import sys
    torch = sys.modules.get("torch")
    if torch is None:
        return
    if not _TORCH_DEFAULT:
        _TORCH_DEFAULT.append(torch.get_num_threads())
    torch.set_num_threads(max(1, n or _TORCH_DEFAULT[0]))
