"""The embedder: a sentence-transformers model loaded by local path, once per process."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from assistant.config import Settings
from assistant.errors import ModelMissingError
from assistant.models import REGISTRY, resolve_model_path

_CACHE: dict[tuple[str, str], "Embedder"] = {}
_LOCK = threading.Lock()


@dataclass
class Embedder:
    """Encodes queries and documents into normalised float32 vectors."""

    name: str
    path: str
    model: object
    query_prompt: str | None = None
    document_prompt: str | None = None

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt, batch_size=32)

    def embed_documents(self, texts: list[str], batch_size: int = 32,
                        on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Encode in groups, calling `on_batch(n_done)` so callers can drive a progress bar.

        Groups are several batches long because sentence-transformers sorts each call's texts by
        length: fewer padding tokens, which is most of the cost on CPU.
        """
        out = []
        group = batch_size * 8
        for start in range(0, len(texts), group):
            batch = texts[start:start + group]
            out.append(self._encode(batch, self.document_prompt, batch_size=batch_size))
            if on_batch:
                on_batch(len(batch))
        return np.vstack(out) if out else np.zeros((0, self.dim), dtype=np.float32)

    def _encode(self, texts: list[str], prompt: str | None, batch_size: int) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=batch_size, prompt=prompt,
                                    normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def _device(settings: Settings) -> str:
    if settings.models.device != "auto":
        return settings.models.device
    import torch
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_embedder(settings: Settings) -> Embedder:
    """Load (or reuse) the configured embedder; registry names resolve to the models directory."""
    name = settings.models.embedder
    path = resolve_model_path(name, settings.models_dir)
    device = _device(settings)
    with _LOCK:
        cached = _CACHE.get((path, device))
        if cached is not None:
            return cached
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging
        hf_logging.disable_progress_bar()  # "Loading weights" bars would clutter every command
        try:
            model = SentenceTransformer(path, device=device, local_files_only=True)
        except OSError as exc:
            raise ModelMissingError(f"cannot load embedder from {path}: {exc}",
                                    hint="run: python -m assistant models fetch") from exc
        spec = REGISTRY.get(name)
        prompts = getattr(model, "prompts", {}) or {}
        embedder = Embedder(
            name=spec.name if spec else Path(name).name, path=path, model=model,
            query_prompt=(spec.query_prompt if spec else None) or prompts.get("query"),
            document_prompt=(spec.document_prompt if spec else None) or prompts.get("document"))
        _CACHE[(path, device)] = embedder
        return embedder
