"""The embedder on a CUDA GPU: chosen by `models.device=auto`, float32 there, the same vectors as on
the CPU for queries, documents and late-chunked parts, and no OpenVINO bulk runtime."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.config import ModelSettings, Settings
from assistant.llm.select import cuda_available
from assistant.offline import apply_offline_env

apply_offline_env()

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not cuda_available(), reason="needs a CUDA GPU")]

TEXTS = ["Grokking is delayed generalization in small transformers trained on modular arithmetic.",
         "Retrieval augmented generation cites its sources.",
         "Small transformers generalize long after they fit the training set, a delayed effect."]


def write_tiny_encoder(out_dir):
    """A random 2-layer BERT behind mean pooling and normalisation (sentence-transformers layout),
    with a word-level vocabulary of the test texts: MiniLM's shape, a few kB of weights."""
    import transformers
    from sentence_transformers import SentenceTransformer, models

    words = sorted({w.strip(".,").lower() for t in TEXTS for w in t.split()})
    hf = out_dir / "hf"
    hf.mkdir(parents=True)
    (hf / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", *words]) + "\n")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(hf / "vocab.txt"))
    config = transformers.BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    transformers.BertModel(config).save_pretrained(hf)
    tokenizer.save_pretrained(hf)
    encoder = models.Transformer(str(hf), max_seq_length=64)
    width = getattr(encoder, "get_embedding_dimension", None) or encoder.get_word_embedding_dimension
    pooling = models.Pooling(width(), pooling_mode="mean")
    SentenceTransformer(modules=[encoder, pooling, models.Normalize()], device="cpu").save(str(out_dir / "st"))
    return out_dir / "st"


@pytest.fixture(scope="module")
def embedders(tmp_path_factory):
    from assistant.embedding import load_embedder

    path = str(write_tiny_encoder(tmp_path_factory.mktemp("encoder")))
    root = tmp_path_factory.mktemp("models")
    gpu = load_embedder(Settings(models_dir=root, models=ModelSettings(embedder=path)))
    cpu = load_embedder(Settings(models_dir=root, models=ModelSettings(embedder=path, device="cpu",
                                                                       cpu_precision="float32")))
    return gpu, cpu


def test_auto_puts_the_embedder_on_the_gpu_in_float32(embedders):
    import torch

    gpu, cpu = embedders
    weights = next(gpu.model.parameters())
    assert weights.device.type == "cuda" and weights.dtype == torch.float32
    assert next(cpu.model.parameters()).device.type == "cpu"
    assert gpu.bulk_loader is None  # OpenVINO indexes on CPU only


def test_gpu_vectors_match_the_cpu_ones(embedders):
    gpu, cpu = embedders
    for fn in ("embed_queries", "embed_documents"):
        a, b = getattr(gpu, fn)(TEXTS), getattr(cpu, fn)(TEXTS)
        assert a.shape == b.shape == (3, 32)
        np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
        assert float(np.min(np.sum(a * b, axis=1))) > 0.9999, fn


def test_late_chunked_parts_match_on_the_gpu(embedders):
    from assistant.late_chunking import paper_pass

    gpu, cpu = embedders
    assert gpu.supports_late_chunking
    passes = [paper_pass("Grokking", TEXTS[:2], [(0, 2)]), paper_pass("Delayed", TEXTS[2:], [(0, 1)])]
    for (wg, pg), (wc, pc) in zip(gpu.embed_late(passes), cpu.embed_late(passes)):
        assert pg.shape == pc.shape and pg.shape[0] >= 1
        assert min(_cosines(wg[None], wc[None])) > 0.9999
        assert min(_cosines(pg, pc)) > 0.9999


def _cosines(a, b):
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
