"""Concurrency soak: 16 chat users at once through the real Gradio UI queue, 200 answers, memory sampled.

Starts `python -m assistant ui` on 127.0.0.1 as its own process (SmolLM2-135M on llama.cpp, the
real MiniLM, Chroma and BM25 over a small index), then 16 gradio_client sessions ask questions at
the same time, each a few turns of one conversation before "New chat". Every reply is checked for
cross-talk: the answer must be to this session's question, and the session's chat must hold only
its own turns. The server's RSS is sampled throughout. Loops are bounded and nothing leaves
loopback. The issue's 16 HTTP clients against `serve` are `benchmarks/soak_http.py`.

    .venv/bin/python -m benchmarks.soak [--users 16] [--requests 200] [--data-dir /tmp/bench-soak]
                                        [--name soak] [--trace DIR]

Writes results/soak.md and results/soak.json. `--trace DIR` runs the server under tracemalloc
(`benchmarks/traced_server.py`) with tracing from answer 20, snapshots it after answer 50 and at the end, and writes what grew
between the two, by allocation site, to results/soak-trace.md: slower, for diagnosis only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
LLM = "smollm2-135m-instruct"
PAPERS = 24
TURNS_PER_CHAT = 4  # then "New chat": conversations grow, but not without bound
MAX_TOKENS = 40  # short answers: the soak is about the queue and memory, not the model


@dataclass
class Tally:
    """What the users saw, shared between their threads."""

    latencies: list[float] = field(default_factory=list)
    answered: int = 0
    errors: list[str] = field(default_factory=list)
    crosstalk: list[str] = field(default_factory=list)
    rss: list[tuple[int, float]] = field(default_factory=list)  # (answers so far, server RSS in MB)
    seconds: float = 0.0
    pid: int = 0  # the server's
    snapshot_at: int | None = None  # answers after which a traced server snapshots its heap
    trace_from: int = 20  # answers after which a traced server starts tracing
    chats_dir: Path | None = None  # where the UI server saves chats
    lock: threading.Lock = field(default_factory=threading.Lock)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/bench-soak"))
    parser.add_argument("--saved-chats", type=int, default=0, metavar="N",
                        help="start with N saved chats of 4 turns each, as a user with a long history has (default 0)")
    parser.add_argument("--name", default="soak", help="results/NAME.md and NAME.json (default: soak)")
    parser.add_argument("--trace", type=Path, metavar="DIR", help="run the server under tracemalloc; snapshots go here")
    args = parser.parse_args()
    env = server_env(args.data_dir)
    titles = ensure_index(args.data_dir, env)
    seed_chats(args.data_dir / "chats", args.saved_chats)
    port = free_port()
    module = "assistant"
    if args.trace:
        module, env["SOAK_TRACE_DIR"] = "benchmarks.traced_server", str(args.trace)
        shutil.rmtree(args.trace, ignore_errors=True)
    server = subprocess.Popen([sys.executable, "-m", module, "ui", "--host", "127.0.0.1", "--port", str(port),
                               "--concurrency", "2"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        url = wait_for(port, server)
        tally = run_users(url, server.pid, titles, args.users, args.requests, snapshot_at=50 if args.trace else None)
        tally.chats_dir = args.data_dir / "chats"
        if args.trace:
            snapshot(server.pid, args.trace, 2)
    finally:
        server.terminate()
        server.wait(timeout=30)
    write_results(tally, args)
    if args.trace:
        write_trace(args.trace, tally)


def server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    # the quality index off: its background build and its model joining mid-run would blur the memory trace
    return env | {"ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_MODELS__LLM": LLM,
                  "ASSISTANT_MODELS__QUALITY_EMBEDDER": "", "ASSISTANT_ANSWER__MAX_TOKENS": str(MAX_TOKENS), "ASSISTANT_MODELS__N_THREADS": "1",
                  "NO_PROXY": "127.0.0.1,localhost", "GRADIO_ANALYTICS_ENABLED": "False",
                  "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT)}


def ensure_index(data_dir: Path, env: dict[str, str]) -> list[str]:
    """A small index of bundled papers; the titles the users will ask about. The ingest runs every time:
    unchanged input costs under a second, and settings that name another collection get it built."""
    import ingest
    papers = ingest.read_paths(None).papers[:PAPERS]
    corpus = data_dir / "soak.jsonl"
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(data_dir / "chats", ignore_errors=True)  # every run starts with no saved chats: runs compare
    corpus.write_text("".join(json.dumps({"title": p.title, "abstract": p.abstract}) + "\n" for p in papers))
    subprocess.run([sys.executable, "-m", "assistant", "ingest", str(corpus)], env=env, cwd=ROOT, check=True,
                   stderr=subprocess.DEVNULL)
    return [p.title for p in papers]


def seed_chats(root: Path, n: int) -> None:
    """`n` saved chats of four turns each about bundled papers, as the UI saves them (about 30 KB each)."""
    import ingest
    from ui.chat import Turn
    from ui.history import ChatStore
    papers, store = ingest.read_paths(None).papers, ChatStore(root)
    for c in range(n):
        turns = []
        for t in range(4):
            paper = papers[(4 * c + t) % len(papers)]
            turn = Turn(f"What does the paper '{paper.title}' propose? (saved chat {c})", html=f"<p>{paper.abstract}</p>",
                        text=paper.abstract, sources_html=f"<div>{paper.abstract * 2}</div>")
            turn.references = [(1, paper)]
            turns.append(turn.to_dict())
        store.save(f"20260101-000000-{c:08x}", turns)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, server: subprocess.Popen, timeout: float = 180, path: str = "/", what: str = "the UI") -> str:
    """The server's base URL once `path` answers; an error when it exits or takes too long."""
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"{what} exited: {server.stderr.read()[-2000:]}")
        try:
            urllib.request.urlopen(url + path, timeout=2)
            return url
        except OSError:
            time.sleep(1)
    raise RuntimeError(f"{what} did not start in time")


