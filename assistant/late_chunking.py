"""Late chunking: the vectors of an abstract's sentences and windows pooled from the token
embeddings of one encoder pass over the whole text, instead of one pass per piece.

Pure functions over offsets and arrays; `embedding.py` runs the model. A text longer than the
model's window is cut into consecutive pieces that are encoded separately, and a part that
crosses a cut is pooled over its tokens from both pieces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Range = tuple[int, int]  # [start, end), in characters or in tokens
Part = tuple[Range, ...]  # what one vector is pooled over: one or more ranges


@dataclass(frozen=True)
class PassText:
    """The text a paper is encoded as, once, and the parts to pool a vector for."""

    text: str
    parts: tuple[Part, ...]


def paper_pass(title: str, sentences: list[str], windows: list[tuple[int, int]]) -> PassText:
    """`"{title}. {sentences joined by spaces}"` (the whole-abstract chunk's text), with one part
    per window, then one per sentence.

    `windows` are (first sentence, sentence count); a window's part is the title and its
    sentences, as a window chunk's text is.

    >>> p = paper_pass("T", ["A b.", "C d.", "E."], [(1, 2)])
    >>> p.text
    'T. A b. C d. E.'
    >>> [" + ".join(p.text[s:e] for s, e in part) for part in p.parts]
    ['T. + C d. E.', 'A b.', 'C d.', 'E.']
    """
    prefix = f"{title}. "
    spans, pos = [], len(prefix)
    for sentence in sentences:
        spans.append((pos, pos + len(sentence)))
        pos += len(sentence) + 1
    title_range = (0, len(prefix) - 1)
    window_parts = [(title_range, (spans[first][0], spans[first + count - 1][1])) for first, count in windows]
    return PassText(prefix + " ".join(sentences), tuple(window_parts + [(s,) for s in spans]))


def token_ranges(offsets: list[Range], part: Part) -> list[int]:
    """Indices of the tokens whose characters overlap the part (tokens with empty offsets, the
    special ones, never do).

    >>> token_ranges([(0, 2), (3, 5), (5, 6), (7, 9)], ((3, 6),))
    [1, 2]
    """
    return [i for i, (a, b) in enumerate(offsets)
            if b > a and any(a < end and b > start for start, end in part)]


def split_pieces(n_tokens: int, limit: int) -> list[Range]:
    """Consecutive token ranges of at most `limit` tokens covering `n_tokens` (at least one piece).

    >>> split_pieces(600, 254)
    [(0, 254), (254, 508), (508, 600)]
    >>> split_pieces(0, 254)
    [(0, 0)]
    """
    return [(start, min(start + limit, n_tokens)) for start in range(0, max(n_tokens, 1), limit)]


def pool(token_vectors: np.ndarray, indices: list[int]) -> np.ndarray:
    """The normalised mean of the given rows (a zero vector when there are none)."""
    if not indices:
        return np.zeros(token_vectors.shape[1], dtype=np.float32)
    mean = token_vectors[indices].mean(axis=0)
    return (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)
