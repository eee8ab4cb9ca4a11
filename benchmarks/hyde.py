"""HyDE for lookups: does searching with the abstract the LLM expects find the described paper first more often?

    .venv/bin/python -m benchmarks.hyde [--write abstract|terms] [--max-tokens 80] [--out results/hyde.md]

For every lookup of dev_paraphrase, dev and benchmarks/data/descriptions.jsonl (74 descriptions), the
configured LLM writes the opening of the abstract it expects the described paper to have (`--write
terms`: the technical terms and method names it expects the paper to use, a query expansion); greedy,
`--max-tokens`. Then `cite`'s ranking (the lookup weights, the quality index when it is built) runs
three ways: the description alone (today), the description followed by what was written, and that alone.
The table gives hit@1 and MRR@10 of each, per set, with the writing time and the load average
beside it. Nothing here changes `cite`: HyDE would be kept only if it paid for its seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from assistant.config import load_settings
from assistant.pipeline import Assistant
from assistant.text import normalize_key
from benchmarks.harness import load
from benchmarks.retrieval import EVALS, RESULTS

HYDE_PROMPT = """A researcher half-remembers a paper and describes it in their own words:

"{description}"

Write the opening sentences of that paper's abstract as its authors would, using the technical terms and method names of the field. Reply with the abstract text only."""

TERMS_PROMPT = """A researcher half-remembers a paper and describes it in their own words:

"{description}"

List the technical terms, method names and model names that this paper's title and abstract most likely use (at most 8, comma-separated). Reply with the list only."""

PROMPTS = {"abstract": HYDE_PROMPT, "terms": TERMS_PROMPT}
DESCRIPTIONS = Path(__file__).parent / "data" / "descriptions.jsonl"  # 38 lookups written apart from dev


def variants(write: str) -> tuple[str, str, str]:
    what = "written abstract" if write == "abstract" else "written terms"
    return "description alone (today)", f"description + {what}", f"{what} alone"


def search_texts(description: str, written: str) -> tuple[str, str, str]:
    return description, f"{description}\n{written}", written


def rank_of(assistant: Assistant, text: str, gold: str) -> int | None:
    keys = [normalize_key(h.paper.title) for h in assistant.search(text, k=10, intent="lookup")]
    return keys.index(gold) + 1 if gold in keys else None


def scores(ranks: list[int | None]) -> str:
    n = len(ranks)
    hit1 = sum(r == 1 for r in ranks) / n
    mrr = sum(1 / r for r in ranks if r) / n
    return f"{hit1:.3f} / {mrr:.3f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", choices=sorted(PROMPTS), default="abstract")
    parser.add_argument("--max-tokens", type=int, default=80)
    parser.add_argument("--out", type=Path, default=RESULTS / "hyde.md")
    args = parser.parse_args(argv)
    assistant = Assistant(load_settings())
    sets = {"dev_paraphrase": load(EVALS / "dev_paraphrase.jsonl"),
            "dev lookups": [q for q in load(EVALS / "dev.jsonl") if q.category == "lookup"],
            "descriptions": load(DESCRIPTIONS)}
    labels = variants(args.write)
    ranks = {(name, v): [] for name in sets for v in labels}
    seconds, load_before, changed = [], os.getloadavg(), []
    for name, questions in sets.items():
        for q in questions:
            started = time.perf_counter()
            written = "".join(assistant.llm.generate(
                [{"role": "user", "content": PROMPTS[args.write].format(description=q.question)}],
                max_tokens=args.max_tokens, temperature=0.0, seed=0)).strip()
            seconds.append(time.perf_counter() - started)
            gold = normalize_key(q.gold_titles[0])
            got = [rank_of(assistant, text, gold) for text in search_texts(q.question, written)]
            for variant, rank in zip(labels, got):
                ranks[(name, variant)].append(rank)
            if got[0] != got[1]:
                changed.append(f"- {q.id}: rank {got[0]} → {got[1]}; the model wrote: “{written[:160]}…”")
            print(f"{q.id}: ranks {got} ({seconds[-1]:.1f} s) {written[:100]!r}", flush=True)
    load_after = os.getloadavg()
    seconds.sort()
    header = "| search text | " + " | ".join(f"{name} hit@1 / MRR@10" for name in sets) + " |"
    rows = [f"| {v} | " + " | ".join(scores(ranks[(name, v)]) for name in sets) + " |" for v in labels]
    text = "\n".join([
        "# HyDE for lookups (`benchmarks/hyde.py`)", "",
        f"{sum(map(len, sets.values()))} lookups over the sample index with the default `cite` ranking "
        f"(quality index {'built' if assistant.quality.ready() else 'not built'}); "
        f"`{assistant.settings.models.llm}` (llama.cpp, CPU) writes the expected "
        f"{'abstract' if args.write == 'abstract' else 'terms'}, "
        f"at most {args.max_tokens} tokens, greedy.", "",
        header, "|---|" + "---:|" * len(sets), *rows, "",
        f"Writing: p50 {statistics.median(seconds):.1f} s, max {seconds[-1]:.1f} s "
        f"(load average {' / '.join(f'{x:.1f}' for x in load_before)} → "
        f"{' / '.join(f'{x:.1f}' for x in load_after)}; 2 cores).", "",
        "Lookups whose rank what was written changed (description alone → with it):", "",
        *(changed or ["- none"]), ""])
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
