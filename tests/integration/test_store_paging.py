"""Chroma's SQLite refuses one read of more than ~32,000 rows ("too many SQL variables"): at 20,000
papers (about 100,000 chunks) the BM25 rebuild at the end of an ingest died there. Every whole-store
read goes through `get_all`, a page at a time."""

import chromadb
import numpy as np
import pytest

from assistant import store as store_module
from assistant.pipeline import Assistant
from assistant.store import get_all

pytestmark = pytest.mark.slow
ROWS = 33_000  # past SQLite's 32,766 variables


def test_get_all_reads_more_rows_than_one_chroma_get_can(tmp_path):
    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"))
    rows = client.get_or_create_collection("many-rows")
    step = client.get_max_batch_size()
    rng = np.random.default_rng(0)
    for start in range(0, ROWS, step):
        ids = [f"c{i}" for i in range(start, min(ROWS, start + step))]
        rows.add(ids=ids, embeddings=rng.random((len(ids), 2), dtype=np.float32),
                 documents=[f"text {i}" for i in ids], metadatas=[{"paper_id": i} for i in ids])
    with pytest.raises(Exception, match="too many SQL variables"):
        rows.get(include=["documents", "metadatas"])  # what the store did before
    got = get_all(rows, include=["documents", "metadatas"])
    assert len(got["ids"]) == len(set(got["ids"])) == ROWS
    assert got["documents"][:1] == [f"text {got['ids'][0]}"]
    assert {m["paper_id"] for m in got["metadatas"]} == set(got["ids"])


def test_store_reads_page_by_page(small_index, make_settings, monkeypatch):
    """Pages of 7 rows over the 20-paper index give the same papers and BM25 texts as one read."""
    whole_papers = dict(small_index.store.papers())
    whole_chunks = small_index.store.all_chunk_texts()
    monkeypatch.setattr(store_module, "GET_PAGE", 7)
    paged = Assistant(small_index.settings)
    assert paged.store.papers().keys() == whole_papers.keys()
    assert sorted(zip(*paged.store.all_chunk_texts())) == sorted(zip(*whole_chunks))
    assert len(whole_chunks[0]) > 7 * 3


def test_writes_go_to_chroma_in_slices_it_accepts(small_index, make_settings, tmp_path, monkeypatch):
    """A local Chroma refuses one add of more than 5,461 rows, and a batch of 256 papers can hold more
    sentences than that: every write goes in slices of ADD_ROWS. Slices of 5 rows must store the
    same chunks and sentences as the index built in one piece."""
    from assistant.types import ParseResult
    monkeypatch.setattr(store_module, "ADD_ROWS", 5)
    source = small_index.store
    sliced = Assistant(make_settings(tmp_path / "sliced"))
    sizes = []
    for collection in (sliced.store._sentences, sliced.store._chunks):
        add = collection.add
        monkeypatch.setattr(collection, "add", lambda *a, _add=add, **kw: (sizes.append(len(kw["ids"])), _add(*a, **kw))[1])
    papers = list(source.papers().values())
    sliced.ingest(ParseResult(papers=papers))
    assert sizes and max(sizes) <= 5, sizes
    assert sliced.store.count_chunks() == source.count_chunks()
    ids = [p.paper_id for p in papers]
    assert {pid: s for pid, (s, _) in sliced.store.sentences_of(ids).items()} == \
        {pid: s for pid, (s, _) in source.sentences_of(ids).items()}
