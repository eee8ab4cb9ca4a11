"""Records of the same paper merged into one, keeping the richest metadata of each.

Two records are the same paper when they share a DOI, else an arXiv id, else the same
normalised title *and* the same normalised abstract. A shared title alone is not enough:
SciFact has three different papers titled "Summary". Records whose identifiers contradict
each other (two DOIs, two arXiv ids, or two ids given by the same file, as SciFact's
`scifact:N`) stay apart even when their text is identical.
"""

from __future__ import annotations

from dataclasses import replace

from assistant.types import Paper

from ingest.drafts import Draft


class _Index:
    """Where each DOI, arXiv id and (title, abstract) key already lives among the merged papers."""

    def __init__(self) -> None:
        self.by_doi: dict[str, int] = {}
        self.by_arxiv: dict[str, int] = {}
        self.by_text: dict[tuple[str, str], list[int]] = {}

    def find(self, draft: Draft, merged: list[Draft]) -> int | None:
        paper = draft.paper
        if paper.doi and paper.doi in self.by_doi:
            return self.by_doi[paper.doi]
        if paper.arxiv_id and paper.arxiv_id in self.by_arxiv:
            return self.by_arxiv[paper.arxiv_id]
        candidates = self.by_text.get(draft.text_key, [])
        return next((i for i in candidates if not _conflict(merged[i], draft)), None)

    def add(self, draft: Draft, position: int) -> None:
        if draft.paper.doi:
            self.by_doi.setdefault(draft.paper.doi, position)
        if draft.paper.arxiv_id:
            self.by_arxiv.setdefault(draft.paper.arxiv_id, position)
        slots = self.by_text.setdefault(draft.text_key, [])
        if position not in slots:
            slots.append(position)


def merge_duplicates(drafts: list[Draft]) -> tuple[list[Draft], int]:
    """Unique papers in first-seen order, and how many records were merged into an earlier one."""
    merged: list[Draft] = []
    index = _Index()
    for draft in drafts:
        position = index.find(draft, merged)
        if position is None:
            merged.append(draft)
            position = len(merged) - 1
        else:
            kept = merged[position]
            merged[position] = Draft(merge_papers(kept.paper, draft.paper), kept.text_key,
                                     kept.source_ids | draft.source_ids)
        index.add(draft, position)
    return merged, len(drafts) - len(merged)


def _conflict(kept: Draft, new: Draft) -> bool:
    a, b = kept.paper, new.paper
    if (a.doi and b.doi and a.doi != b.doi) or (a.arxiv_id and b.arxiv_id and a.arxiv_id != b.arxiv_id):
        return True
    return _ids_disagree(kept.source_ids, new.source_ids)


def _ids_disagree(kept: set[tuple[str, str]], new: set[tuple[str, str]]) -> bool:
    """True when one file gave the two records different ids of its own."""
    shared_files = {file for file, _ in kept} & {file for file, _ in new}
    return any({i for f, i in kept if f == file}.isdisjoint({i for f, i in new if f == file})
               for file in shared_files)


def merge_papers(kept: Paper, extra: Paper) -> Paper:
    """The first record's text, source and line, with whatever metadata only the other one has.

    The longer author list wins; the more precise date wins (a day beats a year); the
    higher upvote count wins (pages scraped later have counted more votes).
    """
    authors = kept.authors if len(kept.authors) >= len(extra.authors) else extra.authors
    dates = [d for d in (kept.date, extra.date) if d]
    upvotes = [u for u in (kept.upvotes, extra.upvotes) if u is not None]
    return replace(
        kept, authors=authors,
        n_authors=len(authors) if authors else _first(kept.n_authors, extra.n_authors),
        date=max(dates, key=len) if dates else None,
        upvotes=max(upvotes) if upvotes else None,
        url=kept.url or extra.url, doi=kept.doi or extra.doi,
        arxiv_id=kept.arxiv_id or extra.arxiv_id,
        categories=tuple(dict.fromkeys(kept.categories + extra.categories)))


def _first(*values: int | None) -> int | None:
    return next((v for v in values if v is not None), None)
