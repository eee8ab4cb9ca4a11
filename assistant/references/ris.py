"""Papers as a .ris file, written with rispy (imported here, on first use)."""

from __future__ import annotations

import functools

from assistant.references.keys import missing_fields, paper_url, unique_keys
from assistant.text import normalize_space
from assistant.types import Paper


def ris(papers: list[Paper]) -> str:
    import rispy

    records = [_record(p, key) for p, key in zip(papers, unique_keys(papers))]
    return rispy.dumps(records, implementation=_writer()) if records else ""


def _record(paper: Paper, key: str) -> dict:
    record: dict = {"type_of_reference": "JOUR" if paper.doi else "GEN", "id": key,
                    "title": normalize_space(paper.title)}
    if paper.authors:
        record["authors"] = [normalize_space(a) for a in paper.authors]
    if paper.year:
        record["year"] = str(paper.year)
    if paper.date:
        record["date"] = paper.date.replace("-", "/")  # RIS dates are YYYY/MM/DD
    # RIS has no arXiv tag: its abstract page among the URLs keeps the id
    arxiv = f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None
    if urls := list(dict.fromkeys(u for u in (paper_url(paper), arxiv) if u)):
        record["urls"] = urls
    if paper.doi:
        record["doi"] = paper.doi
    if paper.abstract:
        record["abstract"] = normalize_space(paper.abstract)
    if missing := missing_fields(paper):
        record["notes"] = [f"Fields missing: {', '.join(missing)}"]
    return record


@functools.cache
def _writer():
    """rispy's writer without its "1." counter line, which is not part of the RIS format."""
    from rispy import RisWriter

    class PlainRisWriter(RisWriter):
        def set_header(self, count):
            return ""

    return PlainRisWriter
