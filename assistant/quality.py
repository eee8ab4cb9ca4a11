"""The quality index: one whole-abstract vector per paper from a stronger (slower) embedder.

The main index (MiniLM windows, sentences, BM25) is searchable first; this one is built after it,
in the background, and joins the ranking only once it covers every paper of the main index, so a
search never mixes scored and unscored papers. Its vectors live in their own Chroma collection
beside the main one, keyed by paper id and content hash, so a rerun encodes only what changed.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from assistant.config import Settings
from assistant.manifest import alive
from assistant.store import get_all
from assistant.types import Paper

SCHEMA = 1
RECHECK_S = 30.0  # how often an incomplete quality index is looked at again


@dataclass
class QualityState:
    """How far the quality index is, read without loading any model."""

    embedder: str
    papers: int          # papers of the main index
    covered: int         # of those, with an up-to-date quality vector
    state: str           # off | missing-model | building | incomplete | complete

    @property
    def ready(self) -> bool:
        return self.state == "complete"

    def as_dict(self) -> dict:
        return {"embedder": self.embedder, "papers": self.papers, "covered": self.covered, "state": self.state}


def describe(state: dict) -> str:
    """A QualityState dict in one line for humans (CLI stats, the UI).

    >>> describe({"embedder": "g", "papers": 10, "covered": 4, "state": "building"})
    'g: building, 4/10 papers (search uses it once complete)'
    >>> describe({"embedder": "g", "papers": 10, "covered": 10, "state": "complete"})
    'g: complete, 10/10 papers (in use)'
    """
    name, state_name = state["embedder"], state["state"]
    if state_name == "off":
        return "off (models.quality_embedder is empty)"
    if state_name == "missing-model":
        return f"{name}: model not present (python -m assistant models fetch {name})"
    done = f"{state['covered']}/{state['papers']} papers"
    if state_name == "complete":
        return f"{name}: complete, {done} (in use)"
    hint = {"building": "search uses it once complete",
            "incomplete": "run `python -m assistant quality build`, or the next ingest starts it"}[state_name]
    return f"{name}: {state_name}, {done} ({hint})"


def quality_settings(settings: Settings) -> Settings:
    """The settings with the quality embedder in the embedder's place (to load it)."""
    models = settings.models.model_copy(update={"embedder": settings.models.quality_embedder,
                                                "embed_endpoint_url": None, "late_chunking": []})
    return settings.model_copy(update={"models": models})


def collection_name(embedder: str) -> str:
    """The quality index's collection, named after its embedder.

    >>> collection_name("embeddinggemma-300m")
    'quality-embeddinggemma-300m-v1'
    """
    return f"quality-{embedder.lower().replace('/', '-')}-v{SCHEMA}"


