"""llama.cpp with and without flash attention: memory as prompts get longer, prompt speed, answers.

    .venv/bin/python -m benchmarks.flash_attention [--models smollm2-135m-instruct qwen2.5-coder-1.5b-instruct]

Without flash attention llama.cpp reserves a buffer for a prompt batch's attention scores at the full
context; the operating system backs its pages only as prompts reach them, so a long-running server's
memory rises with every conversation longer than any before and is never given back. Each model and
setting runs in a fresh process: RSS after loading, then prompts of growing length (bundled abstracts)
each read from an empty cache, with the time and RSS after each, then greedy answers to a few real
prompts, compared between the two settings word for word. Writes results/flash-attention.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.retrieval import RESULTS
from benchmarks.soak import rss_mb

LENGTHS = (500, 1000, 2000, 3500)  # prompt tokens; the default context is 4096
ANSWER_TOKENS = 48
QUESTIONS = ("What problem does this paper address?", "What is the main result, with its numbers?",
             "Which datasets or benchmarks are used?")


def worker(model: str, flash: bool) -> dict:
    """One process: load, read prompts of growing length, answer; what it measured."""
    from assistant.offline import apply_offline_env
    apply_offline_env()
    import llama_cpp

    import ingest
    from assistant.config import load_settings
    from assistant.models import resolve_model_path
    settings = load_settings()
    path = resolve_model_path(model, settings.models_dir)
    llm = llama_cpp.Llama(model_path=path, n_ctx=settings.models.n_ctx, n_batch=512, n_threads=2,
                          n_threads_batch=2, flash_attn=flash, verbose=False)
    out = {"model": model, "flash": flash, "rss_loaded": rss_mb(os.getpid()), "reads": [], "answers": []}
    papers = ingest.read_paths(None).papers
    text = " ".join(p.abstract for p in papers[:60]).encode()
    tokens = llm.tokenize(text)
    for n in LENGTHS:
        llm.reset()
        load = os.getloadavg()[0]
        started = time.perf_counter()
        llm.eval(tokens[:n])
        out["reads"].append({"tokens": n, "seconds": time.perf_counter() - started, "rss": rss_mb(os.getpid()),
                             "load": load})
    for paper, question in zip(papers[:len(QUESTIONS)], QUESTIONS):
        llm.reset()
        reply = llm.create_chat_completion([{"role": "user", "content": f"{paper.abstract}\n\n{question}"}],
                                           max_tokens=ANSWER_TOKENS, temperature=0.0, seed=0)
        out["answers"].append(reply["choices"][0]["message"]["content"])
    out["rss_end"] = rss_mb(os.getpid())
    return out


def run(model: str, flash: bool) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.flash_attention", "--worker", model, str(int(flash))],
                          capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(results: list[dict]) -> list[str]:
    head = ["| model | flash attention | RSS loaded MB | " + " | ".join(f"{n} tokens: s / RSS MB" for n in LENGTHS)
            + " | RSS growth MB | load |",
            "|---|---|---:|" + "---:|" * len(LENGTHS) + "---:|---|"]
    rows = []
    for r in results:
        reads = " | ".join(f"{x['seconds']:.2f} / {x['rss']:.0f}" for x in r["reads"])
        growth = r["reads"][-1]["rss"] - r["reads"][0]["rss"]
        loads = f"{r['reads'][0]['load']:.1f}–{r['reads'][-1]['load']:.1f}"
        rows.append(f"| {r['model']} | {'on' if r['flash'] else 'off'} | {r['rss_loaded']:.0f} | {reads} | "
                    f"{growth:+.0f} | {loads} |")
    return head + rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["smollm2-135m-instruct", "qwen2.5-coder-1.5b-instruct"])
    parser.add_argument("--worker", nargs=2, metavar=("MODEL", "FLASH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1] == "1")))
        return
    results = []
    for model in args.models:
        pair = [run(model, flash) for flash in (False, True)]
        for r in pair:
            print(table([r])[-1], flush=True)
        same = sum(a == b for a, b in zip(pair[0]["answers"], pair[1]["answers"]))
        pair[1]["same_answers"] = f"{same} of {len(QUESTIONS)}"
        results += pair
    lines = ["# Flash attention in llama.cpp (`benchmarks/flash_attention.py`)", "",
             "Each row is a fresh process on this 2-core CPU (2 threads, context 4096, batch 512). Prompts of",
             "growing length (bundled abstracts) are read from an empty cache one after the other; RSS after each.",
             "Load average (1 min) at the first and the last read.", "", *table(results), ""]
    for r in results:
        if r["flash"]:
            lines.append(f"- {r['model']}: greedy answers to {len(QUESTIONS)} real prompts ({ANSWER_TOKENS} tokens) "
                         f"word for word the same with and without: {r['same_answers']}.")
    (RESULTS / "flash-attention.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
