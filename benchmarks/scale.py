"""Indexing at scale: 548 (the sample), 5,183 (SciFact) and 20,000 / 50,000 abstracts (synthetic).

    .venv/bin/python -m benchmarks.scale --sizes 548 5183      # on an idle machine
    .venv/bin/python -m benchmarks.scale --sizes 20000 50000

Per size: a fresh data dir under /tmp/bench-scale/, one `python -m assistant ingest FILE --json` in
its own process (wall seconds, papers/s, CPU seconds, peak RSS), the store's size on disk, a BM25
rebuild timed on its own, and warm hybrid query latency (p50/p95 over 60 queries: SciFact claims
and dev questions). The larger corpora are SYNTHETIC: each abstract is 4-10 sentences drawn at random
from the real sample and SciFact abstracts, under a real title with a number appended; they measure
speed and memory, not retrieval quality. Results merge into benchmarks/results/scale.json, with a
table (scale.md) and a plot (scale.png); every row carries the load average it ran under.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.late_chunking import load_average
from benchmarks.retrieval import QUESTION_FILES, RESULTS
from benchmarks.scifact import SCIFACT

ROOT = Path(__file__).resolve().parents[1]
OUT = RESULTS / "scale.json"
QUERIES = 60


def corpus_file(size: int, work: Path) -> tuple[Path | None, str]:
    """(JSONL file or None for the bundled sample, label) for a corpus of `size` abstracts."""
    if size == 548:
        return None, "sample (real)"
    if size == 5183:
        return SCIFACT / "corpus.jsonl", "SciFact (real)"
    path = work / f"synthetic-{size}.jsonl"
    if not path.exists():
        write_synthetic(size, path)
    return path, "synthetic (real sentences recombined)"


def write_synthetic(size: int, path: Path, seed: int = 15) -> None:
    """`size` abstracts of 4-10 real sentences each, under real titles numbered to stay unique."""
    import ingest
    from assistant.text import split_sentences
    real = ingest.read_paths(None).papers + ingest.read_paths([str(SCIFACT / "corpus.jsonl")]).papers
    sentences = [s for p in real for s in split_sentences(p.abstract) if len(s) > 20]
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(size):
            title = f"{rng.choice(real).title.rstrip('.')} (synthetic {i})"
            abstract = " ".join(rng.sample(sentences, rng.randint(4, 10)))
            fh.write(json.dumps({"title": title, "abstract": abstract, "date": f"{2015 + i % 10}-01-01"}) + "\n")


INGEST = """import json, resource, sys, time
from assistant.cli import main
started = time.perf_counter()
code = main(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"code": code, "wall_s": time.perf_counter() - started, "cpu_s": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mb": usage.ru_maxrss / 1024}))"""


def ingest(data_dir: Path, corpus: Path | None, until_searchable: bool = False) -> dict:
    """One ingest in a fresh process, as a user runs it, watched through its progress file: the
    moment every paper is searchable (first pass done) is timed too, with the CPU spent by then.
    `until_searchable` stops it there (SIGINT, as Ctrl-C would)."""
    # the quality index's background build would start after each ingest and share the CPU with the
    # next size's: it is measured on its own (benchmarks/quality_tier.py)
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_MODELS__QUALITY_BUILD": "manual"}
    args = ["ingest", *([str(corpus)] if corpus else []), "--json"]
    load_before = load_average()
    started = time.perf_counter()
    # stderr (the progress bar) goes to a file: a pipe nobody reads while the ingest runs fills up
    # (64 KiB, about 600 bar updates) and blocks it; the first 50,000-paper run stalled that way
    err_file = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-c", INGEST, *args], stdout=subprocess.PIPE, stderr=err_file,
                            text=True, env=env, cwd=ROOT)
    searchable: dict = {}
    while proc.poll() is None:
        if not searchable:
            for path in data_dir.glob("manifests/*.progress.json"):
                try:
                    state = json.loads(path.read_text())
                except ValueError:
                    continue
                if state["papers_todo"] and state["papers_searchable"] == state["papers_todo"]:
                    searchable = {"searchable_s": round(time.perf_counter() - started, 1),
                                  "searchable_cpu_s": round(_cpu_of(proc.pid), 1)}
                    if until_searchable:
                        time.sleep(5)  # let it rebuild BM25 over the searchable papers
                        proc.send_signal(signal.SIGINT)
        time.sleep(0.2)
    out, _ = proc.communicate()
    err_file.seek(0)
    err = err_file.read()
    result = {**searchable, "load_before": load_before, "load_after": load_average()}
    if until_searchable:
        return result | {"stopped_when_searchable": True, "wall_s": time.perf_counter() - started}
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed: {err[-2000:]}")
    lines = out.strip().splitlines()
    return result | {"report": json.loads(lines[-2]), **json.loads(lines[-1])}


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def queries() -> list[str]:
    from evals.questions import load_questions
    claims = [q.question for q in load_questions(SCIFACT / "questions.jsonl")][:QUERIES // 2]
    dev = [q.question for q in load_questions(QUESTION_FILES["dev"])][:QUERIES - len(claims)]
    return claims + dev


def measure_queries(data_dir: Path) -> dict:
    """BM25 rebuild time and warm hybrid search latency over the index just built."""
    from assistant.config import load_settings
    from assistant.pipeline import Assistant
    assistant = Assistant(load_settings(data_dir=str(data_dir)))
    started = time.perf_counter()
    assistant.retriever.rebuild_lexical()
    bm25_s = time.perf_counter() - started
    texts = queries()
    for text in texts[:3]:  # warm: model, store, caches
        assistant.search(text)
    times = []
    for text in texts:
        t = time.perf_counter()
        assistant.search(text)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"bm25_build_s": round(bm25_s, 2), "query_ms_p50": round(times[len(times) // 2], 1),
            "query_ms_p95": round(times[int(len(times) * 0.95) - 1], 1), "queries": len(times),
            "query_load": load_average()}


def run_size(size: int, work: Path, until_searchable: bool) -> dict:
    corpus, label = corpus_file(size, work)
    data_dir = work / f"data-{size}"
    shutil.rmtree(data_dir, ignore_errors=True)
    result = ingest(data_dir, corpus, until_searchable)
    store_mb = sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file()) / 1e6
    result |= {"size": size, "corpus": label, "store_mb": round(store_mb, 1)}
    if "report" in result:
        result["papers_per_s"] = round(result["report"]["papers_total"] / result["wall_s"], 2)
    result |= measure_queries(data_dir)
    return result


def _order(results: dict) -> list[str]:
    return sorted(results, key=lambda key: (int(key.split("-")[0]), key))


def table(results: dict) -> str:
    lines = ["# Indexing at scale", "",
             "One `python -m assistant ingest` per size in a fresh data dir on the shared 2-core machine; load "
             "average (1/5/15 min) before the ingest. *Searchable* is when the first pass (whole-abstract vectors; "
             "with `models.late_chunking = [sentence]` also the sentence vectors pooled from the same encode) had "
             "written every paper; *complete* adds the rest. The 548, 5,183 and 50,000 rows ran with the default "
             "settings on 2026-12-04 at 09d751f: the ingest encoded by OpenVINO in int8 (`models.embed_int8`), Chroma "
             "writes overlapping encoding, sentence rows written without their text. Before that change (2026-12-03 "
             "evening): 548 13 s / 27 s and 5,183 57 s / 259 s at da6b233; 50,000 at 5ef8a53 563 s to searchable, "
             "2,515 s to complete, peak 3.4 GB, store 4.7 GB; at da6b233 (no overlap) 498 s, 2,556 s. The 50,000 build in "
             "bfloat16 (87968d3, that afternoon): 592 s, 2,646 s. The 50,000 build before, with torch (37a3137), "
             "took 573 s to searchable, 2,806 s to complete, "
             "peak RSS 3,534 MB, query p50 128 ms (64 ms after ed3883b); the one before that (085f6fd) 611 s, "
             "2,988 s, 3,396 MB. The 20,000 row (2026-12-02, torch) ran with late sentences, not the default. "
             "CPU s is the ingest process's user + system time: on an idle machine, wall time is about CPU s / 2 "
             "(two encoder threads). A row stopped when searchable has no complete time. Synthetic corpora recombine "
             "real sentences: speed and memory only, no retrieval quality.", "",
             "| papers | corpus | searchable s (CPU s) | complete s (CPU s) | papers/s | peak RSS MB | store MB | "
             "BM25 build s | query p50 ms | query p95 ms | load before ingest | load at queries |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for key in _order(results):
        r = results[key]
        complete = f"{r['wall_s']:.0f} ({r['cpu_s']:.0f})" if "report" in r else "stopped"
        searchable = f"{r['searchable_s']:.0f} ({r['searchable_cpu_s']:.0f})" if "searchable_s" in r else "–"
        lines.append(f"| {key.split('-')[0]} | {r['corpus']} | {searchable} | {complete} | {r.get('papers_per_s', '–')} | "
                     f"{r['peak_rss_mb']:.0f} | {r['store_mb']} | {r['bm25_build_s']} | "
                     f"{r['query_ms_p50']} | {r['query_ms_p95']} | {r['load_before']} | {r['query_load']} |"
                     if "report" in r else
                     f"| {key.split('-')[0]} | {r['corpus']} | {searchable} | {complete} | – | – | {r['store_mb']} | "
                     f"{r['bm25_build_s']} | {r['query_ms_p50']} | {r['query_ms_p95']} | {r['load_before']} | "
                     f"{r['query_load']} |")
    notes = [f"- {key.split('-')[0]}: queries measured again on the same store, {results[key]['queries_note']}."
             for key in _order(results) if "queries_note" in results[key]]
    return "\n".join(lines + ([""] + notes if notes else [])) + "\n"


def plot(results: dict, path: Path) -> None:
    """Estimated idle minutes (CPU s / 2) to searchable and to complete, and warm query latency."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    keys = _order(results)
    n = [int(k.split("-")[0]) for k in keys]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    done = [(x, results[k]) for x, k in zip(n, keys) if "report" in results[k]]
    found = [(x, results[k]) for x, k in zip(n, keys) if "searchable_cpu_s" in results[k]]
    left.plot([x for x, _ in found], [r["searchable_cpu_s"] / 120 for _, r in found], "o-", label="searchable")
    left.plot([x for x, _ in done], [r["cpu_s"] / 120 for _, r in done], "s--", label="complete")
    left.set(xlabel="abstracts", ylabel="minutes (CPU s / 2 ≈ idle wall)", title="Ingest")
    left.legend(fontsize=8)
    right.plot(n, [results[k]["query_ms_p50"] for k in keys], "o-", label="p50")
    right.plot(n, [results[k]["query_ms_p95"] for k in keys], "s--", label="p95")
    right.set(xlabel="abstracts", ylabel="ms (shared machine)", title="Warm hybrid query")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[548, 5183])
    parser.add_argument("--work", default="/tmp/bench-scale")
    parser.add_argument("--until-searchable", action="store_true",
                        help="stop each ingest once every paper is searchable (first pass done)")
    parser.add_argument("--queries-only", metavar="WHY",
                        help="ingest nothing: measure BM25 and queries again on each size's existing data dir "
                             "(after a search change), keeping the ingest numbers; WHY goes under the table")
    args = parser.parse_args(argv)
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    for size in args.sizes:
        key = f"{size}{'-searchable' if args.until_searchable else ''}"
        if args.queries_only:
            before = {k: results[key][k] for k in ("query_ms_p50", "query_ms_p95")}
            results[key] |= measure_queries(Path(args.work) / f"data-{size}")
            results[key]["queries_note"] = (f"{args.queries_only} (before: p50 {before['query_ms_p50']} ms, "
                                            f"p95 {before['query_ms_p95']} ms)")
        else:
            results[key] = run_size(size, Path(args.work), args.until_searchable)
        print(json.dumps(results[key]), flush=True)
        RESULTS.mkdir(exist_ok=True)
        OUT.write_text(json.dumps(results, indent=1))
        (RESULTS / "scale.md").write_text(table(results))
        plot(results, RESULTS / "scale.png")
    print(table(results))


if __name__ == "__main__":
    main()
