"""The UI soak's memory creep without the web stack: chat answers in one process, RSS sampled.

    .venv/bin/python -m benchmarks.memory_inprocess [--threads 2] [--answers 300] [--data-dir /tmp/bench-soak]

The soak's settings (SmolLM2 on llama.cpp, one thread, 40 tokens; MiniLM; the quality index off) over
the soak's 24-paper index (run `python -m benchmarks.soak` once to build it). `--threads` askers at
once, as the UI's `--concurrency 2` runs them, each streaming answers (`Assistant.ask_stream`, what the
UI calls) in 4-turn chats with the history sent along, a new chat after every fourth turn. RSS after
every 10 answers, and the least-squares trend from answer 50 in MB per 100 answers, with the load
average; a few minutes per 100 answers on 2 cores. Prints a table; writes nothing.
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
    args = parser.parse_args()
    os.environ.update({"ASSISTANT_DATA_DIR": str(args.data_dir), "ASSISTANT_MODELS__LLM": LLM,
                       "ASSISTANT_MODELS__QUALITY_EMBEDDER": "", "ASSISTANT_ANSWER__MAX_TOKENS": str(MAX_TOKENS),
                       "ASSISTANT_MODELS__N_THREADS": "1"})
    from assistant.offline import apply_offline_env
    apply_offline_env()
    from assistant.config import load_settings
    from assistant.heap import cap_arenas
    from assistant.pipeline import Assistant

    cap_arenas()  # as `ui` and `serve` do
    assistant = Assistant(load_settings())
    titles = [p.title for p in assistant.store.papers().values()]
    if not titles:
        raise SystemExit(f"no papers in {args.data_dir}: run `python -m benchmarks.soak` once to build its index")
    list(assistant.ask_stream(f"What does the paper '{titles[0]}' propose?"))  # loads the models
    samples: list[tuple[int, float]] = []
    lock = threading.Lock()

    def asker(user: int, turns: int) -> None:
        history: list[dict] = []
        for turn in range(turns):
            if turn % TURNS_PER_CHAT == 0:
                history = []
            question = f"What does the paper '{titles[(user * 7 + turn) % len(titles)]}' propose? (user {user}, turn {turn})"
            list(assistant.ask_stream(question, history=history))
            history = history + [{"role": "user", "content": question},
                                 {"role": "assistant", "content": "It proposes a method [1]."}]
            with lock:
                done = len(samples) + 1
                samples.append((done, rss_mb(os.getpid())))
                if done % 10 == 0:
                    print(f"{done} answers, RSS {samples[-1][1]:.0f} MB", flush=True)

    started = time.perf_counter()
    workers = [threading.Thread(target=asker, args=(u, args.answers // args.threads)) for u in range(args.threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.perf_counter() - started
    marks = [m for m in (10, 50, 100, 150, 200, 300, 400, 500) if m <= len(samples)]
    print(f"\n| threads | answers | RSS after {' / '.join(map(str, marks))} answers | trend from answer 50 | wall time | load |")
    print("|---:|---:|---|---:|---:|---|")
    print(f"| {args.threads} | {len(samples)} | {' / '.join(f'{samples[m - 1][1]:.0f}' for m in marks)} MB | "
          f"{trend(samples, 50, len(samples))} MB per 100 | {seconds:.0f} s | "
          f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} |")


if __name__ == "__main__":
    main()
