"""What every reference format shares: citation keys, the paper's own URL, the month, what is missing.

>>> citation_key(Paper("x", "The Power of Scale", "", authors=("Brian Lester",), date="2021"))
'lester2021power'
>>> citation_key(Paper("x", "WebSRC: A Dataset for Web-Based Reading", "", date="2021"))
'websrc2021dataset'
"""

from __future__ import annotations

import re
import string
import unicodedata
from urllib.parse import urlsplit

from assistant.types import Paper

# Skipped when taking the key's title word, as Google Scholar does ("zhao2023survey").
_KEY_STOPWORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "from", "is", "at", "by",
                  "as", "via", "into", "are"}
_ASCII_WORD = re.compile(r"[a-z0-9]+")
# Where an abstract's link usually points: code, a project page, a dataset - not the paper itself.
_RESOURCE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "github.io", "gitee.com", "zenodo.org",
                   "kaggle.com", "colab.research.google.com")
_RESOURCE_PATHS = ("huggingface.co/datasets/", "huggingface.co/spaces/")


def citation_key(paper: Paper) -> str:
    """ASCII key: surname, year, first content word of the title; without authors the title's first
    two content words around the year (`title2023word`); "anon" when there is no title either.

    >>> citation_key(Paper("x", "Über Große Modelle", "", authors=("Ødegård Ñúñez",)))
    'nunezuber'
    >>> citation_key(Paper("x", "Grokking", "", date="2022")), citation_key(Paper("x", "", ""))
    ('grokking2022', 'anon')
    """
    words = [w for w in _ascii_words(paper.title) if w not in _KEY_STOPWORDS]
    year = str(paper.year or "")
    surname = (_ascii_words(_surname(paper.authors[0]))[-1:] or [""])[0] if paper.authors else ""
    if surname:
        return f"{surname}{year}{words[0] if words else ''}"
    if words:
        return f"{words[0]}{year}{words[1] if len(words) > 1 else ''}"
    return f"anon{year}"


def unique_keys(papers: list[Paper]) -> list[str]:
    """Citation keys with a letter suffix for repeats (lester2021power, lester2021powerb)."""
    seen: dict[str, int] = {}
    keys = []
    for paper in papers:
        key = citation_key(paper)
        count = seen.get(key, 0)
        seen[key] = count + 1
        suffix = "" if count == 0 else string.ascii_lowercase[count] if count < 26 else str(count)
        keys.append(key + suffix)
    return keys


def paper_url(paper: Paper) -> str | None:
    """The paper's own page: its URL unless that is a code, project or data link, else arXiv's abstract page.

    >>> paper_url(Paper("x", "T", "Code at https://github.com/a/b.", url="https://github.com/a/b"))
    >>> paper_url(Paper("x", "T", "", url="https://github.com/a/b", arxiv_id="2401.12345"))
    'https://arxiv.org/abs/2401.12345'
    """
    if paper.url and not is_resource_url(paper.url, paper.abstract):
        return paper.url
    return f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None


def is_resource_url(url: str, abstract: str = "") -> bool:
    """True for links to code, project pages or data, and for any link the abstract itself mentions
    (ingest takes a Daily Papers URL from the abstract, where it is the paper's code, never the paper)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    return (url.strip() in abstract or any(host == h or host.endswith("." + h) for h in _RESOURCE_HOSTS)
            or any(f"{host}{parts.path}".startswith(p) for p in _RESOURCE_PATHS))


def month(paper: Paper) -> int | None:
    value = (paper.date or "")[5:7]
    return int(value) if value.isdigit() and 1 <= int(value) <= 12 else None


def missing_fields(paper: Paper) -> list[str]:
    """What a citation of this paper lacks: "author", "year", "url" (no DOI, arXiv id or paper URL).

    >>> missing_fields(Paper("x", "T", "", n_authors=3, url="https://github.com/a/b"))
    ['author', 'year', 'url']
    """
    missing = [] if paper.authors else ["author"]
    missing += [] if paper.year else ["year"]
    return missing + ([] if paper.doi or paper_url(paper) else ["url"])


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _ASCII_WORD.findall(folded)


def _surname(name: str) -> str:
    """ "Vaswani, Ashish" and "Ashish Vaswani" both give "Vaswani"."""
    name = name.strip()
    return name.split(",")[0] if "," in name else (name.split() or [""])[-1]


def split_name(name: str) -> tuple[str, str]:
    """(family, given) from "Given Family" or "Family, Given"; a one-word name is all family.

    >>> split_name("Ashish Vaswani"), split_name("Vaswani, Ashish"), split_name("OpenAI")
    (('Vaswani', 'Ashish'), ('Vaswani', 'Ashish'), ('OpenAI', ''))
    """
    name = " ".join(name.split())
    if "," in name:
        family, given = name.split(",", 1)
        return family.strip(), given.strip()
    given, _, family = name.rpartition(" ")
    return family, given
