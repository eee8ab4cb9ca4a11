"""Shared benchmark plumbing: one Assistant per data dir, eval-shaped records, metrics and tables."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

from assistant.config import load_settings
from assistant.pipeline import Assistant
from assistant.query import retrieval_query
from evals.metrics import compute_metrics
from evals.questions import Question, load_questions
from evals.runner import SEARCH_K, base_record
from evals.scoring import gold_keys, ndcg, ranked_keys

INGEST_FILE = "bench_ingest.json"  # the ingest report, kept so later runs can print the embed time
METRIC_KEYS = ("hit@1", "hit@5", "recall@5", "mrr@10")

# A search function: (question, history) -> retrieved papers as [{"paper_id", "title", "score"}]
SearchFn = Callable[[str, list[dict]], list[dict[str, Any]]]


def open_assistant(data_dir: Path, embedder: str, **retrieval: Any) -> Assistant:
    """An Assistant over its own data dir (one per embedder, so indexes are never shared)."""
    settings = load_settings(data_dir=str(data_dir), models={"embedder": embedder},
                             retrieval=retrieval or None)
    return Assistant(settings)


def ensure_indexed(assistant: Assistant, paths: list[str] | None) -> dict[str, Any]:
    """Ingest `paths` (None: the bundled sample) once; later runs reuse the store and its report."""
    report_path = assistant.settings.data_dir / INGEST_FILE
    if report_path.exists() and assistant.store.papers():
        return json.loads(report_path.read_text())
    from ingest.reader import read_paths
    report = assistant.ingest(read_paths(paths))
    data = {"papers": report.papers_total, "chunks": report.chunks_written,
            "seconds": round(report.seconds, 1), "embedder": assistant.embedder.name}
    report_path.write_text(json.dumps(data))
    return data


def assistant_search(assistant: Assistant, mode: str) -> SearchFn:
    def search(question: str, history: list[dict]) -> list[dict[str, Any]]:
        hits = assistant.search(question, history=history, k=SEARCH_K, mode=mode)
        return [hit.brief() for hit in hits]
    return search


def history_query(assistant: Assistant, question: str, history: list[dict]) -> str:
    """The text our pipeline searches with, so baselines see the same conversation."""
    return retrieval_query(question, history, assistant.settings.retrieval.history_turns)


def run_questions(search: SearchFn, questions: list[Question], warmup: int = 2) -> list[dict]:
    """Eval-shaped records (retrieve mode) with warm per-query latency."""
    for q in questions[:warmup]:
        search(q.question, list(q.history))
    records = []
    for q in questions:
        record = base_record(q, "retrieve")
        start = time.perf_counter()
        record["retrieved"] = search(q.question, list(q.history))
        record["timings"] = {"retrieve_s": round(time.perf_counter() - start, 4)}
        records.append(record)
    return records


def ndcg_at(record: dict, k: int = 10) -> float | None:
    """Binary-relevance nDCG@k at paper level (None when the record has no gold).

    >>> ndcg_at({"gold_titles": ["A"], "retrieved": [{"title": "B"}, {"title": "A"}]})
    0.63093
    """
    gold = set(gold_keys(record))
    if not gold:
        return None
    return round(ndcg(ranked_keys(record), gold, k), 6)


def summarize(records: list[dict], with_ndcg: bool = False) -> dict[str, Any]:
    """{"overall": {...}, "by_category": {...}} with retrieval metrics and latency in ms."""
    metrics = compute_metrics(records, resamples=10)
    out = {"overall": _pick(metrics["overall"]),
           "by_category": {c: _pick(v) for c, v in metrics["by_category"].items()},
           "n": {c: n.get("hit@1", 0) for c, n in metrics["n"]["by_category"].items()}}
    out["n"]["overall"] = metrics["n"]["overall"].get("hit@1", 0)
    if with_ndcg:
        scores = [s for s in map(ndcg_at, records) if s is not None]
        out["overall"]["ndcg@10"] = sum(scores) / len(scores) if scores else None
    return out


def _pick(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: values[k] for k in METRIC_KEYS if k in values}
    for p in ("p50", "p95"):
        if f"retrieve_s_{p}" in values:
            out[f"ms_{p}"] = values[f"retrieve_s_{p}"] * 1000
    return out


def markdown_table(rows: list[tuple[str, dict[str, Any]]], columns: tuple[str, ...]) -> str:
    """One row per (label, values); missing values print as '–'."""
    lines = ["| system | " + " | ".join(columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for label, values in rows:
        cells = [_fmt(values.get(c)) for c in columns]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.0f}" if value >= 10 else f"{value:.3f}"
    return str(value)


def load(path: str | Path) -> list[Question]:
    return load_questions(path)


def index_abstracts_only(assistant: Assistant, paths: list[str] | None) -> dict[str, Any]:
    """A cheaper index for embedders/corpora too slow to ingest fully on this machine: only the
    whole-abstract chunk of each paper (no sentence windows, no evidence sentences).

    Retrieval then ranks one vector and one BM25 document per paper, the setup of the reference
    numbers in the SciFact and evals READMEs. Reused like `ensure_indexed`.
    """
    import numpy as np
    from assistant.chunking import chunk_paper
    from ingest.reader import read_paths
    report_path = assistant.settings.data_dir / INGEST_FILE
    if report_path.exists() and assistant.store.papers():
        return json.loads(report_path.read_text())
    papers = read_paths(paths).papers
    started = time.perf_counter()
    chunks = [chunk_paper(p)[-1] for p in papers]
    vectors = assistant.embedder.embed_documents([c.text for c in chunks], batch_size=16)
    embed_s = time.perf_counter() - started
    store = assistant.store
    for start in range(0, len(papers), 500):
        store.write(papers[start:start + 500], chunks[start:start + 500], vectors[start:start + 500],
                    [], np.zeros((0, store.dim), dtype=np.float32))
    assistant.retriever.lexical()
    data = {"papers": len(store.papers()), "chunks": len(chunks), "embed_seconds": round(embed_s, 1),
            "seconds": round(time.perf_counter() - started, 1), "embedder": assistant.embedder.name,
            "index": "abstracts only"}
    report_path.write_text(json.dumps(data))
    return data
