"""Incremental ingest: a rerun embeds nothing, a changed abstract replaces exactly its chunks, --rebuild starts clean.

The tests run in file order on one module-wide store, each step building on the last, as a
user's successive `ingest` runs do.
"""

import json

import numpy as np
import pytest

import ingest
from assistant.cli import main
from assistant.pipeline import Assistant
from assistant.store import PaperStore
from assistant.text import split_sentences

pytestmark = pytest.mark.slow
N = 6


@pytest.fixture(scope="module")
def state(embedder_present, tmp_path_factory, make_settings, corpus_records, write_jsonl):
    """A data dir after a first ingest of N papers, plus the corpus file and the first report."""
    root = tmp_path_factory.mktemp("incremental")
    corpus = write_jsonl(root / "corpus" / "papers.jsonl", corpus_records[:N])
    assistant = Assistant(make_settings(root / "data"))
    first = assistant.ingest(ingest.read_paths([corpus]))
    return {"root": root, "data_dir": root / "data", "corpus": corpus, "assistant": assistant, "first": first}


def _ingest_cli(capsys, data_dir, *args) -> tuple[int, str]:
    code = main(["--data-dir", str(data_dir), "ingest", *map(str, args)])
    return code, capsys.readouterr().out


def _fresh_store(assistant) -> PaperStore:
    """A store opened anew, as the next process would see it."""
    return PaperStore(assistant.settings, assistant.embedder.name, assistant.embedder.dim)


def test_first_run_indexes_every_paper(state, assert_store_consistent, expected_chunk_ids):
    report, assistant = state["first"], state["assistant"]
    assert (report.papers_new, report.papers_changed, report.papers_unchanged) == (N, 0, 0)
    assert report.papers_total == N
    papers = assistant.store.papers().values()
    assert report.chunks_written == sum(len(expected_chunk_ids(p, assistant.settings)) for p in papers)
    assert_store_consistent(assistant)


def test_rerun_reports_everything_unchanged_and_writes_nothing(state, capsys):
    code, out = _ingest_cli(capsys, state["data_dir"], state["corpus"], "--json")
    assert code == 0
    summary = json.loads(out)
    assert (summary["papers_new"], summary["papers_changed"], summary["papers_unchanged"]) == (0, 0, N)
    assert summary["chunks_written"] == 0
    assert summary["papers_total"] == N

    code, out = _ingest_cli(capsys, state["data_dir"], state["corpus"])
    assert code == 0
    assert out.startswith(f"0 new, 0 changed, {N} unchanged")
    assert "0 chunks written" in out


def test_changed_abstract_replaces_that_papers_chunks(state, corpus_records, write_jsonl, capsys,
                                                      assert_store_consistent, expected_chunk_ids):
    records = [dict(r) for r in corpus_records[:N]]
    target = max(range(N), key=lambda i: len(records[i]["abstract"]))  # the most windows to leave behind
    old_paper = next(p for p in state["assistant"].store.papers().values() if p.title == records[target]["title"])
    old_first_sentence = split_sentences(old_paper.abstract)[0]
    records[target]["abstract"] = ("We revisit this method with a zebra-striped quantum teapot baseline. "
                                   "It trains in half the time. It matches the original accuracy. "
                                   "Code is released.")
    changed = write_jsonl(state["root"] / "changed" / "papers.jsonl", records)
    before = _fresh_store(state["assistant"]).all_chunk_texts()

    code, out = _ingest_cli(capsys, state["data_dir"], changed, "--json")
    summary = json.loads(out)
    assert code == 0
    assert (summary["papers_new"], summary["papers_changed"], summary["papers_unchanged"]) == (0, 1, N - 1)

    assistant = Assistant(state["assistant"].settings)
    store = assistant.store
    paper = next(p for p in store.papers().values() if p.title == records[target]["title"])
    assert paper.abstract == records[target]["abstract"]
    new_ids = expected_chunk_ids(paper, assistant.settings)
    # the new abstract is shorter, so windows left over from the old one would show
    assert len(new_ids) < len(expected_chunk_ids(old_paper, assistant.settings))
    assert summary["chunks_written"] == len(new_ids)
    ids, pids, texts = store.all_chunk_texts()
    assert sorted(i for i, p in zip(ids, pids) if p == paper.paper_id) == sorted(new_ids)
    assert not any(old_first_sentence in t for t, p in zip(texts, pids) if p == paper.paper_id)
    # the other papers' chunks are exactly what they were
    others_before = sorted(i for i, p in zip(before[0], before[1]) if p != paper.paper_id)
    assert sorted(i for i, p in zip(ids, pids) if p != paper.paper_id) == others_before
    assert_store_consistent(assistant)
    hits = assistant.search("zebra-striped quantum teapot", k=1, mode="lexical")
    assert hits[0].paper.paper_id == paper.paper_id


def test_rebuild_starts_from_an_empty_collection(state, corpus_records, write_jsonl, capsys,
                                                 assert_store_consistent):
    kept = corpus_records[1:N]  # the first paper is no longer in the input
    corpus = write_jsonl(state["root"] / "rebuild" / "papers.jsonl", kept)

    code, out = _ingest_cli(capsys, state["data_dir"], corpus, "--rebuild", "--json")
    summary = json.loads(out)
    assert code == 0
    assert (summary["papers_new"], summary["papers_changed"], summary["papers_unchanged"]) == (N - 1, 0, 0)
    assert summary["papers_total"] == N - 1

    assistant = Assistant(state["assistant"].settings)
    titles = {p.title for p in assistant.store.papers().values()}
    assert titles == {r["title"] for r in kept}
    assert_store_consistent(assistant)


def test_known_sentence_vectors_follow_loads_and_deletes(state):
    """The text -> vector map the support check reuses grows as papers are read and forgets deleted ones.

    Last in the file: it deletes a paper from the module's store."""
    store = _fresh_store(state["assistant"])
    first_id, second_id = sorted(store.papers())[:2]
    first_sentences, first_vecs = store.sentences_of([first_id])[first_id]
    known = store.known_sentence_vectors()
    assert all(np.array_equal(known[s], v) for s, v in zip(first_sentences, first_vecs))

    second_sentences, _ = store.sentences_of([second_id])[second_id]
    assert set(second_sentences) <= set(store.known_sentence_vectors())

    store.delete_papers([second_id])
    only_second = set(second_sentences) - set(first_sentences)
    assert only_second and not only_second & set(store.known_sentence_vectors())
    assert set(first_sentences) <= set(store.known_sentence_vectors())
