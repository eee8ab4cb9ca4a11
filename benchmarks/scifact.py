"""SciFact (external data: 5,183 abstracts, 188 claims): BM25, dense and hybrid at paper level.

    .venv/bin/python -m benchmarks.scifact                      # abstracts-only index (fast to build)
    .venv/bin/python -m benchmarks.scifact --full               # our full JSONL ingest (windows too)

Writes benchmarks/results/scifact-<embedder>[-abstracts].md. Indexes live in /tmp/bench-scifact-<embedder>[-abs].
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.harness import (assistant_search, ensure_indexed, index_abstracts_only, load,
                                markdown_table, open_assistant, run_questions, summarize)
from benchmarks.retrieval import EMBEDDERS, RESULTS

# the external data beside the checkout (../shared), as in the issue; not needed at run time
SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "scifact"
COLUMNS = ("hit@1", "hit@5", "mrr@10", "ndcg@10", "ms_p50", "ms_p95")


def evaluate(short: str, full: bool, data_root: Path) -> tuple[list, dict]:
    data_dir = data_root / f"bench-scifact-{short}{'' if full else '-abs'}"
    assistant = open_assistant(data_dir, EMBEDDERS[short])
    corpus = [str(SCIFACT / "corpus.jsonl")]
    ingest = ensure_indexed(assistant, corpus) if full else index_abstracts_only(assistant, corpus)
    questions = load(SCIFACT / "questions.jsonl")
    rows = []
    for mode, label in (("lexical", "BM25"), ("dense", f"dense ({short})"), ("hybrid", f"hybrid ({short})")):
        rows.append((label, summarize(run_questions(assistant_search(assistant, mode), questions),
                                      with_ndcg=True)["overall"]))
    return rows, ingest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", choices=list(EMBEDDERS), default="minilm")
    parser.add_argument("--full", action="store_true", help="index with the full chunking (slow)")
    parser.add_argument("--data-root", default="/tmp")
    args = parser.parse_args(argv)
    rows, ingest = evaluate(args.embedder, args.full, Path(args.data_root))
    index = "full ingest (windows + whole abstract)" if args.full else "whole abstracts only"
    text = "\n".join([
        f"# SciFact retrieval ({index}, {ingest.get('embedder')})", "",
        f"188 claims, {ingest.get('papers')} papers; paper-level metrics, top 10; latency warm, ms.", "",
        markdown_table(rows, COLUMNS), "",
        f"Index build: {ingest.get('seconds')} s in all"
        + (f", of which embedding {ingest['embed_seconds']} s" if "embed_seconds" in ingest else "")
        + " (2 shared CPU cores).", ""])
    print(text)
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if args.full else "-abstracts"
    (RESULTS / f"scifact-{args.embedder}{suffix}.md").write_text(text)


if __name__ == "__main__":
    main()