class QualityIndex:
    """The per-paper vectors of the quality embedder, beside a PaperStore."""

    def __init__(self, settings: Settings, store):
        from assistant.embedding import embedder_name
        self.settings = settings
        self.store = store
        self.embedder_name = embedder_name(quality_settings(settings))
        self.name = collection_name(self.embedder_name)
        self._collection = None
        self._hashes: dict[str, str] | None = None
        self._ready = False
        self._checked_for: str | None = None  # the main store's fingerprint `_ready` was found for
        self._checked_at = 0.0
        self._matrix: tuple[list[str], np.ndarray] | None = None
        self._hub: dict[int, dict[int, float]] = {}  # neighbours -> matrix row -> its hubness
        self._hub_for: np.ndarray | None = None      # the matrix `_hub` was computed on

    # -- where things are --------------------------------------------------------------------------
    @property
    def lock_file(self) -> Path:
        return Path(self.settings.data_dir) / "quality" / f"{self.name}.building"

    @property
    def log_file(self) -> Path:
        return Path(self.settings.data_dir) / "quality" / f"{self.name}.log"

    def model_present(self) -> bool:
        from assistant.embedding import embedder_path
        try:
            return Path(embedder_path(quality_settings(self.settings))).is_dir()
        except Exception:  # unknown name, missing folder: no quality tier on this machine
            return False

    @property
    def collection(self):
        if self._collection is None:
            self._collection = self.store.side_collection(self.name, {"embedder": self.embedder_name,
                                                                      "schema": SCHEMA})
        return self._collection

    # -- state --------------------------------------------------------------------------------------
    def stored_hashes(self) -> dict[str, str]:
        if self._hashes is None:
            got = get_all(self.collection, include=["metadatas"])
            self._hashes = {i: (m or {}).get("content_hash", "") for i, m in zip(got["ids"], got["metadatas"])}
        return self._hashes

    def todo(self) -> list[Paper]:
        """Papers of the main index with no up-to-date quality vector."""
        stored = self.stored_hashes()
        return [p for pid, p in self.store.papers().items() if stored.get(pid) != p.content_hash]

    def state(self) -> QualityState:
        if not self.settings.models.quality_embedder:
            return QualityState("", 0, 0, "off")
        papers = len(self.store.papers())
        if not self.model_present():
            return QualityState(self.embedder_name, papers, 0, "missing-model")
        self._hashes = None  # another process may be writing
        covered = papers - len(self.todo())
        if covered == papers and papers:
            return QualityState(self.embedder_name, papers, covered, "complete")
        state = "building" if _lock_owner(self.lock_file) else "incomplete"
        return QualityState(self.embedder_name, papers, covered, state)

    def ready(self) -> bool:
        """Complete for the main index as it is now. Checked again when the main index changes, and
        every RECHECK_S seconds while incomplete, so a long-running UI switches over once a
        background build finishes."""
        if not self.settings.models.quality_embedder or self.settings.retrieval.quality_weight <= 0:
            return False
        fingerprint = self.store.fingerprint()
        stale = fingerprint != self._checked_for
        if stale or (not self._ready and time.monotonic() - self._checked_at > RECHECK_S):
            self._matrix, self._hashes = None, None
            self._ready = bool(self.model_present() and self.store.papers() and not self.todo())
            self._checked_for, self._checked_at = fingerprint, time.monotonic()
        return self._ready

    # -- building -----------------------------------------------------------------------------------
    def build(self, load_embedder: Callable[[], object], progress: Callable[[int, int], None] | None = None,
              batch_papers: int = 64) -> int:
        """Encode every paper without an up-to-date vector, in batches written as they finish (an
        interrupted build resumes where it stopped); drop vectors of papers no longer indexed.
        The embedder is loaded (`load_embedder()`) only when there is something to encode.
        Returns the number of papers encoded."""
        papers = self.store.papers()
        stale = [pid for pid in self.stored_hashes() if pid not in papers]
        for start in range(0, len(stale), 500):
            self.collection.delete(ids=stale[start:start + 500])
        todo = sorted(self.todo(), key=lambda p: len(p.title) + len(p.abstract))  # similar lengths batch well
        if not todo:
            return 0
        embedder = load_embedder()
        limit = self.settings.models.quality_max_tokens
        embedder.model.max_seq_length = min(embedder.model.max_seq_length, limit)  # the long tail costs most
        done = 0
        for start in range(0, len(todo), batch_papers):
            batch = todo[start:start + batch_papers]
            vectors = embedder.embed_titled([(p.title, p.abstract) for p in batch],
                                            batch_size=self.settings.models.quality_batch_size)
            self.collection.upsert(ids=[p.paper_id for p in batch], embeddings=vectors.tolist(),
                                   metadatas=[{"content_hash": p.content_hash} for p in batch])
            done += len(batch)
            if progress:
                progress(done, len(todo))
        self._hashes = self._checked_for = None  # look again at the next search
        return done

    # -- searching ----------------------------------------------------------------------------------
    def scores(self, qvec: np.ndarray, n: int, allowed: Callable[[str], bool] | None = None,
               hubness: float = 0.0, neighbours: int = 10) -> dict[str, float]:
        """Cosine similarity of the query to the top `n` papers' quality vectors (exact, from a
        matrix held in memory: one matrix product, no approximate index to drift).

        `hubness` > 0: each similarity less `hubness` times the paper's mean similarity to its
        `neighbours` nearest papers (CSLS). A paper written in the collection's most common terms
        is near every query on its subject; what a description singles out is a paper nearer to it
        than that paper is to its own neighbours. The top 2n by plain similarity are re-scored."""
        ids, matrix = self._vectors()
        if not ids:
            return {}
        sims = matrix @ qvec.astype(np.float32)
        pool = 2 * n if hubness > 0 else n
        rows: list[int] = []
        for i in np.argsort(-sims):
            if allowed is None or allowed(ids[i]):
                rows.append(int(i))
                if len(rows) >= pool:
                    break
        scored = {i: float(sims[i]) for i in rows}
        if hubness > 0:
            hub = self._hubness(matrix, rows, neighbours)
            scored = {i: s - hubness * hub[i] for i, s in scored.items()}
        return {ids[i]: s for i, s in sorted(scored.items(), key=lambda item: -item[1])[:n]}

    def _hubness(self, matrix: np.ndarray, rows: list[int], neighbours: int) -> dict[int, float]:
        """Each row's mean similarity to its nearest other papers, computed once per matrix for the
        rows a search asks about (its candidates: about 200 x papers x 768 multiply-adds)."""
        if self._hub_for is not matrix:
            self._hub_for, self._hub = matrix, {}
        cache = self._hub.setdefault(neighbours, {})
        missing = [i for i in rows if i not in cache]
        if missing:
            cache.update(zip(missing, neighbour_similarity(matrix, missing, neighbours)))
        return cache

    def _vectors(self) -> tuple[list[str], np.ndarray]:
        if self._matrix is None:
            papers = self.store.papers()
            got = get_all(self.collection, include=["embeddings"])
            keep = [i for i, pid in enumerate(got["ids"]) if pid in papers]
            matrix = np.asarray(got["embeddings"], dtype=np.float32)[keep] if keep else np.zeros((0, 1), np.float32)
            self._matrix = ([got["ids"][i] for i in keep], matrix)
        return self._matrix


