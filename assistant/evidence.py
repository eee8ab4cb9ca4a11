"""Evidence sentences: which sentences of an abstract best match a query."""

from __future__ import annotations

import numpy as np

from assistant.lexical import analyze

KEYWORD_BONUS = 0.3  # a sentence sharing all the query's keywords gains this much over its cosine


def pick_evidence(query: str, query_vec: np.ndarray, sentences: list[str], vectors: np.ndarray,
                  n: int) -> list[str]:
    """The `n` sentences most similar to the query, in their original order.

    Similarity is the cosine of the stored sentence vector plus a bonus for the share of the
    query's (stemmed) keywords the sentence contains, so an exact term the embedder blurs
    (a dataset name, a number) still picks its sentence.

    >>> vecs = np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]])
    >>> pick_evidence("graph pruning", np.array([1.0, 0.0]), ["A.", "B.", "Graph pruning."], vecs, 2)
    ['A.', 'Graph pruning.']
    """
    if not sentences:
        return []
    scores = sentence_relevance(query, query_vec, sentences, vectors)
    return [sentences[i] for i in sorted(np.argsort(-scores, kind="stable")[:n])]


def sentence_relevance(query: str, query_vec: np.ndarray, sentences: list[str], vectors: np.ndarray) -> np.ndarray:
    """Each sentence's match to the query: cosine plus KEYWORD_BONUS times its share of the query's keywords.

    >>> sentence_relevance("graph", np.array([1.0, 0.0]), ["Graph.", "B."], np.array([[0.5, 0.5], [0.0, 1.0]]))
    array([0.8, 0. ])
    """
    if not sentences:
        return np.zeros(0)
    terms = set(analyze(query))
    overlap = np.array([len(terms & set(analyze(s))) / (len(terms) or 1) for s in sentences])
    return vectors @ query_vec + KEYWORD_BONUS * overlap
