"""Which LLM backend the settings call for, loading it once per process, and describing that choice."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

from assistant.config import Settings
from assistant.errors import BackendError, ConfigError
from assistant.llm.base import LLMBackend
from assistant.llm.cache import shared
from assistant.models import REGISTRY, is_present, resolve_model_path, target_path

BACKENDS = ("llamacpp", "transformers", "openai")
_RUNTIME = {"llamacpp": "llama_cpp", "transformers": "transformers", "openai": "httpx"}


def cuda_available() -> bool:
    """True when torch sees a CUDA GPU. Without an NVIDIA driver it answers without importing torch (~2 s)."""
    if "torch" not in sys.modules:
        if importlib.util.find_spec("torch") is None or not _nvidia_driver_present():
            return False
    import torch

    return torch.cuda.is_available()


def _nvidia_driver_present() -> bool:
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def is_gguf(llm: str) -> bool:
    """Whether `models.llm` (registry name or path) names a GGUF file."""
    spec = REGISTRY.get(llm)
    return (spec.target if spec else llm).lower().endswith(".gguf")


def choose_backend_name(settings: Settings, *, cuda: bool | None = None) -> tuple[str, str]:
    """(backend name, why): models.backend if set; else the endpoint if one is configured; else
    transformers when a CUDA GPU is there (or the model is not a GGUF); else llama.cpp on CPU.

    `cuda` overrides GPU detection (None = detect).
    """
    m = settings.models
    if m.backend != "auto":
        return m.backend, f"models.backend is set to '{m.backend}'"
    if m.endpoint_url:
        return "openai", f"models.endpoint_url is set ({m.endpoint_url})"
    if not is_gguf(m.llm):
        return "transformers", f"models.llm '{m.llm}' is not a GGUF file, which only transformers can run"
    if m.device == "cpu":
        return "llamacpp", "models.device is 'cpu': llama.cpp runs the GGUF on CPU"
    if m.device == "cuda":
        return "transformers", "models.device is 'cuda'"
    if cuda_available() if cuda is None else cuda:
        return "transformers", "a CUDA GPU is available"
    return "llamacpp", "no CUDA GPU: llama.cpp runs the GGUF on CPU"


def load_backend(settings: Settings, *, name: str | None = None) -> LLMBackend:
    """The backend for these settings (or the one named), loaded once per process and then shared."""
    name = name or choose_backend_name(settings)[0]
    loaders = {"llamacpp": _load_llamacpp, "transformers": _load_transformers, "openai": _load_openai}
    if name not in loaders:
        raise ConfigError(f"unknown LLM backend '{name}'", hint=f"choose one of {', '.join(BACKENDS)}")
    return loaders[name](settings)


def _load_llamacpp(settings: Settings) -> LLMBackend:
    from assistant.llm.llamacpp import load_llamacpp

    m = settings.models
    path = resolve_model_path(m.llm, settings.models_dir)
    if not path.lower().endswith(".gguf"):
        raise BackendError(f"llama.cpp needs a .gguf file, and '{m.llm}' is not one",
                           hint="point models.llm to a GGUF, or set models.backend=transformers")
    return load_llamacpp(path, n_ctx=m.n_ctx, n_threads=m.n_threads)


def _load_transformers(settings: Settings) -> LLMBackend:
    from assistant.llm.transformers_backend import load_transformers

    return load_transformers(transformers_source(settings), device=settings.models.device)


def _load_openai(settings: Settings) -> LLMBackend:
    from assistant.llm.openai_compat import OpenAICompatBackend

    m = settings.models
    if not m.endpoint_url:
        raise ConfigError("the openai backend needs models.endpoint_url",
                          hint="e.g. ASSISTANT_MODELS__ENDPOINT_URL=http://127.0.0.1:8000/v1")
    key = ("openai", m.endpoint_url, m.endpoint_model, m.endpoint_key)
    return shared(key, lambda: OpenAICompatBackend(m.endpoint_url, m.endpoint_model, m.endpoint_key))


def bf16_dir(settings: Settings) -> Path:
    """Where the transformers copy of a GGUF model lives: <models_dir>/<name>-bf16."""
    llm = settings.models.llm
    stem = llm if llm in REGISTRY else Path(llm).name.removesuffix(".gguf")
    return Path(settings.models_dir) / f"{stem}-bf16"


def transformers_source(settings: Settings) -> str:
    """The checkpoint transformers should load; a GGUF model is converted to bf16 once, on first use."""
    llm = settings.models.llm
    if not is_gguf(llm):
        return resolve_model_path(llm, settings.models_dir)
    out = bf16_dir(settings)
    if not (out / "config.json").is_file():
        from assistant.llm.transformers_backend import gguf_to_transformers

        gguf_to_transformers(resolve_model_path(llm, settings.models_dir), out)
    return str(out)


def describe_backend(settings: Settings) -> dict:
    """What `load_backend` would use, and why, without loading anything (for `models list`).

    Keys: backend, reason, runtime_installed, model, present; plus endpoint (openai),
    source / source_present (transformers from a GGUF), n_ctx / n_threads (llamacpp).
    """
    name, reason = choose_backend_name(settings)
    info = {"backend": name, "reason": reason,
            "runtime_installed": importlib.util.find_spec(_RUNTIME[name]) is not None}
    describe = {"llamacpp": _describe_llamacpp, "transformers": _describe_transformers, "openai": _describe_openai}
    info.update(describe[name](settings))
    return info


def _local_model(llm: str, models_dir: Path) -> tuple[str, bool]:
    """(path or id, present) for a registry name or a path, without raising."""
    spec = REGISTRY.get(llm)
    if spec is not None:
        return str(target_path(spec, models_dir)), is_present(spec, models_dir)
    return llm, Path(llm).expanduser().exists()


def _describe_llamacpp(settings: Settings) -> dict:
    from assistant.llm.llamacpp import resolve_threads

    m = settings.models
    model, present = _local_model(m.llm, settings.models_dir)
    return {"model": model, "present": present, "n_ctx": m.n_ctx, "n_threads": resolve_threads(m.n_threads)}


def _describe_transformers(settings: Settings) -> dict:
    llm = settings.models.llm
    if not is_gguf(llm):
        model, present = _local_model(llm, settings.models_dir)
        return {"model": model, "present": present}
    source, source_present = _local_model(llm, settings.models_dir)
    out = bf16_dir(settings)
    return {"model": str(out), "present": (out / "config.json").is_file(),
            "source": source, "source_present": source_present}


def _describe_openai(settings: Settings) -> dict:
    m = settings.models
    # not contacted here: `present` would need a request to the server
    return {"model": m.endpoint_model or "(first model the endpoint serves)", "present": None,
            "endpoint": m.endpoint_url}
