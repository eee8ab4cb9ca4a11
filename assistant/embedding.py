"""The embedder: a sentence-transformers model loaded by local path, once per process."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from assistant.config import Settings
from assistant.errors import ConfigError, ModelMissingError
from assistant.late_chunking import PassText, pool, split_pieces, token_ranges
from assistant.model_thread import ModelThread
from assistant.models import REGISTRY, resolve_model_path

_CACHE: dict[tuple[str, str, bool, str, bool], "Embedder"] = {}  # (path, device, bfloat16, runtime, int8)
_LOCK = threading.Lock()


@dataclass
class Embedder:
    """Encodes queries and documents into normalised float32 vectors."""

    name: str
    path: str
    model: object
    query_prompt: str | None = None
    claim_prompt: str | None = None
    document_prompt: str | None = None
    # every forward pass runs on this one thread, whichever thread asks (assistant/model_thread.py)
    thread: ModelThread = field(default_factory=lambda: ModelThread("embedder"), repr=False, compare=False)
    # loads the faster runtime for an ingest's bulk encoding (OpenVINO), on first use; None = torch only
    bulk_loader: Callable[[], object] | None = field(default=None, repr=False, compare=False)
    _bulk: list = field(default_factory=list, repr=False, compare=False)  # [the loaded runtime]

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed_queries(self, texts: list[str], claim: bool = False) -> np.ndarray:
        """Query vectors; `claim`: the texts state findings to check, for a model with a prompt for that."""
        return self._encode(texts, (claim and self.claim_prompt) or self.query_prompt, batch_size=32)

    def embed_documents(self, texts: list[str], batch_size: int = 32,
                        on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Encode, calling `on_batch(n_done)` after each group of a few batches so callers can drive
        a progress bar; without one, the texts go in as one group.

        sentence-transformers sorts each call's texts by length and cuts batches from that order, so
        a larger group pads less, which is most of the cost on CPU.
        """
        out = []
        group = batch_size * 8 if on_batch else max(1, len(texts))
        for start in range(0, len(texts), group):
            batch = texts[start:start + group]
            out.append(self._encode(batch, self.document_prompt, batch_size=batch_size))
            if on_batch:
                on_batch(len(batch))
        return np.vstack(out) if out else np.zeros((0, self.dim), dtype=np.float32)

    def embed_index(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Encode an ingest's texts: `embed_documents`, run by the bulk runtime when there is one
        (OpenVINO: about 1.7x faster on CPU, vectors within 0.9999 cosine). Queries and the answer
        checks keep torch, so a chat process never loads a second runtime."""
        bulk = self.bulk_runtime()
        if bulk is None:
            return self.embed_documents(texts, batch_size=batch_size)
        return self.thread.run(self._embed_bulk, bulk, texts, batch_size)

    def bulk_runtime(self):
        """The loaded bulk runtime, loading it on first use; None without one."""
        if self.bulk_loader is None:
            return None
        with _LOCK:
            if not self._bulk:
                self._bulk.append(self.bulk_loader())
        return self._bulk[0]

    def _embed_bulk(self, bulk, texts: list[str], batch_size: int) -> np.ndarray:
        return unit_rows(bulk.mean_pooled([t.strip() for t in texts], batch_size, padded_batches))

    def embed_titled(self, docs: list[tuple[str, str]], batch_size: int = 32) -> np.ndarray:
        """Encode (title, text) pairs: with a document prompt that has a title slot (EmbeddingGemma's
        "title: none | text: "), the real title goes there, as the model card asks; otherwise the
        title is the text's first sentence."""
        slot = "title: none | text: "
        if self.document_prompt and slot in self.document_prompt:
            head = self.document_prompt.replace(slot, "")
            texts = [f"{head}title: {title or 'none'} | text: {text}" for title, text in docs]
            return self._encode(texts, None, batch_size)
        return self._encode([f"{title}. {text}" if title else text for title, text in docs],
                            self.document_prompt, batch_size)

    @property
    def supports_late_chunking(self) -> bool:
        """True for a plain mean-pooling encoder ([CLS] text [SEP] -> mean -> normalise), whose
        pooled part of a pass is comparable to the pooled whole; prompts or projection layers
        (EmbeddingGemma) would make the parts something the model was never trained to produce."""
        modules = list(getattr(self.model, "_modules", {}).values())
        kinds = [type(m).__name__ for m in modules]
        if kinds[:2] != ["Transformer", "Pooling"] or set(kinds[2:]) - {"Normalize"} or self.document_prompt:
            return False
        tok = self.model.tokenizer
        mean = getattr(modules[1], "pooling_mode", None) == "mean" or getattr(modules[1], "pooling_mode_mean_tokens", False)
        return bool(mean) and tok("a")["input_ids"][::len(tok("a")["input_ids"]) - 1] == [tok.cls_token_id, tok.sep_token_id]

    def embed_late(self, passes: list[PassText], batch_size: int = 32,
                   on_batch: Callable[[int], None] | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each pass: the whole text's vector (its first window of tokens, exactly what
        `embed_documents` gives for the same text) and one vector per part, pooled from that
        same encoder pass (late chunking). Texts past the window are encoded in several pieces."""
        tok = self.model.tokenizer
        limit = self.model.max_seq_length - 2
        encoded = tok([p.text for p in passes], add_special_tokens=False, return_offsets_mapping=True,
                      verbose=False)  # no "longer than the maximum" warning: pieces are cut below
        pieces = [(i, [tok.cls_token_id, *ids[a:b], tok.sep_token_id])
                  for i, ids in enumerate(encoded["input_ids"]) for a, b in split_pieces(len(ids), limit)]
        outputs = self._token_vectors([ids for _, ids in pieces], batch_size, on_batch)
        per_text: list[list[np.ndarray]] = [[] for _ in passes]
        for (i, _), out in zip(pieces, outputs):
            per_text[i].append(out)
        results = []
        for p, offsets, outs in zip(passes, encoded["offset_mapping"], per_text):
            whole = pool(outs[0], list(range(len(outs[0]))))
            tokens = np.vstack([o[1:-1] for o in outs])  # the text's own tokens, in order
            parts = np.vstack([pool(tokens, token_ranges(offsets, part)) for part in p.parts]) if p.parts \
                else np.zeros((0, tokens.shape[1]), dtype=np.float32)
            results.append((whole, parts))
        return results

    def _token_vectors(self, sequences: list[list[int]], batch_size: int,
                       on_batch: Callable[[int], None] | None) -> list[np.ndarray]:
        """The last hidden states of each token sequence; batches sorted by length (little padding)."""
        return self.thread.run(self._token_vectors_here, sequences, batch_size, on_batch)

    def _token_vectors_here(self, sequences: list[list[int]], batch_size: int,
                            on_batch: Callable[[int], None] | None) -> list[np.ndarray]:
        bulk = self.bulk_runtime()
        if bulk is not None:
            out = bulk.hidden_states(sequences, batch_size, padded_batches)
            if on_batch:
                on_batch(len(sequences))
            return out
        import torch
        model = self.model[0].auto_model
        device = next(model.parameters()).device
        out: list[np.ndarray | None] = [None] * len(sequences)
        with torch.inference_mode():
            for batch, ids, mask in padded_batches(sequences, batch_size, self.model.tokenizer.pad_token_id or 0):
                hidden = model(input_ids=torch.from_numpy(ids).to(device),
                               attention_mask=torch.from_numpy(mask).to(device)).last_hidden_state
                hidden = hidden.float().cpu().numpy()
                for row, i in enumerate(batch):
                    out[i] = hidden[row, :len(sequences[i])]
                if on_batch:
                    on_batch(len(batch))
        return out

    def _encode(self, texts: list[str], prompt: str | None, batch_size: int) -> np.ndarray:
        return self.thread.run(self._encode_here, texts, prompt, batch_size)

    def _encode_here(self, texts: list[str], prompt: str | None, batch_size: int) -> np.ndarray:
        padded = padded_rows(texts)
        vectors = self.model.encode(padded, batch_size=batch_size, prompt=prompt,
                                    normalize_embeddings=False, convert_to_numpy=True,
                                    show_progress_bar=False)[:len(texts)]
        # normalised here, in float32: a bfloat16 model's own normalisation is off by up to 0.3%
        return unit_rows(np.asarray(vectors, dtype=np.float32))


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (an all-zero row stays zero), so cosine is a dot product."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


LENGTH_BUCKET = 16  # tokens: texts are padded to a multiple of this


def _bucket_lengths(model) -> None:
    """Pad every batch to a multiple of LENGTH_BUCKET tokens. torch compiles and keeps a kernel for
    each input shape it meets, so a server seeing every query length from 5 to 60 tokens grew by
    hundreds of MB; a few buckets bound that. The attention mask keeps the vectors the same."""
    for module in model:
        if hasattr(module, "processing_kwargs"):
            text = dict(module.processing_kwargs.get("text") or {})
            module.processing_kwargs = {**module.processing_kwargs,
                                        "text": {**text, "pad_to_multiple_of": LENGTH_BUCKET}}


def bucketed(width: int) -> int:
    return -(-width // LENGTH_BUCKET) * LENGTH_BUCKET


def padded_batches(sequences: list[list[int]], batch_size: int,
                   pad: int) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
    """(indices, token ids, attention mask) of batches cut from the sequences sorted longest first, each
    padded to a multiple of LENGTH_BUCKET tokens (int64), for the torch and the OpenVINO runtimes alike.

    >>> [(b, ids.shape, int(mask.sum())) for b, ids, mask in padded_batches([[1, 2], [3, 4, 5]], 2, 0)]
    [([1, 0], (2, 16), 5)]
    """
    order = sorted(range(len(sequences)), key=lambda i: -len(sequences[i]))
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        width = bucketed(max(len(sequences[i]) for i in batch))
        ids = np.full((len(batch), width), pad, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, i in enumerate(batch):
            ids[row, :len(sequences[i])] = sequences[i]
            mask[row, :len(sequences[i])] = 1
        yield batch, ids, mask


ROW_MULTIPLE = 8  # texts per call, past one: padded with empty ones to a multiple of this


def padded_rows(texts: list[str]) -> list[str]:
    """The texts plus empty ones up to a multiple of ROW_MULTIPLE (a single text stays alone: a
    query's latency). The kernel caches key on rows as well as length: the answer checks encode
    1 to 10 sentences at a time, and each new (rows, length) pair compiles kernels that stay: a
    replay of such calls (with a query each) grew a process by 51 MB in its first 25 calls and 19 MB
    more by call 300; padded, 36 MB and 5 MB. Every batch sentence-transformers cuts from a padded
    call has a multiple of 8 rows; rows do not see each other, so the vectors stay the same.

    >>> len(padded_rows(["a"])), len(padded_rows(["a", "b", "c"])), len(padded_rows(["a"] * 16))
    (1, 8, 16)
    """
    return texts if len(texts) <= 1 else texts + [""] * (-len(texts) % ROW_MULTIPLE)


def cpu_bfloat16(settings: Settings) -> bool:
    """Whether local embedders on CPU run in bfloat16: asked for, or `auto` on a processor with
    native bfloat16 arithmetic (elsewhere bfloat16 is emulated and slower than float32)."""
    precision = settings.models.cpu_precision
    return precision == "bfloat16" or (precision == "auto" and native_bfloat16())


def native_bfloat16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """AMX-BF16 or AVX-512 BF16 among the processor's flags (Linux; False where it cannot tell)."""
    try:
        flags = set(cpuinfo.read_text(errors="replace").split())
    except OSError:
        return False
    return bool(flags & {"amx_bf16", "avx512_bf16"})


def _device(settings: Settings) -> str:
    if settings.models.device != "auto":
        return settings.models.device
    import torch
    return "cuda" if torch.cuda.is_available() else "cpu"


def embedder_name(settings: Settings) -> str:
    """The name vectors are recorded under (and the collection named after), known without loading."""
    if settings.models.embed_endpoint_url:
        return endpoint_model(settings)
    name = settings.models.embedder
    spec = REGISTRY.get(name)
    return spec.name if spec else Path(name).name


def embedder_path(settings: Settings) -> str:
    """Where the embedder is loaded from (a path, a hub id on a connected machine, or the endpoint)."""
    if settings.models.embed_endpoint_url:
        return settings.models.embed_endpoint_url
    return resolve_model_path(settings.models.embedder, settings.models_dir)


def endpoint_model(settings: Settings) -> str:
    model = settings.models.embed_endpoint_model
    if not model:
        raise ConfigError("models.embed_endpoint_url is set but models.embed_endpoint_model is not",
                          hint="set ASSISTANT_MODELS__EMBED_ENDPOINT_MODEL to the name the server serves")
    return model


def _modules(settings: Settings) -> list[tuple[str, dict]]:
    """(module type, its config.json) of each sentence-transformers module of the model folder."""
    root = Path(embedder_path(settings))
    out = []
    for module in json.loads((root / "modules.json").read_text()):
        kind = module.get("type", "").rsplit(".", 1)[-1]
        config = root / module.get("path", "") / "config.json"
        out.append((kind, json.loads(config.read_text()) if kind != "Transformer" and config.exists() else {}))
    return out


def embedder_dim(settings: Settings) -> int | None:
    """The vector size read from the model folder's sentence-transformers files, without torch;
    None when the files do not say (then the model has to be loaded to know).

    The last Dense layer decides it when there is one (EmbeddingGemma projects 768 -> 3072 -> 768),
    else the pooling layer's input size.
    """
    try:
        dims = [c.get("out_features") if kind == "Dense" else c.get("word_embedding_dimension")
                for kind, c in _modules(settings) if kind in ("Dense", "Pooling")]
        return int(dims[-1]) if dims and dims[-1] else None
    except (OSError, ValueError, TypeError, ModelMissingError):
        return None


def pooled_kinds(embedder, settings: Settings) -> tuple[str, ...]:
    """The vector kinds this loaded embedder really pools from the whole-abstract pass (the ingest
    writes them so; the answer checks must not take them for texts encoded alone)."""
    kinds = late_chunking_kinds(settings)
    return kinds if kinds and embedder.supports_late_chunking else ()


def index_sentences_differ(embedder, settings: Settings) -> bool:
    """True when the ingest's sentence vectors are not what `embed_documents` gives for the same text
    here: pooled in their abstract's context (late sentences), or encoded by the int8 runtime."""
    if "sentence" in pooled_kinds(embedder, settings):
        return True
    if not settings.models.embed_int8 or getattr(embedder, "bulk_loader", None) is None:
        return False
    from assistant import openvino_runtime
    return openvino_runtime.can_quantize()


def late_chunking_kinds(settings: Settings) -> tuple[str, ...]:
    """The vector kinds pooled from one pass per abstract: the configured ones when the model folder
    is a plain mean-pooling encoder with no document prompt (MiniLM), else none. Read from the
    files, so the collection can be named without loading the model."""
    kinds = tuple(sorted(set(settings.models.late_chunking)))
    spec = REGISTRY.get(settings.models.embedder)
    if not kinds or (spec and spec.document_prompt) or settings.models.embed_endpoint_url:
        return ()
    try:
        modules = _modules(settings)
    except (OSError, ValueError, TypeError, ModelMissingError):
        return ()
    names = [kind for kind, _ in modules]
    plain = names[:2] == ["Transformer", "Pooling"] and set(names[2:]) <= {"Normalize"}
    return kinds if plain and modules[1][1].get("pooling_mode_mean_tokens") else ()


def load_embedder(settings: Settings) -> Embedder:
    """Load (or reuse) the configured embedder; registry names resolve to the models directory, and
    `models.embed_endpoint_url` selects an embeddings server instead."""
    m = settings.models
    if m.embed_endpoint_url:
        from assistant.embedding_endpoint import EndpointEmbedder
        return EndpointEmbedder(m.embed_endpoint_url, endpoint_model(settings), m.embed_endpoint_key,
                                batch_size=max(m.embed_batch_size, 64))
    name = settings.models.embedder
    path = resolve_model_path(name, settings.models_dir)
    device = _device(settings)
    bfloat16 = device == "cpu" and cpu_bfloat16(settings)
    key = (path, device, bfloat16, settings.models.embed_runtime, settings.models.embed_int8)
    with _LOCK:
        cached = _CACHE.get(key)
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
        if bfloat16:
            import torch
            model.to(torch.bfloat16)
        _bucket_lengths(model)
        spec = REGISTRY.get(name)
        prompts = getattr(model, "prompts", {}) or {}
        embedder = Embedder(
            name=embedder_name(settings), path=path, model=model,
            query_prompt=(spec.query_prompt if spec else None) or prompts.get("query"),
            claim_prompt=spec.claim_prompt if spec else None,
            document_prompt=(spec.document_prompt if spec else None) or prompts.get("document"))
        embedder.bulk_loader = _bulk_loader(settings, embedder, device, bfloat16)
        _CACHE[key] = embedder
        return embedder


def _bulk_loader(settings: Settings, embedder: Embedder, device: str, bfloat16: bool) -> Callable[[], object] | None:
    """How to load the OpenVINO runtime for this embedder, or None where torch does the ingest:
    `models.embed_runtime` is torch, the model runs on a GPU, OpenVINO is not installed, or the
    model is not a plain mean-pooling encoder (EmbeddingGemma's prompts and projection layers)."""
    runtime = settings.models.embed_runtime
    if runtime == "torch":
        return None
    from assistant import openvino_runtime
    why = ("the embedder runs on a GPU" if device != "cpu"
           else "the openvino package is not installed" if not openvino_runtime.available()
           else "the embedder is not a plain mean-pooling encoder" if not embedder.supports_late_chunking
           else "")
    if why:
        if runtime == "openvino":
            raise ConfigError(f"models.embed_runtime is openvino but {why}",
                              hint="set ASSISTANT_MODELS__EMBED_RUNTIME=auto (or torch)")
        return None
    model = embedder.model

    def load():
        try:
            xml = openvino_runtime.exported(Path(embedder.path), settings.models_dir)
            if settings.models.embed_int8 and openvino_runtime.can_quantize():
                xml = openvino_runtime.quantized(xml, model.tokenizer, model.max_seq_length)
            elif settings.models.embed_int8:
                logging.getLogger(__name__).warning("nncf is not installed: indexing without int8 quantization")
            return openvino_runtime.OpenVinoEncoder(xml, model.tokenizer, model.max_seq_length, bfloat16)
        except Exception as exc:  # noqa: BLE001 - auto falls back to torch, which always works
            if runtime == "openvino":
                raise ConfigError(f"models.embed_runtime is openvino but it could not be loaded: {exc}",
                                  hint="set ASSISTANT_MODELS__EMBED_RUNTIME=torch") from exc
            logging.getLogger(__name__).warning("OpenVINO could not be loaded (%s); indexing with torch", exc)
            return None
    return load
