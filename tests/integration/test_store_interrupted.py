"""An ingest that dies mid-write leaves no half paper visible, and the rerun stores every paper exactly once."""

import pytest

import ingest
from assistant import indexing
from assistant.pipeline import Assistant
from assistant.store import PaperStore

pytestmark = pytest.mark.slow
N, BATCH = 8, 3


class SimulatedCrash(RuntimeError):
    pass


def crash_in_second_batch(monkeypatch) -> list[list[str]]:
    """PaperStore.write writes the first batch, then half of the second (sentences and windows, not the
    whole-abstract records that complete a paper) and dies. Returns the paper ids of each attempted batch."""
    real_write = PaperStore.write
    batches: list[list[str]] = []

    def write(self, papers, chunks, chunk_vectors, sentences, sentence_vectors):
        batches.append([p.paper_id for p in papers])
        if len(batches) == 1:
            return real_write(self, papers, chunks, chunk_vectors, sentences, sentence_vectors)
        windows = [i for i, c in enumerate(chunks) if c.kind == "window"]
        real_write(self, papers, [chunks[i] for i in windows], chunk_vectors[windows], sentences, sentence_vectors)
        raise SimulatedCrash("power cut after the windows were written")
    monkeypatch.setattr(PaperStore, "write", write)
    monkeypatch.setattr(indexing, "BATCH_PAPERS", BATCH)
    return batches


def test_rerun_after_a_crash_stores_every_paper_once(embedder_present, tmp_path, make_settings, corpus_records,
                                                     write_jsonl, monkeypatch, assert_store_consistent):
    corpus = write_jsonl(tmp_path / "papers.jsonl", corpus_records[:N])
    settings = make_settings(tmp_path / "data")
    parsed = ingest.read_paths([corpus])

    with monkeypatch.context() as patch:
        batches = crash_in_second_batch(patch)
        with pytest.raises(SimulatedCrash):
            Assistant(settings).ingest(parsed)
    assert len(batches) == 2

    # after the crash: the half-written second batch is not a stored paper, so search can't return it
    after_crash = Assistant(settings)
    assert set(after_crash.store.papers()) == set(batches[0])
    half_written = set(after_crash.store.all_chunk_texts()[1]) - set(batches[0])
    assert half_written == set(batches[1]), "the simulated crash should have left window chunks behind"
    hits = after_crash.search("neural networks", k=N)
    assert {h.paper.paper_id for h in hits} <= set(batches[0])

    # rerun (a new process would do the same): the first batch is unchanged, the rest written once
    assistant = Assistant(settings)
    report = assistant.ingest(ingest.read_paths([corpus]))
    assert (report.papers_new, report.papers_changed, report.papers_unchanged) == (N - BATCH, 0, BATCH)
    assert report.papers_total == N
    assert_store_consistent(assistant)
    crashed = next(p for pid, p in assistant.store.papers().items() if pid == batches[1][0])
    hits = assistant.search(crashed.title, k=3)
    assert hits[0].paper.paper_id == crashed.paper_id
