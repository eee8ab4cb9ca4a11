"""Tune the hybrid weights offline: dump each question's raw candidates once, then score weight grids.

    .venv/bin/python -m benchmarks.fusion_grid dump --data-dir DIR --questions Q.jsonl --out dev.pkl
    .venv/bin/python -m benchmarks.fusion_grid grid dev.pkl para.pkl scifact.pkl

A dump holds, per question, what `Retriever` computes before fusing: the dense chunk candidates
(paper, kind, cosine), the best sentence cosine of each candidate paper, the BM25 chunk
candidates, and the quality index's similarities when that index is complete (with the claim
prompt for a looked-up claim, as the retriever encodes it, and a lookup's hubness correction at
the dumped settings' weight). The grid replays only the arithmetic (the `assistant.fusion` functions the retriever calls,
and `RetrievalSettings.for_intent`), so hundreds of settings take seconds instead of re-embedding.
It replays the first pass only: the feedback pass of topic questions needs a new dense query.
The defaults in assistant/config.py were picked here from dev, dev_paraphrase, the robustness
set and SciFact together, then confirmed with the real retriever (benchmarks/retrieval.py).
"""

from __future__ import annotations

import argparse
import itertools
import pickle
from pathlib import Path

from assistant.chunking import chunk_kind
from assistant.config import RetrievalSettings
from assistant.fusion import dense_paper_scores, fuse, lexical_paper_scores, ranking
from evals.scoring import ndcg

GRID = {"whole_abstract_weight": (0.5, 0.75, 0.9), "lexical_weight": (0.5, 0.6, 0.8),
        "sentence_weight": (0.0, 0.2, 0.4), "lexical_whole_weight": (0.0, 0.75)}


def dump(data_dir: Path, embedder: str, questions: Path, out: Path) -> None:
    from assistant.intent import looked_up_claim
    from assistant.text import normalize_key
    from benchmarks.harness import load, open_assistant
    assistant = open_assistant(data_dir, embedder)
    store, retriever, r = assistant.store, assistant.retriever, assistant.settings.retrieval
    papers = store.papers()
    rows = []
    for q in load(questions):
        worked = assistant.make_query(q.question, list(q.history))  # the text and intent `search` uses
        text = worked.search_text if worked.standalone is None else f"{worked.standalone} {worked.search_text}"
        intent = worked.intent
        qvec = assistant.embedder.embed_queries([text])[0]
        dense = [(m.paper_id, m.kind, m.score) for m in store.dense_query(qvec, r.dense_candidates)]
        sentences = {pid: float((vecs @ qvec).max())
                     for pid, (sents, vecs) in store.sentences_of(sorted({d[0] for d in dense})).items() if sents}
        lexical = [(pid, chunk_kind(cid), s) for cid, pid, s in retriever.lexical().top(text, r.lexical_candidates)]
        claim = looked_up_claim(text, intent)
        quality = {}
        if retriever.quality.ready():
            searched = r.for_search(intent, claim)  # a lookup's quality scores carry its hubness correction
            quality = retriever.quality.scores(retriever._quality_query(text, claim).result(), r.dense_candidates,
                                               hubness=searched.hubness_weight, neighbours=searched.hubness_neighbours)
        pids = {d[0] for d in dense} | {x[0] for x in lexical} | set(quality)
        rows.append({"id": q.id, "text": text, "category": q.category, "intent": intent, "claim": claim,
                     "quality": quality,
                     "gold": {normalize_key(t) for t in q.gold_titles},
                     "keys": {pid: normalize_key(papers[pid].title) for pid in pids if pid in papers},
                     "dense": dense, "sentences": sentences, "lexical": lexical})
    out.write_bytes(pickle.dumps(rows))
    print(f"{len(rows)} questions -> {out}")


def replay(row: dict, settings: RetrievalSettings) -> list[str]:
    """The paper ranking `Retriever.search` (hybrid) would return for this row under `settings`."""
    r = settings.for_search(row["intent"], row.get("claim", False))
    dense = dense_paper_scores(row["dense"], row["sentences"], r)
    return ranking(fuse(dense, lexical_paper_scores(row["lexical"], r), "hybrid", r, row.get("quality") or None))


def metrics(rows: list[dict], rankings: list[list[str]]) -> dict[str, float]:
    """hit@1, recall@5, MRR@10 and nDCG@10 (binary, as BEIR scores it) at paper level (titles
    normalised like the eval harness)."""
    out: dict[str, list[float]] = {"hit@1": [], "recall@5": [], "mrr@10": [], "ndcg@10": []}
    for row, pids in zip(rows, rankings):
        gold = row["gold"]
        if not gold:
            continue
        ranked = list(dict.fromkeys(row["keys"].get(p, p) for p in pids))
        out["hit@1"].append(float(bool(ranked) and ranked[0] in gold))
        out["recall@5"].append(len(gold & set(ranked[:5])) / len(gold))
        out["mrr@10"].append(next((1 / i for i, k in enumerate(ranked[:10], 1) if k in gold), 0.0))
        out["ndcg@10"].append(ndcg(ranked, gold))
    return {k: sum(v) / len(v) for k, v in out.items() if v}


def grid(paths: list[Path], top: int) -> None:
    """Every combination of GRID, sorted by mean MRR@10 over the dumps."""
    sets = {p.stem: pickle.loads(p.read_bytes()) for p in paths}
    results = []
    for values in itertools.product(*GRID.values()):
        settings = RetrievalSettings(**dict(zip(GRID, values)))
        scores = {name: metrics(rows, [replay(row, settings) for row in rows]) for name, rows in sets.items()}
        results.append((sum(s["mrr@10"] for s in scores.values()) / len(scores), values, scores))
    results.sort(key=lambda item: -item[0])
    print(" ".join(GRID) + " | " + " | ".join(f"{name} mrr@10 hit@1" for name in sets) + " | mean")
    for mean, values, scores in results[:top]:
        cells = [f"{s['mrr@10']:.3f} {s['hit@1']:.3f}" for s in scores.values()]
        print(" ".join(map(str, values)) + " | " + " | ".join(cells) + f" | {mean:.4f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump", help="record each question's candidates from an indexed data dir")
    d.add_argument("--data-dir", type=Path, required=True)
    d.add_argument("--embedder", default="all-MiniLM-L6-v2")
    d.add_argument("--questions", type=Path, required=True)
    d.add_argument("--out", type=Path, required=True)
    g = sub.add_parser("grid", help="score the weight grid on one or more dumps")
    g.add_argument("dumps", type=Path, nargs="+")
    g.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    if args.cmd == "dump":
        dump(args.data_dir, args.embedder, args.questions, args.out)
    else:
        grid(args.dumps, args.top)


if __name__ == "__main__":
    main()
