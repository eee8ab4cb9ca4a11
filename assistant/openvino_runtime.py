"""A plain mean-pooling encoder (MiniLM) run by OpenVINO, for the bulk encoding of an ingest.

On this project's 2-core machines OpenVINO encodes MiniLM about 1.7x faster than torch, both in
bfloat16, with vectors within 0.9999 cosine of torch's (`benchmarks/runtime.py`). The model is
exported once from the local weights into the models directory, keyed by the weights' sha256, and
its files are checked against the sha256 recorded at export before every load.

Only this module imports openvino. It tokenizes with the embedder's own tokenizer (the same ids,
padding and truncation as sentence-transformers) and returns unnormalised mean-pooled vectors or
per-token hidden states, like the torch path in `embedding.py`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path

import numpy as np

from assistant.errors import ModelMissingError

EXPORT_DIR = "openvino"  # under the models directory: one folder per source weights
MANIFEST = "manifest.json"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
REQUESTS = 2  # inference requests in flight: one stream per core on a 2-core machine
BATCH = 16  # texts per request at most: measured faster than 32 or 64 with two streams
SHAPE_CACHE = 64  # compiled shapes OpenVINO keeps (its default, 5,000, grows a long-lived process)
_EXPORT_LOCK = threading.Lock()


def available() -> bool:
    """True when the openvino package is installed (without importing it)."""
    return importlib.util.find_spec("openvino") is not None


def weights_sha256(model_dir: Path) -> str:
    from assistant.models import sha256_file
    for name in WEIGHT_FILES:
        if (Path(model_dir) / name).is_file():
            return sha256_file(Path(model_dir) / name)
    raise ModelMissingError(f"no model weights ({' or '.join(WEIGHT_FILES)}) in {model_dir}",
                            hint="run: python -m assistant models fetch")


def exported(model_dir: Path, models_dir: Path) -> Path:
    """The OpenVINO model for the weights in `model_dir`: exported on first use, verified after."""
    import openvino as ov
    source = weights_sha256(model_dir)
    folder = Path(models_dir) / EXPORT_DIR / f"{Path(model_dir).name}-{source[:16]}"
    with _EXPORT_LOCK:
        if not _verified(folder, source, ov.__version__):
            _export(model_dir, folder, source, ov.__version__)
    return folder / "model.xml"


def _verified(folder: Path, source: str, version: str) -> bool:
    from assistant.models import sha256_file
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return (manifest.get("source_sha256") == source and manifest.get("openvino") == version
            and all((folder / name).is_file() and sha256_file(folder / name) == sha
                    for name, sha in manifest.get("files", {}).items())
            and set(manifest.get("files", {})) == {"model.xml", "model.bin"})


def _export(model_dir: Path, folder: Path, source: str, version: str) -> None:
    """Convert the float32 weights (bfloat16 is chosen at compile time) into a temporary folder, then
    move it into place, so a crash or a second process never sees half an export."""
    import openvino as ov
    import torch
    from transformers import AutoModel

    from assistant.models import sha256_file
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, dtype=torch.float32).eval()
    example = {"input_ids": torch.ones((2, 16), dtype=torch.long),
               "attention_mask": torch.ones((2, 16), dtype=torch.long)}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on branches that every real input takes alike
        converted = ov.convert_model(model, example_input=example)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        ov.save_model(converted, tmp / "model.xml", compress_to_fp16=False)
        files = {name: sha256_file(tmp / name) for name in ("model.xml", "model.bin")}
        (tmp / MANIFEST).write_text(json.dumps({"source_sha256": source, "openvino": version, "files": files},
                                               indent=2))
        tmp.chmod(0o755)  # mkdtemp's folder is private; the models directory is not
        if folder.exists() and not _verified(folder, source, version):  # a damaged or outdated export
            shutil.rmtree(folder, ignore_errors=True)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process put its export there first
            if not _verified(folder, source, version):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class OpenVinoEncoder:
    """Last hidden states and mean-pooled vectors of a BERT-style encoder compiled for the CPU."""

    def __init__(self, xml: Path, tokenizer, max_length: int, bfloat16: bool):
        import openvino as ov
        config = {"PERFORMANCE_HINT": "THROUGHPUT", "NUM_STREAMS": str(REQUESTS),
                  "INFERENCE_PRECISION_HINT": "bf16" if bfloat16 else "f32",
                  "CPU_RUNTIME_CACHE_CAPACITY": str(SHAPE_CACHE)}
        self._ov = ov
        self.compiled = ov.Core().compile_model(str(xml), "CPU", config)
        self.pad_id = tokenizer.pad_token_id or 0
        # the tokenizer's Rust core, copied and set to truncate as sentence-transformers does: the same
        # ids without the per-text Python work of the transformers wrapper (about 30% faster)
        from tokenizers import Tokenizer
        self.tokenize = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
        self.tokenize.enable_truncation(max_length)
        self.tokenize.no_padding()
        self.inputs = {port.get_any_name() for port in self.compiled.inputs}
        self.dim = int(self.compiled.outputs[0].get_partial_shape()[2].get_length())

    def mean_pooled(self, texts: list[str], batch_size: int, batches) -> np.ndarray:
        """One unnormalised mean-pooled vector per text, as sentence-transformers pools them."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        sequences = [encoding.ids for encoding in self.tokenize.encode_batch(texts)]

        def take(batch, hidden, mask):  # the masked mean as one batched product: 10x the elementwise one
            weights = mask[:, None, :].astype(np.float32)
            out[batch] = np.matmul(weights, hidden)[:, 0] / np.maximum(weights.sum(2), 1)
        self._run(sequences, batch_size, batches, take)
        return out

    def hidden_states(self, sequences: list[list[int]], batch_size: int, batches) -> list[np.ndarray]:
        """Each token sequence's last hidden states (its own tokens, padding cut off)."""
        out: list[np.ndarray | None] = [None] * len(sequences)

        def take(batch, hidden, mask):
            for row, i in enumerate(batch):
                out[i] = hidden[row, :len(sequences[i])].astype(np.float32, copy=True)
        self._run(sequences, batch_size, batches, take)
        return out

    def _run(self, sequences: list[list[int]], batch_size: int, batches, take) -> None:
        """The batches that `batches(sequences, size, pad)` cuts (`embedding.padded_batches`), at most BATCH
        texts each, REQUESTS in flight; `take(indices, hidden, mask)` is called for each as it finishes."""
        queue = self._ov.AsyncInferQueue(self.compiled, REQUESTS)
        errors: list[BaseException] = []

        def done(request, userdata):
            batch, mask = userdata
            try:
                take(batch, request.get_output_tensor(0).data, mask)
            except BaseException as exc:  # noqa: BLE001 - re-raised on the calling thread below
                errors.append(exc)
        queue.set_callback(done)
        for batch, ids, mask in batches(sequences, min(batch_size, BATCH), self.pad_id):
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            queue.start_async({k: v for k, v in feed.items() if k in self.inputs}, (batch, mask))
        queue.wait_all()
        if errors:
            raise errors[0]
