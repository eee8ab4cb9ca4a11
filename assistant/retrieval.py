"""Hybrid retrieval: dense chunks from Chroma + BM25 over the same chunks, fused, aggregated to
papers, each hit carrying the sentences that matched best."""

from __future__ import annotations

import numpy as np

from assistant.config import Settings
from assistant.embedding import Embedder
from assistant.fusion import best_per_paper, blend_whole_and_best, ranking, weighted_rrf, weighted_score_fusion
from assistant.evidence import pick_evidence
from assistant.lexical import LexicalIndex
from assistant.store import Filters, PaperStore
from assistant.types import Hit, Paper


class Retriever:
    """One per process: holds the embedder, the store and the lexical index."""

    def __init__(self, settings: Settings, embedder: Embedder, store: PaperStore):
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self._lexical: LexicalIndex | None = None

    # -- lexical index upkeep ------------------------------------------------------------------
    @property
    def lexical_dir(self):
        return self.settings.lexical_dir / self.store.name

    def lexical(self) -> LexicalIndex:
        """The BM25 index, loaded from disk or rebuilt when it is out of step with the store."""
        fingerprint = self.store.fingerprint()
        if self._lexical is not None and self._lexical.fingerprint == fingerprint:
            return self._lexical
        index = LexicalIndex.load(self.lexical_dir)
        if index is None or index.fingerprint != fingerprint:
            index = self.rebuild_lexical(fingerprint)
        self._lexical = index
        return index

    def rebuild_lexical(self, fingerprint: str | None = None) -> LexicalIndex:
        ids, pids, texts = self.store.all_chunk_texts()
        index = LexicalIndex.build(ids, pids, texts, fingerprint or self.store.fingerprint())
        index.save(self.lexical_dir)
        self._lexical = index
        return index

    # -- search -----------------------------------------------------------------------------------
    def search(self, query: str, k: int | None = None, filters: Filters | None = None,
               mode: str = "hybrid") -> list[Hit]:
        """Top-k papers for the query. mode: hybrid | dense | lexical."""
        k = k or self.settings.retrieval.k
        papers = self.store.papers()
        if not papers or not query.strip():
            return []
        qvec = self.embedder.embed_queries([query])[0]
        dense = self._dense_scores(qvec, filters) if mode != "lexical" else {}
        lexical = self._lexical_scores(query, filters, papers) if mode != "dense" else {}
        fused = self._fuse(dense, lexical, mode)
        top = ranking(fused)[:k]
        evidence = self._evidence(query, qvec, top)
        return [Hit(paper=papers[pid], score=fused[pid], rank=i, evidence=evidence.get(pid, []),
                    dense_score=dense.get(pid), lexical_score=lexical.get(pid))
                for i, pid in enumerate(top, start=1) if pid in papers]

    def _dense_scores(self, qvec: np.ndarray, filters: Filters | None) -> dict[str, float]:
        matches = self.store.dense_query(qvec, self.settings.retrieval.dense_candidates, filters)
        return blend_whole_and_best(((m.paper_id, m.kind, m.score) for m in matches),
                                    self.settings.retrieval.whole_abstract_weight)

    def _lexical_scores(self, query: str, filters: Filters | None,
                        papers: dict[str, Paper]) -> dict[str, float]:
        allowed = None
        if filters is not None and not filters.is_empty():
            allowed = {pid for pid, p in papers.items() if filters.accepts(p)}
        top = self.lexical().top(query, self.settings.retrieval.lexical_candidates, allowed)
        return best_per_paper((pid, score) for _, pid, score in top)

    def _fuse(self, dense: dict[str, float], lexical: dict[str, float], mode: str) -> dict[str, float]:
        r = self.settings.retrieval
        if mode == "dense":
            return dense
        if mode == "lexical":
            return lexical
        if r.fusion == "rrf":
            return weighted_rrf([ranking(dense), ranking(lexical)], [r.dense_weight, r.lexical_weight], r.rrf_k)
        return weighted_score_fusion(dense, lexical, r.dense_weight, r.lexical_weight)

    def _evidence(self, query: str, qvec: np.ndarray, paper_ids: list[str]) -> dict[str, list[str]]:
        n = self.settings.retrieval.evidence_sentences
        return {pid: pick_evidence(query, qvec, sentences, vecs, n)
                for pid, (sentences, vecs) in self.store.sentences_of(paper_ids).items() if sentences}
