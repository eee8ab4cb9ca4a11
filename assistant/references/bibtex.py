"""Papers as a .bib file, written with bibtexparser 2 (imported here, on first use)."""

from __future__ import annotations

import functools
import re

from assistant.references.keys import missing_fields, month, paper_url, unique_keys
from assistant.text import normalize_space
from assistant.types import Paper

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# BibTeX styles lowercase titles; words like "BERT" or "LoRA" must keep their capitals.
_INNER_CAPITAL = re.compile(r"\S[^\s]*?[A-Z]")


def bibtex(papers: list[Paper]) -> str:
    """One entry per paper; a `% fields missing ...` comment line above an entry that lacks some."""
    import bibtexparser
    from bibtexparser.library import Library
    from bibtexparser.model import ImplicitComment

    blocks = []
    for paper, key in zip(papers, unique_keys(papers)):
        if missing := missing_fields(paper):
            blocks.append(ImplicitComment(f"% fields missing for {key}: {', '.join(missing)}"))
        blocks.append(_entry(paper, key))
    return bibtexparser.write_string(Library(blocks)) if blocks else ""


def _entry(paper: Paper, key: str):
    """@article when a DOI says it was published, else @misc with arXiv eprint fields."""
    from bibtexparser.model import Entry, Field

    fields = [Field("title", _protect_capitals(_latex(paper.title)))]
    if paper.authors:
        fields.append(Field("author", " and ".join(_latex(a) for a in paper.authors)))
    if paper.year:
        fields.append(Field("year", str(paper.year)))
    if month(paper):
        # the bare macro (month = mar) is what every BibTeX style understands; biblatex's date keeps the day
        fields.append(Field("month", _MONTHS[month(paper) - 1], enclosing="no-enclosing"))
        fields.append(Field("date", paper.date))
    if paper.arxiv_id:
        fields += [Field("eprint", _verbatim(paper.arxiv_id)), Field("archivePrefix", "arXiv")]
        if paper.categories:
            fields.append(Field("primaryClass", _verbatim(paper.categories[0])))
    if paper.doi:
        fields.append(Field("doi", _verbatim(paper.doi)))
    if url := paper_url(paper):
        fields.append(Field("url", _verbatim(url)))
    if paper.abstract:
        fields.append(Field("abstract", _latex(paper.abstract)))
    return Entry("article" if paper.doi else "misc", key, fields)


@functools.cache
def _latex_encoder():
    from pylatexenc.latexencode import UnicodeToLatexEncoder  # ships with bibtexparser 2

    # keep characters LaTeX has no name for (e.g. CJK) rather than warn and drop them
    return UnicodeToLatexEncoder(unknown_char_policy="keep", unknown_char_warning=False)


def _latex(text: str) -> str:
    """Escape &, %, $, #, _, braces, backslashes and accents so the value is literal text."""
    return _latex_encoder().unicode_to_latex(normalize_space(text))


def _protect_capitals(latex: str) -> str:
    """Brace words with a capital after their first letter: {BERT}, {LoRA}, {GPT-3}."""
    return " ".join(f"{{{w}}}" if _INNER_CAPITAL.match(w) and not w.startswith("\\") else w
                    for w in latex.split(" "))


def _verbatim(value: str) -> str:
    """URLs, DOIs and ids are read verbatim by BibTeX; only braces could break the file."""
    return value.strip().replace("{", "%7B").replace("}", "%7D")
