"""Encoding on CPU in float32, bfloat16 and int8, in one run: query latency and ingest throughput.

    .venv/bin/python -m benchmarks.query_encode [--queries N] [--abstracts N]

Gemma's query vector is the slowest step of a warm search (the rest runs beside it on another
thread), and document encoding is most of an ingest. For each model (MiniLM, the quality
embedder) and each variant, the same real questions (dev, dev_paraphrase) are encoded one at a
time, as a search does, and the same bundled abstracts in batches, as an ingest does, after a
warm-up. Vectors are compared with float32's by cosine (an index keeps the vectors it was built
with). The load average is printed beside every timing. Writes benchmarks/results/query-encode.md.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import time

import numpy as np

from assistant.config import load_settings
from assistant.embedding import load_embedder, native_bfloat16
from assistant.quality import quality_settings
from benchmarks.harness import load
from benchmarks.retrieval import EVALS, RESULTS


def questions(n: int) -> list[str]:
    return [q.question for name in ("dev.jsonl", "dev_paraphrase.jsonl") for q in load(EVALS / name)][:n]


def abstracts(n: int) -> list[str]:
    import ingest
    return [p.abstract for p in ingest.read_paths(None).papers[:n]]


def cosines(vectors: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return (vectors * reference).sum(axis=1) / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(reference, axis=1))


def queries_timed(model, prompt: str | None, texts: list[str]) -> tuple[np.ndarray, list[float]]:
    model.encode(texts[:3], prompt=prompt, normalize_embeddings=True)  # warm-up
    vectors, ms = [], []
    for text in texts:
        started = time.perf_counter()
        vectors.append(model.encode([text], prompt=prompt, normalize_embeddings=True, convert_to_numpy=True)[0])
        ms.append(1000 * (time.perf_counter() - started))
    return np.asarray(vectors, dtype=np.float32), sorted(ms)


def documents_timed(model, prompt: str | None, texts: list[str]) -> tuple[np.ndarray, float]:
    model.encode(texts[:8], prompt=prompt, batch_size=8, normalize_embeddings=True)  # warm-up
    started = time.perf_counter()
    vectors = model.encode(texts, prompt=prompt, batch_size=16, normalize_embeddings=True, convert_to_numpy=True)
    return np.asarray(vectors, dtype=np.float32), len(texts) / (time.perf_counter() - started)


def variants(model):
    import torch
    yield "float32", model
    yield "bfloat16", copy.deepcopy(model).to(torch.bfloat16)
    yield "int8 dynamic (Linear)", torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear},
                                                                         dtype=torch.qint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--abstracts", type=int, default=96)
    args = parser.parse_args()
    import torch
    settings = load_settings(models={"cpu_precision": "float32"})  # the variants cast from float32
    queries, docs = questions(args.queries), abstracts(args.abstracts)
    rows = []
    for embedder in (load_embedder(settings), load_embedder(quality_settings(settings))):
        ref_q = ref_d = None
        for label, model in variants(embedder.model):
            qv, ms = queries_timed(model, embedder.query_prompt, queries)
            dv, rate = documents_timed(model, embedder.document_prompt, docs)
            ref_q = qv if ref_q is None else ref_q
            ref_d = dv if ref_d is None else ref_d
            cq, cd = cosines(qv, ref_q), cosines(dv, ref_d)
            rows.append(f"| {embedder.name} | {label} | {statistics.median(ms):.0f} | {ms[int(0.95 * (len(ms) - 1))]:.0f} | "
                        f"{rate:.1f} | {min(cq.min(), cd.min()):.4f} | {(cq.mean() + cd.mean()) / 2:.4f} | "
                        f"{os.getloadavg()[0]:.2f} |")
            print(rows[-1], flush=True)
    markdown = f"""# Encoding on CPU: float32, bfloat16, int8 (`python -m benchmarks.query_encode`)

{len(queries)} real questions (dev, dev_paraphrase) encoded one at a time after a warm-up (a search's
query vector), and {len(docs)} bundled abstracts in batches of 16 (an ingest); torch {torch.__version__},
{torch.get_num_threads()} threads, CPU capability {torch.backends.cpu.get_cpu_capability()}, bf16 matmul units:
{"yes (AMX-BF16 or AVX-512 BF16)" if native_bfloat16() else "none"}.
Cosine is against float32's vector for the same text, over queries and abstracts.

| model | variant | query ms p50 | query ms p95 | abstracts/s | cosine min | cosine mean | load avg |
|---|---|---:|---:|---:|---:|---:|---:|
""" + "\n".join(rows) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "query-encode.md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
