"""RIS files (what Zotero, EndNote and most databases export) read record by record with rispy.

The file is cut into records at `TY  -` lines here, so that every record keeps its line and a
broken one costs that record only; rispy then reads each record's tags. RIS has no arXiv tag:
an arxiv.org URL among `UR` gives the id.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.types import Skipped

from ingest.fields import normalize_arxiv_id, parse_bibtex_authors, scalar_text
from ingest.raw import FileParse, RawRecord
from ingest.records import record_from_row, unreadable
from ingest.sanitize import split_lines

_START = re.compile(r"^TY  -")
_END = re.compile(r"^ER  -")


def parse_ris(text: str, source: str) -> FileParse:
    """Papers from one .ris file; a record without title or abstract is one Skipped with its line."""
    chunks = _records(split_lines(text))
    if not chunks:
        return FileParse(skipped=[Skipped(source, None, "no RIS records (no 'TY  -' line)")])
    result = FileParse()
    for line, lines in chunks:
        outcome = _record(lines, source, line)
        if isinstance(outcome, str):
            result.skipped.append(Skipped(source, line, outcome))
        else:
            result.records.append(outcome)
    return result


def _records(lines: list[str]) -> list[tuple[int, list[str]]]:
    """(first line, the record's lines without `ER`) for each record; a missing `ER` ends at the next `TY`."""
    found: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    for n, line in enumerate(lines, 1):
        if _START.match(line):
            current = [line]
            found.append((n, current))
        elif _END.match(line):
            current = None
        elif current is not None:
            current.append(line)
    return found


def _record(lines: list[str], source: str, line: int) -> RawRecord | str:
    try:
        import rispy  # imported here so that reading other formats never needs it

        (tags,) = rispy.loads("\n".join([*lines, "ER  - "]))
        row = _row(tags)
    except Exception as error:  # noqa: BLE001 - lose this record only; the fuzz tests assert it never fires
        return unreadable(error)
    return record_from_row(row, source, line)


def _row(tags: dict[str, Any]) -> dict[str, Any]:
    urls = [u for u in _texts(tags.get("urls")) if u.strip()]
    names = _texts(tags.get("authors")) + _texts(tags.get("first_authors"))
    return {"title": _first(tags, "title", "primary_title", "translated_title"),
            "abstract": _first(tags, "abstract", "notes_abstract"),
            # Zotero writes "Last, First"; parse_bibtex_authors puts that in reading order
            "authors": list(parse_bibtex_authors(" and ".join(n.replace(" and ", " ") for n in names))),
            "date": _first(tags, "date", "year", "publication_year").strip("/ ").replace("/", "-") or None,
            "doi": _first(tags, "doi") or None,
            "arxiv_id": next(filter(None, map(normalize_arxiv_id, urls)), None),
            "url": next((u for u in urls if not normalize_arxiv_id(u)), urls[0] if urls else None),
            "id": _first(tags, "id")}


def _texts(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [text for text in map(scalar_text, values) if text]


def _first(tags: dict[str, Any], *names: str) -> str:
    return next((texts[0] for texts in (_texts(tags.get(n)) for n in names) if texts), "")
