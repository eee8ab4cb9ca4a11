"""The transformers backend: a Hugging Face checkpoint on GPU (bf16) or CPU (float32), streamed from a thread.

It is the default when CUDA is available. It loads any local checkpoint directory (or a hub id on a
connected machine). The packaged default model is a GGUF file; `gguf_to_transformers` turns it into
a checkpoint once:

    AutoModelForCausalLM.from_pretrained(dir_of_gguf, gguf_file=name)   # dequantizes; needs `gguf`
    model.save_pretrained(out_dir) in bf16, with the tokenizer (chat template included)

`load_backend` does this automatically into `<models_dir>/<name>-bf16` the first time the GGUF is
used with this backend (~1 min and ~7 GB of RAM for the 1.5B default; pip install gguf first).
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from pathlib import Path
from typing import Iterator

from assistant.errors import BackendError, ModelMissingError
from assistant.llm.base import Message, ModelLock, StreamMeter, check_messages, log, log_usage, truncate_at_stop
from assistant.model_thread import ModelThread
from assistant.llm.cache import shared

INSTALL_HINT = "pip install torch transformers (see the README for the CPU/GPU wheels)"
GGUF_HINT = "the GGUF conversion needs the gguf package: pip install 'gguf>=0.17' (or the project's [gpu] extra)"


def load_transformers(source: str | Path, *, device: str = "auto") -> TransformersBackend:
    """The process-wide instance for this checkpoint and device, loaded on first use."""
    device = pick_device(device)
    return shared(("transformers", str(source), device), lambda: TransformersBackend(source, device=device))


def pick_device(device: str = "auto") -> str:
    """'auto' → 'cuda' when torch sees a GPU, else 'cpu'."""
    if device != "auto":
        return device
    torch = _import("torch")
    return "cuda" if torch.cuda.is_available() else "cpu"


def _import(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendError(f"the transformers backend needs the {module.split('.')[0]} package",
                           hint=INSTALL_HINT) from exc


def gguf_to_transformers(gguf_path: str | Path, out_dir: str | Path, *, dtype: str = "bfloat16") -> Path:
    """Dequantize a GGUF into a transformers checkpoint directory (weights in `dtype` + tokenizer).

    Written to `<out_dir>.part` and renamed at the end, so an interrupted run leaves no half model.
    """
    gguf_path, out_dir = Path(gguf_path), Path(out_dir)
    if not gguf_path.is_file():
        raise ModelMissingError(f"GGUF file not found: {gguf_path}", hint="run: python -m assistant models fetch")
    try:
        import gguf  # noqa: F401  (transformers' GGUF loader needs it)
    except ImportError as exc:
        raise BackendError(f"cannot convert {gguf_path.name} for transformers", hint=GGUF_HINT) from exc
    torch, tf = _import("torch"), _import("transformers")
    where, name = str(gguf_path.parent), gguf_path.name
    log.info("converting %s to a %s transformers checkpoint in %s", name, dtype, out_dir)
    tokenizer = tf.AutoTokenizer.from_pretrained(where, gguf_file=name)
    model = tf.AutoModelForCausalLM.from_pretrained(where, gguf_file=name, dtype=getattr(torch, dtype),
                                                    **_dequantize_option(tf, name))
    _detach_gguf_quantizer(model)
    tmp = out_dir.with_name(out_dir.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(tmp, out_dir)
    return out_dir


def _dequantize_option(tf, gguf_name: str) -> dict:
    """transformers 5 may keep GGUF weights packed; ask for plain dense weights (4.x always dequantizes)."""
    if hasattr(tf, "GgufConfig"):
        return {"quantization_config": tf.GgufConfig(gguf_file=gguf_name, dequantize=True)}
    return {}


def _detach_gguf_quantizer(model) -> None:
    """Forget the GGUF origin of an already-dense model, so save_pretrained writes ordinary weights."""
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is None:
        return
    if getattr(quantizer, "packed_modules", None):
        raise BackendError("transformers kept the GGUF weights packed; cannot save them as a checkpoint")
    quantizer.remove_quantization_config(model)


class TransformersBackend:
    """A causal LM with a chat template, run by transformers. Prefer `load_transformers` (shared instance)."""

    name = "transformers"

    def __init__(self, source: str | Path, *, device: str = "auto"):
        torch, tf = _import("torch"), _import("transformers")
        self.model = str(source)
        self.device = pick_device(device)
        if self.device.startswith("cuda") and not torch.cuda.is_available():
            raise BackendError("models.device is 'cuda' but torch sees no CUDA GPU",
                               hint="set models.device=auto or cpu")
        self.dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        self.last_usage: dict = {}
        self._lock = ModelLock()
        self._thread = ModelThread("transformers-generate")
        self._tokenizer, self._lm = self._load(tf, source)

    def _load(self, tf, source):
        try:
            tokenizer = tf.AutoTokenizer.from_pretrained(str(source))
            lm = tf.AutoModelForCausalLM.from_pretrained(str(source), dtype=self.dtype)
        except OSError as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelMissingError(f"cannot load a transformers model from '{source}': {first_line}",
                                    hint="give a local checkpoint directory (no hub access offline)") from exc
        if not tokenizer.chat_template:
            raise BackendError(f"the tokenizer of '{source}' has no chat template", hint="use an instruct/chat model")
        return tokenizer, lm.to(self.device).eval()

    def generate(self, messages: list[Message], *, max_tokens: int, temperature: float = 0.0,
                 seed: int = 0, stop: list[str] | None = None) -> Iterator[str]:
        """Stream the reply; `model.generate` runs in a thread and is cancelled if the stream is closed."""
        messages = check_messages(messages)
        with self._lock.held(self.name):
            meter = StreamMeter()
            inputs = self._encode(messages)
            streamer, cancel, failure, running = self._start(inputs, max_tokens, temperature, seed)
            try:
                for piece in truncate_at_stop((p for p in streamer if p), stop):
                    yield meter.saw(piece)
            finally:
                cancel.set()
                running.result()
            if failure:
                raise BackendError(f"transformers generation failed: {failure[0]}") from failure[0]
            self.last_usage = meter.usage(int(inputs["input_ids"].shape[1]), streamer.generated)
        log_usage(self.name, self.last_usage)

    def _encode(self, messages: list[Message]):
        inputs = self._tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_dict=True,
                                                     return_tensors="pt")
        return {k: v.to(self.device) for k, v in inputs.items()}

    def _start(self, inputs, max_tokens: int, temperature: float, seed: int):
        """Launch generation on the model's thread; return the text streamer, a cancel flag, a failure slot
        and the generation's Future."""
        torch, tf = _import("torch"), _import("transformers")
        streamer = _counting_streamer_class()(self._tokenizer, skip_prompt=True, skip_special_tokens=True)
        cancel, failure = threading.Event(), []
        kwargs = dict(inputs, max_new_tokens=max_tokens, streamer=streamer,
                      stopping_criteria=tf.StoppingCriteriaList([_Cancelled(cancel)]),
                      pad_token_id=self._pad_id(),
                      **_sampling(temperature))
        torch.manual_seed(seed)

        def run():
            try:
                with torch.inference_mode():
                    self._lm.generate(**kwargs)
            except Exception as exc:  # surfaced in the caller's thread
                failure.append(exc)
                streamer.end()
        # the model's own long-lived thread, not a new one per answer (assistant/model_thread.py)
        return streamer, cancel, failure, self._thread.submit(run)

    def _pad_id(self) -> int | None:
        pad = self._tokenizer.pad_token_id
        return pad if pad is not None else self._tokenizer.eos_token_id

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` alone, with this model's tokenizer."""
        return len(self._tokenizer.encode(text, add_special_tokens=False)) if text else 0

    def __repr__(self) -> str:
        return f"TransformersBackend({self.model!r}, device={self.device!r})"


def _sampling(temperature: float) -> dict:
    """Greedy at temperature 0 (sampling knobs unset, so transformers does not warn)."""
    if temperature <= 0:
        return {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
    return {"do_sample": True, "temperature": temperature}


@functools.cache
def _counting_streamer_class():
    """TextIteratorStreamer that also counts the new tokens (defined lazily to keep imports light)."""
    from transformers import TextIteratorStreamer

    class CountingStreamer(TextIteratorStreamer):
        def __init__(self, tokenizer, **kwargs):
            super().__init__(tokenizer, **kwargs)
            self.generated = 0

        def put(self, value):
            if not (self.skip_prompt and self.next_tokens_are_prompt):
                self.generated += int(value.numel())
            super().put(value)

    return CountingStreamer


class _Cancelled:
    """Stopping criterion that ends generation once the consumer has closed the stream."""

    def __init__(self, event: threading.Event):
        self.event = event

    def __call__(self, input_ids, scores, **kwargs):
        import torch
        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool, device=input_ids.device)
