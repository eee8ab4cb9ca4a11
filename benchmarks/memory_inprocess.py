"""Memory of answering in one process, without the web stack: chat answers on threads, RSS and glibc heap sampled.

    .venv/bin/python -m benchmarks.memory_inprocess [--threads 2] [--answers 300] [--data-dir /tmp/bench-soak]
        [--call stream|ask] [--llm model|canned]

The soak's settings (SmolLM2 on llama.cpp, one thread, 40 tokens; MiniLM; the quality index off) over
the soak's 24-paper index (run `python -m benchmarks.soak` once to build it). `--threads` askers at
once, as the UI's `--concurrency 2` runs them, each streaming answers (`Assistant.ask_stream`, what the
UI calls) in 4-turn chats with the history sent along, a new chat after every fourth turn. RSS after
every 10 answers, and the least-squares trend from answer 50 in MB per 100 answers, with the load
average; a few minutes per 100 answers on 2 cores. Beside RSS, glibc's own count (mallinfo2) of the
heap in use and of the heap free but kept, so a leak (in use grows) and fragmentation (free grows) tell
apart. For the bisect: `--call ask` answers without streaming; `--llm canned` swaps the model for a
canned reply (retrieval, evidence and the answer checks still run). Prints a table; writes nothing.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path

from benchmarks.soak import LLM, MAX_TOKENS, TURNS_PER_CHAT, rss_mb, trend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--answers", type=int, default=300)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/bench-soak"))
    parser.add_argument("--call", choices=("stream", "ask"), default="stream")
    parser.add_argument("--llm", choices=("model", "canned", "quoting"), default="model")
    args = parser.parse_args()
    os.environ.update({"ASSISTANT_DATA_DIR": str(args.data_dir), "ASSISTANT_MODELS__LLM": LLM,
                       "ASSISTANT_MODELS__QUALITY_EMBEDDER": "", "ASSISTANT_ANSWER__MAX_TOKENS": str(MAX_TOKENS),
                       "ASSISTANT_MODELS__N_THREADS": "1"})
    from assistant.offline import apply_offline_env
    apply_offline_env()
    from assistant.config import load_settings
    from assistant.heap import cap_arenas, heap_usage
    from assistant.pipeline import Assistant

    cap_arenas()  # as `ui` and `serve` do
    assistant = Assistant(load_settings())
    titles = [p.title for p in assistant.store.papers().values()]
    if not titles:
        raise SystemExit(f"no papers in {args.data_dir}: run `python -m benchmarks.soak` once to build its index")
    if args.llm != "model":
        assistant._llm = _Canned(quoting=args.llm == "quoting")

    def answer(question: str, history: list[dict]) -> None:
        if args.call == "stream":
            list(assistant.ask_stream(question, history=history))
        else:
            assistant.ask(question, history=history)

    answer(f"What does the paper '{titles[0]}' propose?", [])  # loads the models
    samples: list[tuple[int, float]] = []
    in_use: list[tuple[int, float]] = []
    free: list[tuple[int, float]] = []
    lock = threading.Lock()

    def asker(user: int, turns: int) -> None:
        history: list[dict] = []
        for turn in range(turns):
            if turn % TURNS_PER_CHAT == 0:
                history = []
            question = f"What does the paper '{titles[(user * 7 + turn) % len(titles)]}' propose? (user {user}, turn {turn})"
            answer(question, history)
            history = history + [{"role": "user", "content": question},
                                 {"role": "assistant", "content": "It proposes a method [1]."}]
            with lock:
                done = len(samples) + 1
                samples.append((done, rss_mb(os.getpid())))
                heap = heap_usage()
                if heap is not None:
                    in_use.append((done, heap[0]))
                    free.append((done, heap[1]))
                if done % 10 == 0:
                    print(f"{done} answers, RSS {samples[-1][1]:.0f} MB"
                          + (f", heap in use {heap[0]:.1f} MB, free {heap[1]:.1f} MB" if heap else ""), flush=True)

    started = time.perf_counter()
    workers = [threading.Thread(target=asker, args=(u, args.answers // args.threads)) for u in range(args.threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.perf_counter() - started
    marks = [m for m in (10, 50, 100, 150, 200, 300, 400, 500) if m <= len(samples)]
    heap = (f"{trend(in_use, 50, len(samples))} / {trend(free, 50, len(samples))}" if in_use else "–")
    print(f"\n| threads | call | llm | answers | RSS after {' / '.join(map(str, marks))} answers "
          "| RSS trend from answer 50 | heap in use / free trend | wall time | load |")
    print("|---:|---|---|---:|---|---:|---:|---:|---|")
    print(f"| {args.threads} | {args.call} | {args.llm} | {len(samples)} | "
          f"{' / '.join(f'{samples[m - 1][1]:.0f}' for m in marks)} MB | "
          f"{trend(samples, 50, len(samples))} MB per 100 | {heap} MB per 100 | {seconds:.0f} s | "
          f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} |")


class _Canned:
    """The model's stand-in: `canned` streams one cited sentence, always the same; `quoting` streams
    two runs of 8-40 words of the prompt (a different length and text each time, as a model's answers
    are, so the answer checks see new shapes), each cited. Nothing is kept between calls."""

    name = model = "canned"
    last_usage: dict = {}

    def __init__(self, quoting: bool):
        self.quoting = quoting

    def generate(self, messages, *, max_tokens, temperature=0.0, seed=0, stop=None):
        if not self.quoting:
            yield from ("It ", "proposes ", "a ", "method ", "[1].")
            return
        import random

        words = messages[-1]["content"].split()
        pick = random.Random(len(words) + sum(map(ord, messages[-1]["content"][-200:])))
        for _ in range(2):
            start = pick.randrange(max(1, len(words) - 40))
            yield " ".join(words[start:start + pick.randint(8, 40)]).replace("[", "(") + " [1]. "

    def count_tokens(self, text: str) -> int:
        return len(text.split())


if __name__ == "__main__":
    main()
