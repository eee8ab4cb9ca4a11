"""Stable paper ids: the same input gives the same ids on every run and every machine.

`doi:<doi>` when there is a DOI, else `arxiv:<id without version>`, else `p-` and 12 hex
digits of the SHA-1 of the normalised title. Papers that share a title (SciFact's three
"Summary" papers) hash title and abstract instead; if even that is shared, the record ids
their file gave them; anything still equal is numbered in input order.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from assistant.types import Paper

from ingest.drafts import Draft

_KeyParts = Callable[[Draft], list[str]]
_LEVELS: list[_KeyParts] = [
    lambda d: [d.text_key[0]],
    lambda d: list(d.text_key),
    lambda d: [*d.text_key, *sorted(own_id for _, own_id in d.source_ids)],
]


def assign_ids(drafts: list[Draft]) -> list[Paper]:
    """The drafts as Papers with their ids, in the same order."""
    ids: list[str | None] = [identifier_id(d.paper) for d in drafts]
    unnamed = [i for i, pid in enumerate(ids) if pid is None]
    for i, pid in zip(unnamed, _hashed_ids([drafts[i] for i in unnamed])):
        ids[i] = pid
    return [replace(d.paper, paper_id=pid) for d, pid in zip(drafts, ids)]


def identifier_id(paper: Paper) -> str | None:
    """The id a DOI or arXiv id gives, or None when the paper has neither."""
    if paper.doi:
        return f"doi:{paper.doi.lower()}"
    if paper.arxiv_id:
        return f"arxiv:{paper.arxiv_id}"
    return None


def _hashed_ids(drafts: list[Draft]) -> list[str]:
    ids = [_hash(_LEVELS[0](d)) for d in drafts]
    for level in _LEVELS[1:]:
        counts = Counter(ids)
        ids = [_hash(level(d)) if counts[pid] > 1 else pid for d, pid in zip(drafts, ids)]
    return _number_twins(ids)


def _hash(parts: list[str]) -> str:
    """SHA-1 of the parts joined by newlines; the first part, the title key, alone for most papers."""
    return "p-" + hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:12]


def _number_twins(ids: list[str]) -> list[str]:
    counts, seen = Counter(ids), Counter()
    numbered = []
    for pid in ids:
        seen[pid] += 1
        numbered.append(f"{pid}-{seen[pid]}" if counts[pid] > 1 else pid)
    return numbered
