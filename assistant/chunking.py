"""Sentence-aware chunking: small overlapping sentence windows plus the whole abstract of each paper."""

from __future__ import annotations

from assistant.text import split_sentences
from assistant.types import Chunk, Paper


def chunk_paper(paper: Paper, window: int = 3, stride: int = 2) -> list[Chunk]:
    """Windows of `window` sentences every `stride` sentences, then one whole-abstract chunk.

    Every chunk text starts with the title, so a window still says which paper it is from.
    The whole-abstract chunk comes last: the store writes it last, and its presence marks the
    paper as completely written.
    """
    sentences = split_sentences(paper.abstract)
    chunks: list[Chunk] = []
    if len(sentences) > window:
        starts = list(range(0, len(sentences) - window + 1, stride))
        if starts[-1] + window < len(sentences):
            starts.append(len(sentences) - window)
        for i, start in enumerate(starts):
            text = " ".join(sentences[start:start + window])
            chunks.append(Chunk(f"{paper.paper_id}#w{i}", paper.paper_id, f"{paper.title}. {text}",
                                "window", start))
    chunks.append(Chunk(f"{paper.paper_id}#a", paper.paper_id, f"{paper.title}. {paper.abstract}",
                        "abstract", 0))
    return chunks


def chunk_kind(chunk_id: str) -> str:
    """"abstract" or "window", read back from an id minted by `chunk_paper`.

    >>> chunk_kind("p-1#a"), chunk_kind("p-1#w3")
    ('abstract', 'window')
    """
    return "abstract" if chunk_id.endswith("#a") else "window"


def chunk_paper_id(chunk_id: str) -> str:
    """The paper a chunk id minted by `chunk_paper` belongs to.

    >>> chunk_paper_id("p-1#w3"), chunk_paper_id("doi:10.1/x#y#a")
    ('p-1', 'doi:10.1/x#y')
    """
    return chunk_id.rsplit("#", 1)[0]
