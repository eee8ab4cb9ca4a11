"""A plain mean-pooling encoder (MiniLM) run by OpenVINO, for the bulk encoding of an ingest.

On this project's 2-core machines OpenVINO encodes MiniLM about 1.7x faster than torch, both in
bfloat16, with vectors within 0.9999 cosine of torch's (`benchmarks/runtime.py`). The model is
exported once from the local weights into the models directory, keyed by the weights' sha256, and
its files are checked against the sha256 recorded at export before every load.

With `models.embed_int8` the exported model is quantized once more, to 8-bit integers by NNCF,
calibrated on texts that ship with the package (`CALIBRATION`), each layer's feed-forward output left
in floating point: about 1.25x faster again, vectors within 0.999 cosine of torch's on average,
retrieval the same on dev, paraphrases and SciFact (`benchmarks/runtime.py`, README).

Only this module imports openvino and nncf. It tokenizes with the embedder's own tokenizer (the same ids,
padding and truncation as sentence-transformers) and returns unnormalised mean-pooled vectors or
per-token hidden states, like the torch path in `embedding.py`.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import logging
import os
import re
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
CALIBRATION = Path(__file__).parent / "data" / "calibration.jsonl"  # `python -m benchmarks.calibration`
CALIBRATION_BATCH = 8  # texts per calibration sample: 300 texts give NNCF 38 samples
# matrix products left in floating point: each layer's feed-forward output, whose inputs have the outliers
# that 8 bits serve worst (half the vector error of quantizing everything, for a quarter of the speed-up)
FLOAT_LAYERS = re.compile(r"\.layer\.\d+\.output\.dense/")
_EXPORT_LOCK = threading.Lock()


def available() -> bool:
    """True when the openvino package is installed (without importing it)."""
    return importlib.util.find_spec("openvino") is not None


def can_quantize() -> bool:
    """True when nncf, which quantizes the export to int8, is installed too."""
    return available() and importlib.util.find_spec("nncf") is not None


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
            _save(_converted(model_dir), folder, source, ov.__version__)
    return folder / "model.xml"


def quantized(xml: Path, tokenizer, max_length: int) -> Path:
    """The export at `xml` quantized to int8 by NNCF, calibrated on `CALIBRATION`; made once beside it
    (`<name>-int8`), keyed by the export's weights, the calibration texts and the nncf version, and
    verified like the export before every load."""
    import nncf
    import openvino as ov

    from assistant.models import sha256_file
    folder = xml.parent.with_name(xml.parent.name + "-int8")
    weights = json.loads((xml.parent / MANIFEST).read_text())["files"]["model.bin"]  # just verified by `exported`
    source = hashlib.sha256(f"{weights} {sha256_file(CALIBRATION)} "
                            f"nncf {nncf.__version__} {FLOAT_LAYERS.pattern}".encode()).hexdigest()
    with _EXPORT_LOCK:
        if not _verified(folder, source, ov.__version__):
            _save(_quantize(xml, tokenizer, max_length), folder, source, ov.__version__)
    return folder / "model.xml"


def _quantize(xml: Path, tokenizer, max_length: int):
    """NNCF's post-training quantization for transformers (SmoothQuant, then int8 weights and
    activations with ranges from the calibration texts; layer norms and softmax stay in floating point)."""
    import nncf
    import openvino as ov

    from assistant.embedding import padded_batches
    model = ov.Core().read_model(str(xml))
    inputs = {port.get_any_name() for port in model.inputs}
    tokenize = _rust_tokenizer(tokenizer, max_length)
    texts = [json.loads(line)["text"] for line in CALIBRATION.read_text().splitlines() if line.strip()]
    sequences = [encoding.ids for encoding in tokenize.encode_batch(texts)]
    feeds = [_feed(ids, mask, inputs) for _, ids, mask in
             padded_batches(sequences, CALIBRATION_BATCH, tokenizer.pad_token_id or 0)]
    kept = [op.get_friendly_name() for op in model.get_ops()
            if op.get_type_name() == "MatMul" and FLOAT_LAYERS.search(op.get_friendly_name())]
    logging.getLogger(__name__).info("quantizing %s to int8 for indexing (once, about 15 s)", xml.parent.name)
    logging.getLogger("nncf").setLevel(logging.ERROR)  # not nncf.set_log_level: it changes others' handlers too
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        # NNCF draws its own progress bars on the console: not the user's business
        return nncf.quantize(model, nncf.Dataset(feeds), model_type=nncf.ModelType.TRANSFORMER,
                             preset=nncf.QuantizationPreset.MIXED, subset_size=len(feeds),
                             ignored_scope=nncf.IgnoredScope(names=kept) if kept else None)


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


def _converted(model_dir: Path):
    """The float32 weights as an OpenVINO model (bfloat16 is chosen at compile time)."""
    import openvino as ov
    import torch
    from transformers import AutoModel
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, dtype=torch.float32).eval()
    example = {"input_ids": torch.ones((2, 16), dtype=torch.long),
               "attention_mask": torch.ones((2, 16), dtype=torch.long)}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on branches that every real input takes alike
        return ov.convert_model(model, example_input=example)


def _save(converted, folder: Path, source: str, version: str) -> None:
    """Write a model into a temporary folder, then move it into place, so a crash or a second
    process never sees half an export."""
    import openvino as ov

    from assistant.models import sha256_file
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
        self.tokenize = _rust_tokenizer(tokenizer, max_length)
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
            queue.start_async(_feed(ids, mask, self.inputs), (batch, mask))
        queue.wait_all()
        if errors:
            raise errors[0]


def _rust_tokenizer(tokenizer, max_length: int):
    """The tokenizer's Rust core, copied and set to truncate as sentence-transformers does: the same
    ids without the per-text Python work of the transformers wrapper (about 30% faster)."""
    from tokenizers import Tokenizer
    tokenize = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
    tokenize.enable_truncation(max_length)
    tokenize.no_padding()
    return tokenize


def _feed(ids: np.ndarray, mask: np.ndarray, inputs: set[str]) -> dict[str, np.ndarray]:
    """One padded batch as the model's inputs (BERT's token types are all 0 for one segment)."""
    feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    return {name: value for name, value in feed.items() if name in inputs}
