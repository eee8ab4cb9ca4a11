"""The quality index (EmbeddingGemma whole-abstract vectors) against MiniLM-only retrieval, in one run.

    .venv/bin/python -m benchmarks.quality_tier                       # sample index: dev, dev_paraphrase, descriptions
    .venv/bin/python -m benchmarks.quality_tier --scifact DATA_DIR    # a SciFact index: claims + BEIR

Both indexes must be built already (`python -m assistant ingest …` then `quality build`): this
never ingests. Every variant runs over the same questions in the same process, with the load
average printed beside its latency; the weights are this run's settings, so a variant is a
candidate default, not a separately tuned system. Writes benchmarks/results/quality-tier[-scifact].md.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from assistant.config import load_settings
from assistant.pipeline import Assistant
from benchmarks.harness import assistant_search, load, markdown_table, run_questions, summarize
from benchmarks.retrieval import EVALS, RESULTS
SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "scifact"
COLUMNS = ("hit@1", "mrr@10", "ndcg@10", "ms_p50", "ms_p95", "load")

# (label, search mode, retrieval overrides[, model overrides])
VARIANTS = (
    ("MiniLM hybrid (quality off)", "hybrid", {"quality_weight": 0.0}),
    ("Gemma dense alone", "dense", {"dense_weight": 0.0}),
    ("hybrid + Gemma 0.5", "hybrid", {"quality_weight": 0.5}),
    ("hybrid + Gemma 1.0", "hybrid", {"quality_weight": 1.0}),
    ("hybrid + Gemma 2.0", "hybrid", {"quality_weight": 2.0}),
    ("hybrid + Gemma 1.0, MiniLM 0.5", "hybrid", {"quality_weight": 1.0, "dense_weight": 0.5}),
    ("hybrid + Gemma 3.0 (default: hubness 0.5 for lookups)", "hybrid", {"quality_weight": 3.0}),
    ("hybrid + Gemma 3.0, embedders in float32", "hybrid", {"quality_weight": 3.0}, {"cpu_precision": "float32"}),
    ("hybrid + Gemma 3.0, embedders in bfloat16", "hybrid", {"quality_weight": 3.0}, {"cpu_precision": "bfloat16"}),
    ("MiniLM hybrid, late-chunked sentences (quality off)", "hybrid", {"quality_weight": 0.0},
     {"late_chunking": ["sentence"]}),
    ("hybrid + Gemma 3.0, late-chunked sentences", "hybrid", {"quality_weight": 3.0}, {"late_chunking": ["sentence"]}),
    ("hybrid + Gemma 3.0, no hubness correction (before 2026-12-05)", "hybrid",
     {"quality_weight": 3.0, "intent_weights": {"lookup": {"hubness_weight": 0.0}}}),
    ("hybrid + Gemma 3.0, hubness 0.25 for lookups", "hybrid",
     {"quality_weight": 3.0, "intent_weights": {"lookup": {"hubness_weight": 0.25}}}),
)
DESCRIPTIONS = Path(__file__).parent / "data"  # lookups written apart from the dev files


def load_average() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def open_variant(data_dir: str | None, overrides: dict, models: dict | None = None) -> Assistant:
    base = load_settings(**({"data_dir": data_dir} if data_dir else {}))
    base = base.model_copy(update={"models": base.models.model_copy(update=models or {})})
    overrides = dict(overrides)
    extra = overrides.pop("intent_weights", {})  # a variant's own per-intent weights, added to the defaults
    retrieval = base.retrieval.model_copy(update=overrides)
    # per-intent weights must not undo the variant's own quality/dense weights
    intents = retrieval.intent_weights
    retrieval.intent_weights = {i: {**{k: v for k, v in intents.get(i, {}).items() if k not in overrides},
                                    **extra.get(i, {})} for i in {*intents, *extra}}
    assistant = Assistant(base.model_copy(update={"retrieval": retrieval}))
    if overrides.get("quality_weight", 1.0) > 0 and not assistant.quality.ready():
        raise SystemExit(f"the quality index is not complete: {assistant.quality_state().as_dict()} "
                         "(run: python -m assistant quality build)")
    return assistant


def evaluate(data_dir: str | None, sets: list[tuple[str, list]], variants=VARIANTS) -> dict[str, list]:
    tables: dict[str, list] = {name: [] for name, _ in sets}
    for label, mode, overrides, *models in variants:
        assistant = open_variant(data_dir, overrides, *models)
        for name, questions in sets:
            before = load_average()
            values = summarize(run_questions(assistant_search(assistant, mode), questions), with_ndcg=True)["overall"]
            values["load"] = f"{before} → {load_average()}"
            tables[name].append((label, values))
            print(f"{name:<16} {label:<34} hit@1 {values['hit@1']:.3f} MRR@10 {values['mrr@10']:.3f} "
                  f"nDCG@10 {values['ndcg@10']:.3f} p50 {values['ms_p50']:.0f} ms p95 {values['ms_p95']:.0f} ms "
                  f"(load {values['load']})", flush=True)
    return tables


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scifact", metavar="DATA_DIR", help="a data dir holding the SciFact index")
    parser.add_argument("--variants", type=int, nargs="+", metavar="N",
                        help=f"only these rows of VARIANTS (0-{len(VARIANTS) - 1}; a big index is slow to score)")
    parser.add_argument("--out", type=Path, help="where the table goes (default: results/quality-tier[-scifact].md)")
    args = parser.parse_args(argv)
    variants = [VARIANTS[i] for i in args.variants] if args.variants else VARIANTS
    if args.scifact:
        sets = [("scifact claims", load(SCIFACT / "questions.jsonl")),
                ("scifact BEIR", load(SCIFACT / "questions_beir.jsonl"))]
        out = RESULTS / "quality-tier-scifact.md"
    else:
        dev = [q for q in load(EVALS / "dev.jsonl") if q.gold_titles]
        fresh = load(DESCRIPTIONS / "descriptions_fresh.jsonl")
        sets = [("dev", dev), ("dev lookups", [q for q in dev if q.category == "lookup"]),
                ("dev_paraphrase", load(EVALS / "dev_paraphrase.jsonl")),
                ("descriptions", load(DESCRIPTIONS / "descriptions.jsonl")),
                ("fresh descriptions, half-remembered", [q for q in fresh if q.id.endswith("-mid")]),
                ("fresh descriptions, no terms", [q for q in fresh if q.id.endswith("-hard")])]
        out = RESULTS / "quality-tier.md"
    out = args.out or out
    tables = evaluate(args.scifact, sets, variants)
    text = [f"# Quality index vs MiniLM only ({'SciFact' if args.scifact else 'sample'})", "",
            "Written by `benchmarks/quality_tier.py`; warm latency per search, load average before → after.", ""]
    for name, rows in tables.items():
        text += [f"## {name}", "", markdown_table(rows, COLUMNS), ""]
    out.write_text("\n".join(text))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
