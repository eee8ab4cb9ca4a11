"""A parsed record turned into a cleaned Paper draft (no id yet), originals kept beside the clean text."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.text import normalize_key
from assistant.types import Paper

from ingest.cleaning import clean_text, first_url
from ingest.raw import RawRecord


@dataclass
class Draft:
    """A cleaned paper before merging and ids, with the record ids it came with, per source file."""

    paper: Paper
    text_key: tuple[str, str]  # what makes two records the same text: normalised title and abstract
    source_ids: set[tuple[str, str]] = field(default_factory=set)  # (file, the record's own id)


def draft_from_record(record: RawRecord) -> Draft | str:
    """The record cleaned into a Draft, or why it cannot be one (markup only, no words)."""
    title, abstract = clean_text(record.title), clean_text(record.abstract)
    text_key = normalize_key(title), normalize_key(abstract)
    if not text_key[0]:
        return "title is empty after removing markup"
    if not text_key[1]:
        return "abstract is empty after removing markup"
    paper = Paper(
        paper_id="", title=title, abstract=abstract,
        authors=tuple(name for name in map(clean_text, record.authors) if name),
        n_authors=record.n_authors, date=record.date, upvotes=record.upvotes,
        url=record.url or first_url(abstract), doi=record.doi, arxiv_id=record.arxiv_id,
        categories=record.categories, source=record.source, source_line=record.line,
        raw_title=record.title, raw_abstract=record.abstract)
    ids = {(record.source, record.source_id)} if record.source_id else set()
    return Draft(paper, text_key, ids)
