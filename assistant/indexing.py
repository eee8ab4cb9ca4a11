"""Incremental indexing: decide what is new or changed by content hash, embed only that, write it."""

from __future__ import annotations

import sys
import time
from typing import Callable

import numpy as np

from assistant import manifest
from assistant.chunking import chunk_paper
from assistant.config import Settings
from assistant.embedding import Embedder, embedder_name, pooled_kinds
from assistant.late_chunking import paper_pass
from assistant.store import PaperStore, manifest_file, paper_sentences, store_name
from assistant.types import Chunk, IngestReport, Paper, ParseResult

# Papers per write (and per restart point after a crash). Each batch's texts of one kind are sorted by
# length as a whole, so the more there are, the less padding: 3,000 synthetic abstracts indexed in
# 151.5 s with 256, 164.1 s with 64 (one A/B run, 2 cores, bfloat16 MiniLM).
BATCH_PAPERS = 256
# Sentences are short: twice the configured batch encoded 2,250 sentences of the sample 20% faster
# (as one sorted group), and still needs less memory than a batch of whole abstracts.
SENTENCE_BATCH_FACTOR = 2
# (done, total) in papers times passes (two unless late chunking); the CLI draws a bar, the UI a widget
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
                 progress: Progress | None = None, searchable: Callable[[], None] | None = None) -> IngestReport:
    """Embed and write new and changed papers; a rerun on unchanged input embeds nothing.

    Searchable early: a first pass writes each paper's whole-abstract vector, which makes it
    searchable, then `searchable()` runs (the pipeline rebuilds BM25 there); a second pass adds
    the window and sentence vectors that complete it. With late chunking the first pass also
    writes the kinds pooled from the same encoder pass (`models.late_chunking`), and the second
    encodes only the rest, text by text; with every kind late, each batch is complete at once.
    """
    started = time.perf_counter()
    new, changed, unchanged = plan(parsed.papers, store.stored_hashes())
    todo = new + changed
    report = IngestReport(papers_new=len(new), papers_changed=len(changed),
                          papers_unchanged=len(unchanged), duplicates_merged=parsed.duplicates_merged,
                          records_read=parsed.records_read, skipped=list(parsed.skipped),
                          collection=store.name)
    r = settings.retrieval
    work = [(p, chunk_paper(p, r.window_sentences, r.window_stride), paper_sentences(p)) for p in todo]
    batches = [work[i:i + BATCH_PAPERS] for i in range(0, len(work), BATCH_PAPERS)]
    late = pooled_kinds(embedder, settings)
    rest = tuple(kind for kind in KINDS if kind not in late)  # encoded text by text in the second pass
    tracker = _Tracker(store, len(work), progress, passes=2 if rest else 1)
    if work:
        tracker.start()  # the bar's clock starts now, not after the first batch (no absurd first rate)
    writer = _Writer()
    try:
        for batch in batches:
            write = _first_pass(batch, store, embedder, settings, late, complete=not rest)
            writer.submit(_replace, store, batch, write, lambda n=len(batch): tracker.searchable(n, not rest))
        writer.wait()
        if searchable and work:
            searchable()
        for batch in batches if rest else []:
            write = _second_pass(batch, store, embedder, settings, rest)
            writer.submit(_complete, store, batch, write, lambda n=len(batch): tracker.complete(n))
        writer.wait()
    finally:
        writer.close()
    report.chunks_written = sum(len(cs) for _, cs, _ in work)
    report.papers_total = len(store.papers())
    report.seconds = time.perf_counter() - started
    return report


KINDS = ("window", "sentence")


class _Writer:
    """The store's writes of one batch run on a thread of their own while the next batch encodes:
    on a 50,000-paper store a batch's Chroma writes take about a third of its encoding time, mostly
    on one core while the other waits. One batch at most is in flight, and batches are written in
    order, each as before (old rows deleted, then sentences, windows, records), so an interrupted
    ingest leaves what it always did. A write's error is raised by the next `submit` or `wait`."""

    def __init__(self):
        from concurrent.futures import ThreadPoolExecutor
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._pending = None

    def submit(self, fn, *args) -> None:
        self.wait()
        self._pending = self._pool.submit(fn, *args)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Wait for a write still running (an error is already on its way up), then stop the thread."""
        self._pool.shutdown(wait=True)


def _replace(store: PaperStore, batch: Work, write: Callable[[], None], done: Callable[[], None]) -> None:
    """Remove whatever an earlier (possibly interrupted) run left for these papers, then write them."""
    store.delete_papers([p.paper_id for p, _, _ in batch])
    write()
    done()


def _complete(store: PaperStore, batch: Work, write: Callable[[], None], done: Callable[[], None]) -> None:
    """Write the batch's second-pass rows; then its papers count as stored."""
    write()
    store.mark_complete([p.paper_id for p, _, _ in batch])
    done()


