"""Reference export: one paper or many as a text line, BibTeX, RIS or JSON.

Sample-corpus papers often have no author names (only a count) and a partial date, so every
field is optional here. bibtexparser and rispy are imported inside the functions that use them
so that importing the core stays fast.
"""

from __future__ import annotations

import functools
import json
import re
import string
import unicodedata
from collections.abc import Iterable
from typing import Literal

from assistant.errors import InputError
from assistant.text import normalize_space
from assistant.types import Paper

ReferenceFormat = Literal["text", "bibtex", "ris", "json"]
FORMATS: tuple[str, ...] = ("text", "bibtex", "ris", "json")

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Skipped when taking the key's title word, as Google Scholar does ("zhao2023survey").
_KEY_STOPWORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "from", "is"}
_ASCII_WORD = re.compile(r"[a-z0-9]+")
# BibTeX styles lowercase titles; words like "BERT" or "LoRA" must keep their capitals.
_INNER_CAPITAL = re.compile(r"\S[^\s]*?[A-Z]")


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
    """Several papers in one document: text lines, a .bib file, a .ris file or a JSON array.

    Repeated citation keys get a letter suffix (lester2021power, lester2021powerb).
    """
    papers = list(papers)
    if fmt == "text":
        return "\n".join(_text_line(p) for p in papers)
    if fmt == "bibtex":
        return _bibtex(papers)
    if fmt == "ris":
        return _ris(papers)
    if fmt == "json":
        return json.dumps([p.to_dict() for p in papers], ensure_ascii=False, indent=2)
    raise InputError(f"unknown reference format '{fmt}'", hint=f"use one of: {', '.join(FORMATS)}")


def citation_key(paper: Paper) -> str:
    """Stable ASCII key: first author's surname (or "anon"), year, first content word of the title.

    >>> citation_key(Paper("x", "The Power of Scale", "", authors=("Brian Lester",), date="2021"))
    'lester2021power'
    >>> citation_key(Paper("x", "Über Große Modelle", ""))
    'anonuber'
    """
    surname = _surname(paper.authors[0]) if paper.authors else ""
    first = _ascii_words(surname)[-1:] or ["anon"]
    words = [w for w in _ascii_words(paper.title) if w not in _KEY_STOPWORDS]
    return f"{first[0]}{paper.year or ''}{words[0] if words else ''}"


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _ASCII_WORD.findall(folded)


def _surname(name: str) -> str:
    """ "Vaswani, Ashish" and "Ashish Vaswani" both give "Vaswani"."""
    name = name.strip()
    return name.split(",")[0] if "," in name else (name.split() or [""])[-1]


def _unique_keys(papers: list[Paper]) -> list[str]:
    """Citation keys with a letter suffix for repeats, so one .bib file never clashes."""
    seen: dict[str, int] = {}
    keys = []
    for paper in papers:
        key = citation_key(paper)
        count = seen.get(key, 0)
        seen[key] = count + 1
        suffix = "" if count == 0 else string.ascii_lowercase[count] if count < 26 else str(count)
        keys.append(key + suffix)
    return keys


def _url(paper: Paper) -> str | None:
    return paper.url or (f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None)


def _month(paper: Paper) -> int | None:
    month = (paper.date or "")[5:7]
    return int(month) if month.isdigit() and 1 <= int(month) <= 12 else None


# --- text ---------------------------------------------------------------------------------

def _text_line(paper: Paper) -> str:
    """APA-ish: "Authors (Year). Title. arXiv:id. doi:..."; title first when no author is known."""
    year = f"({paper.year})" if paper.year else "(n.d.)"
    title = normalize_space(paper.title) or "Untitled"
    authors = _text_authors(paper)
    head = f"{authors} {year}. {_with_period(title)}" if authors else f"{title} {year}."
    locators = [f"arXiv:{paper.arxiv_id}"] if paper.arxiv_id else []
    locators += [f"doi:{paper.doi}"] if paper.doi else []
    if not locators and paper.url:
        locators.append(paper.url)
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


# --- BibTeX -------------------------------------------------------------------------------

def _bibtex(papers: list[Paper]) -> str:
    import bibtexparser
    from bibtexparser.library import Library

    entries = [_bibtex_entry(p, key) for p, key in zip(papers, _unique_keys(papers))]
    return bibtexparser.write_string(Library(entries)) if entries else ""


def _bibtex_entry(paper: Paper, key: str):
    """@article when a DOI says it was published, else @misc with arXiv eprint fields."""
    from bibtexparser.model import Entry, Field

    fields = [Field("title", _protect_capitals(_latex(paper.title)))]
    if paper.authors:
        fields.append(Field("author", " and ".join(_latex(a) for a in paper.authors)))
    if paper.year:
        fields.append(Field("year", str(paper.year)))
    if _month(paper):
        # the bare macro (month = mar) is what every BibTeX style understands
        fields.append(Field("month", _MONTHS[_month(paper) - 1], enclosing="no-enclosing"))
    if paper.arxiv_id:
        fields += [Field("eprint", _verbatim(paper.arxiv_id)), Field("archivePrefix", "arXiv")]
        if paper.categories:
            fields.append(Field("primaryClass", _verbatim(paper.categories[0])))
    if paper.doi:
        fields.append(Field("doi", _verbatim(paper.doi)))
    if _url(paper):
        fields.append(Field("url", _verbatim(_url(paper))))
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


# --- RIS ----------------------------------------------------------------------------------

def _ris(papers: list[Paper]) -> str:
    import rispy

    records = [_ris_record(p, key) for p, key in zip(papers, _unique_keys(papers))]
    return rispy.dumps(records, implementation=_ris_writer()) if records else ""


def _ris_record(paper: Paper, key: str) -> dict:
    record: dict = {"type_of_reference": "JOUR" if paper.doi else "GEN", "id": key,
                    "title": normalize_space(paper.title)}
    if paper.authors:
        record["authors"] = [normalize_space(a) for a in paper.authors]
    if paper.year:
        record["year"] = str(paper.year)
    if paper.date:
        record["date"] = paper.date.replace("-", "/")  # RIS dates are YYYY/MM/DD
    if _url(paper):
        record["urls"] = [_url(paper)]
    if paper.doi:
        record["doi"] = paper.doi
    if paper.abstract:
        record["abstract"] = normalize_space(paper.abstract)
    return record


@functools.cache
def _ris_writer():
    """rispy's writer without its "1." counter line, which is not part of the RIS format."""
    from rispy import RisWriter

    class PlainRisWriter(RisWriter):
        def set_header(self, count):
            return ""

    return PlainRisWriter
