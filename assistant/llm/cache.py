"""The process-wide model cache: the UI, CLI and evals share one loaded instance per model."""

from __future__ import annotations

import threading
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")

_instances: dict[Hashable, object] = {}
_lock = threading.Lock()


def shared(key: Hashable, load: Callable[[], T]) -> T:
    """Return the instance cached under `key`, loading it once (concurrent callers wait for it)."""
    with _lock:
        if key not in _instances:
            _instances[key] = load()
        return _instances[key]  # type: ignore[return-value]


def forget_all() -> None:
    """Drop every cached instance (tests; freeing memory before loading another model)."""
    with _lock:
        _instances.clear()
