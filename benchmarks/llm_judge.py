"""The LLM as a second-stage judge for lookups: does it pick the described paper out of the first stage's top N?

    .venv/bin/python -m benchmarks.llm_judge [--top 5] [--words 70] [--out results/llm-judge.md]

For every lookup of dev_paraphrase and dev (36 descriptions), `cite` ranks the sample index as it
does by default; the configured LLM then reads the top N papers (title and the first `--words`
words of the abstract, numbered) with the description and answers with one number: a listwise
judge, the cheapest LLM second stage (one prompt per lookup, one or two tokens out). The table
says how often the first stage already had the paper first, how often it was in the top N, and
how often the judge picked it, with the judge's latency and the load average beside it. Nothing
here changes `cite`: the judge would be kept only if it paid.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

from assistant.config import load_settings
from assistant.pipeline import Assistant
from assistant.text import normalize_key
from benchmarks.harness import load
from benchmarks.retrieval import EVALS, RESULTS

JUDGE_SYSTEM = ("You match a researcher's half-remembered description to the paper it describes. Read the "
                "numbered papers and reply with the number of the one paper the description is about, and "
                "nothing else.")


def judge_prompt(description: str, papers: list[tuple[str, str]], words: int) -> str:
    blocks = []
    for i, (title, abstract) in enumerate(papers, start=1):
        head = abstract.split()
        blocks.append(f"[{i}] {title}\n{' '.join(head[:words])}{' …' if len(head) > words else ''}")
    return ("Papers:\n\n" + "\n\n".join(blocks) + f"\n\nDescription: {description}\n\n"
            f"Which paper (1-{len(papers)}) is it?")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--words", type=int, default=70)
    parser.add_argument("--out", type=Path, default=RESULTS / "llm-judge.md")
    args = parser.parse_args(argv)
    assistant = Assistant(load_settings())
    questions = [*load(EVALS / "dev_paraphrase.jsonl"), *(q for q in load(EVALS / "dev.jsonl") if q.category == "lookup")]
    first = within = picked = 0
    seconds, load_before, picks = [], os.getloadavg(), []
    for q in questions:
        hits = assistant.cite(q.question, k=args.top)
        ranks = [normalize_key(h.paper.title) for h in hits]
        gold = normalize_key(q.gold_titles[0])
        rank = ranks.index(gold) + 1 if gold in ranks else None
        prompt = judge_prompt(q.question, [(h.paper.title, h.paper.abstract) for h in hits], args.words)
        started = time.perf_counter()
        reply = "".join(assistant.llm.generate([{"role": "system", "content": JUDGE_SYSTEM},
                                                {"role": "user", "content": prompt}], max_tokens=4))
        seconds.append(time.perf_counter() - started)
        number = re.search(r"\d+", reply)
        choice = int(number.group()) if number else None
        picks.append(choice)
        first += rank == 1
        within += rank is not None
        picked += rank is not None and choice == rank
        print(f"{q.id}: first stage rank {rank}, judge picked {reply.strip()!r} ({seconds[-1]:.1f} s)", flush=True)
    seconds.sort()
    n = len(questions)
    counts = {c: picks.count(c) for c in sorted({p for p in picks if p is not None})}
    text = "\n".join([
        "# The LLM as a listwise judge for lookups (`benchmarks/llm_judge.py`)", "",
        f"{n} lookups (dev_paraphrase + dev lookups) over the sample index, default `cite` as the first stage, "
        f"then `{assistant.settings.models.llm}` reads the top {args.top} (title + {args.words} words each) and names one.",
        "",
        "| measure | value |", "|---|---:|",
        f"| first stage: described paper ranked 1st | {first} / {n} |",
        f"| first stage: described paper in the top {args.top} | {within} / {n} |",
        f"| judge picked the described paper | {picked} / {n} |",
        f"| judge's answers, by number | {', '.join(f'{k}: {v}' for k, v in counts.items())} |",
        f"| judge latency p50 / max | {seconds[n // 2]:.1f} / {seconds[-1]:.1f} s |",
        f"| load average before → after (2 cores) | {' '.join(f'{x:.1f}' for x in load_before)} → "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} |", ""])
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
