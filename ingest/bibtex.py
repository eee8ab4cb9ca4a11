"""BibTeX files (entries with an `abstract` field) read with bibtexparser 2.x.

Entries become rows with our field names and go through the same mapping as JSON and CSV;
LaTeX in the values is cleaned later with everything else. A block bibtexparser cannot
parse, and an entry without an abstract, is one Skipped with the entry's line.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from assistant.types import Skipped

from ingest.fields import iso_date, month_number, parse_bibtex_authors
from ingest.raw import FileParse, RawRecord
from ingest.records import record_from_row, unreadable

_TIE = re.compile(r"(?<!\\)~")  # a non-breaking space in BibTeX; \~{n} is an accent and stays
_ARXIV_PREFIXES = {"arxiv", ""}


def parse_bibtex(text: str, source: str) -> FileParse:
    """Papers from one .bib file; failed blocks and entries without abstract are reported, not fatal."""
    library = _parse_string(text)
    result = FileParse()
    for block in library.failed_blocks:
        result.skipped.append(Skipped(source, block.start_line + 1, _failure_reason(block)))
    for entry in library.entries:
        line = entry.start_line + 1
        outcome = _entry_record(entry, source, line)
        if isinstance(outcome, str):
            result.skipped.append(Skipped(source, line, f"{outcome} in @{entry.entry_type}{{{entry.key}}}"))
        else:
            result.records.append(outcome)
    result.records.sort(key=lambda r: r.line or 0)  # failed blocks are listed apart; keep file order
    result.skipped.sort(key=lambda s: s.line or 0)
    return result


def _entry_record(entry: Any, source: str, line: int) -> RawRecord | str:
    try:
        row = _row(entry)
    except Exception as error:  # noqa: BLE001 - lose this entry only; the fuzz tests assert it never fires
        return unreadable(error)
    return record_from_row(row, source, line)


def _parse_string(text: str) -> Any:
    try:
        import bibtexparser  # imported here so that reading other formats never needs it
    except ImportError as error:
        raise ImportError("reading .bib files needs bibtexparser 2: pip install 'bibtexparser>=2.0.0b7'") from error
    # its splitter logs each broken block as a warning; we report those as Skipped instead
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return bibtexparser.parse_string(text)
    finally:
        logger.setLevel(level)


def _failure_reason(block: Any) -> str:
    error = block.error
    detail = getattr(error, "abort_reason", None) or str(error) or type(error).__name__
    head = block.raw.strip().split("\n", 1)[0][:60]
    return f"unparseable BibTeX entry {head!r}: {detail.strip()}"


def _row(entry: Any) -> dict[str, Any]:
    fields = {key.lower(): _untie(str(value)) for key, value in
              ((f.key, f.value) for f in entry.fields)}
    row: dict[str, Any] = {key: fields.get(key) for key in ("title", "abstract", "doi", "url")}
    row["authors"] = list(parse_bibtex_authors(fields.get("author", "")))
    row["date"] = fields.get("date") or _year_month(fields.get("year"), fields.get("month"))
    if fields.get("archiveprefix", "").lower() in _ARXIV_PREFIXES and fields.get("eprint"):
        row["arxiv_id"] = fields["eprint"]
    return row


def _untie(value: str) -> str:
    return _TIE.sub(" ", value).replace("---", "—").replace("--", "–")


def _year_month(year: str | None, month: str | None) -> str | None:
    """ISO text from BibTeX's year and month fields; None when the year is not a year."""
    if not year:
        return None
    number = month_number(month) if month else None
    return iso_date(f"{year.strip()}-{int(number):02d}" if number else year.strip())
