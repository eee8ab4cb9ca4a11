"""Incremental indexing: decide what is new or changed by content hash, embed only that, write it."""

from __future__ import annotations

import sys
import time
from typing import Callable

import numpy as np

from assistant import manifest
from assistant.chunking import chunk_paper
from assistant.config import Settings
from assistant.embedding import Embedder, embedder_name, late_chunking_kinds
from assistant.late_chunking import paper_pass
from assistant.store import PaperStore, manifest_file, paper_sentences, store_name
from assistant.types import Chunk, IngestReport, Paper, ParseResult

BATCH_PAPERS = 64
# (done, total) in papers; the CLI draws a bar, the UI a progress widget
Progress = Callable[[int, int], None]


def plan(papers: list[Paper], stored: dict[str, str]) -> tuple[list[Paper], list[Paper], list[Paper]]:
    """Split papers into (new, changed, unchanged) against the stored content hashes."""
    new, changed, unchanged = [], [], []
    for paper in papers:
        old = stored.get(paper.paper_id)
        (new if old is None else unchanged if old == paper.content_hash else changed).append(paper)
    return new, changed, unchanged


def unchanged_report(parsed: ParseResult, settings: Settings) -> IngestReport | None:
    """The report of an ingest with nothing to do, answered from the stored hashes alone (no
    embedder, no Chroma, no BM25 loaded); None when anything is new or changed, or when there is
    no valid snapshot, and the store has to decide."""
    name = store_name(settings, embedder_name(settings))
    path = manifest_file(settings, name)
    snapshot = manifest.load(path) if path is not None else None
    if snapshot is None or not snapshot.covers(parsed.papers):
        return None
    if not (settings.lexical_dir / name / "meta.json").exists():
        return None  # BM25 lost: the slow path rebuilds it
    return IngestReport(papers_total=len(snapshot.hashes), papers_unchanged=len(parsed.papers),
                        duplicates_merged=parsed.duplicates_merged, records_read=parsed.records_read,
                        skipped=list(parsed.skipped), collection=name)


def index_papers(parsed: ParseResult, store: PaperStore, embedder: Embedder, settings: Settings,
                 progress: Progress | None = None) -> IngestReport:
    """Embed and write new and changed papers; a rerun on unchanged input embeds nothing."""
    started = time.perf_counter()
    new, changed, unchanged = plan(parsed.papers, store.stored_hashes())
    todo = new + changed
    report = IngestReport(papers_new=len(new), papers_changed=len(changed),
                          papers_unchanged=len(unchanged), duplicates_merged=parsed.duplicates_merged,
                          records_read=parsed.records_read, skipped=list(parsed.skipped),
                          collection=store.name)
    r = settings.retrieval
    work = [(p, chunk_paper(p, r.window_sentences, r.window_stride), paper_sentences(p)) for p in todo]
    late = late_chunking_kinds(settings) if embedder.supports_late_chunking else ()
    for start in range(0, len(work), BATCH_PAPERS):
        batch = work[start:start + BATCH_PAPERS]
        chunk_vecs, sent_vecs = batch_vectors(batch, embedder, settings, late)
        # remove whatever an earlier (possibly interrupted) run left for these papers, then rewrite
        store.delete_papers([p.paper_id for p, _, _ in batch])
        store.write([p for p, _, _ in batch], [c for _, cs, _ in batch for c in cs], chunk_vecs,
                    [(p.paper_id, i, s) for p, _, ss in batch for i, s in enumerate(ss)], sent_vecs)
        report.chunks_written += sum(len(c) for _, c, _ in batch)
        if progress:
            progress(start + len(batch), len(work))
    report.papers_total = len(store.papers())
    report.seconds = time.perf_counter() - started
    return report


Work = list[tuple[Paper, list[Chunk], list[str]]]  # each paper with its chunks and sentences


def batch_vectors(batch: Work, embedder: Embedder, settings: Settings,
                  late: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(chunk vectors in chunk order, sentence vectors in sentence order) for a batch of papers.

    With late chunking one encoder pass per abstract gives the whole-abstract vector and the
    `late` kinds; the other kinds are encoded text by text.
    """
    bs = settings.models.embed_batch_size
    chunks = [c for _, cs, _ in batch for c in cs]
    sentences = [s for _, _, ss in batch for s in ss]
    if not late:
        return (embedder.embed_documents([c.text for c in chunks], batch_size=bs),
                embedder.embed_documents(sentences, batch_size=bs))
    window = settings.retrieval.window_sentences
    passes = [paper_pass(p.title, ss, [(c.position, window) for c in cs if c.kind == "window"])
              for p, cs, ss in batch]
    chunk_rows, sentence_rows = [], []
    for (_, cs, _), (whole, parts) in zip(batch, embedder.embed_late(passes, batch_size=bs)):
        n_windows = len(cs) - 1  # chunk_paper: the windows, then the whole abstract
        chunk_rows += [*parts[:n_windows], whole]
        sentence_rows += list(parts[n_windows:])
    dim = len(chunk_rows[0])
    chunk_vecs = np.asarray(chunk_rows, dtype=np.float32).reshape(-1, dim)
    sent_vecs = np.asarray(sentence_rows, dtype=np.float32).reshape(-1, dim)
    if "window" not in late:
        windows = [i for i, c in enumerate(chunks) if c.kind == "window"]
        if windows:
            chunk_vecs[windows] = embedder.embed_documents([chunks[i].text for i in windows], batch_size=bs)
    if "sentence" not in late and sentences:
        sent_vecs = embedder.embed_documents(sentences, batch_size=bs)
    return chunk_vecs, sent_vecs


def tqdm_progress(desc: str = "embedding") -> tuple[Progress, Callable[[], None]]:
    """A tqdm bar on stderr as a Progress callback, plus a function that closes it."""
    from tqdm import tqdm
    bar = tqdm(total=0, desc=desc, unit="paper", file=sys.stderr, dynamic_ncols=True)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()
    return update, bar.close
