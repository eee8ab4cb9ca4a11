"""The embedder as a client of an OpenAI-compatible `/v1/embeddings` server (text-embeddings-inference,
vLLM, Infinity, llama.cpp server): batched, retried on server errors, every vector's size checked."""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from assistant.errors import AssistantError

RETRIED_STATUS = {429, 500, 502, 503, 504}
HINT = "check models.embed_endpoint_url (ASSISTANT_MODELS__EMBED_ENDPOINT_URL) and that the server is running"


class EmbeddingEndpointError(AssistantError):
    """The embeddings server cannot be reached, refuses the request, or sends unusable vectors."""


def embeddings_url(base: str) -> str:
    """The POST target for a base URL given with or without the `/embeddings` path.

    >>> embeddings_url("http://h:8080/v1/"), embeddings_url("http://h:8080/v1/embeddings")
    ('http://h:8080/v1/embeddings', 'http://h:8080/v1/embeddings')
    """
    base = base.rstrip("/")
    return base if base.endswith("/embeddings") else f"{base}/embeddings"


class EndpointEmbedder:
    """The same interface as the local `Embedder`; the server does the pooling, so no late chunking."""

    supports_late_chunking = False

    def __init__(self, url: str, model: str, key: str | None = None, batch_size: int = 64,
                 retries: int = 4, backoff_s: float = 0.5, timeout_s: float = 120.0):
        import httpx
        self.name, self.path = model, url
        self.batch_size, self.retries, self.backoff_s = batch_size, retries, backoff_s
        self._url = embeddings_url(url)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout_s, connect=10.0))
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        """The server's vector size, asked once (the first batch of real texts would tell it too)."""
        if self._dim is None:
            self._post(["dimension probe"])
        return self._dim

    def embed_queries(self, texts: list[str], claim: bool = False) -> np.ndarray:  # noqa: ARG002 - no prompts here
        return self.embed_documents(texts)

    def embed_index(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """An ingest's texts: the server is the fast runtime here."""
        return self.embed_documents(texts, batch_size)

    def embed_documents(self, texts: list[str], batch_size: int | None = None,
                        on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Normalised float32 vectors, one request per `batch_size` texts (the endpoint's own
        batch size when not given)."""
        size = batch_size or self.batch_size
        out = []
        for start in range(0, len(texts), size):
            batch = texts[start:start + size]
            out.append(self._post(batch))
            if on_batch:
                on_batch(len(batch))
        if not out:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.vstack(out)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def _post(self, texts: list[str]) -> np.ndarray:
        """One request, retried with backoff on a transport error or a 429/5xx answer."""
        import httpx
        failure = ""
        for attempt in range(self.retries):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                response = self._client.post(self._url, json={"model": self.name, "input": texts})
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code in RETRIED_STATUS:
                failure = f"HTTP {response.status_code} {response.text[:200]}"
                continue
            if response.status_code >= 400:
                raise EmbeddingEndpointError(f"the embeddings endpoint {self._url} refused the request: "
                                             f"HTTP {response.status_code} {response.text[:200]}", hint=HINT)
            return self._vectors(response, len(texts))
        raise EmbeddingEndpointError(f"the embeddings endpoint {self._url} failed {self.retries} times; "
                                     f"last: {failure}", hint=HINT)

    def _vectors(self, response, n: int) -> np.ndarray:
        try:
            rows = sorted(response.json()["data"], key=lambda d: d.get("index", 0))
            vectors = np.asarray([row["embedding"] for row in rows], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            raise EmbeddingEndpointError(f"the embeddings endpoint {self._url} sent no usable vectors: {exc}",
                                         hint=HINT) from exc
        if vectors.ndim != 2 or len(vectors) != n:
            raise EmbeddingEndpointError(f"the embeddings endpoint {self._url} sent {len(vectors)} vectors "
                                         f"for {n} texts")
        if self._dim is None:
            self._dim = vectors.shape[1]
        elif vectors.shape[1] != self._dim:
            raise EmbeddingEndpointError(
                f"the embeddings endpoint {self._url} changed its vector size from {self._dim} to "
                f"{vectors.shape[1]} (model '{self.name}')",
                hint="a different model is being served under this name; use a new data dir or --rebuild")
        return vectors
