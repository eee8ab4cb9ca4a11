"""The Chroma server path under load: ingest into `chroma run`, then concurrent search clients.

    nice -n 19 .venv/bin/python -m benchmarks.chroma_server --papers 5183 --clients 8

Starts `chroma run` on loopback with a fresh store, ingests the first N SciFact abstracts through
`python -m assistant ingest` with ASSISTANT_CHROMA_URL set, then starts C client processes (each
its own Assistant, embedder and BM25, as C UI processes would be) that search the SciFact claims
at the same time. Writes benchmarks/results/chroma-server.md (and .json) with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from benchmarks.late_chunking import load_average
from benchmarks.retrieval import RESULTS
from benchmarks.scale import INGEST, ROOT
from benchmarks.scifact import SCIFACT

CLIENT = """import json, sys, time
from assistant.config import load_settings
from assistant.pipeline import Assistant
from evals.questions import load_questions
data_dir, start, n, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
assistant = Assistant(load_settings(data_dir=data_dir))
questions = [q.question for q in load_questions(sys.argv[5])]
assistant.search(questions[0])  # warm: embedder, BM25 built from the server's chunks
while time.time() < go:
    time.sleep(0.01)
times = []
for i in range(n):
    t = time.perf_counter()
    assistant.search(questions[(start + i) % len(questions)])
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps(times))"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chroma(root: Path) -> tuple[subprocess.Popen, str]:
    exe = Path(sys.executable).parent / "chroma"
    port = free_port()
    log = open(root / "chroma.log", "w")
    server = subprocess.Popen([str(exe), "run", "--path", str(root / "db"), "--host", "127.0.0.1",
                               "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1, trust_env=False).status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("chroma run did not start")


def write_corpus(n: int, path: Path) -> Path:
    with open(SCIFACT / "corpus.jsonl", encoding="utf-8") as src, open(path, "w", encoding="utf-8") as out:
        for i, line in enumerate(src):
            if i == n:
                break
            out.write(line)
    return path


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * q))], 1)


def run(papers: int, clients: int, per_client: int, root: Path) -> dict:
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    server, url = start_chroma(root)
    env = {**os.environ, "ASSISTANT_CHROMA_URL": url}
    try:
        corpus = write_corpus(papers, root / "corpus.jsonl")
        load_before = load_average()
        done = subprocess.run([sys.executable, "-c", INGEST, "ingest", str(corpus), "--json"], env=env | {
            "ASSISTANT_DATA_DIR": str(root / "ingest-data")}, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise SystemExit(done.stderr[-2000:])
        lines = done.stdout.strip().splitlines()
        ingest = {"report": json.loads(lines[-2]), **json.loads(lines[-1]), "load_before": load_before}
        go = time.time() + 60 + 10 * clients  # every client loaded and warm before the first timed query
        procs = [subprocess.Popen([sys.executable, "-c", CLIENT, str(root / f"client-{c}"), str(c * per_client),
                                   str(per_client), str(go), str(SCIFACT / "questions.jsonl")],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
                 for c in range(clients)]
        outs = [p.communicate(timeout=3600) for p in procs]
        load_queries = load_average()
        times = [t for out, _ in outs for t in json.loads(out.strip().splitlines()[-1])]
        wall = max(sum(json.loads(out.strip().splitlines()[-1])) for out, _ in outs) / 1000
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"papers": papers, "clients": clients, "queries": len(times), "url": "chroma run (loopback)",
            "ingest": ingest, "query_ms_p50": percentile(times, 0.5), "query_ms_p95": percentile(times, 0.95),
            "queries_per_s": round(len(times) / wall, 1), "load_at_queries": load_queries}


def report(r: dict) -> str:
    i = r["ingest"]
    return "\n".join([
        "# Chroma server under load", "",
        f"`chroma run` on loopback; {r['papers']} SciFact abstracts ingested with `ASSISTANT_CHROMA_URL` set, then "
        f"{r['clients']} client processes (each its own Assistant, embedder and BM25) searching SciFact claims at "
        "the same time, on the shared 2-core machine under `nice -n 19`.", "",
        "| papers | ingest s | CPU s (client side) | peak RSS MB (client) | clients | queries | p50 ms | p95 ms | "
        "queries/s | load before ingest | load during queries |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
        f"| {i['report']['papers_total']} | {i['wall_s']:.0f} | {i['cpu_s']:.0f} | {i['peak_rss_mb']:.0f} | "
        f"{r['clients']} | {r['queries']} | {r['query_ms_p50']} | {r['query_ms_p95']} | {r['queries_per_s']} | "
        f"{i['load_before']} | {r['load_at_queries']} |", ""])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=5183)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=25)
    parser.add_argument("--work", default="/tmp/bench-chroma-server")
    args = parser.parse_args(argv)
    result = run(args.papers, args.clients, args.per_client, Path(args.work))
    text = report(result)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "chroma-server.json").write_text(json.dumps(result, indent=1))
    (RESULTS / "chroma-server.md").write_text(text)


if __name__ == "__main__":
    main()
