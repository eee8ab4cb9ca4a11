"""Title-field matching for lookups: does the question's similarity to each candidate's title alone help?

    .venv/bin/python -m benchmarks.title_field [--weights 0 0.1 0.2 0.4] [--out results/title-field.md]

The default search (with the quality index when it is built) ranks as usual; then each candidate's
MiniLM cosine between the question and its title alone is min-max normalised and added to the
normalised fused score with the given weight. Measured on dev_paraphrase, the dev lookups and all of
dev (hit@1 / MRR@10). Nothing here changes the search: a title term would be kept only if it paid.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import assistant.retrieval as retrieval
from assistant.config import load_settings
from assistant.fusion import normalized
from assistant.pipeline import Assistant
from assistant.text import normalize_key
from benchmarks.harness import load
from benchmarks.retrieval import EVALS, RESULTS

PLAIN_FUSE = retrieval.fuse


def with_title_term(assistant: Assistant, weight: float, question: list[str]):
    """retrieval.fuse, plus `weight` times the normalised title similarity of question[0]."""
    papers = assistant.store.papers()
    ids = list(papers)
    row = {pid: i for i, pid in enumerate(ids)}
    titles = assistant.embedder.embed_documents([papers[pid].title for pid in ids], batch_size=64)

    def fuse(dense, lexical, mode, r, quality=None):
        fused = PLAIN_FUSE(dense, lexical, mode, r, quality)
        if not weight or not fused:
            return fused
        sims = titles @ assistant.embedder.embed_queries([question[0]])[0]
        title = normalized({pid: float(sims[row[pid]]) for pid in fused})
        base = normalized(fused)
        return {pid: base[pid] + weight * title[pid] for pid in fused}
    return fuse


def score(assistant: Assistant, questions, question: list[str]) -> tuple[float, float]:
    hit1 = mrr = 0.0
    for q in questions:
        question[0] = q.question
        keys = [normalize_key(h.paper.title) for h in assistant.search(q.question, history=list(q.history), k=10)]
        gold = {normalize_key(t) for t in q.gold_titles}
        rank = next((i for i, key in enumerate(keys, start=1) if key in gold), None)
        hit1 += rank == 1
        mrr += 1 / rank if rank else 0.0
    return hit1 / len(questions), mrr / len(questions)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.1, 0.2, 0.4])
    parser.add_argument("--out", type=Path, default=RESULTS / "title-field.md")
    args = parser.parse_args(argv)
    assistant = Assistant(load_settings())
    dev = [q for q in load(EVALS / "dev.jsonl") if q.gold_titles]
    sets = {"dev_paraphrase": load(EVALS / "dev_paraphrase.jsonl"),
            "dev lookups": [q for q in dev if q.category == "lookup"], "dev": dev}
    question = [""]
    rows = []
    for weight in args.weights:
        retrieval.fuse = with_title_term(assistant, weight, question)
        cells = [score(assistant, questions, question) for questions in sets.values()]
        rows.append(f"| {weight:g}{' (today)' if weight == 0 else ''} | "
                    + " | ".join(f"{h:.3f} / {m:.3f}" for h, m in cells) + " |")
        print(rows[-1], flush=True)
    text = "\n".join([
        "# Title-field matching (`benchmarks/title_field.py`)", "",
        "The default search (quality index " + ("built" if assistant.quality.ready() else "not built")
        + "), plus the question's MiniLM similarity to each candidate's title alone, min-max normalised, "
        "with this weight beside the normalised fused score. hit@1 / MRR@10.", "",
        "| title weight | " + " | ".join(sets) + " |", "|---|" + "---:|" * len(sets), *rows, "",
        f"Load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores).", ""])
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
