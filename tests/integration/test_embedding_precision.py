"""The embedder in bfloat16 on CPU (models.cpu_precision): the real MiniLM, against float32."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embedding import load_embedder, native_bfloat16

TEXTS = ["Grokking is delayed generalization long after the training loss has converged.",
         "NoProp trains each layer to denoise a noisy label embedding, without back-propagation.",
         "A graph neural network predicts crystal structures of new materials.",
         "Diffusion models generate images by reversing a gradual noising process."]
QUERIES = ["why do networks generalize late in training", "learning without backprop",
           "materials discovery with generative models"]


@pytest.fixture(scope="module")
def pair(embedder_present, make_settings, tmp_path_factory):
    data = tmp_path_factory.mktemp("precision")
    exact = load_embedder(make_settings(data, models={"cpu_precision": "float32"}))
    half = load_embedder(make_settings(data, models={"cpu_precision": "bfloat16"}))
    return exact, half


def test_bfloat16_vectors_match_float32_and_come_out_as_float32(pair):
    exact, half = pair
    import torch
    assert next(half.model.parameters()).dtype == torch.bfloat16
    assert next(exact.model.parameters()).dtype == torch.float32  # a separate model, not a cast of the same
    docs_exact, docs_half = exact.embed_documents(TEXTS), half.embed_documents(TEXTS)
    assert docs_half.dtype == np.float32 and docs_half.shape == docs_exact.shape
    np.testing.assert_allclose(np.linalg.norm(docs_half, axis=1), 1.0, atol=1e-5)  # cosine = dot product
    assert (docs_half * docs_exact).sum(axis=1).min() > 0.995
    # the same papers rank first for each query
    q_exact, q_half = exact.embed_queries(QUERIES), half.embed_queries(QUERIES)
    assert ((q_half @ docs_half.T).argmax(axis=1) == (q_exact @ docs_exact.T).argmax(axis=1)).all()


def test_native_bfloat16_reads_the_processor_flags(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("flags\t\t: fpu sse2 avx2 avx512f\n")
    assert not native_bfloat16(cpuinfo)
    cpuinfo.write_text("flags\t\t: fpu sse2 avx2 avx512f amx_bf16 amx_tile\n")
    assert native_bfloat16(cpuinfo)
    assert not native_bfloat16(tmp_path / "missing")


def test_text_lengths_are_padded_to_a_few_shapes(pair):
    """torch keeps a compiled kernel per input shape: every length met must land in a bucket of
    LENGTH_BUCKET tokens, or a server grows with each new query length. Padding leaves vectors as
    they were (the attention mask hides it)."""
    from assistant.embedding import LENGTH_BUCKET
    exact, _ = pair
    widths = []
    hook = exact.model[0].register_forward_pre_hook(lambda _module, args: widths.append(args[0]["input_ids"].shape[1]))
    try:
        padded = exact.embed_queries(QUERIES + ["x", "a much longer question " * 9])
    finally:
        hook.remove()
    assert widths and all(w % LENGTH_BUCKET == 0 for w in widths), widths
    transformer = exact.model[0]
    kwargs = transformer.processing_kwargs
    transformer.processing_kwargs = {}
    try:
        plain = exact.embed_queries(QUERIES + ["x", "a much longer question " * 9])
    finally:
        transformer.processing_kwargs = kwargs
    assert (padded * plain).sum(axis=1).min() > 0.9999


def test_row_counts_are_padded_to_a_few_shapes(pair):
    """The answer checks encode 1 to 10 sentences at a time; each new row count compiled kernels
    that stayed. Calls of 2 to 9 texts must reach the model as multiples of ROW_MULTIPLE rows (one
    text alone stays one row), and each text's vector must be what it is when encoded alone."""
    from assistant.embedding import ROW_MULTIPLE
    exact, _ = pair
    rows = []
    hook = exact.model[0].register_forward_pre_hook(lambda _module, args: rows.append(args[0]["input_ids"].shape[0]))
    try:
        calls = [exact.embed_documents((TEXTS * 3)[:n]) for n in range(1, 10)]
    finally:
        hook.remove()
    assert rows[0] == 1 and all(r % ROW_MULTIPLE == 0 for r in rows[1:]), rows
    assert [len(c) for c in calls] == list(range(1, 10))
    alone = np.vstack([exact.embed_documents([t]) for t in TEXTS])
    assert (calls[-1][:len(TEXTS)] * alone).sum(axis=1).min() > 0.9999
