"""SciFact (external data: 5,183 abstracts, 188 claims): BM25, dense and hybrid at paper level.

    .venv/bin/python -m benchmarks.scifact                      # abstracts-only index (fast to build)
    .venv/bin/python -m benchmarks.scifact --full               # our full JSONL ingest (windows too)
    .venv/bin/python -m benchmarks.scifact --beir --data-dir /tmp/scifact-beir   # 300 BEIR claims, nDCG@10

Writes benchmarks/results/scifact-<embedder>[-abstracts].md. Indexes live in /tmp/bench-scifact-<embedder>[-abs].

`--beir` scores `questions_beir.jsonl` (all 300 dev claims, gold = each claim's cited abstracts)
as BEIR does: nDCG@10 with binary relevance, plus MRR@10 and recall@10, for BM25, dense and hybrid
with the default settings, and warm latency with the load average beside it. It searches an index
already built with our full ingest (`python -m assistant ingest corpus.jsonl` into `--data-dir`,
with the same `--late-chunking` kinds it was built with: the collection is named after them) and
never ingests itself. Each index gets its own section of benchmarks/results/scifact-beir.md.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

from benchmarks.harness import (assistant_search, ensure_indexed, index_abstracts_only, load,
                                markdown_table, open_assistant, run_questions, summarize)
from benchmarks.retrieval import EMBEDDERS, RESULTS
from evals.metrics import compute_metrics
from evals.scoring import gold_keys, ranked_keys

# the external data beside the checkout (../shared), as in the issue; not needed at run time
SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "scifact"
COLUMNS = ("hit@1", "hit@5", "mrr@10", "ndcg@10", "ms_p50", "ms_p95")
BEIR_COLUMNS = ("ndcg@10", "mrr@10", "recall@10", "hit@1", "ms_p50", "ms_p95", "load")
BEIR_RESULTS = RESULTS / "scifact-beir.md"
MODES = (("lexical", "BM25"), ("dense", "dense"), ("hybrid", "hybrid (default)"))


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


def recall_at_10(record: dict) -> float:
    """Share of the claim's gold papers among the top 10 papers."""
    gold = gold_keys(record)
    top = set(ranked_keys(record)[:10])
    return sum(g in top for g in gold) / len(gold)


def load_average() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def open_index(data_dir: Path, embedder: str, late_chunking: list[str]):
    """The Assistant over an index built elsewhere (CLI ingest), with default retrieval settings."""
    from assistant.config import load_settings
    from assistant.pipeline import Assistant
    settings = load_settings(data_dir=str(data_dir),
                             models={"embedder": embedder, "late_chunking": late_chunking})
    assistant = Assistant(settings)
    if not assistant.store.papers():
        raise SystemExit(f"no papers in collection '{assistant.store.name}' under {data_dir}: build it with\n"
                         f"  ASSISTANT_DATA_DIR={data_dir} nice -n 19 .venv/bin/python -m assistant ingest "
                         f"{SCIFACT / 'corpus.jsonl'}\n(or pass the --late-chunking kinds it was built with)")
    return assistant


def beir_questions(assistant) -> list:
    """The 300 BEIR claims. The file is already in the eval format (gold_titles = the cited
    abstracts' titles, every claim answerable); each gold title must name an indexed paper, since
    the harness matches papers by normalised title."""
    from assistant.text import normalize_key
    questions = load(SCIFACT / "questions_beir.jsonl")
    indexed = {normalize_key(p.title) for p in assistant.store.papers().values()}
    missing = [t for q in questions for t in q.gold_titles if normalize_key(t) not in indexed]
    if missing:
        raise SystemExit(f"{len(missing)} gold titles are not in the index, e.g. {missing[:3]}")
    return questions


def evaluate_beir(assistant, questions: list) -> list[tuple[str, dict]]:
    rows = []
    for mode, label in MODES:
        before = load_average()
        records = run_questions(assistant_search(assistant, mode), questions)
        overall = compute_metrics(records, resamples=200)
        values = dict(overall["overall"])
        values["ci95"] = overall["ci95"]["overall"].get("ndcg@10")
        values["recall@10"] = sum(map(recall_at_10, records)) / len(records)
        values["ms_p50"] = values["retrieve_s_p50"] * 1000
        values["ms_p95"] = values["retrieve_s_p95"] * 1000
        values["load"] = f"{before} → {load_average()}"
        rows.append((label, values))
        print(f"{label}: nDCG@10 {values['ndcg@10']:.3f} MRR@10 {values['mrr@10']:.3f} "
              f"recall@10 {values['recall@10']:.3f} p50 {values['ms_p50']:.0f} ms p95 {values['ms_p95']:.0f} ms "
              f"(load {values['load']})", flush=True)
    return rows


