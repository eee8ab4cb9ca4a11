"""The contract every LLM backend meets, plus the small pieces they share (stop handling, usage, locking)."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from typing import Iterable, Iterator, Protocol, runtime_checkable

Message = dict  # {"role": "system" | "user" | "assistant", "content": str}
ROLES = ("system", "user", "assistant")

log = logging.getLogger("assistant.llm")


@runtime_checkable
class LLMBackend(Protocol):
    """A chat model that streams text. Deterministic by default: temperature 0 is greedy.

    `generate` is a generator: nothing runs until it is iterated, and it holds the model
    until it is exhausted or closed, so consume it (or call `.close()`) before starting the
    next generation in the same thread.
    """

    name: str  # "llamacpp" | "transformers" | "openai"
    model: str  # path or id shown to users
    last_usage: dict  # after a generation: prompt_tokens, completion_tokens (+ timings)

    def generate(self, messages: list[Message], *, max_tokens: int, temperature: float = 0.0,
                 seed: int = 0, stop: list[str] | None = None) -> Iterator[str]: ...

    def count_tokens(self, text: str) -> int: ...


def check_messages(messages: list[Message]) -> list[Message]:
    """Return the messages as plain {"role", "content"} dicts; reject unknown roles or non-text content.

    >>> check_messages([{"role": "user", "content": "hi"}])
    [{'role': 'user', 'content': 'hi'}]
    """
    if not messages:
        raise ValueError("at least one message is needed")
    out = []
    for i, msg in enumerate(messages):
        role, content = msg.get("role"), msg.get("content")
        if role not in ROLES:
            raise ValueError(f"message {i}: role must be one of {ROLES}, got {role!r}")
        if not isinstance(content, str):
            raise ValueError(f"message {i}: content must be a string")
        out.append({"role": role, "content": content})
    return out


def truncate_at_stop(pieces: Iterable[str], stop: list[str] | None) -> Iterator[str]:
    """Pass pieces through until a stop sequence appears; the stop text itself is never yielded.

    Text that could be the start of a stop sequence is held back until it is decided, so a stop
    split across pieces is still caught.

    >>> list(truncate_at_stop(["Hello wo", "rld. END", " more"], ["END"]))
    ['Hello wo', 'rld. ']
    """
    stops = [s for s in (stop or []) if s]
    if not stops:
        yield from pieces
        return
    held = ""
    for piece in pieces:
        held += piece
        cut = min((held.find(s) for s in stops if s in held), default=-1)
        if cut >= 0:
            if held[:cut]:
                yield held[:cut]
            return
        keep = _partial_stop_len(held, stops)
        if len(held) > keep:
            yield held[: len(held) - keep]
            held = held[len(held) - keep:]
    if held:
        yield held


def _partial_stop_len(text: str, stops: list[str]) -> int:
    """Length of the longest tail of `text` that is a proper prefix of some stop sequence."""
    best = 0
    for s in stops:
        for n in range(min(len(s) - 1, len(text)), best, -1):
            if text.endswith(s[:n]):
                best = n
                break
    return best


class StreamMeter:
    """Times one streamed generation and turns it into the `last_usage` dict."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first_at: float | None = None
        self.parts: list[str] = []

    def saw(self, piece: str) -> str:
        if self.first_at is None and piece:
            self.first_at = time.perf_counter()
        self.parts.append(piece)
        return piece

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def usage(self, prompt_tokens: int, completion_tokens: int) -> dict:
        ended = time.perf_counter()
        first = None if self.first_at is None else round(self.first_at - self.started, 3)
        return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                "time_to_first_token_s": first, "total_s": round(ended - self.started, 3)}


def log_usage(backend: str, usage: dict) -> None:
    """One line per generation, so prefix-cache effects (time to first token) show up in logs."""
    log.info("%s: %d prompt + %d completion tokens, first token after %ss, %ss in all",
             backend, usage["prompt_tokens"], usage["completion_tokens"],
             usage["time_to_first_token_s"], usage["total_s"])


class ModelLock:
    """Serializes generations on one model: the runtimes are not safe for concurrent use.

    A plain lock (not re-entrant, not owner-checked) because a streaming UI may advance one
    generator from different worker threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @contextmanager
    def held(self, what: str) -> Iterator[None]:
        if not self._lock.acquire(blocking=False):
            log.debug("%s: waiting for another generation to finish", what)
            self._lock.acquire()
        try:
            yield
        finally:
            self._lock.release()
