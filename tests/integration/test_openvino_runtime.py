"""The ingest's OpenVINO runtime (models.embed_runtime, models.embed_int8): the real MiniLM exported from
its local weights, and quantized to int8, against the torch path it replaces while indexing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant import openvino_runtime
from assistant.embedding import load_embedder
from assistant.errors import ConfigError
from assistant.late_chunking import paper_pass

pytestmark = pytest.mark.skipif(not openvino_runtime.available(), reason="openvino is not installed")

LONG = " ".join(f"Sentence {i} reports a result on benchmark number {i} with a new method." for i in range(60))
TEXTS = ["Grokking is delayed generalization long after the training loss has converged.",
         "NoProp trains each layer to denoise a noisy label embedding, without back-propagation.",
         "Über-große Modelle – naïve “quotes”, emoji 🙂 and 中文 text.",
         "x", "  padded with spaces  ", LONG]  # LONG is past the 256-token window: both truncate it
QUERIES = ["why do networks generalize late in training", "learning without backprop", "multilingual text"]


@pytest.fixture(scope="module")
def pair(embedder_present, make_settings, tmp_path_factory):
    data = tmp_path_factory.mktemp("runtime")
    fast = load_embedder(make_settings(data, models={"embed_runtime": "openvino", "embed_int8": False}))
    torch_only = load_embedder(make_settings(data, models={"embed_runtime": "torch"}))
    return fast, torch_only


def test_index_vectors_match_torch_and_rank_the_same(pair):
    fast, torch_only = pair
    assert fast.bulk_runtime() is not None and torch_only.bulk_runtime() is None
    ov, ref = fast.embed_index(TEXTS, batch_size=4), torch_only.embed_index(TEXTS, batch_size=4)
    assert ov.dtype == np.float32 and ov.shape == ref.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(ov, axis=1), 1.0, atol=1e-5)
    assert (ov * ref).sum(axis=1).min() > 0.999
    queries = torch_only.embed_queries(QUERIES)  # queries always go through torch
    assert ((queries @ ov.T).argmax(axis=1) == (queries @ ref.T).argmax(axis=1)).all()
    assert fast.embed_index([], batch_size=4).shape == (0, 384)


def test_late_chunking_token_vectors_match_torch(pair):
    fast, torch_only = pair
    sentences = ["Grokking is delayed generalization.", "It appears long after the loss converged.",
                 "We explain it with a linear model.", LONG]
    passes = [paper_pass("Towards Understanding Grokking", sentences, [(0, 3), (1, 3)])]
    (whole_ov, parts_ov), = fast.embed_late(passes, batch_size=2)
    (whole_pt, parts_pt), = torch_only.embed_late(passes, batch_size=2)
    assert parts_ov.shape == parts_pt.shape == (2 + len(sentences), 384)
    assert float(whole_ov @ whole_pt) > 0.999
    assert (parts_ov * parts_pt).sum(axis=1).min() > 0.999


def test_export_is_verified_and_redone_when_its_files_change(pair, tmp_path):
    fast, _ = pair
    from pathlib import Path
    xml = openvino_runtime.exported(Path(fast.path), tmp_path)
    manifest = json.loads((xml.parent / openvino_runtime.MANIFEST).read_text())
    assert set(manifest["files"]) == {"model.xml", "model.bin"} and len(manifest["source_sha256"]) == 64
    stamp = (xml.parent / "model.bin").stat().st_mtime_ns
    assert openvino_runtime.exported(Path(fast.path), tmp_path) == xml  # verified, not redone
    assert (xml.parent / "model.bin").stat().st_mtime_ns == stamp
    with open(xml.parent / "model.bin", "r+b") as fh:  # a damaged copy in the cache
        fh.seek(1000)
        fh.write(b"\x00" * 64)
    assert openvino_runtime.exported(Path(fast.path), tmp_path) == xml
    assert openvino_runtime._verified(xml.parent, manifest["source_sha256"], manifest["openvino"])
    assert not list(tmp_path.glob(f"{openvino_runtime.EXPORT_DIR}/.*"))  # no temporary folders left


def test_asking_for_openvino_where_it_cannot_run_is_a_clear_error(embedder_present, make_settings, tmp_path,
                                                                  monkeypatch):
    from assistant import embedding
    monkeypatch.setattr(embedding, "_CACHE", {})  # not an embedder another test loaded with openvino
    monkeypatch.setattr(openvino_runtime, "available", lambda: False)
    with pytest.raises(ConfigError, match="openvino package is not installed"):
        load_embedder(make_settings(tmp_path, models={"embed_runtime": "openvino", "cpu_precision": "float32"}))
    auto = load_embedder(make_settings(tmp_path, models={"embed_runtime": "auto", "cpu_precision": "float32"}))
    assert auto.bulk_runtime() is None  # auto falls back to torch
    np.testing.assert_allclose(auto.embed_index(TEXTS[:2]), auto.embed_documents(TEXTS[:2]))


@pytest.fixture(scope="module")
def int8(embedder_present, make_settings, tmp_path_factory):
    if not openvino_runtime.can_quantize():
        pytest.skip("nncf is not installed")
    data = tmp_path_factory.mktemp("int8")
    return load_embedder(make_settings(data, models={"embed_runtime": "openvino", "embed_int8": True}))


def test_int8_vectors_stay_close_to_torch_and_rank_the_same(int8, pair):
    _, torch_only = pair
    assert int8.bulk_runtime() is not pair[0].bulk_runtime()
    q8, ref = int8.embed_index(TEXTS, batch_size=4), torch_only.embed_index(TEXTS, batch_size=4)
    np.testing.assert_allclose(np.linalg.norm(q8, axis=1), 1.0, atol=1e-5)
    cosine = (q8 * ref).sum(axis=1)
    assert cosine.min() > 0.97 and cosine.mean() > 0.99
    assert cosine.min() < 0.9999  # really quantized: not the floating-point model under another name
    queries = torch_only.embed_queries(QUERIES)
    assert ((queries @ q8.T).argmax(axis=1) == (queries @ ref.T).argmax(axis=1)).all()


def test_int8_export_is_made_once_from_the_shipped_calibration_and_verified(int8, pair, tmp_path):
    from pathlib import Path
    assert openvino_runtime.CALIBRATION.is_file()  # shipped with the package: no corpus needed
    model = pair[0].model
    xml = openvino_runtime.exported(Path(pair[0].path), tmp_path)
    q = openvino_runtime.quantized(xml, model.tokenizer, model.max_seq_length)
    assert q.parent.name == xml.parent.name + "-int8"
    manifest = json.loads((q.parent / openvino_runtime.MANIFEST).read_text())
    assert set(manifest["files"]) == {"model.xml", "model.bin"}
    assert (q.parent / "model.bin").stat().st_size < (xml.parent / "model.bin").stat().st_size / 2  # 8-bit weights
    stamp = (q.parent / "model.bin").stat().st_mtime_ns
    assert openvino_runtime.quantized(xml, model.tokenizer, model.max_seq_length) == q  # verified, not redone
    assert (q.parent / "model.bin").stat().st_mtime_ns == stamp
    with open(q.parent / "model.bin", "r+b") as fh:  # a damaged copy is made again
        fh.write(b"\x00" * 64)
    assert openvino_runtime.quantized(xml, model.tokenizer, model.max_seq_length) == q
    assert openvino_runtime._verified(q.parent, manifest["source_sha256"], manifest["openvino"])
    assert not list(tmp_path.glob(f"{openvino_runtime.EXPORT_DIR}/.*"))


def test_int8_without_nncf_indexes_in_floating_point_with_a_warning(embedder_present, make_settings, tmp_path,
                                                                     monkeypatch, caplog):
    from assistant import embedding
    monkeypatch.setattr(embedding, "_CACHE", {})
    monkeypatch.setattr(openvino_runtime, "can_quantize", lambda: False)
    fast = load_embedder(make_settings(tmp_path, models={"embed_runtime": "openvino", "embed_int8": True}))
    runtime = fast.bulk_runtime()
    assert runtime is not None and "nncf is not installed" in caplog.text
    vectors = fast.embed_index(TEXTS[:2])
    np.testing.assert_allclose(vectors, fast.embed_documents(TEXTS[:2]), atol=0.02)
