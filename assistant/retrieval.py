"""Hybrid retrieval: dense chunks from Chroma + BM25 over the same chunks, fused, aggregated to
papers, each hit carrying the sentences that matched best."""

from __future__ import annotations

import re

import numpy as np

from assistant.attribution import name_tokens
from assistant.chunking import chunk_kind
from assistant.config import RetrievalSettings, Settings
from assistant.embedding import Embedder
from assistant.errors import UsageError
from assistant.evidence import pick_evidence
from assistant.fusion import dense_paper_scores, fuse, lexical_paper_scores, ranking
from assistant.heap import release_free_memory
from assistant.intent import looked_up_claim
from assistant.lexical import LexicalIndex, analyze
from assistant.quality import QualityIndex, quality_settings
from assistant.store import DenseMatch, Filters, PaperStore
from assistant.types import Hit, Paper


class Retriever:
    """One per process: holds the embedder, the store and the lexical index."""

    def __init__(self, settings: Settings, embedder: Embedder, store: PaperStore, quality: QualityIndex):
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self._lexical: LexicalIndex | None = None
        self.quality = quality
        self._quality_embedder = None
        self._quality_thread = None
        self._title_names: tuple[object, dict[str, set[str]], dict[str, bool]] | None = None
        # (the papers they were read from, name -> its papers, name -> whether it is a name at all)

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
        self._lexical = None  # the old index is freed before the new one is built, not held beside it
        index = LexicalIndex.build_from(self.store.iter_chunk_texts(), fingerprint or self.store.fingerprint())
        release_free_memory()  # the build's scratch (token counts, unsorted score arrays) goes back
        index.save(self.lexical_dir)
        self._lexical = index
        return index

    # -- search -----------------------------------------------------------------------------------
    def search(self, query: str, k: int | None = None, filters: Filters | None = None,
               mode: str = "hybrid", intent: str | None = None, names_first: bool | str = True) -> list[Hit]:
        """Top-k papers for the query. mode: hybrid | dense | lexical; intent (assistant/intent.py)
        picks the weights, e.g. no single-sentence matching for a lookup. `names_first`: a paper that
        alone uses a name of the query may come first (settings.retrieval.unique_name_first);
        "titles": only a paper whose title's name the query says."""
        claim = looked_up_claim(query, intent)
        r = self.settings.retrieval.for_search(intent, claim)
        k = r.k if k is None else k
        if k < 1:
            raise UsageError(f"k must be at least 1, got {k}")
        papers = self.store.papers()
        if not papers or not query.strip():
            return []
        # the quality embedder encodes the query on another thread while the main search runs
        quality_vec = self._quality_query(query, claim) if mode != "lexical" and r.quality_weight > 0 else None
        qvec = self.embedder.embed_queries([query])[0]
        matches = self.store.dense_query(qvec, r.dense_candidates, filters) if mode != "lexical" else []
        dense = self._dense_scores(matches, qvec, r)
        lexical = self._lexical_scores(query, filters, papers, r) if mode != "dense" else {}
        quality = None
        if quality_vec is not None:
            accepts = None if filters is None or filters.is_empty() else (lambda pid: filters.accepts(papers[pid]))
            quality = self.quality.scores(quality_vec.result(), r.dense_candidates, accepts,
                                          r.hubness_weight, r.hubness_neighbours)
        fused = fuse(dense, lexical, mode, r, quality)
        if r.feedback_weight and mode != "lexical" and fused:
            # the second pass decides the ranking only
            feedback = self._feedback_query(qvec, ranking(fused)[:r.feedback_docs], r.feedback_weight)
            second = self.store.dense_query(feedback, r.dense_candidates, filters)
            fused = fuse(self._dense_scores(second, feedback, r), lexical, mode, r, quality)
        top = ranking(fused)[:k]
        if names_first and r.unique_name_first and mode == "hybrid" and intent in ("fact", "lookup") and not claim:
            named = self._sole_namer(query, tokens=names_first is True)
            if named in top[1:]:  # it takes the first place and its score, so scores still descend
                fused = {**fused, named: fused[top[0]]}
                top = _named_first(top, named)
        # hits report the question's own similarity (first pass), under the intent's weights or the
        # default ones, whichever is higher: abstention asks whether anything is close at all
        base = self.settings.retrieval
        similarity = dense
        if not _same_dense_weights(r, base):
            similarity = {pid: max(s, dense[pid]) for pid, s in self._dense_scores(matches, qvec, base).items()}
        evidence = self._evidence(query, qvec, top)
        return [Hit(paper=papers[pid], score=fused[pid], rank=i, evidence=evidence.get(pid, []),
                    dense_score=similarity.get(pid), lexical_score=lexical.get(pid))
                for i, pid in enumerate(top, start=1) if pid in papers]

    def _sole_namer(self, query: str, tokens: bool = True) -> str | None:
        """The one paper of the index that uses a name of the question (a token like "S4D" or
        "NRR-lite" that no other paper has), when exactly one paper is singled out so. A bare acronym
        ("FFN", "MLP") counts only in that paper's title: a small collection may have one abstract that
        abbreviates a common term, where the paper asked about writes it out. `tokens=False`: title
        names only."""
        index, papers = self.lexical(), self.store.papers()
        found = self._titles_named(query, papers)
        for name in name_tokens(query) if tokens else ():
            acronym = name.isalpha() and name.isupper()
            for term in analyze(name):
                holders = index.papers_with(term)
                if len(holders) == 1 and (not acronym or term in analyze(papers[min(holders)].title)):
                    found |= holders
        return found.pop() if len(found) == 1 else None

    def named_by_title(self, query: str) -> str | None:
        """The one paper whose title's name the query says word for word, if exactly one."""
        return self._sole_namer(query, tokens=False)

    def _titles_named(self, query: str, papers: dict[str, Paper]) -> set[str]:
        """The papers whose title's name the question says word for word: the head before a title's
        colon ("Set-Based Prompting", "Reuse, Don't Retrain") or a short title that has none
        ("Compositional Deep Learning"). Its words split into common stems ("set", "base"), so the
        name tokens alone miss it; "Does Set-Based Prompting require retraining?" ranked "Reuse, Don't
        Retrain" first and the paper it names fourth."""
        if self._title_names is None or self._title_names[0] is not papers:
            self._title_names = (papers, title_names(papers.values()), {})
        _, names, is_name = self._title_names
        words = _name_words(query)
        said = {phrase for n in range(MIN_TITLE_NAME_WORDS, MAX_TITLE_NAME_WORDS + 1)
                for i in range(len(words) - n + 1) if (phrase := " ".join(words[i:i + n])) in names}
        found: set[str] = set()
        for phrase in said:
            if phrase not in is_name:
                is_name[phrase] = self._papers_saying(phrase, papers) <= MAX_NAME_USERS
            if is_name[phrase]:
                found |= names[phrase]
        return found

    def _papers_saying(self, phrase: str, papers: dict[str, Paper]) -> int:
        """How many papers' titles or abstracts have the phrase word for word (only those that hold
        all its stems are read)."""
        stems = set(analyze(phrase))
        if not stems:
            return len(papers)
        index = self.lexical()
        holders = set.intersection(*(index.papers_with(stem) for stem in stems))
        return sum(f" {phrase} " in f" {' '.join(_name_words(papers[pid].title + ' ' + papers[pid].abstract))} "
                   for pid in holders if pid in papers)

    def _quality_query(self, query: str, claim: bool = False):
        """A future of the quality embedder's query vector, or None while that index is incomplete."""
        if not self.quality.ready():
            return None
        if self._quality_embedder is None:
            from assistant.embedding import load_embedder
            from assistant.model_thread import ModelThread
            self._quality_embedder = load_embedder(quality_settings(self.settings))
            self._quality_thread = ModelThread("quality-query", torch_threads=_half_the_cores())
        embedder = self._quality_embedder
        return self._quality_thread.submit(lambda: embedder.embed_queries([query], claim=claim)[0])

    def _dense_scores(self, matches: list[DenseMatch], qvec: np.ndarray,
                      r: RetrievalSettings) -> dict[str, float]:
        """Each candidate paper's best chunk and whole abstract, then its best single sentence.

        The sentence term matters when a question restates one finding of an abstract (a claim,
        a number): a window dilutes it with its neighbours, the whole abstract more so.
        """
        best_sentence: dict[str, float] = {}
        if r.sentence_weight:
            sentences = self.store.sentences_of(sorted({m.paper_id for m in matches}))
            best_sentence = {pid: float((vecs @ qvec).max()) for pid, (texts, vecs) in sentences.items() if texts}
        return dense_paper_scores(((m.paper_id, m.kind, m.score) for m in matches), best_sentence, r)

    def _feedback_query(self, qvec: np.ndarray, paper_ids: list[str], weight: float) -> np.ndarray:
        """Rocchio: the query vector plus `weight` times the mean of the papers' abstract vectors."""
        vectors = self.store.abstract_vectors(paper_ids)
        if not len(vectors):
            return qvec
        moved = qvec + weight * vectors.mean(axis=0)
        return moved / (np.linalg.norm(moved) or 1.0)

    def _lexical_scores(self, query: str, filters: Filters | None, papers: dict[str, Paper],
                        r: RetrievalSettings) -> dict[str, float]:
        allowed = None
        if filters is not None and not filters.is_empty():
            allowed = {pid for pid, p in papers.items() if filters.accepts(p)}
        top = self.lexical().top(query, r.lexical_candidates, allowed)
        return lexical_paper_scores(((pid, chunk_kind(cid), score) for cid, pid, score in top), r)

    def _evidence(self, query: str, qvec: np.ndarray, paper_ids: list[str]) -> dict[str, list[str]]:
        n = self.settings.retrieval.evidence_sentences
        return {pid: pick_evidence(query, qvec, sentences, vecs, n)
                for pid, (sentences, vecs) in self.store.sentences_of(paper_ids).items() if sentences}


