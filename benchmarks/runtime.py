"""The ingest's encoding runtimes on CPU, in one run: torch and OpenVINO, float32, bfloat16 and int8.

    .venv/bin/python -m benchmarks.runtime [--papers N] [--rounds R]

An ingest encodes three kinds of text per paper: 3-sentence windows, the whole abstract and every
sentence (`assistant/indexing.py`). For each kind, the same texts of the bundled sample are encoded
by each runtime exactly as the ingest calls it (`Embedder.embed_index`, the kind's batch size),
alternating the runtimes over R rounds after a warm-up, and the vectors are compared by cosine
with torch float32's. The load average is printed beside every timing. Retrieval quality of an
index built with each runtime is measured separately (`eval --no-generate`, `benchmarks.scifact
--beir`). Writes benchmarks/results/runtime.md.
"""

from __future__ import annotations

import argparse
import statistics
import time

from assistant.chunking import chunk_paper
from assistant.config import load_settings
from assistant.embedding import load_embedder, native_bfloat16
from assistant.indexing import SENTENCE_BATCH_FACTOR
from assistant.text import split_sentences
from benchmarks.late_chunking import load_average
from benchmarks.retrieval import RESULTS

RUNTIMES = {  # label: (models.embed_runtime, models.cpu_precision, models.embed_int8)
    "torch float32": ("torch", "float32", False),
    "torch bfloat16": ("torch", "bfloat16", False),
    "OpenVINO float32": ("openvino", "float32", False),
    "OpenVINO bfloat16": ("openvino", "bfloat16", False),
    "OpenVINO int8": ("openvino", "bfloat16", True),  # the feed-forward outputs in bfloat16
}


def texts_by_kind(n: int) -> dict[str, list[str]]:
    import ingest
    out: dict[str, list[str]] = {"window": [], "abstract": [], "sentence": []}
    for paper in ingest.read_paths(None).papers[:n]:
        for chunk in chunk_paper(paper):
            out[chunk.kind].append(chunk.text)
        out["sentence"] += split_sentences(paper.abstract)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    base = load_settings()
    batch = base.models.embed_batch_size
    sizes = {"window": batch, "abstract": batch, "sentence": batch * SENTENCE_BATCH_FACTOR}
    kinds = texts_by_kind(args.papers)
    embedders = {}
    for label, (runtime, precision, int8) in RUNTIMES.items():
        if precision == "bfloat16" and not native_bfloat16():
            precision = "float32"
            if not int8:
                continue
        settings = base.model_copy(update={"models": base.models.model_copy(
            update={"embed_runtime": runtime, "cpu_precision": precision, "embed_int8": int8})})
        embedders[label] = load_embedder(settings)
        embedders[label].embed_index(kinds["sentence"][:32], batch_size=16)  # warm-up (and the export)
    print(f"load before: {load_average()}", flush=True)
    rows = []
    for kind, texts in kinds.items():
        reference = embedders["torch float32"].embed_index(texts, batch_size=sizes[kind])
        seconds: dict[str, list[float]] = {label: [] for label in embedders}
        cosine: dict[str, float] = {}
        for _ in range(args.rounds):
            for label, embedder in embedders.items():
                started = time.perf_counter()
                vectors = embedder.embed_index(texts, batch_size=sizes[kind])
                seconds[label].append(time.perf_counter() - started)
                cosine[label] = (vectors * reference).sum(axis=1)
        for label in embedders:
            median = statistics.median(seconds[label])
            low, mean = float(cosine[label].min()), float(cosine[label].mean())
            rows.append((kind, len(texts), label, median, len(texts) / median, low, mean, load_average()))
            print(f"{kind:8s} {len(texts):5d} {label:18s} {median:6.2f} s  {len(texts) / median:6.0f} texts/s  "
                  f"cosine min {low:.5f} mean {mean:.5f}  load {load_average()}", flush=True)
    write(rows, args)


def write(rows, args) -> None:
    by_kind: dict[str, float] = {}
    for kind, _, label, median, *_ in rows:
        if label == "torch bfloat16":
            by_kind[kind] = median
    lines = ["# Ingest encoding runtimes on CPU (`python -m benchmarks.runtime`)", "",
             f"MiniLM (all-MiniLM-L6-v2) on the texts of the first {args.papers} bundled papers, encoded as the ingest "
             f"does (`Embedder.embed_index`, the ingest's batch sizes, length-sorted batches padded to multiples of "
             f"16 tokens); median of {args.rounds} alternating rounds after a warm-up. Cosine: each text's vector "
             "against torch float32's, the lowest and the mean. int8 was calibrated on texts of the same sample "
             "(`assistant/data/calibration.jsonl`).", "",
             "| texts | n | runtime | seconds | texts/s | vs torch bfloat16 | min cosine | mean cosine "
             "| load (1/5/15 min) |",
             "|---|---:|---|---:|---:|---:|---:|---:|---|"]
    for kind, n, label, median, rate, low, mean, load in rows:
        speed = f"{by_kind[kind] / median:.2f}x" if kind in by_kind else "–"
        lines.append(f"| {kind} | {n} | {label} | {median:.2f} | {rate:.0f} | {speed} | {low:.5f} | {mean:.5f} "
                     f"| {load} |")
    lines += ["", f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on a 2-core machine "
              f"({'native bfloat16' if native_bfloat16() else 'no native bfloat16'})."]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "runtime.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS / 'runtime.md'}")


if __name__ == "__main__":
    main()
