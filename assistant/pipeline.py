"""The Assistant: one object behind the CLI, the UI and the eval harness, so all three give the
same answers. Models and indexes are loaded lazily, once per process."""

from __future__ import annotations

import threading
import time
from typing import Any, Iterator

import numpy as np

from assistant.config import Settings
from assistant.errors import IndexEmptyError
from assistant.intent import classify_intent
from assistant.query import retrieval_query
from assistant.store import Filters
from assistant.types import Answer, AnswerEvent, Hit, IngestReport, Paper, ParseResult


class Assistant:
    """search / cite / ask / ingest over one configured store."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.RLock()
        self._embedder = None
        self._store = None
        self._retriever = None
        self._llm = None

    # -- lazily built parts ---------------------------------------------------------------------
    @property
    def embedder(self):
        with self._lock:
            if self._embedder is None:
                from assistant.embedding import load_embedder
                self._embedder = load_embedder(self.settings)
            return self._embedder

    @property
    def store(self):
        with self._lock:
            if self._store is None:  # named from the settings: opening it loads no model
                from assistant.embedding import embedder_dim, embedder_name
                from assistant.store import PaperStore
                dim = embedder_dim(self.settings) or self.embedder.dim
                self._store = PaperStore(self.settings, embedder_name(self.settings), dim)
            return self._store

    @property
    def retriever(self):
        with self._lock:
            if self._retriever is None:
                from assistant.retrieval import Retriever
                self._retriever = Retriever(self.settings, self.embedder, self.store)
            return self._retriever

    # -- retrieval --------------------------------------------------------------------------------
    def search(self, query: str, *, k: int | None = None, history: list[dict] | None = None,
               filters: Filters | None = None, mode: str = "hybrid", intent: str | None = None) -> list[Hit]:
        """Ranked papers for a query (and the chat it belongs to); the intent is read from the
        question when not given."""
        self._require_papers()
        text = retrieval_query(query, history, self.settings.retrieval.history_turns)
        return self.retriever.search(text, k=k, filters=filters, mode=mode,
                                     intent=intent or classify_intent(query, history))

    def cite(self, description: str, *, k: int = 3, filters: Filters | None = None) -> list[Hit]:
        """The paper(s) best matching a half-remembered description."""
        return self.search(description, k=k, filters=filters, intent="lookup")

    def get_paper(self, paper_id: str) -> Paper | None:
        return self.store.papers().get(paper_id)

    def _require_papers(self) -> None:
        if not self.store.papers():
            raise IndexEmptyError(f"the index '{self.store.name}' holds no papers yet",
                                  hint="run: python -m assistant ingest")

    @property
    def llm(self):
        with self._lock:
            if self._llm is None:
                from assistant.llm import load_backend
                self._llm = load_backend(self.settings)
            return self._llm

    # -- answering --------------------------------------------------------------------------------
    def ask_stream(self, question: str, *, history: list[dict] | None = None,
                   filters: Filters | None = None, k: int | None = None) -> Iterator[AnswerEvent]:
        """Status lines, then tokens as the model writes, then the checked Answer."""
        from assistant.answering import answer_stream
        started = time.perf_counter()
        yield AnswerEvent("status", "Searching the papers…")
        standalone = None
        if history and self.settings.answer.rewrite_followups:
            from assistant.answering import rewrite_followup
            standalone = rewrite_followup(question, history, self.llm, self.settings)
        hits = self.search(standalone or question, k=k or max(10, self.settings.retrieval.k),
                           history=history, filters=filters)
        if history:
            from assistant.answering import focus_evidence
            qvec = self.embedder.embed_queries([question])[0]
            focus_evidence(hits[:5], question, qvec, lambda pid: self.store.sentences_of([pid])[pid],
                           self.settings.answer.evidence_sentences)
        retrieve_s = time.perf_counter() - started
        for event in answer_stream(question, hits, history=history, llm_loader=lambda: self.llm,
                                   embed=self._embed_cached, sentences_of=self._sentences_of,
                                   settings=self.settings, started=started, retrieve_s=retrieve_s):
            if event.answer is not None:
                event.answer.standalone_query = standalone
            yield event

    def ask(self, question: str, *, history: list[dict] | None = None,
            filters: Filters | None = None, k: int | None = None) -> Answer:
        """The whole answer at once (what the eval harness and `ask --json` use)."""
        final = None
        for event in self.ask_stream(question, history=history, filters=filters, k=k):
            if event.kind == "answer":
                final = event.answer
        return final

    def _sentences_of(self, paper_id: str) -> list[str]:
        return self.store.sentences_of([paper_id])[paper_id][0]

    def _embed_cached(self, texts: list[str]) -> np.ndarray:
        """Embed texts, reusing the stored vectors of abstract sentences seen this process."""
        known = self.store.known_sentence_vectors()
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        fresh = dict(zip(missing, self.embedder.embed_documents(missing))) if missing else {}
        return np.vstack([known[t] if t in known else fresh[t] for t in texts])

    # -- ingest ---------------------------------------------------------------------------------
    def ingest(self, parsed: ParseResult, *, rebuild: bool = False, progress=None) -> IngestReport:
        """Index parsed papers incrementally (or from scratch with rebuild) and refresh BM25."""
        from assistant.indexing import index_papers, unchanged_report
        with self._lock:
            if not rebuild and (report := unchanged_report(parsed, self.settings)) is not None:
                return report
            if rebuild:
                self.store.drop()
            report = index_papers(parsed, self.store, self.embedder, self.settings, progress)
            self.retriever.lexical()  # rebuilds and persists BM25 when the store changed
            self.store.save_manifest()
            return report

    # -- information ------------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """What the index holds, read from the store alone (no model is loaded)."""
        from assistant.embedding import embedder_path
        store = self.store
        return {"papers": len(store.papers()), "chunks": store.count_chunks(),
                "collection": store.name, "embedder": store.embedder_name,
                "embedder_path": embedder_path(self.settings), "store": store.location,
                "store_bytes": store.size_bytes(), "data_dir": str(self.settings.data_dir)}

    def describe(self) -> dict[str, Any]:
        """What a result was produced with: for eval records and the UI's settings panel."""
        from assistant.llm.select import describe_backend
        return {"embedder": self.settings.models.embedder, "llm": self.settings.models.llm,
                "backend": describe_backend(self.settings),
                "retrieval": self.settings.retrieval.model_dump(),
                "answer": self.settings.answer.model_dump(),
                "settings": self.settings.model_dump(mode="json", exclude={"ui_auth"})}
