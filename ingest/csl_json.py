"""CSL-JSON items (Zotero's, Pandoc's and citeproc's export format) as rows `records.record_from_row` reads.

An item is recognised by its schema, not by the file's name: a string `type` beside a `title`, and
one of CSL's own members (`issued`, `container-title`, `DOI`, `URL`, or `author` as name objects).
Zotero keeps an arXiv preprint's id in `number` ("arXiv:2305.12345") and other ids as lines of
`note` ("arXiv: 2305.12345", "DOI: 10.1/x"); both are read.
"""

from __future__ import annotations

import re
from typing import Any

from ingest.fields import iso_date, normalize_arxiv_id, normalize_doi, scalar_text

_CSL_ONLY = ("issued", "container-title", "DOI", "URL")
_NOTE_ID = re.compile(r"^\s*(arXiv|DOI)\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_NAME_PARTS = ("given", "dropping-particle", "non-dropping-particle", "family", "suffix")


def is_csl_item(row: dict[str, Any]) -> bool:
    """True for an object shaped like a CSL-JSON item.

    >>> is_csl_item({"type": "article", "title": "T", "issued": {"date-parts": [[2023]]}})
    True
    >>> is_csl_item({"title": "T", "abstract": "A", "type": "paper"})
    False
    """
    if not isinstance(row.get("type"), str) or "title" not in row:
        return False
    authors = row.get("author")
    named = isinstance(authors, list) and any(
        isinstance(a, dict) and ("family" in a or "literal" in a) for a in authors)
    return named or any(key in row for key in _CSL_ONLY)


def csl_row(item: dict[str, Any]) -> dict[str, Any]:
    """The item's fields under the names `record_from_row` reads; values of the wrong shape are dropped."""
    note = scalar_text(item.get("note"))
    noted = {kind.lower(): value for kind, value in _NOTE_ID.findall(note)}
    arxiv = next(filter(None, map(normalize_arxiv_id, (item.get("number"), noted.get("arxiv"), item.get("URL")))),
                 None)
    return {"title": item.get("title"), "abstract": item.get("abstract"),
            "authors": [name for name in map(_name, _list(item.get("author"))) if name],
            "date": _issued(item.get("issued")),
            "doi": normalize_doi(item.get("DOI")) or normalize_doi(noted.get("doi")),
            "arxiv_id": arxiv, "url": item.get("URL"), "id": scalar_text(item.get("id"))}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _name(person: Any) -> str:
    """ "Given particle Family Suffix", or the literal name of an institution."""
    if not isinstance(person, dict):
        return ""
    if literal := scalar_text(person.get("literal")).strip():
        return literal
    return " ".join(text for text in (scalar_text(person.get(part)).strip() for part in _NAME_PARTS) if text)


def _issued(value: Any) -> str | None:
    """ISO text from `{"date-parts": [[2023, 5, 1]]}` (numbers or digit strings), or `raw`/`literal`.

    >>> _issued({"date-parts": [["2023", "5"]]}), _issued({"raw": "2021-03-05"}), _issued({"date-parts": [[]]})
    ('2023-05', '2021-03-05', None)
    """
    if not isinstance(value, dict):
        return None
    parts = _list(value.get("date-parts"))
    first = [scalar_text(p).strip() for p in _list(parts[0])] if parts else []
    first = first[:next((i for i, p in enumerate(first) if not p.isdigit()), len(first))][:3]
    if first:
        return iso_date("-".join(first))
    return iso_date(value.get("raw")) or iso_date(value.get("literal"))