def _sentence_rows(batch) -> list[tuple[str, int, str]]:
    return [(p.paper_id, i, s) for p, _, ss in batch for i, s in enumerate(ss)]


def _first_pass(batch: Work, store: PaperStore, embedder: Embedder, settings: Settings,
                late: tuple[str, ...], complete: bool) -> Callable[[], None]:
    """Encode the whole-abstract records (searchable), with the `late` kinds pooled from the same encoder
    pass; returns their write."""
    papers = [p for p, _, _ in batch]
    wholes = [cs[-1] for _, cs, _ in batch]  # chunk_paper puts the whole abstract last
    if not late:
        vectors = embedder.embed_index([c.text for c in wholes], batch_size=settings.models.embed_batch_size)
        return lambda: store.write(papers, wholes, vectors, [], np.zeros((0, vectors.shape[1]), np.float32),
                                   complete=complete)
    chunk_vecs, sent_vecs = late_vectors(batch, embedder, settings)
    chunks = [c for _, cs, _ in batch for c in cs]
    keep = [i for i, c in enumerate(chunks) if c.kind != "window" or "window" in late]
    sentences = _sentence_rows(batch) if "sentence" in late else []
    return lambda: store.write(papers, [chunks[i] for i in keep], chunk_vecs[keep], sentences,
                               sent_vecs if sentences else sent_vecs[:0], complete=complete)


def _second_pass(batch: Work, store: PaperStore, embedder: Embedder, settings: Settings,
                 kinds: tuple[str, ...]) -> Callable[[], None]:
    """Encode the `kinds` the first pass left out, each text on its own; returns their write."""
    bs = settings.models.embed_batch_size
    windows = [c for _, cs, _ in batch for c in cs[:-1]] if "window" in kinds else []
    sentences = _sentence_rows(batch) if "sentence" in kinds else []
    window_vectors = embedder.embed_index([c.text for c in windows], batch_size=bs)
    sentence_vectors = embedder.embed_index([t for _, _, t in sentences], batch_size=bs * SENTENCE_BATCH_FACTOR)
    return lambda: store.write([p for p, _, _ in batch], windows, window_vectors, sentences, sentence_vectors)


class _Tracker:
    """Progress for the CLI bar (papers x passes) and the store's progress file (for `stats`)."""

    def __init__(self, store: PaperStore, todo: int, progress: Progress | None, passes: int):
        self.store, self.todo, self.progress, self.passes = store, todo, progress, passes
        self.done_searchable = self.done_complete = 0

    def start(self) -> None:
        self._report()

    def searchable(self, n: int, complete: bool) -> None:
        self.done_searchable += n
        self.complete(n) if complete else self._report()

    def complete(self, n: int) -> None:
        self.done_complete += n
        self._report()

    def _report(self) -> None:
        manifest.write_progress(self.store.progress_file, self.done_searchable, self.done_complete, self.todo)
        if self.progress:
            done = self.done_searchable if self.passes == 1 else self.done_searchable + self.done_complete
            self.progress(done, self.todo * self.passes)


Work = list[tuple[Paper, list[Chunk], list[str]]]  # each paper with its chunks and sentences


def late_vectors(batch: Work, embedder: Embedder, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """(chunk vectors in chunk order, sentence vectors in sentence order) for a batch of papers, every
    one pooled from one encoder pass per abstract (late chunking)."""
    window = settings.retrieval.window_sentences
    passes = [paper_pass(p.title, ss, [(c.position, window) for c in cs if c.kind == "window"])
              for p, cs, ss in batch]
    chunk_rows, sentence_rows = [], []
    for (_, cs, _), (whole, parts) in zip(batch, embedder.embed_late(passes, batch_size=settings.models.embed_batch_size)):
        n_windows = len(cs) - 1  # chunk_paper: the windows, then the whole abstract
        chunk_rows += [*parts[:n_windows], whole]
        sentence_rows += list(parts[n_windows:])
    dim = len(chunk_rows[0])
    return (np.asarray(chunk_rows, dtype=np.float32).reshape(-1, dim),
            np.asarray(sentence_rows, dtype=np.float32).reshape(-1, dim))


def tqdm_progress(desc: str = "embedding") -> tuple[Progress, Callable[[], None]]:
    """A tqdm bar on stderr as a Progress callback, plus a function that closes it. The bar is drawn only
    once there is work: an unchanged ingest, or one that fails early, shows no empty "0paper" bar."""
    from tqdm import tqdm
    bars: list[tqdm] = []

    def update(done: int, total: int) -> None:
        if not bars and not total:
            return
        if not bars:
            bars.append(tqdm(total=total, desc=desc, unit="paper", file=sys.stderr, dynamic_ncols=True))
        bars[0].total, bars[0].n = total, done
        bars[0].refresh()

    def close() -> None:
        for bar in bars:
            bar.close()
    return update, close