MIN_TITLE_NAME_WORDS, MAX_TITLE_NAME_WORDS = 2, 6  # "Set-Based Prompting" counts; "Titans" is left to name_tokens
# a title's name that more papers than this say is a subject ("Large Language Models: The Need for
# Nuance ..."), not a name; two allows one other paper that cites it by name
MAX_NAME_USERS = 2


def title_names(papers) -> dict[str, set[str]]:
    """Each paper's name as its title gives it, in `_name_words` form -> the papers that have it: the
    head before the first colon, or the whole title when it has no colon; 2-6 words, except a title
    of two words without a colon ("Deep Learning" is a subject, not a name).

    >>> sorted(title_names([Paper("a", "Set-Based Prompting: Provably Solving Order Dependency", ""),
    ...                     Paper("b", "Compositional Deep Learning", ""), Paper("c", "Deep Learning", ""),
    ...                     Paper("d", "Titans: Learning to Memorize at Test Time", "")]).items())
    [('compositional deep learning', {'b'}), ('set based prompting', {'a'})]
    """
    names: dict[str, set[str]] = {}
    for paper in papers:
        head, colon, _ = paper.title.partition(":")
        words = _name_words(head)
        if MIN_TITLE_NAME_WORDS + (not colon) <= len(words) <= MAX_TITLE_NAME_WORDS:
            names.setdefault(" ".join(words), set()).add(paper.paper_id)
    return names


def _name_words(text: str) -> list[str]:
    """Lower-case words, every other character a break: "Reuse, Don't Retrain" -> reuse don t retrain."""
    return re.findall(r"[^\W_]+", text.lower())


def _named_first(top: list[str], named: str | None) -> list[str]:
    """`top` with `named` moved to the front when it is there.

    >>> _named_first(["a", "b", "c"], "c"), _named_first(["a", "b"], "z")
    (['c', 'a', 'b'], ['a', 'b'])
    """
    return [named, *(pid for pid in top if pid != named)] if named in top else top


def _same_dense_weights(a: RetrievalSettings, b: RetrievalSettings) -> bool:
    return (a.whole_abstract_weight, a.sentence_weight) == (b.whole_abstract_weight, b.sentence_weight)


def _half_the_cores() -> int:
    """torch's intra-op width for the quality query's thread: it encodes beside the MiniLM/BM25
    search, and two pools each as wide as the machine spin against each other (on 2 cores, warm
    search p50 176 ms with both at 2 threads, about 140 ms with the quality thread at 1)."""
    import os
    return max(1, (os.cpu_count() or 2) // 2)
