"""What every parser hands back: raw records (fields as found, with their line) and what it skipped."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.types import Skipped


@dataclass
class RawRecord:
    """One paper as a parser found it; cleaning, merging and ids happen later, in one place."""

    title: str
    abstract: str
    source: str
    line: int | None
    authors: tuple[str, ...] = ()
    n_authors: int | None = None
    date: str | None = None  # already ISO (YYYY-MM-DD, YYYY-MM or YYYY)
    upvotes: int | None = None
    url: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    categories: tuple[str, ...] = ()
    source_id: str | None = None  # the record's own id when it is neither a DOI nor arXiv


@dataclass
class FileParse:
    """A parser's answer for one file: records in file order, plus skips (line None: the whole file)."""

    records: list[RawRecord] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def records_read(self) -> int:
        # a skip with a line is a record that was found but rejected, so it was still read
        return len(self.records) + sum(1 for s in self.skipped if s.line is not None)
