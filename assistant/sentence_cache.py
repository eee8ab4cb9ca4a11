"""The abstract sentences (and their stored vectors) of the papers used most recently, bounded, so that a
long-running server over a large index does not keep every paper it ever answered from in memory."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

MAX_PAPERS = 2048  # about 35 MB of MiniLM vectors and text: far more than one answer's sources

Entry = tuple[list[str], np.ndarray]


class SentenceCache:
    """paper id -> (sentences, vectors), least recently used first out; plus the sentence -> vector map
    the support check reuses, holding exactly the sentences of the papers still cached. Thread-safe.

    >>> cache = SentenceCache(max_papers=1)
    >>> cache.put("a", ["x", "y"], np.zeros((2, 3)))
    >>> cache.put("b", ["y", "z"], np.ones((2, 3)))
    >>> cache.get("a") is None, sorted(cache.known_vectors())
    (True, ['y', 'z'])
    """

    def __init__(self, max_papers: int = MAX_PAPERS):
        self.max_papers = max_papers
        self._papers: OrderedDict[str, Entry] = OrderedDict()
        self._known: dict[str, np.ndarray] = {}
        self._holders: dict[str, int] = {}  # how many cached papers hold each sentence
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._papers)

    def get(self, paper_id: str) -> Entry | None:
        with self._lock:
            entry = self._papers.get(paper_id)
            if entry is not None:
                self._papers.move_to_end(paper_id)
            return entry

    def put(self, paper_id: str, sentences: list[str], vectors: np.ndarray) -> None:
        with self._lock:
            self._forget(paper_id)
            self._papers[paper_id] = (sentences, vectors)
            for sentence, vector in dict(zip(sentences, vectors)).items():
                self._known[sentence] = vector
                self._holders[sentence] = self._holders.get(sentence, 0) + 1
            while len(self._papers) > self.max_papers:
                self._forget(next(iter(self._papers)))

    def drop(self, paper_ids: list[str]) -> None:
        with self._lock:
            for paper_id in paper_ids:
                self._forget(paper_id)

    def known_vectors(self) -> dict[str, np.ndarray]:
        """A snapshot: later loads or evictions do not change it under the caller."""
        with self._lock:
            return dict(self._known)

    def _forget(self, paper_id: str) -> None:
        entry = self._papers.pop(paper_id, None)
        for sentence in set(entry[0]) if entry else ():
            self._holders[sentence] -= 1
            if not self._holders[sentence]:
                del self._holders[sentence], self._known[sentence]
