"""Concurrency soak of the HTTP API: 16 clients at once against `python -m assistant serve`, memory sampled.

Starts `serve` on 127.0.0.1 as its own process (SmolLM2-135M on llama.cpp, MiniLM, Chroma and BM25 over
the same small index as `benchmarks.soak`), warms it up with one answer per client, then the clients ask
through POST /ask (server-sent events), each a few turns of one conversation (its history sent along)
before starting a new one. Every reply is checked: evidence before the first token, the final answer is
to this client's question, and every cited paper is a real paper of the index. The server's RSS is sampled
every second, after the warm-up and a gc of nothing but time, to tell growth from warm-up. Loops are
bounded and nothing leaves loopback.

    nice -n 19 .venv/bin/python -m benchmarks.soak_http [--clients 16] [--requests 200] [--data-dir /tmp/bench-soak]

Writes results/soak-http.md and results/soak-http.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.soak import (ROOT, TURNS_PER_CHAT, Tally, ensure_index, fan_out, free_port, rss_at, rss_mb, save,
                             server_env, shares, summarize, wait_for)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/bench-soak"))
    args = parser.parse_args()
    env = server_env(args.data_dir)
    titles = ensure_index(args.data_dir, env)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port), "--concurrency", "2"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = wait_for(port, server, timeout=300, path="/openapi.json", what="serve")
        papers = {h["paper_id"] for t in titles for h in search(url, t)}
        tally = run_clients(url, server.pid, titles, papers, args.clients, args.requests)
    finally:
        server.terminate()
        server.wait(timeout=30)
    write_results(tally, args)


def search(url: str, title: str) -> list[dict]:
    import httpx
    return httpx.get(f"{url}/search", params={"q": title, "k": 3}, timeout=600).json()


def run_clients(url: str, pid: int, titles: list[str], papers: set[str], clients: int, requests: int) -> Tally:
    """A warm-up answer per client (all at once), then `requests` answers in all, RSS sampled meanwhile."""
    tally = Tally(pid=pid)
    warm = [threading.Thread(target=ask, args=(url, f"What does the paper '{titles[c]}' propose?", [], papers,
                                               tally, True)) for c in range(clients)]
    for t in warm:
        t.start()
    for t in warm:
        t.join()
    tally.rss.append((0, rss_mb(pid)))
    return fan_out(tally, [lambda c=c, n=n: client(url, c, n, titles, papers, tally)
                           for c, n in enumerate(shares(requests, clients))])


def client(url: str, number: int, turns: int, titles: list[str], papers: set[str], tally: Tally) -> None:
    """One HTTP client: a conversation about papers, its own history sent with each turn, then a new one."""
    history: list[dict] = []
    for turn in range(turns):
        if len(history) == 2 * TURNS_PER_CHAT:
            history = []
        title = titles[(number * 7 + turn) % len(titles)]
        question = f"What does the paper '{title}' propose? (client {number}, turn {turn})"
        text = ask(url, question, history, papers, tally)
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": text or ""}]


def ask(url: str, question: str, history: list[dict], papers: set[str], tally: Tally, warmup: bool = False) -> str:
    import httpx
    started = time.perf_counter()
    try:
        with httpx.stream("POST", f"{url}/ask", json={"question": question, "history": history},
                          timeout=3600) as response:
            response.raise_for_status()
            events = sse_events(response.iter_lines())
    except Exception as error:  # noqa: BLE001 - a failed request is a result, counted and shown
        with tally.lock:
            tally.errors.append(f"{type(error).__name__}: {error}"[:200])
        return ""
    elapsed = time.perf_counter() - started
    problem = crosstalk(question, events, papers)
    answer = events[-1][1] if events and events[-1][0] == "answer" else {}
    if warmup:
        return answer.get("answer", "")
    with tally.lock:
        tally.answered += 1
        tally.latencies.append(elapsed)
        if problem:
            tally.crosstalk.append(problem)
        if tally.answered % 20 == 0:
            print(f"{tally.answered} answered, server RSS {rss_mb(tally.pid):.0f} MB", file=sys.stderr, flush=True)
    return answer.get("answer", "")


def sse_events(lines) -> list[tuple[str, dict]]:
    events, name, data = [], "message", []
    for line in lines:
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif not line and data:
            events.append((name, json.loads("\n".join(data))))
            name, data = "message", []
    return events


def crosstalk(question: str, events: list[tuple[str, dict]], papers: set[str]) -> str | None:
    """Why this stream is not (only) this client's answer, or None."""
    kinds = [name for name, _ in events]
    if not kinds or kinds[-1] != "answer":
        return f"no answer event for {question!r}: {kinds[-3:]}"
    answer = events[-1][1]
    if answer.get("question") != question:
        return f"answer to {answer.get('question')!r}, asked {question!r}"
    if "token" in kinds and "evidence" in kinds and kinds.index("token") < kinds.index("evidence"):
        return f"tokens before evidence for {question!r}"
    unknown = {c["paper_id"] for c in answer["citations"]} - papers if papers else set()
    return f"cites papers outside the index: {unknown}" if unknown else None


def write_results(tally: Tally, args) -> None:
    half = args.requests // 2
    summary = {"clients": args.clients} | summarize(tally, args.requests, (0, 50, 100, 150, args.requests))
    summary["rss_growth_mb_first_half"] = round(rss_at(tally, half) - rss_at(tally, 0), 1)
    summary["rss_growth_mb_second_half"] = round(rss_at(tally, args.requests) - rss_at(tally, half), 1)
    save("soak-http", summary, tally, report(summary))


def report(s: dict) -> str:
    lat = s["latency_s"]
    return f"""# HTTP concurrency soak (`python -m benchmarks.soak_http`)

{s['clients']} HTTP clients at once against `python -m assistant serve` (loopback, `--concurrency 2`), POST /ask
as server-sent events, {s['requests']} questions after one warm-up answer per client, each client a few turns of
one conversation (its history sent along) then a new one; {s['llm']} (llama.cpp, one thread,
{s['max_tokens']} tokens), MiniLM, {s['papers']} papers. Checked per reply: an answer event to this client's
question, evidence before the first token, every citation a paper of the index.

| measure | value |
|---|---:|
| answered | {s['answered']} / {s['requests']} |
| failed requests | {s['errors']} |
| cross-talk or malformed streams | {s['crosstalk']} |
| wall time | {s['seconds']} s |
| latency p50 / p95 / max (queue wait included) | {lat['p50']} / {lat['p95']} / {lat['max']} s |
| server RSS after {' / '.join(s['rss_mb'])} answers (0 = after the warm-up) | {' / '.join(f"{v:.0f}" for v in s['rss_mb'].values())} MB |
| RSS growth over the first / second half | {s['rss_growth_mb_first_half']} / {s['rss_growth_mb_second_half']} MB |
| machine load average at the end (2 cores) | {s['load_average_at_end']} |
"""


if __name__ == "__main__":
    main()