def beir_section(label: str, assistant, rows: list, note: str) -> str:
    ci = "; ".join(f"{name} [{v['ci95'][0]:.3f}–{v['ci95'][1]:.3f}]" for name, v in rows if v.get("ci95"))
    return "\n".join([
        f"<!-- index: {label} -->",
        f"## {label}", "",
        f"Collection `{assistant.store.name}`, {len(assistant.store.papers())} papers, data dir "
        f"`{assistant.settings.data_dir}`. {note}".rstrip(), "",
        markdown_table(rows, BEIR_COLUMNS), "",
        f"nDCG@10 bootstrap 95% intervals (200 resamples over claims): {ci}.",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; latency is warm per query (2 warm-up "
        "queries first), ms; load = 1/5/15-min load average of the 2-core machine before → after each system.",
        "<!-- end -->"])


BEIR_HEADER = """# SciFact as BEIR scores it (`questions_beir.jsonl`)

300 claims (the SciFact dev split, including the 112 "not enough info" ones), gold = the abstracts
each claim cites (339 in all), 5,183 abstracts ranked. Paper level, top 10, binary relevance:
nDCG@10 gains 1/log2(rank+1) per gold paper, over the ideal of min(#gold, 10) gold papers first
(`evals/scoring.py: ndcg_at_10`). Default retrieval settings (`mode` only differs). Written by
`python -m benchmarks.scifact --beir`; one section per index.

Published nDCG@10 on the same 300 claims: BM25 0.665 (BEIR) / 0.679 (Pyserini), all-MiniLM-L6-v2
0.645, bge-small-en-v1.5 0.713, gte-base-en-v1.5 0.768, BM25 + cross-encoder rerankers 0.688–0.750
(`../shared/benchmarks/scifact/README.md`).
"""


def write_beir_section(section: str, label: str) -> None:
    """Replace this index's section of scifact-beir.md (or append it), keeping the others."""
    text = BEIR_RESULTS.read_text() if BEIR_RESULTS.exists() else BEIR_HEADER
    pattern = re.compile(rf"<!-- index: {re.escape(label)} -->.*?<!-- end -->", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    RESULTS.mkdir(exist_ok=True)
    BEIR_RESULTS.write_text(text.rstrip() + "\n")


def main_beir(args) -> None:
    assistant = open_index(Path(args.data_dir), EMBEDDERS[args.embedder], args.late_chunking)
    questions = beir_questions(assistant)
    print(f"{len(questions)} claims, {sum(len(q.gold_titles) for q in questions)} gold papers; "
          f"collection {assistant.store.name}, {len(assistant.store.papers())} papers", flush=True)
    rows = evaluate_beir(assistant, questions)
    label = args.label or f"{args.embedder}, late chunking: {' + '.join(args.late_chunking) or 'none (default)'}"
    section = beir_section(label, assistant, rows, args.note)
    print(section)
    write_beir_section(section, label)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", choices=list(EMBEDDERS), default="minilm")
    parser.add_argument("--full", action="store_true", help="index with the full chunking (slow)")
    parser.add_argument("--data-root", default="/tmp")
    parser.add_argument("--beir", action="store_true", help="score the 300 BEIR claims (nDCG@10) on --data-dir")
    parser.add_argument("--data-dir", default="/tmp/scifact-beir", help="--beir: an index built by our ingest")
    parser.add_argument("--late-chunking", nargs="*", default=[], choices=["window", "sentence"],
                        help="--beir: the models.late_chunking kinds the index was built with (default none)")
    parser.add_argument("--label", help="--beir: section title in scifact-beir.md")
    parser.add_argument("--note", default="", help="--beir: how the index was built, printed in its section")
    args = parser.parse_args(argv)
    if args.beir:
        return main_beir(args)
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
