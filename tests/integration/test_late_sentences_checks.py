"""With late-chunked sentences, the answer checks encode the sources' sentences on their own: the stored
vectors are pooled in their abstract's context and are not comparable with an answer sentence encoded
alone (reusing them withheld 3 of 46 right dev answers)."""

import numpy as np
import pytest

import ingest
from assistant.pipeline import Assistant

pytestmark = pytest.mark.slow


def test_checks_encode_source_sentences_fresh_when_they_are_late(embedder_present, tmp_path, make_settings,
                                                               corpus_records, write_jsonl):
    corpus = write_jsonl(tmp_path / "papers.jsonl", corpus_records[:3])
    assistant = Assistant(make_settings(tmp_path / "data", models={"late_chunking": ["sentence"]}))
    assistant.ingest(ingest.read_paths([corpus]))
    pid = next(iter(assistant.store.papers()))
    sentences, stored = assistant.store.sentences_of([pid])[pid]  # also fills the cache the checks read
    alone = assistant.embedder.embed_documents(sentences[:2])
    assert not np.allclose(stored[:2], alone, atol=1e-3)  # pooled in context: another vector
    np.testing.assert_allclose(assistant._embed_cached(sentences[:2]), alone, atol=1e-5)
