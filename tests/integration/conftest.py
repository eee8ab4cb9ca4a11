"""Integration fixtures: a small realistic corpus, settings in temp data dirs, the real MiniLM, one shared index.

Every store here is a real Chroma store in a temp directory and every vector comes from the
packaged all-MiniLM-L6-v2; the machine is small, so corpora stay at 5-20 papers and the
read-only tests share one session-wide index (`small_index`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Callable

import pytest

import ingest
from assistant.chunking import chunk_paper
from assistant.config import Settings, load_settings
from assistant.lexical import LexicalIndex
from assistant.models import REGISTRY, is_present
from assistant.pipeline import Assistant
from assistant.store import PaperStore, paper_sentences

EMBEDDER = "all-MiniLM-L6-v2"
ROOT = Path(__file__).resolve().parents[2]
# the papers the tests ask about by name; the rest of the corpus is short abstracts in file order
KNOWN = {
    "grokking": "Towards Understanding Grokking",
    "noprop": "NoProp",
    "plato": "PLATO-2",
    "forgetting": "Overcoming catastrophic forgetting",
    "websrc": "WebSRC",
    "impossible": "Mission: Impossible",
    "crystals": "DiffCrysGen",
    "treelstm": "Long Short-Term Memory Over Tree Structures",
}
# settings a developer may have exported that would point the tests at their own store
_LEAKY_ENV = ("ASSISTANT_DATA_DIR", "ASSISTANT_CHROMA_URL", "ASSISTANT_CONFIG", "ASSISTANT_MODELS__EMBEDDER",
              "ASSISTANT_RETRIEVAL__WINDOW_SENTENCES", "ASSISTANT_RETRIEVAL__WINDOW_STRIDE")


@pytest.fixture(scope="session", autouse=True)
def _hermetic_env():
    with pytest.MonkeyPatch.context() as mp:
        for key in _LEAKY_ENV:
            mp.delenv(key, raising=False)
        yield


@pytest.fixture(scope="session")
def embedder_present(models_dir) -> None:
    if not is_present(REGISTRY[EMBEDDER], models_dir):
        pytest.skip(f"{EMBEDDER} missing in {models_dir}: run python -m assistant models fetch --test")


@pytest.fixture(scope="session")
def make_settings(models_dir) -> Callable[..., Settings]:
    """Settings for a data dir: the default embedder from the packaged weights, plus any overrides."""
    def make(data_dir: Path, **overrides) -> Settings:
        return load_settings(data_dir=str(data_dir), models_dir=str(models_dir), **overrides)
    return make


def _record(paper, i: int) -> dict:
    """A JSONL record with varied, deterministic metadata so that filters have something to cut."""
    return {"title": paper.title, "abstract": paper.abstract,
            "authors": [f"Author {i}-{j}" for j in range(1 + i % 5)],
            "date": f"{2017 + i % 8}-{1 + i % 12:02d}-15", "upvotes": 3 * i,
            "url": f"https://example.org/papers/{i}"}


@pytest.fixture(scope="session")
def corpus_records() -> list[dict]:
    """20 real abstracts from the bundled sample: the KNOWN papers first, then short ones in file order."""
    papers = ingest.read_paths(None).papers
    chosen = [next(p for p in papers if p.title.startswith(prefix)) for prefix in KNOWN.values()]
    for paper in papers:
        if len(chosen) == 20:
            break
        if paper not in chosen and len(paper.abstract) <= 1000:
            chosen.append(paper)
    return [_record(p, i) for i, p in enumerate(chosen)]


@pytest.fixture(scope="session")
def write_jsonl() -> Callable[[Path, list[dict]], Path]:
    def write(path: Path, records: list[dict]) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        return path
    return write


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory, corpus_records, write_jsonl) -> Path:
    """The 20 records as two files: papers_a.jsonl (15) and papers_b.jsonl (5), for source filters."""
    root = tmp_path_factory.mktemp("corpus")
    write_jsonl(root / "papers_a.jsonl", corpus_records[:15])
    write_jsonl(root / "papers_b.jsonl", corpus_records[15:])
    return root


@pytest.fixture(scope="session")
def small_index(embedder_present, tmp_path_factory, make_settings, corpus_dir) -> Assistant:
    """One index of the 20-paper corpus shared by every read-only test (retrieval, CLI search/cite/stats)."""
    assistant = Assistant(make_settings(tmp_path_factory.mktemp("shared-data")))
    report = assistant.ingest(ingest.read_paths([corpus_dir]))
    assert report.papers_new == 20 and not report.skipped
    return assistant


@pytest.fixture(scope="session")
def title_to_id(small_index) -> Callable[[str], str]:
    """A KNOWN key ("noprop") or title prefix to its paper id in the shared index."""
    def lookup(key: str) -> str:
        prefix = KNOWN.get(key, key)
        return next(pid for pid, p in small_index.store.papers().items() if p.title.startswith(prefix))
    return lookup


@pytest.fixture(scope="session")
def cli(models_dir) -> Callable[..., subprocess.CompletedProcess]:
    """Run `python -m assistant ...` in a fresh process, as a user would."""
    def run(*args: str, data_dir: Path | None = None, env: dict | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
        full_env = {k: v for k, v in os.environ.items() if k not in _LEAKY_ENV}
        full_env |= {"ASSISTANT_MODELS_DIR": str(models_dir), "ASSISTANT_MODELS__N_THREADS": "1",
                     "PYTHONPATH": str(ROOT)}
        if data_dir is not None:
            full_env["ASSISTANT_DATA_DIR"] = str(data_dir)
        full_env |= env or {}
        return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                              env=full_env, cwd=ROOT, timeout=timeout)
    return run


# -- what the store holds, read back through its public API --------------------------------------------
@pytest.fixture(scope="session")
def expected_chunk_ids() -> Callable:
    """The chunk ids chunking makes of a paper under the given settings."""
    def expected(paper, settings: Settings) -> list[str]:
        return [c.chunk_id for c in chunk_paper(paper, settings.retrieval.window_sentences,
                                                settings.retrieval.window_stride)]
    return expected


@pytest.fixture(scope="session")
def assert_store_consistent(expected_chunk_ids) -> Callable[[Assistant], None]:
    """Every stored paper exactly once: unique chunk ids, its chunks and sentences exactly what chunking
    makes of it, nothing stored for a paper that is not complete, and BM25 in step with the store."""
    def check(assistant: Assistant) -> None:
        fresh = PaperStore(assistant.settings, assistant.embedder.name, assistant.embedder.dim)
        ids, pids, _ = fresh.all_chunk_texts()
        assert len(ids) == len(set(ids)), "duplicate chunk ids"
        papers = fresh.papers()
        assert set(pids) == set(papers), "chunks stored for a paper without its whole-abstract record"
        counts = Counter(pids)
        for pid, paper in papers.items():
            expected = expected_chunk_ids(paper, fresh.settings)
            assert counts[pid] == len(expected), f"{pid}: {counts[pid]} chunks stored, chunking makes {len(expected)}"
            assert sorted(i for i, p in zip(ids, pids) if p == pid) == sorted(expected)
            assert fresh.sentences_of([pid])[pid][0] == paper_sentences(paper)
        lexical = LexicalIndex.load(assistant.retriever.lexical_dir)
        assert lexical is not None, "no lexical index on disk"
        assert lexical.fingerprint == fresh.fingerprint(), "lexical index out of step with the store"
        assert sorted(lexical.chunk_ids) == sorted(ids)
    return check
