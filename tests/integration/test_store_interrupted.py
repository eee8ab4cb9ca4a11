"""An ingest that dies mid-write leaves no half paper counted as stored, and the rerun stores every paper
exactly once. The first pass makes papers searchable (whole-abstract records); the second completes them."""

import pytest

import ingest
from assistant import indexing
from assistant.pipeline import Assistant
from assistant.store import PaperStore

pytestmark = pytest.mark.slow
N, BATCH = 8, 3


class SimulatedCrash(RuntimeError):
    pass


def crash_in_second_pass(monkeypatch) -> list[list[str]]:
    """PaperStore.write works through the first pass (whole abstracts) and the first batch of the second,
    then writes half of the next batch (its sentences, not its windows) and dies before the batch is
    marked complete. Returns the paper ids of each second-pass batch attempted."""
    real_write = PaperStore.write
    batches: list[list[str]] = []

    def write(self, papers, chunks, chunk_vectors, sentences, sentence_vectors, complete=True):
        if chunks and all(c.kind == "abstract" for c in chunks):  # first pass
            return real_write(self, papers, chunks, chunk_vectors, sentences, sentence_vectors, complete)
        batches.append([p.paper_id for p in papers])
        if len(batches) == 1:
            return real_write(self, papers, chunks, chunk_vectors, sentences, sentence_vectors, complete)
        real_write(self, papers, [], chunk_vectors[:0], sentences, sentence_vectors, complete)
        raise SimulatedCrash("power cut after the sentences were written")
    monkeypatch.setattr(PaperStore, "write", write)
    monkeypatch.setattr(indexing, "BATCH_PAPERS", BATCH)
    return batches


@pytest.mark.parametrize("late", [[], ["sentence"]], ids=["separate", "late-sentences"])
def test_rerun_after_a_crash_stores_every_paper_once(late, embedder_present, tmp_path, make_settings, corpus_records,
                                                     write_jsonl, monkeypatch, assert_store_consistent):
    """Both two-pass paths: everything encoded text by text after the first pass, or (the default) the
    sentences pooled from the first pass and only the windows left for the second."""
    corpus = write_jsonl(tmp_path / "papers.jsonl", corpus_records[:N])
    settings = make_settings(tmp_path / "data", models={"late_chunking": late})
    parsed = ingest.read_paths([corpus])

    with monkeypatch.context() as patch:
        batches = crash_in_second_pass(patch)
        with pytest.raises(SimulatedCrash):
            Assistant(settings).ingest(parsed)
    assert len(batches) == 2

    # after the crash: every paper is searchable, only the first batch is complete
    after_crash = Assistant(settings)
    assert len(after_crash.store.papers()) == N
    assert after_crash.store.incomplete() == set(after_crash.store.papers()) - set(batches[0])
    assert set(after_crash.store.stored_hashes()) == set(batches[0])
    progress = after_crash.store.indexing_progress()  # (its process lives on here: the kill -9 test checks "interrupted")
    assert (progress["papers_searchable"], progress["papers_complete"], progress["papers_todo"]) == (N, BATCH, N)
    hits = after_crash.search(corpus_records[N - 1]["title"], k=1)
    assert hits[0].paper.title == corpus_records[N - 1]["title"]
    # late sentences come with the first pass: a searchable paper already has its sentence vectors
    untouched = sorted(after_crash.store.incomplete() - set(batches[1]))  # never reached by the second pass
    with_sentences = [pid for pid, (texts, _) in after_crash.store.sentences_of(untouched).items() if texts]
    assert untouched and with_sentences == (untouched if late else [])

    # rerun (a new process would do the same): the first batch is unchanged, the rest written once
    assistant = Assistant(settings)
    report = assistant.ingest(ingest.read_paths([corpus]))
    assert (report.papers_new, report.papers_changed, report.papers_unchanged) == (N - BATCH, 0, BATCH)
    assert report.papers_total == N
    assert not assistant.store.incomplete() and assistant.store.indexing_progress() is None
    assert_store_consistent(assistant)
    crashed = next(p for pid, p in assistant.store.papers().items() if pid == batches[1][0])
    hits = assistant.search(crashed.title, k=3)
    assert hits[0].paper.paper_id == crashed.paper_id