def neighbour_similarity(matrix: np.ndarray, rows: list[int], k: int) -> list[float]:
    """For each of `rows`, the mean similarity of its vector to its k most similar other rows of
    `matrix` (fewer when the matrix is smaller; 0 when it has no other row).

    >>> m = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    >>> [round(x, 2) for x in neighbour_similarity(m, [0, 1, 2], 1)]
    [0.8, 0.8, 0.6]
    >>> [round(x, 2) for x in neighbour_similarity(m, [0], 5)]
    [0.4]
    """
    k = min(k, len(matrix) - 1)
    if k < 1:
        return [0.0] * len(rows)
    sims = matrix[rows] @ matrix.T
    sims[np.arange(len(rows)), rows] = -np.inf  # not its own neighbour
    nearest = np.partition(sims, -k, axis=1)[:, -k:]
    return [float(x) for x in nearest.mean(axis=1)]


# -- the background build --------------------------------------------------------------------------
def take_lock(path: Path) -> bool:
    """Claim the build for this process; False when a live process already holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if _lock_owner(path) not in (None, os.getpid()):  # the parent may have claimed it for this process
        return False
    path.write_text(json.dumps({"pid": os.getpid(), "started": time.time()}))
    return True


def release_lock(path: Path) -> None:
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def _lock_owner(path: Path) -> int | None:
    try:
        pid = int(json.loads(path.read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pid if alive(pid) else None


def start_background_build(index: QualityIndex, global_args: list[str]) -> int | None:
    """Start `python -m assistant [global_args] quality build` detached (its own session, lower
    priority, output appended to the log file); None when a build is already running."""
    import subprocess
    import sys
    if _lock_owner(index.lock_file):
        return None
    index.lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(index.log_file, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", *global_args, "quality", "build", "--quiet"],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, preexec_fn=lambda: os.nice(10))
    index.lock_file.write_text(json.dumps({"pid": proc.pid, "started": time.time()}))  # claimed at once
    return proc.pid
