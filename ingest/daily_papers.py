"""Hugging Face "Daily Papers" pages saved as text, in either of their two layouts.

Layout A ("lines"): a title line, then its abstract line, strictly alternating; the first
title is glued to the "Subscribe" button text ("SubscribeTowards Understanding Grokking: ...").
Layout B ("blocks"): blank-line separated blocks; after title and abstract comes an
optional metadata block: "  • 7 authors", "·", "Dec 24, 2022 1" (date, then upvotes), and in pages
saved with their links the paper's own link ("https://huggingface.co/papers/2401.12345" or
arxiv.org/abs/...), which gives its arXiv id and URL. A link inside an abstract is the paper's
code or data, never the paper: only a line of its own in the metadata block counts.

Both layouts become one sequence of units (a line in A, a block in B) read by one state
machine, which re-synchronises when a title or an abstract is missing instead of pairing
every later title with the wrong abstract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.types import Skipped

from ingest.fields import iso_date
from ingest.raw import FileParse, RawRecord
from ingest.sanitize import split_lines

_HEADER = {"new", "subscribe", "daily papers", "byak and the research community",
           "get trending papers in your email inbox!",
           "get trending papers in your email inbox once a day!"}
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_PAGE_DATE = re.compile(rf"^{_MONTH} [0-9]{{1,2}}$")  # the page's own date, e.g. "Apr 14"
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=[A-Z0-9\"'(])")
# ASCII digits, a few of them: int() fails on "²" (which \d would not match anyway) and on 5,000 digits
_AUTHORS = re.compile(r"^[•·*-]?\s*([0-9]{1,6})\s+authors?$")
_DATED = re.compile(rf"^({_MONTH} [0-9]{{1,2}}(?:, [0-9]{{4}})?)(?:\s+([0-9]{{1,9}}))?$")
_SEPARATOR = re.compile(r"^[·•]$")
_PAPER_LINK = re.compile(r"^(?:https?://)?(?:www\.)?(huggingface\.co/papers|arxiv\.org/abs)/"
                         r"([0-9]{4}\.[0-9]{4,5})(?:v[0-9]+)?/?$")
# no title in the sample is longer than 170 characters and no abstract shorter than 420
_MAX_TITLE = 300


@dataclass
class _Unit:
    """A line (layout A) or a block (layout B), with the 1-based line it starts on."""

    line: int
    lines: list[str]

    @property
    def text(self) -> str:
        return " ".join(part.strip() for part in self.lines)


def parse_daily_papers(text: str, source: str) -> FileParse:
    """Papers (title, abstract, and in layout B authors count, date, upvotes) from one page."""
    lines = split_lines(text)
    units = _blocks(lines) if is_block_layout(lines) else _lines(lines)
    content = [_unglue_subscribe(u) for u in units if not _is_header(u)]
    # any other .txt (notes, a README) would pair its lines into nonsense papers
    if len(content) == len(units) and not any(map(_is_abstract_like, content)):
        return FileParse(skipped=[Skipped(source, None, "not a Daily Papers page (no page header, "
                                                        "no abstract-length lines)")])
    result = _read_units(content, source)
    if not result.records and not result.skipped:
        result.skipped.append(Skipped(source, None, "no papers found on the page"))
    return result


def is_block_layout(lines: list[str]) -> bool:
    """Layout B separates nearly every line with a blank one; layout A has (almost) none."""
    blank = sum(1 for line in lines if not line.strip())
    return blank > 0 and blank * 3 >= len(lines) - blank


def _lines(lines: list[str]) -> list[_Unit]:
    return [_Unit(n, [line]) for n, line in enumerate(lines, 1) if line.strip()]


def _blocks(lines: list[str]) -> list[_Unit]:
    units: list[_Unit] = []
    current: _Unit | None = None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            current = None
        elif current is None:
            current = _Unit(n, [line])
            units.append(current)
        else:
            current.lines.append(line)
    return units


def _is_header(unit: _Unit) -> bool:
    text = unit.text.strip()
    return text.lower() in _HEADER or bool(_PAGE_DATE.match(text))


def _unglue_subscribe(unit: _Unit) -> _Unit:
    first = _GLUED_SUBSCRIBE.sub("", unit.lines[0])
    return _Unit(unit.line, [first, *unit.lines[1:]])


def _is_meta(unit: _Unit) -> bool:
    return all(_AUTHORS.match(s) or _DATED.match(s) or _SEPARATOR.match(s) or _PAPER_LINK.match(s)
               for s in (line.strip() for line in unit.lines))


def _is_abstract_like(unit: _Unit | None) -> bool:
    return unit is not None and not _is_meta(unit) and len(unit.text) > _MAX_TITLE


def _read_units(units: list[_Unit], source: str) -> FileParse:
    result = FileParse()
    i = 0
    while i < len(units):
        unit = units[i]
        if _is_meta(unit):
            result.skipped.append(Skipped(source, unit.line, "author/date line without a paper"))
            i += 1
        elif _is_abstract_like(unit):
            result.skipped.append(Skipped(source, unit.line, "abstract without a title"))
            i += 1
        elif _missing_abstract(units, i):
            result.skipped.append(Skipped(source, unit.line, f"missing abstract for title {unit.text[:60]!r}"))
            i += 2 if i + 1 < len(units) and _is_meta(units[i + 1]) else 1
        else:
            meta = units[i + 2] if i + 2 < len(units) and _is_meta(units[i + 2]) else None
            result.records.append(_record(unit, units[i + 1], meta, source))
            i += 3 if meta else 2
    return result


def _missing_abstract(units: list[_Unit], i: int) -> bool:
    """True when the unit after a title is not its abstract but a metadata block or the next title."""
    following = units[i + 1] if i + 1 < len(units) else None
    if following is None or _is_meta(following):
        return True
    after = units[i + 2] if i + 2 < len(units) else None
    return not _is_abstract_like(following) and _is_abstract_like(after)


def _record(title: _Unit, abstract: _Unit, meta: _Unit | None, source: str) -> RawRecord:
    record = RawRecord(title=title.text, abstract=abstract.text, source=source, line=title.line)
    for line in (meta.lines if meta else []):
        line = line.strip()
        if match := _AUTHORS.match(line):
            record.n_authors = int(match.group(1))
        elif match := _DATED.match(line):
            record.date = iso_date(match.group(1))  # "Jan 29" (this year's) has no year: left unknown
            record.upvotes = int(match.group(2)) if match.group(2) else None
        elif match := _PAPER_LINK.match(line):
            record.arxiv_id = match.group(2)
            record.url = f"https://{match.group(1)}/{match.group(2)}"
    return record
