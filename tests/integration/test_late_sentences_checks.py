"""When the ingest's sentence vectors are not what encoding a sentence alone gives here (late-chunked
sentences, pooled in their abstract's context; or the int8 ingest runtime), the answer path encodes the
sources' sentences again, once per paper, for the quotes and the answer checks. Reusing late vectors
withheld 3 of 46 right dev answers; int8 ones flipped a near tie between two sentences of one abstract
(a right answer withheld)."""

import numpy as np
import pytest

import ingest
from assistant import openvino_runtime
from assistant.pipeline import Assistant

pytestmark = pytest.mark.slow

SETUPS = {"late-sentences": {"late_chunking": ["sentence"], "embed_runtime": "torch"},
          "int8": {"embed_runtime": "openvino", "embed_int8": True}}


@pytest.mark.parametrize("setup", SETUPS, ids=list(SETUPS))
def test_answers_encode_source_sentences_here_when_the_stored_ones_differ(setup, embedder_present, tmp_path,
                                                                         make_settings, corpus_records, write_jsonl):
    if setup == "int8" and not openvino_runtime.can_quantize():
        pytest.skip("openvino or nncf is not installed")
    corpus = write_jsonl(tmp_path / "papers.jsonl", corpus_records[:3])
    assistant = Assistant(make_settings(tmp_path / "data", models=SETUPS[setup]))
    assistant.ingest(ingest.read_paths([corpus]))
    pid = next(iter(assistant.store.papers()))
    sentences, stored = assistant.store.sentences_of([pid])[pid]
    alone = assistant.embedder.embed_documents(sentences)
    assert not np.allclose(stored, alone, atol=1e-4)  # what the ingest stored is another vector
    same, fresh = assistant._sentences_of([pid])[pid]
    assert same == sentences
    np.testing.assert_allclose(fresh, alone, atol=1e-4)
    assert assistant._sentences_of([pid])[pid][1] is fresh  # encoded once, then cached
    np.testing.assert_allclose(assistant._embed_cached(sentences[:2]), alone[:2], atol=1e-4)


def test_stored_sentences_serve_the_answers_when_the_ingest_encoded_them_as_here(embedder_present, tmp_path,
                                                                                make_settings, corpus_records,
                                                                                write_jsonl):
    corpus = write_jsonl(tmp_path / "papers.jsonl", corpus_records[:2])
    assistant = Assistant(make_settings(tmp_path / "data", models={"embed_runtime": "torch"}))
    assistant.ingest(ingest.read_paths([corpus]))
    pid = next(iter(assistant.store.papers()))
    assert assistant._fresh_sentences() is None
    np.testing.assert_array_equal(assistant._sentences_of([pid])[pid][1], assistant.store.sentences_of([pid])[pid][1])
