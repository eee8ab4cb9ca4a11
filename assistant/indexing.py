"""Incremental indexing: decide what is new or changed by content hash, embed only that, write it."""

from __future__ import annotations

import sys
import time
from typing import Callable

from assistant.chunking import chunk_paper
from assistant.config import Settings
from assistant.embedding import Embedder
from assistant.store import PaperStore, paper_sentences
from assistant.types import IngestReport, Paper, ParseResult

BATCH_PAPERS = 64
# (done, total) in embedded texts; the CLI draws a bar, the UI a progress widget
Progress = Callable[[int, int], None]


def plan(papers: list[Paper], stored: dict[str, str]) -> tuple[list[Paper], list[Paper], list[Paper]]:
    """Split papers into (new, changed, unchanged) against the stored content hashes."""
    new, changed, unchanged = [], [], []
    for paper in papers:
        old = stored.get(paper.paper_id)
        (new if old is None else unchanged if old == paper.content_hash else changed).append(paper)
    return new, changed, unchanged


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
    work = [(p, chunk_paper(p, settings.retrieval.window_sentences, settings.retrieval.window_stride),
             paper_sentences(p)) for p in todo]
    total = sum(len(c) + len(s) for _, c, s in work)
    done = 0
    for start in range(0, len(work), BATCH_PAPERS):
        batch = work[start:start + BATCH_PAPERS]
        done = _write_batch(batch, store, embedder, settings, done, total, progress)
        report.chunks_written += sum(len(c) for _, c, _ in batch)
    report.papers_total = len(store.papers())
    report.seconds = time.perf_counter() - started
    return report


def _write_batch(batch, store: PaperStore, embedder: Embedder, settings: Settings,
                 done: int, total: int, progress: Progress | None) -> int:
    chunks = [c for _, cs, _ in batch for c in cs]
    sentences = [(p.paper_id, i, s) for p, _, ss in batch for i, s in enumerate(ss)]
    bs = settings.models.embed_batch_size

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)
    chunk_vecs = embedder.embed_documents([c.text for c in chunks], batch_size=bs, on_batch=tick)
    sent_vecs = embedder.embed_documents([s for _, _, s in sentences], batch_size=bs, on_batch=tick)
    # remove whatever an earlier (possibly interrupted) run left for these papers, then rewrite
    store.delete_papers([p.paper_id for p, _, _ in batch])
    store.write([p for p, _, _ in batch], chunks, chunk_vecs, sentences, sent_vecs)
    return done


def tqdm_progress(desc: str = "embedding") -> tuple[Progress, Callable[[], None]]:
    """A tqdm bar on stderr as a Progress callback, plus a function that closes it."""
    from tqdm import tqdm
    bar = tqdm(total=0, desc=desc, unit="text", file=sys.stderr, dynamic_ncols=True)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()
    return update, bar.close
