"""Retrieval benchmark on the dev questions: BM25, dense, our hybrid and the llama-index starter,
per category, with warm query latency and the time to embed the sample corpus.

    .venv/bin/python -m benchmarks.retrieval            # prints and writes benchmarks/results/retrieval.md
    .venv/bin/python -m benchmarks.retrieval --only minilm

Each embedder gets its own data dir (/tmp/bench-<name>), indexed once and reused.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.harness import (assistant_search, ensure_indexed, index_abstracts_only, load,
                                markdown_table, open_assistant, run_questions, summarize)

EVALS = Path(__file__).resolve().parents[1] / "assistant" / "data" / "evals"
QUESTION_FILES = {"dev": EVALS / "dev.jsonl", "dev_paraphrase": EVALS / "dev_paraphrase.jsonl",
                  "robustness": Path(__file__).parent / "data" / "robustness.jsonl"}
EMBEDDERS = {"minilm": "all-MiniLM-L6-v2", "gemma": "embeddinggemma-300m"}
# index variants: "full" is our ingest (sentence windows + whole abstract); "abs" keeps only the
# whole-abstract chunk, which is what Gemma can be indexed with on this CPU in minutes, not an hour
VARIANTS = {"minilm": ("minilm", "full"), "minilm-abs": ("minilm", "abs"), "gemma-abs": ("gemma", "abs"),
            "gemma": ("gemma", "full")}
DEFAULT_VARIANTS = ["minilm", "minilm-abs", "gemma-abs"]
RESULTS = Path(__file__).parent / "results"
COLUMNS = ("hit@1", "hit@5", "recall@5", "mrr@10", "ms_p50", "ms_p95")


def systems(assistant, variant: str):
    """(label, search function) for each system over one index variant."""
    from benchmarks.starter import starter_search
    out = [(f"dense ({variant})", assistant_search(assistant, "dense")),
           (f"hybrid ({variant})", assistant_search(assistant, "hybrid")),
           (f"llama-index starter ({variant})", starter_search(assistant))]
    if variant.startswith("minilm"):  # BM25 does not depend on the embedder, only on the chunking
        label = "BM25" if variant == "minilm" else "BM25 (abs)"
        out.insert(0, (label, assistant_search(assistant, "lexical")))
    return out


def evaluate(variants: list[str], data_root: Path) -> dict:
    """{file: {system: summary}} plus the ingest report of each index variant."""
    questions = {name: load(path) for name, path in QUESTION_FILES.items() if path.exists()}
    results: dict = {"files": {name: {} for name in questions}, "ingest": {}}
    for variant in variants:
        short, index = VARIANTS[variant]
        assistant = open_assistant(data_root / f"bench-{variant}", EMBEDDERS[short])
        build = ensure_indexed if index == "full" else index_abstracts_only
        results["ingest"][variant] = build(assistant, None)
        for label, search in systems(assistant, variant):
            for name, qs in questions.items():
                results["files"][name][label] = summarize(run_questions(search, qs))
    return results


def report(results: dict) -> str:
    parts = ["# Retrieval benchmark (sample corpus)", "",
             "Paper-level metrics from `evals.metrics.compute_metrics` (top 10 papers per question); "
             "latency is warm, per query, in ms, on this 2-core CPU machine (shared).", ""]
    for name, by_system in results["files"].items():
        if not by_system:
            continue
        parts += [f"## {name}", "", "Overall:", "",
                  markdown_table([(s, v["overall"]) for s, v in by_system.items()], COLUMNS), ""]
        categories = list(next(iter(by_system.values()))["by_category"])
        if len(categories) > 1:
            for cat in categories:
                rows = [(s, v["by_category"][cat]) for s, v in by_system.items() if cat in v["by_category"]]
                n = next(iter(by_system.values()))["n"].get(cat)
                if n:
                    parts += [f"`{cat}` (n = {n}):", "", markdown_table(rows, COLUMNS[:4]), ""]
    parts += ["## Embedding the sample corpus", "",
              "| index | embedder | papers | chunks | embed seconds | ingest seconds (embed + write) |",
              "|---|---|---:|---:|---:|---:|"]
    for variant, ing in results["ingest"].items():
        parts.append(f"| {variant} | {ing.get('embedder')} | {ing.get('papers')} | {ing.get('chunks', '–')} | "
                     f"{ing.get('embed_seconds', '–')} | {ing.get('seconds', '–')} |")
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=list(VARIANTS), action="append")
    parser.add_argument("--data-root", default="/tmp")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    results = evaluate(args.only or DEFAULT_VARIANTS, Path(args.data_root))
    text = report(results)
    print(text)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "retrieval.md").write_text(text)
        (RESULTS / "retrieval.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
