"""Reference export: papers as text lines, BibTeX, RIS, CSL-JSON or JSON.

Sample-corpus papers often have no author names (only a count) and a partial date, so every
field is optional; `missing_fields` says what a reference lacks and each format notes it where it
can (a `%` comment in BibTeX, `N1` in RIS, `note` in CSL-JSON). bibtexparser and rispy are
imported by the writers that use them, so that importing the core stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Literal

from assistant.errors import InputError
from assistant.references.keys import citation_key, missing_fields, paper_url, unique_keys
from assistant.text import normalize_space
from assistant.types import Paper

ReferenceFormat = Literal["text", "bibtex", "ris", "csljson", "json"]
FORMATS: tuple[str, ...] = ("text", "bibtex", "ris", "csljson", "json")
# the formats a reference manager imports, with the file suffix each is saved under
FILE_SUFFIXES: dict[str, str] = {"bibtex": ".bib", "ris": ".ris", "csljson": ".json"}

__all__ = ["FILE_SUFFIXES", "FORMATS", "citation_key", "format_reference", "format_references",
           "missing_fields", "missing_notes", "paper_url"]


def format_reference(paper: Paper, fmt: ReferenceFormat = "text") -> str:
    """One paper in the given format; JSON is the paper's dict.

    >>> p = Paper("p1", "Attention Is All You Need", "", n_authors=8, date="2017-06", arxiv_id="1706.03762")
    >>> format_reference(p)
    '8 authors (2017). Attention Is All You Need. arXiv:1706.03762'
    """
    if fmt == "json":
        return json.dumps(paper.to_dict(), ensure_ascii=False, indent=2)
    return format_references([paper], fmt)


def format_references(papers: Iterable[Paper], fmt: ReferenceFormat = "text") -> str:
    """Several papers in one document: text lines, a .bib or .ris file, or a CSL-JSON or JSON array.

    Repeated citation keys get a letter suffix (lester2021power, lester2021powerb).
    """
    papers = list(papers)
    if fmt == "text":
        return "\n".join(_text_line(p) for p in papers)
    if fmt == "bibtex":
        from assistant.references.bibtex import bibtex
        return bibtex(papers)
    if fmt == "ris":
        from assistant.references.ris import ris
        return ris(papers)
    if fmt == "csljson":
        from assistant.references.csl import csl_json
        return csl_json(papers)
    if fmt == "json":
        return json.dumps([p.to_dict() for p in papers], ensure_ascii=False, indent=2)
    raise InputError(f"unknown reference format '{fmt}'", hint=f"use one of: {', '.join(FORMATS)}")


def missing_notes(papers: Iterable[Paper]) -> list[str]:
    """One line per exported paper that lacks fields, under the key it is exported with.

    >>> missing_notes([Paper("x", "Grokking at the Edge", "", n_authors=3)])
    ['fields missing for grokkingedge: author, year, url']
    """
    papers = list(papers)
    return [f"fields missing for {key}: {', '.join(missing)}"
            for paper, key in zip(papers, unique_keys(papers)) if (missing := missing_fields(paper))]


# --- text ---------------------------------------------------------------------------------

def _text_line(paper: Paper) -> str:
    """APA-ish: "Authors (Year). Title. arXiv:id. doi:..."; title first when no author is known."""
    year = f"({paper.year})" if paper.year else "(n.d.)"
    title = normalize_space(paper.title) or "Untitled"
    authors = _text_authors(paper)
    head = f"{authors} {year}. {_with_period(title)}" if authors else f"{title} {year}."
    locators = [f"arXiv:{paper.arxiv_id}"] if paper.arxiv_id else []
    locators += [f"doi:{paper.doi}"] if paper.doi else []
    if not locators and paper_url(paper):
        locators.append(paper_url(paper))
    return " ".join([head, ". ".join(locators)]).strip()


def _text_authors(paper: Paper) -> str:
    names = [normalize_space(a) for a in paper.authors if a.strip()]
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} & {names[1]}"
    if len(names) == 3:
        return f"{names[0]}, {names[1]}, & {names[2]}"
    if names:
        return f"{names[0]} et al."
    if paper.n_authors:
        return f"{paper.n_authors} author{'s' if paper.n_authors != 1 else ''}"
    return ""


def _with_period(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else f"{text}."
