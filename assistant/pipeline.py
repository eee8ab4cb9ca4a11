"""The Assistant: one object behind the CLI, the UI and the eval harness, so all three give the
same answers. Models and indexes are loaded lazily, once per process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Iterator

import numpy as np

from assistant.config import Settings
from assistant.errors import IndexEmptyError
from assistant.heap import collect_cycles_now_and_then, release_free_memory
from assistant.intent import classify_intent, compare_sides, needs_model
from assistant.query import retrieval_query
from assistant.store import Filters
from assistant.text import addresses_reader
from assistant.types import (Answer, AnswerEvent, Hit, IngestReport, Message, Paper, ParseResult, Query,
                             Source, as_messages)

History = Iterable[Message | dict] | None  # dicts ({"role", "content"}) are accepted at the edge


class Assistant:
    """search / cite / ask / ingest over one configured store."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.RLock()
        self._embedder = None
        self._store = None
        self._retriever = None
        self._quality = None
        self._llm = None
        self._encoded = None  # SentenceCache of sources' sentences encoded here, when stored ones won't do

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
                self._retriever = Retriever(self.settings, self.embedder, self.store, self.quality)
            return self._retriever

    @property
    def quality(self):
        """The quality index beside the store (assistant/quality.py); opening it loads no model."""
        with self._lock:
            if self._quality is None:
                from assistant.quality import QualityIndex
                self._quality = QualityIndex(self.settings, self.store)
            return self._quality

    # -- retrieval --------------------------------------------------------------------------------
    def search(self, query: str, *, k: int | None = None, history: History = None,
               filters: Filters | None = None, mode: str = "hybrid", intent: str | None = None) -> list[Hit]:
        """Ranked papers for a query (and the chat it belongs to); the intent is read from the
        question when not given."""
        worked = self.make_query(query, history)
        return self._retrieve(worked, k=k, filters=filters, mode=mode, intent=intent)

    def cite(self, description: str, *, k: int = 3, filters: Filters | None = None) -> list[Hit]:
        """The paper(s) best matching a half-remembered description."""
        return self.search(description, k=k, filters=filters, intent="lookup")

    def get_paper(self, paper_id: str) -> Paper | None:
        return self.store.papers().get(paper_id)

    def make_query(self, question: str, history: History = None) -> Query:
        """The question worked out once: intent, chat history and the text retrieval searches."""
        turns = as_messages(history)
        search_text = retrieval_query(question, turns, self.settings.retrieval.history_turns)
        return Query(question, classify_intent(question, turns), turns, search_text)

    def _retrieve(self, query: Query, *, k: int | None = None, filters: Filters | None = None,
                  mode: str = "hybrid", intent: str | None = None) -> list[Hit]:
        self._require_papers()
        text = query.search_text if query.standalone is None else f"{query.standalone} {query.search_text}"
        return self.retriever.search(text, k=k, filters=filters, mode=mode, intent=intent or query.intent)

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
    def ask_stream(self, question: str, *, history: History = None, filters: Filters | None = None,
                   k: int | None = None) -> Iterator[AnswerEvent]:
        """Status lines, the evidence (sources with their matching sentences, before any model
        runs), the model's draft tokens, then the checked Answer."""
        from assistant import answering
        from assistant.checking import check
        started = time.perf_counter()
        timings: dict[str, float] = {}
        yield AnswerEvent("status", "Searching the papers…")
        query = self.make_query(question, history)
        if query.history and self.settings.answer.rewrite_followups:
            query = replace(query, standalone=answering.rewrite_followup(query, self.llm, self.settings))
        hits = self._retrieve(query, k=k or max(10, self.settings.retrieval.k), filters=filters)
        timings["retrieve_s"] = time.perf_counter() - started
        compared, side_hits = self._compared(query, hits, filters)
        reason = answering.abstain_reason(hits, self.settings, query.text)
        if reason and side_hits and not any(answering.abstain_reason(found, self.settings, side)
                                            for found, side in zip(side_hits, compare_sides(query.text))):
            reason = None  # each side of the comparison has a close paper, though the whole question has none
        chosen = [] if reason else answering.select_sources(compared, query.intent, self.settings)
        focus = answering.referenced_paper(query, hits) if chosen else None
        chosen = [focus] if focus is not None else chosen  # "the second one": that paper alone
        sources = self._sources(query, chosen)
        if sources:
            timings["evidence_s"] = time.perf_counter() - started
            yield AnswerEvent("evidence", sources=[s.hit for s in sources])
        draft, tokens = "", {}
        if sources and needs_model(query):
            yield AnswerEvent("status", f"Reading {len(sources)} paper{'s' * (len(sources) > 1)}…")
            llm = self.llm
            pieces = []
            for piece in answering.generate(llm, answering.build_messages(query, sources), query.intent,
                                            self.settings):
                timings.setdefault("first_token_s", time.perf_counter() - started)
                pieces.append(piece)
                yield AnswerEvent("token", piece)
            draft = "".join(pieces).strip()
            tokens = {k: int(v) for k, v in (llm.last_usage or {}).items() if k.endswith("_tokens")}
        cut_off = tokens.get("completion_tokens", 0) >= answering.token_limit(query.intent, self.settings)
        checked = (check(draft, query, sources, self._embed_cached, self.settings, cut_off=cut_off)
                   if sources else None)
        timings.setdefault("first_token_s", time.perf_counter() - started)
        timings["total_s"] = time.perf_counter() - started
        release_free_memory()  # what this answer's threads freed; a server answers thousands (assistant/heap.py)
        try:
            yield AnswerEvent("answer", answer=answering.build_answer(
                query, hits, checked, reason=reason, timings=timings, tokens=tokens, draft=draft or None))
        finally:  # once the answer is out (the UI closes the stream on it): what was left in cycles (heap.py)
            collect_cycles_now_and_then()

    def ask(self, question: str, *, history: History = None, filters: Filters | None = None,
            k: int | None = None) -> Answer:
        """The whole answer at once (what the eval harness and `ask --json` use)."""
        final = None
        for event in self.ask_stream(question, history=history, filters=filters, k=k):
            if event.kind == "answer":
                final = event.answer
        return final

    def _compared(self, query: Query, hits: list[Hit],
                  filters: Filters | None) -> tuple[list[Hit], list[list[Hit]]]:
        """For a comparison that names its two sides, the best paper for each side first, and each
        side's own search results. Each side is searched as a lookup and its first result among the
        question's top five papers is taken, so "A vs B" compares A with B, not A with A's nearest
        neighbour."""
        sides = compare_sides(query.text) if query.intent == "compare" else None
        if not sides:
            return hits, []
        candidates = {h.paper.paper_id: h for h in hits[:5]}
        picked: list[Hit] = []
        # a side is a phrase of the question, not a question: a name token of it may be one another paper
        # abbreviates ("FFN"), but a paper's title name said whole ("the Compositional Deep Learning
        # paper") is that paper, taken even when the question's own search ranked it below the top five
        searches = [self.retriever.search(side, k=10, filters=filters, intent="lookup", names_first="titles")
                    for side in sides]
        for side, found in zip(sides, searches):
            named = self.retriever.named_by_title(side)
            pick = next((candidates.get(h.paper.paper_id, h) for h in found if h.paper.paper_id == named), None)
            if pick is None or pick in picked:
                pick = next((candidates[h.paper.paper_id] for h in found if h.paper.paper_id in candidates
                             and candidates[h.paper.paper_id] not in picked), None)
            if pick is not None:
                picked.append(pick)
        if len(picked) < 2:
            return hits, []
        return picked + [h for h in hits if h not in picked], searches

    def _sources(self, query: Query, hits: list[Hit]) -> list[Source]:
        """The chosen papers numbered from 1, each with its sentences scored against the question and
        its best two as the quotes shown (a follow-up's quotes follow the new question alone)."""
        if not hits:
            return []
        from assistant.evidence import sentence_relevance
        from assistant.formats import best_sentences
        qvec = self.embedder.embed_queries([query.text])[0]
        stored = self._sentences_of([h.paper.paper_id for h in hits])
        sources = []
        for n, hit in enumerate(hits, start=1):
            sentences, vectors = stored[hit.paper.paper_id]
            # paper text is data: a sentence addressing the reader is never quoted nor backs a claim
            keep = [i for i, sentence in enumerate(sentences) if not addresses_reader(sentence)]
            sentences, vectors = [sentences[i] for i in keep], vectors[keep]
            relevance = sentence_relevance(query.text, qvec, sentences, vectors) if sentences else np.zeros(0)
            source = Source(n, hit, list(sentences), relevance.tolist())
            quotes = best_sentences(source, self.settings.answer.evidence_sentences)
            sources.append(replace(source, hit=replace(hit, evidence=quotes)))
        return sources

    def _embed_cached(self, texts: list[str]) -> np.ndarray:
        """Embed texts, reusing the vectors of abstract sentences seen this process (`_sentences_of`)."""
        encoded = self._fresh_sentences()
        known = encoded.known_vectors() if encoded is not None else self.store.known_sentence_vectors()
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        fresh = dict(zip(missing, self.embedder.embed_documents(missing))) if missing else {}
        return np.vstack([known[t] if t in known else fresh[t] for t in texts])

    def _sentences_of(self, paper_ids: list[str]) -> dict[str, tuple[list[str], np.ndarray]]:
        """Each paper's abstract sentences with vectors the answer checks can hold against the answer's
        own sentences, encoded here: the stored ones, unless the ingest made them otherwise; then they
        are encoded again here, once per paper (`_fresh_sentences`)."""
        stored = self.store.sentences_of(paper_ids)
        encoded = self._fresh_sentences()
        if encoded is None:
            return stored
        out, missing = {}, []
        for pid, (sentences, _) in stored.items():
            cached = encoded.get(pid)
            if cached is not None and cached[0] == sentences:
                out[pid] = cached
            else:
                missing.append(pid)
        texts = [t for pid in missing for t in stored[pid][0]]
        vectors = self.embedder.embed_documents(texts) if texts else None
        start = 0
        for pid in missing:
            sentences = stored[pid][0]
            out[pid] = (sentences, vectors[start:start + len(sentences)] if sentences else stored[pid][1])
            start += len(sentences)
            encoded.put(pid, *out[pid])
        return out

    def _fresh_sentences(self):
        """The cache of sentences encoded here, or None where the stored vectors are what encoding them
        here gives. They are not when pooled in their abstract's context (late sentences: with them the
        dev eval withheld 3 of 46 right answers) or encoded by the int8 ingest runtime (0.999 cosine on
        average, but near ties between two sentences of one abstract flip: a right answer withheld, a
        vaguer quote shown on dev)."""
        from assistant.embedding import index_sentences_differ
        with self._lock:
            if self._encoded is None and index_sentences_differ(self.embedder, self.settings):
                from assistant.sentence_cache import SentenceCache
                self._encoded = SentenceCache()
            return self._encoded

    # -- ingest ---------------------------------------------------------------------------------
    def ingest(self, parsed: ParseResult, *, rebuild: bool = False, progress=None) -> IngestReport:
        """Index parsed papers incrementally (or from scratch with rebuild) and refresh BM25."""
        from assistant.indexing import index_papers, unchanged_report
        with self._lock:
            if not rebuild and (report := unchanged_report(parsed, self.settings)) is not None:
                return report
            if rebuild:
                self.store.drop()
            # BM25 is rebuilt once the first pass made every paper searchable, and again at the end
            report = index_papers(parsed, self.store, self.embedder, self.settings, progress,
                                  searchable=self.retriever.lexical)
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
                "store_bytes": store.size_bytes(), "data_dir": str(self.settings.data_dir),
                "indexing": store.indexing_progress(), "quality": self.quality_state().as_dict(),
                "indexes": store.indexes()}

    def quality_state(self):
        """How far the quality index is (assistant/quality.py); no model is loaded."""
        return self.quality.state()

    def build_quality(self, progress=None) -> int:
        """Encode every paper the quality index lacks (resumable); the number encoded."""
        from assistant.embedding import load_embedder
        from assistant.quality import quality_settings
        return self.quality.build(lambda: load_embedder(quality_settings(self.settings)), progress)

    def describe(self) -> dict[str, Any]:
        """What a result was produced with: for eval records and the UI's settings panel."""
        from assistant.llm.select import describe_backend
        return {"embedder": self.settings.models.embedder, "llm": self.settings.models.llm,
                "backend": describe_backend(self.settings),
                "retrieval": self.settings.retrieval.model_dump(),
                "answer": self.settings.answer.model_dump(),
                "settings": self.settings.model_dump(mode="json", exclude={"ui_auth", "api_token"})}