def run_users(url: str, pid: int, titles: list[str], users: int, requests: int,
              snapshot_at: int | None = None) -> Tally:
    """`users` sessions at once, `requests` answers in all; RSS sampled every second meanwhile (and a
    traced server told to snapshot its heap once `snapshot_at` answers are in)."""
    tally = Tally(pid=pid, snapshot_at=snapshot_at)
    ask(url, titles[0], tally, warmup=True)  # loads the models once, outside the measurement
    return fan_out(tally, [lambda u=u, n=n: user(url, u, n, titles, tally) for u, n in enumerate(shares(requests, users))])


def shares(requests: int, workers: int) -> list[int]:
    """`requests` split as evenly as possible over `workers`.

    >>> shares(10, 4)
    [3, 3, 2, 2]
    """
    return [requests // workers + (1 if w < requests % workers else 0) for w in range(workers)]


def fan_out(tally: Tally, workers: list) -> Tally:
    """Run the workers at once, the server's RSS sampled every second meanwhile; the wall time and a
    last RSS reading go into the tally."""
    stop = threading.Event()
    sampler = threading.Thread(target=sample_rss, args=(tally.pid, tally, stop), daemon=True)
    sampler.start()
    threads = [threading.Thread(target=work) for work in workers]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tally.seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    tally.rss.append((tally.answered, rss_mb(tally.pid)))
    return tally


def user(url: str, number: int, turns: int, titles: list[str], tally: Tally) -> None:
    """One browser session: questions about papers in turn, a new chat every few turns."""
    from gradio_client import Client
    client = Client(url, verbose=False)
    in_chat = 0
    for turn in range(turns):
        if in_chat == TURNS_PER_CHAT:
            client.predict(api_name="/new_chat")
            in_chat = 0
        title = titles[(number * 7 + turn) % len(titles)]
        question = f"What does the paper '{title}' propose? (user {number}, turn {turn})"
        in_chat += 1
        ask(url, title, tally, client=client, question=question, turns_in_chat=in_chat)


def ask(url: str, title: str, tally: Tally, *, client=None, question: str | None = None,
        turns_in_chat: int = 1, warmup: bool = False) -> None:
    from gradio_client import Client
    client = client or Client(url, verbose=False)
    question = question or f"What does the paper '{title}' propose?"
    started = time.perf_counter()
    try:
        messages, _sources, answer = client.predict(question, 10, "", "", api_name="/chat")
    except Exception as error:  # noqa: BLE001 - a failed request is a result, counted and shown
        with tally.lock:
            tally.errors.append(f"{type(error).__name__}: {error}"[:200])
        return
    elapsed = time.perf_counter() - started
    problem = crosstalk(question, turns_in_chat, messages, answer)
    if warmup:
        return
    with tally.lock:
        tally.answered += 1
        tally.latencies.append(elapsed)
        if problem:
            tally.crosstalk.append(problem)
        if tally.snapshot_at and tally.answered in (tally.trace_from, tally.snapshot_at):
            os.kill(tally.pid, signal.SIGUSR1)
        if tally.answered % 20 == 0:
            print(f"{tally.answered} answered, server RSS {rss_mb(tally.pid):.0f} MB", file=sys.stderr, flush=True)


def crosstalk(question: str, turns_in_chat: int, messages: list, answer: dict | None) -> str | None:
    """Why this reply is not (only) this session's, or None."""
    if not answer or answer.get("question") != question:
        return f"answer to {answer.get('question') if answer else None!r}, asked {question!r}"
    if len(messages) != 2 * turns_in_chat:
        return f"{len(messages)} chat messages after {turns_in_chat} turns of {question!r}"
    return None


def sample_rss(pid: int, tally: Tally, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        with tally.lock:
            tally.rss.append((tally.answered, rss_mb(pid)))


def rss_mb(pid: int) -> float:
    """Resident memory of the server process and its children, in MB."""
    total = 0
    for p in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_at(tally: Tally, answers: int) -> float:
    """The first RSS sample taken once `answers` replies were in."""
    return next((mb for n, mb in tally.rss if n >= answers), tally.rss[-1][1])


def summarize(tally: Tally, requests: int, marks: tuple[int, ...]) -> dict:
    """What both soaks report: answers, failures, cross-talk, latency, RSS at the marks, the setup."""
    lat = sorted(tally.latencies)
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")  # noqa: E731
    return {
        "requests": requests, "answered": tally.answered,
        "errors": len(tally.errors), "crosstalk": len(tally.crosstalk), "seconds": round(tally.seconds, 1),
        "latency_s": {"p50": round(pct(0.5), 2), "p95": round(pct(0.95), 2), "max": round(max(lat, default=0), 2),
                      "mean": round(statistics.fmean(lat), 2) if lat else None},
        "rss_mb": {str(m): round(rss_at(tally, m), 1) for m in marks if m <= requests},
        "llm": LLM, "max_tokens": MAX_TOKENS, "concurrency": 2, "papers": PAPERS,
        "load_average_at_end": round(os.getloadavg()[0], 1), "saved_chats": saved_chats(tally),
        "first_errors": tally.errors[:5], "first_crosstalk": tally.crosstalk[:5]}


def save(name: str, summary: dict, tally: Tally, markdown: str) -> None:
    """results/<name>.json (with every RSS sample) and results/<name>.md, and the table on stdout."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(summary | {"rss_samples": tally.rss}, indent=1))
    (RESULTS / f"{name}.md").write_text(markdown)
    print(markdown)


def saved_chats(tally: Tally) -> int | None:
    """How many chats the server had saved by the end (the UI soak's; None for the HTTP soak)."""
    return len(list(tally.chats_dir.glob("*.json"))) if tally.chats_dir else None


def rss_marks(users: int, requests: int) -> tuple[int, ...]:
    """Where RSS is reported: after the first round, every 50 answers to 200, then every 100, and the end.

    >>> rss_marks(16, 200), rss_marks(16, 400)
    ((16, 50, 100, 150, 200), (16, 50, 100, 150, 200, 300, 400))
    """
    marks = [users, *range(50, min(requests, 200) + 1, 50), *range(300, requests + 1, 100), requests]
    return tuple(sorted(set(m for m in marks if m <= requests)))


def trend(samples: list[tuple[int, float]], first: int, last: int) -> float | None:
    """Least-squares slope of RSS over answers `first`..`last`, in MB per 100 answers: every sample
    counts, so the few-MB sawtooth of a heap that is trimmed after each answer does not decide it the
    way two single samples can.

    >>> trend([(0, 900.0), (50, 905.0), (100, 910.0), (100, 908.0), (200, 919.0)], 0, 200)
    9.4
    >>> trend([(10, 1.0)], 0, 200) is None
    True
    """
    points = [(n, mb) for n, mb in samples if first <= n <= last]
    if len({n for n, _ in points}) < 2:
        return None
    mean_n = statistics.fmean(n for n, _ in points)
    mean_mb = statistics.fmean(mb for _, mb in points)
    slope = (sum((n - mean_n) * (mb - mean_mb) for n, mb in points)
             / sum((n - mean_n) ** 2 for n, _ in points))
    return round(100 * slope, 1)


def write_results(tally: Tally, args) -> None:
    summary = {"users": args.users, "saved_chats_at_start": args.saved_chats} | summarize(
        tally, args.requests, rss_marks(args.users, args.requests))
    summary["rss_growth_mb_after_50"] = round(rss_at(tally, args.requests) - rss_at(tally, 50), 1)
    # a longer run tells a leak (the same growth every 100 answers) from caches filling up (growth that stops)
    summary["rss_growth_mb_last_100"] = round(rss_at(tally, args.requests) - rss_at(tally, max(50, args.requests - 100)), 1)
    summary["rss_trend_mb_per_100"] = {"after_50": trend(tally.rss, 50, args.requests),
                                       "last_200": trend(tally.rss, max(50, args.requests - 200), args.requests)}
    save(args.name, summary, tally, report(summary))


def snapshot(pid: int, trace: Path, k: int, timeout: float = 300) -> None:
    """Ask the traced server for its k-th heap snapshot and wait until it is written."""
    os.kill(pid, signal.SIGUSR1)
    path, deadline = trace / f"snapshot-{k}.bin", time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size and time.time() - path.stat().st_mtime > 2:
            return
        time.sleep(1)
    raise RuntimeError(f"the traced server wrote no {path.name} in {timeout:.0f} s")


def write_trace(trace: Path, tally: Tally, top: int = 20) -> None:
    """What the live Python heap gained between the two snapshots, by allocation site, next to RSS."""
    import tracemalloc
    first, last = (tracemalloc.Snapshot.load(str(trace / f"snapshot-{k}.bin")) for k in (1, 2))
    size = lambda snap: sum(s.size for s in snap.statistics("filename")) / 2**20  # noqa: E731
    rows = [f"| {d.size_diff / 1024:+,.0f} | {d.count_diff:+,} | {d.traceback.format()[-1].strip() if d.traceback else ''} |"
            for d in last.compare_to(first, "lineno")[:top]]
    stacks = []
    for d in last.compare_to(first, "traceback")[:5]:
        stacks.append(f"### {d.size_diff / 1024:+,.0f} KiB in {d.count_diff:+,} blocks\n\n```\n"
                      + "\n".join(d.traceback.format(most_recent_first=True)[:16]) + "\n```")
    markdown = f"""# What the UI server's Python heap gained during the soak (`python -m benchmarks.soak --trace`)

Snapshots after answer {tally.snapshot_at} and after the last ({tally.answered}), each after a full garbage
collection, of the server run under tracemalloc. Traced live heap: {size(first):.1f} → {size(last):.1f} MiB;
server RSS meanwhile {rss_at(tally, tally.snapshot_at or 0):.0f} → {tally.rss[-1][1]:.0f} MB. What tracemalloc does not see
(native allocations: llama.cpp, torch, sqlite; and malloc's own fragmentation) is the difference.

| KiB | blocks | allocated at |
|---:|---:|---|
""" + "\n".join(rows) + "\n\n## The largest growing call stacks\n\n" + "\n\n".join(stacks) + "\n"
    (RESULTS / "soak-trace.md").write_text(markdown)
    print(markdown)


def report(s: dict) -> str:
    rss = " / ".join(f"{mb:.0f}" for mb in s["rss_mb"].values())
    marks = " / ".join(s["rss_mb"])
    lat = s["latency_s"]
    slopes = s.get("rss_trend_mb_per_100") or {}
    trend_text = " / ".join(f"{slopes.get(k):+}" if slopes.get(k) is not None else "–" for k in ("after_50", "last_200"))
    return f"""# Concurrency soak (`python -m benchmarks.soak`)

{s['users']} chat users at once through the real Gradio UI queue (`python -m assistant ui`, loopback,
`--concurrency 2`), {s['requests']} questions in all, each session a few turns of one conversation
then "New chat"; {s['llm']} (llama.cpp, one thread, {s['max_tokens']} tokens), MiniLM, {s['papers']} papers.
Cross-talk check per reply: the answer is to this session's question, and its chat holds only its turns.

| measure | value |
|---|---:|
| answered | {s['answered']} / {s['requests']} |
| failed requests | {s['errors']} |
| cross-talk | {s['crosstalk']} |
| wall time | {s['seconds']} s |
| latency p50 / p95 / max (queue wait included) | {lat['p50']} / {lat['p95']} / {lat['max']} s |
| server RSS after {marks} answers | {rss} MB |
| RSS growth from answer 50 to {s['requests']} | {s['rss_growth_mb_after_50']} MB |
| RSS growth over the last 100 answers | {s.get('rss_growth_mb_last_100')} MB |
| RSS trend (least squares, every sample) from answer 50 / over the last 200 answers | {trend_text} MB per 100 answers |
| machine load average at the end (2 cores) | {s.get('load_average_at_end')} |
| saved chats at the start / end | {s.get('saved_chats_at_start')} / {s.get('saved_chats')} |

The 16 HTTP clients the issue also asks for: `python -m benchmarks.soak_http` (results/soak-http.md).
"""


if __name__ == "__main__":
    main()
