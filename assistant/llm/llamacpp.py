"""The llama.cpp backend: a GGUF file on CPU through llama-cpp-python, chatting with the GGUF's own template.

One `Llama` object per (path, n_ctx, n_threads) lives for the whole process (see `load_llamacpp`):
loading costs seconds, and reusing the same object is what lets llama-cpp-python keep the KV cache
of a shared prompt prefix (system prompt + sources) between questions, so only the new tail of the
prompt is evaluated. Keep the fixed parts of a prompt first and the question last.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from assistant.errors import BackendError, ModelMissingError
from assistant.llm.base import (Message, ModelLock, StreamMeter, check_messages, log, log_usage,
                                truncate_at_stop)
from assistant.llm.cache import shared
from assistant.model_thread import ModelThread

INSTALL_HINT = ('install it with: CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install "llama-cpp-python==0.3.36" '
                "(compiles ~5-10 min), or pip install -e '.[llamacpp]'")
GGUF_TEMPLATE = "chat_template.default"  # llama-cpp-python's name for the template stored in the GGUF


def resolve_threads(n_threads: int) -> int:
    """0 means one thread per core."""
    return n_threads if n_threads > 0 else (os.cpu_count() or 1)


def load_llamacpp(model_path: str | Path, *, n_ctx: int = 4096, n_threads: int = 0) -> LlamaCppBackend:
    """The process-wide instance for this GGUF and these settings, loaded on first use."""
    path = str(Path(model_path).expanduser().resolve())
    threads = resolve_threads(n_threads)
    return shared(("llamacpp", path, n_ctx, threads),
                  lambda: LlamaCppBackend(path, n_ctx=n_ctx, n_threads=threads))


def _import_llama_cpp():
    try:
        import llama_cpp
    except ImportError as exc:
        raise BackendError("the llama.cpp backend needs the llama-cpp-python package", hint=INSTALL_HINT) from exc
    return llama_cpp


class LlamaCppBackend:
    """A GGUF chat model run by llama.cpp. Prefer `load_llamacpp`, which shares one instance per process."""

    name = "llamacpp"

    def __init__(self, model_path: str | Path, *, n_ctx: int = 4096, n_threads: int = 0, n_batch: int = 512):
        path = Path(model_path)
        if not path.is_file():
            raise ModelMissingError(f"GGUF file not found: {path}", hint="run: python -m assistant models fetch")
        llama_cpp = _import_llama_cpp()
        self.model = str(path)
        self.n_ctx = n_ctx
        self.n_threads = resolve_threads(n_threads)
        self.last_usage: dict = {}
        self._lock = ModelLock()
        self._thread = ModelThread("llamacpp")
        try:
            # flash attention: a prompt batch's attention scores are never stored whole. Without it
            # llama.cpp reserves a buffer for them at the full context, which the operating system backs
            # page by page as prompts reach deeper than any before, so a server's memory rose with each
            # conversation longer than the ones before and never came back down (+73 MB from a 500- to
            # a 3,500-token prompt on SmolLM2-135M, +57 MB on Qwen2.5-1.5B; not the UI soak's remaining
            # creep, which sits in glibc's heaps). With it, +2 MB, and prompts are read 5-26% faster on
            # this CPU; greedy wording may differ, the dev eval's metrics do not
            # (benchmarks/results/flash-attention.md).
            self._llm = llama_cpp.Llama(model_path=self.model, n_ctx=n_ctx, n_threads=self.n_threads,
                                        n_threads_batch=self.n_threads, n_batch=n_batch, flash_attn=True,
                                        verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise BackendError(f"llama.cpp could not load {path.name}: {exc}",
                               hint="is it a complete GGUF file? re-run: python -m assistant models fetch") from exc
        self._formatter = self._use_gguf_template(llama_cpp)

    def _use_gguf_template(self, llama_cpp):
        """Chat with the template stored in the GGUF, and keep a formatter to count prompt tokens."""
        template = self._llm.metadata.get("tokenizer.chat_template")
        if template is None:
            log.warning("%s has no chat template; llama-cpp-python falls back to '%s'",
                        self.model, self._llm.chat_format)
            return None
        self._llm.chat_format = GGUF_TEMPLATE
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        return Jinja2ChatFormatter(template=template, eos_token=self._token_text(self._llm.token_eos()),
                                   bos_token=self._token_text(self._llm.token_bos()))

    def _token_text(self, token_id: int) -> str:
        if token_id < 0:
            return ""
        return self._llm.detokenize([token_id], special=True).decode("utf-8", errors="ignore")

    def generate(self, messages: list[Message], *, max_tokens: int, temperature: float = 0.0,
                 seed: int = 0, stop: list[str] | None = None) -> Iterator[str]:
        """Stream the reply piece by piece; one generation at a time per model (others wait), every
        one on the model's own thread (assistant/model_thread.py), whichever thread iterates."""
        messages = check_messages(messages)
        yield from self._thread.stream(lambda: self._generate_here(messages, max_tokens, temperature, seed, stop))

    def _generate_here(self, messages, max_tokens, temperature, seed, stop) -> Iterator[str]:
        with self._lock.held(self.name):
            meter = StreamMeter()
            stream = self._start(messages, max_tokens, temperature, seed, stop)
            try:
                for piece in truncate_at_stop(self._pieces(stream), stop):
                    yield meter.saw(piece)
            finally:
                stream.close()
                self._free_sampler()
            self.last_usage = meter.usage(self._prompt_tokens(messages), self.count_tokens(meter.text))
        log_usage(self.name, self.last_usage)

    def _free_sampler(self) -> None:
        """Free this generation's sampler chain now. llama-cpp-python makes a new one for every
        generation and drops the old one, but a sampler sits in a reference cycle (its ExitStack's
        callback closes over it), so only Python's full garbage collection frees it, and with it a
        native buffer of one entry per vocabulary token (0.6 MB for SmolLM2, 1.8 MB for Qwen2.5). A
        server's full collections are minutes apart: this was the UI soak's memory creep
        (benchmarks/memory_inprocess.py: +5.5 MB per 100 answers, all of it heap in use)."""
        sampler, self._llm._sampler = getattr(self._llm, "_sampler", None), None
        if sampler is not None:
            sampler.close()

    def _start(self, messages, max_tokens, temperature, seed, stop):
        try:
            return self._llm.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                                    temperature=temperature, seed=seed,
                                                    stop=list(stop or []), stream=True)
        except ValueError as exc:
            raise BackendError(f"llama.cpp refused the prompt: {exc}",
                               hint="use fewer or shorter sources, or raise models.n_ctx") from exc

    def _pieces(self, stream) -> Iterator[str]:
        try:
            for chunk in stream:
                text = chunk["choices"][0]["delta"].get("content")
                if text:
                    yield text
        except ValueError as exc:  # raised lazily, on the first chunk, when the prompt is too long
            raise BackendError(f"llama.cpp refused the prompt: {exc}",
                               hint="use fewer or shorter sources, or raise models.n_ctx") from exc

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` alone, with this model's tokenizer (no BOS)."""
        if not text:
            return 0
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def _prompt_tokens(self, messages: list[Message]) -> int:
        """Tokens of the whole chat prompt as the template renders it."""
        if self._formatter is None:
            return sum(self.count_tokens(m["content"]) + 4 for m in messages)
        prompt = self._formatter(messages=messages).prompt
        return len(self._llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))

    def __repr__(self) -> str:
        return f"LlamaCppBackend({self.model!r}, n_ctx={self.n_ctx}, n_threads={self.n_threads})"
