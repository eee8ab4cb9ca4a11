"""One JSON object or CSV row (our own fields, SciFact, or an arXiv metadata snapshot) as a RawRecord.

Column names are matched case-insensitively, with the aliases real exports use
(`summary` for the abstract, `update_date` in arXiv snapshots). Identifiers are recognised by
their shape, not their key: an arXiv snapshot's `id` ("0704.0001", "hep-th/9901001") becomes
the arXiv id, SciFact's `id` ("scifact:4983") stays the record's own id. That is also how an
arXiv snapshot row needs no case of its own, whatever the file is called; a CSL-JSON item
(Zotero's export) is recognised by its schema and mapped by `csl_json.csl_row` first.
"""

from __future__ import annotations

from typing import Any

from ingest.csl_json import csl_row, is_csl_item
from ingest.fields import (iso_date, normalize_arxiv_id, normalize_doi, parse_authors,
                           parse_categories, parse_count, scalar_text)
from ingest.raw import RawRecord

# first present wins; arXiv's first version date is the paper's date, update_date only its last edit
_DATE_KEYS = ("date", "published", "publication_date", "versions", "update_date", "year")


def record_from_row(row: dict[str, Any], source: str, line: int | None) -> RawRecord | str:
    """The row as a RawRecord, or the reason it cannot be one ("missing abstract").

    Values of the wrong type or shape are dropped field by field; should one still raise, only
    this record is lost, with the error as its reason.
    """
    try:
        return _record(csl_row(row) if is_csl_item(row) else row, source, line)
    except Exception as error:  # noqa: BLE001 - a last line of defence; the fuzz tests assert it never fires
        return unreadable(error)


def unreadable(error: Exception) -> str:
    """The skip reason for a record whose reading raised: the error's type and the start of its text."""
    return f"unreadable record ({type(error).__name__}: {str(error)[:120]})"


def _record(row: dict[str, Any], source: str, line: int | None) -> RawRecord | str:
    fields: dict[str, Any] = {}
    for key, value in row.items():  # "Summary" and "summary" both present: the one with a value wins
        name = str(key).strip().lower() if key is not None else None
        if name is not None and fields.get(name) in (None, ""):
            fields[name] = value
    title, abstract = _text(fields.get("title")), _text(fields.get("abstract") or fields.get("summary"))
    if not title and not abstract:
        return "missing title and abstract"
    if not title:
        return "missing title"
    if not abstract:
        return "missing abstract"
    record = RawRecord(title=title, abstract=abstract, source=source, line=line)
    _fill_identifiers(record, fields)
    _fill_metadata(record, fields)
    return record


def _text(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], str):
        value = value[0]  # Crossref-style exports give titles as one-element lists
    return value.strip() if isinstance(value, str) else ""


def _fill_identifiers(record: RawRecord, fields: dict[str, Any]) -> None:
    record.doi = normalize_doi(fields.get("doi"))
    record.arxiv_id = (normalize_arxiv_id(fields.get("arxiv_id")) or normalize_arxiv_id(fields.get("arxiv"))
                       or normalize_arxiv_id(fields.get("id")))
    own_id = scalar_text(fields.get("id")).strip()
    if own_id and not normalize_arxiv_id(own_id) and not normalize_doi(own_id):
        record.source_id = own_id
    elif normalize_doi(own_id) and not record.doi:
        record.doi = normalize_doi(own_id)


def _fill_metadata(record: RawRecord, fields: dict[str, Any]) -> None:
    record.authors = parse_authors(fields.get("authors") or fields.get("author"))
    record.n_authors = len(record.authors) or parse_count(fields.get("n_authors"))
    record.date = next((d for d in map(_date_of, (fields.get(k) for k in _DATE_KEYS)) if d), None)
    record.upvotes = parse_count(fields.get("upvotes"))
    record.categories = parse_categories(fields.get("categories"))  # arXiv's; free keywords are not
    url = fields.get("url")
    record.url = url.strip() if isinstance(url, str) and url.strip() else None


def _date_of(value: Any) -> str | None:
    if isinstance(value, list):  # arXiv snapshot "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 ..."}]
        first = value[0] if value else None
        return iso_date(first.get("created")) if isinstance(first, dict) else None
    return iso_date(value)
