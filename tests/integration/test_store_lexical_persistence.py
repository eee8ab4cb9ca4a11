"""BM25 is saved beside the store: a later process loads it as is, and an ingest that changes the store rebuilds it."""

import json
import time
from pathlib import Path

import pytest

import ingest
from assistant.lexical import LexicalIndex
from assistant.pipeline import Assistant

pytestmark = pytest.mark.slow


def _mtimes(directory: Path) -> dict[str, int]:
    return {str(p.relative_to(directory)): p.stat().st_mtime_ns for p in directory.rglob("*") if p.is_file()}


def _lexical_top(cli, data_dir, query) -> list[dict]:
    out = cli("search", query, "--mode", "lexical", "--json", "-k", "3", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_lexical_index_survives_processes_and_follows_ingest(embedder_present, tmp_path, make_settings, cli,
                                                             corpus_records, write_jsonl):
    records = corpus_records[8:14]
    corpus = write_jsonl(tmp_path / "corpus" / "papers.jsonl", records)
    data_dir = tmp_path / "data"
    assistant = Assistant(make_settings(data_dir))
    assistant.ingest(ingest.read_paths([corpus]))
    lexical_dir = assistant.retriever.lexical_dir
    saved = _mtimes(lexical_dir)
    assert "meta.json" in saved

    # another process searches: it loads BM25 from disk and writes nothing
    target = records[2]["title"]
    top = _lexical_top(cli, data_dir, target)
    assert top[0]["title"] == target
    assert _mtimes(lexical_dir) == saved, "the search process rebuilt the lexical index"

    # an incremental ingest adds a paper: BM25 is rebuilt, saved, and knows the new paper
    time.sleep(0.01)  # distinct mtimes even on coarse clocks
    added = corpus_records[14]
    write_jsonl(tmp_path / "corpus" / "more.jsonl", [added])
    report = assistant.ingest(ingest.read_paths([tmp_path / "corpus"]))
    assert (report.papers_new, report.papers_unchanged) == (1, len(records))
    rebuilt = _mtimes(lexical_dir)
    assert rebuilt["meta.json"] != saved["meta.json"]
    index = LexicalIndex.load(lexical_dir)
    new_id = next(pid for pid, p in assistant.store.papers().items() if p.title == added["title"])
    assert new_id in index.paper_ids
    assert index.fingerprint == assistant.store.fingerprint()

    # a fresh reader (in this process, to spare a second model load) finds the new paper from the saved index
    hits = Assistant(assistant.settings).search(added["title"], k=3, mode="lexical")
    assert hits[0].paper.paper_id == new_id
    assert _mtimes(lexical_dir) == rebuilt
