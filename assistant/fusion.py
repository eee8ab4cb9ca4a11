"""Pure ranking arithmetic: chunk-to-paper aggregation and rank fusion."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.config import RetrievalSettings


def best_per_paper(scored_chunks: Iterable[tuple[str, float]]) -> dict[str, float]:
    """A paper's score is its best chunk's score.

    >>> best_per_paper([("a", 0.2), ("b", 0.5), ("a", 0.7)])
    {'a': 0.7, 'b': 0.5}
    """
    best: dict[str, float] = {}
    for paper_id, score in scored_chunks:
        if score > best.get(paper_id, -math.inf):
            best[paper_id] = score
    return best


def blend_whole_and_best(matches: Iterable[tuple[str, str, float]],
                         whole_weight: float = 0.5) -> dict[str, float]:
    """A paper's dense score: its best chunk blended with its whole-abstract chunk.

    `matches` are (paper_id, kind, cosine) with kind "abstract" for the whole-abstract chunk.
    A window alone can match one sentence of a question by luck; a half-remembered description
    of a paper is about the whole of it, which the whole-abstract vector carries. A paper whose
    whole-abstract chunk is not among the candidates gets the lowest candidate score there.

    >>> blend_whole_and_best([("a", "window", 0.8), ("a", "abstract", 0.4), ("b", "abstract", 0.7)])
    {'a': 0.6, 'b': 0.7}
    """
    matches = list(matches)
    if not matches:
        return {}
    floor = min(score for _, _, score in matches)
    best = best_per_paper((pid, score) for pid, _, score in matches)
    whole = best_per_paper((pid, score) for pid, kind, score in matches if kind == "abstract")
    return {pid: round((1 - whole_weight) * b + whole_weight * whole.get(pid, floor), 9)
            for pid, b in best.items()}


def mix(scores: Mapping[str, float], other: Mapping[str, float], weight: float) -> dict[str, float]:
    """(1 - weight) * score + weight * other score, for the papers of `scores`; a paper that has no
    other score keeps its own.

    >>> mix({"a": 0.4, "b": 0.6}, {"a": 0.8}, 0.5)
    {'a': 0.6, 'b': 0.6}
    """
    return {pid: round((1 - weight) * s + weight * other.get(pid, s), 9) for pid, s in scores.items()}


def ranking(scores: Mapping[str, float]) -> list[str]:
    """Ids by descending score, ties broken by id so results are deterministic."""
    return sorted(scores, key=lambda pid: (-scores[pid], pid))


def weighted_rrf(rankings: list[list[str]], weights: list[float], k: int = 60) -> dict[str, float]:
    """Reciprocal rank fusion with one weight per ranking.

    >>> r = weighted_rrf([["a", "b"], ["b", "c"]], [1.0, 1.0], k=0)
    >>> ranking(r)
    ['b', 'a', 'c']
    """
    fused: dict[str, float] = {}
    for ranked, weight in zip(rankings, weights):
        for rank, item in enumerate(ranked, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def normalized(scores: Mapping[str, float]) -> dict[str, float]:
    """Scale scores to [0, 1] by the top score and the candidate floor (min-max).

    >>> normalized({"a": 4.0, "b": 2.0, "c": 0.0})
    {'a': 1.0, 'b': 0.5, 'c': 0.0}
    """
    if not scores:
        return {}
    hi, lo = max(scores.values()), min(scores.values())
    span = hi - lo
    return {pid: (s - lo) / span if span > 0 else 1.0 for pid, s in scores.items()}


def weighted_score_fusion(dense: Mapping[str, float], lexical: Mapping[str, float],
                          dense_weight: float, lexical_weight: float,
                          *more: tuple[Mapping[str, float], float]) -> dict[str, float]:
    """Convex mix of min-max normalised scores; a paper missing from one list gets 0 there.
    `more` adds (scores, weight) lists, e.g. the quality index's similarities.

    Unlike RRF this keeps score gaps: a dense hit far ahead of the rest stays ahead even when
    keyword matching disagrees, which is what paraphrased lookups need.

    >>> fused = weighted_score_fusion({"a": 0.9, "b": 0.5}, {"b": 9.0, "a": 1.0}, 1.0, 0.5, ({"a": 0.3, "b": 0.7}, 1.0))
    >>> ranking(fused), round(fused["b"], 3)
    (['b', 'a'], 0.6)
    """
    lists = [(normalized(dense), dense_weight), (normalized(lexical), lexical_weight),
             *((normalized(scores), weight) for scores, weight in more)]
    total = sum(weight for _, weight in lists)
    ids = set().union(*(scores for scores, _ in lists))
    return {pid: sum(weight * scores.get(pid, 0.0) for scores, weight in lists) / total for pid in ids}


def dense_paper_scores(matches: Iterable[tuple[str, str, float]], best_sentence: Mapping[str, float],
                       r: "RetrievalSettings") -> dict[str, float]:
    """A paper's dense score: its best chunk blended with its whole abstract, then mixed with its
    best single sentence (`best_sentence`, by paper) when `r.sentence_weight` is set."""
    scores = blend_whole_and_best(matches, r.whole_abstract_weight)
    return mix(scores, best_sentence, r.sentence_weight) if r.sentence_weight else scores


def lexical_paper_scores(chunks: Iterable[tuple[str, str, float]], r: "RetrievalSettings") -> dict[str, float]:
    """A paper's BM25 score from its (paper_id, kind, score) chunks: best window and whole abstract."""
    return blend_whole_and_best(chunks, r.lexical_whole_weight)


def fuse(dense: dict[str, float], lexical: dict[str, float], mode: str,
         r: "RetrievalSettings", quality: dict[str, float] | None = None) -> dict[str, float]:
    """The ranking scores of a search mode: dense | lexical | hybrid (RRF or score fusion, per `r`).
    `quality` (the quality index's similarities, when it is complete) joins the dense side."""
    more = [(quality, r.quality_weight)] if quality and r.quality_weight > 0 else []
    if mode == "lexical":
        return lexical
    if mode == "dense":
        return weighted_score_fusion(dense, {}, r.dense_weight, 0.0, *more) if more else dense
    if r.fusion == "rrf":
        rankings = [ranking(dense), ranking(lexical), *(ranking(q) for q, _ in more)]
        weights = [r.dense_weight, r.lexical_weight, *(w for _, w in more)]
        return weighted_rrf(rankings, weights, r.rrf_k)
    return weighted_score_fusion(dense, lexical, r.dense_weight, r.lexical_weight, *more)
