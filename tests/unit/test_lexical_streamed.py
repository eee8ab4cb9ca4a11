"""The BM25 index is built from a stream of rows, each text turned into token ids as it passes, so
neither the texts nor their token strings are held all at once. Its scores must be exactly
those of bm25s indexing the same analysed token lists its own way, and it must read its rows once."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.chunking import chunk_paper_id
from assistant.lexical import LexicalIndex, _bm25s, analyze

SAMPLE = Path(__file__).resolve().parents[2] / "tests" / "ui" / "fixtures" / "papers.jsonl"
QUERIES = ["grokking", "attention heads in transformers", "sparse autoencoder features", "how does dropout work",
           "a word in no abstract: zyxwvut", "learning rate warmup", "reinforcement learning from human feedback"]


def _texts() -> list[str]:
    rows = [json.loads(line) for line in SAMPLE.read_text().splitlines() if line.strip()]
    return [f"{r['title']}. {r['abstract']}" for r in rows] + ["", "the of and"]  # empty after analysis too


def test_streamed_build_scores_exactly_as_bm25s_own_path():
    texts = _texts()
    ids = [f"p{i}#a" for i in range(len(texts))]
    streamed = LexicalIndex.build_from(((cid, chunk_paper_id(cid), t) for cid, t in zip(ids, texts)), "fp")
    reference = _bm25s().BM25(k1=1.2, b=0.75)
    reference.index([analyze(t) or ["_empty_"] for t in texts], show_progress=False)
    assert streamed.paper_ids == [f"p{i}" for i in range(len(texts))]
    for query in QUERIES:
        tokens = [t for t in analyze(query) if t in reference.vocab_dict]
        expected = np.asarray(reference.get_scores(tokens), np.float32) if tokens else np.zeros(len(texts), np.float32)
        np.testing.assert_allclose(streamed.scores(query), expected, rtol=1e-6, atol=1e-7)
    assert streamed.top("grokking", 3) and all(score > 0 for _, _, score in streamed.top("grokking", 3))


def test_rows_are_read_once_and_lazily():
    seen = []

    def rows():
        for i, text in enumerate(_texts()[:5]):
            seen.append(i)
            yield f"p{i}#a", f"p{i}", text
    index = LexicalIndex.build_from(rows(), "fp")
    assert seen == [0, 1, 2, 3, 4] and len(index.chunk_ids) == 5


def test_the_saved_streamed_index_loads_with_the_same_scores(tmp_path):
    texts = _texts()
    index = LexicalIndex.build_from(((f"p{i}#w0", f"p{i}", t) for i, t in enumerate(texts)), "fp-s")
    index.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25")
    for query in QUERIES:
        np.testing.assert_array_equal(loaded.scores(query), index.scores(query))
