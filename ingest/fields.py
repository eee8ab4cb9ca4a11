"""Metadata values in the shapes the inputs use, turned into Paper's: authors, ISO dates, DOIs, arXiv ids.

A value that cannot be understood becomes None (or empty): a bad date must not cost a paper.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate
from typing import Any

from assistant.text import normalize_space

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_ISO = re.compile(r"^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?(?:[T ].*)?$", re.ASCII)
# "Dec 24, 2022", "December 24 2022", "24 Dec 2022"; the Daily Papers pages use the first
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$", re.ASCII)
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2}) ([A-Za-z]{3,9})\.?,? (\d{4})$", re.ASCII)
_MONTH_YEAR = re.compile(r"^([A-Za-z]{3,9})\.?,? (\d{4})$", re.ASCII)

_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_ARXIV_NEW = r"\d{4}\.\d{4,5}"
_ARXIV_OLD = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_ARXIV = re.compile(
    rf"^(?:arxiv:\s*|https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/)?({_ARXIV_NEW}|{_ARXIV_OLD})(v\d+)?(?:\.pdf)?$",
    re.IGNORECASE)
_MAX_DATE_CHARS = 100  # "Mon, 2 Apr 2007 19:18:42 GMT" is 29
_COUNT = re.compile(r"[0-9]{1,12}\Z")
_MAX_COUNT = 10 ** 12
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_LIST_SEP = re.compile(r"\s*[,;]\s*(?:and\s+)?|\s+and\s+|\s*&\s*", re.IGNORECASE)


def iso_date(value: Any) -> str | None:
    """A date in any common shape as ISO `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; None when unknown.

    >>> iso_date("Dec 24, 2022"), iso_date(2019), iso_date("2007-04-02T10:00:00Z")
    ('2022-12-24', '2019', '2007-04-02')
    """
    text = normalize_space(scalar_text(value))
    if not text or len(text) > _MAX_DATE_CHARS:
        return None
    if match := _ISO.match(text):
        return _join_date(match.group(1), match.group(2), match.group(3))
    if match := _MONTH_DAY_YEAR.match(text):
        return _join_date(match.group(3), _month(match.group(1)), match.group(2))
    if match := _DAY_MONTH_YEAR.match(text):
        return _join_date(match.group(3), _month(match.group(2)), match.group(1))
    if match := _MONTH_YEAR.match(text):
        return _join_date(match.group(2), _month(match.group(1)), None)
    if parsed := parsedate(text):  # RFC 2822, as in arXiv's "Mon, 2 Apr 2007 19:18:42 GMT"
        return _join_date(str(parsed[0]), str(parsed[1]), str(parsed[2]))
    return None


def scalar_text(value: Any) -> str:
    """A string or number as text; "" for None, bools, containers and ints too long to print.

    >>> scalar_text(2019), scalar_text([["nested"]]), scalar_text(True)
    ('2019', '', '')
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError:  # an int of more than 4,300 digits
            return ""
    return ""


def month_number(name: str) -> str | None:
    """`"Jun"`, `"june"` or `"6"` as `"6"`; None for anything else."""
    name = name.strip().lower()
    if _COUNT.match(name):
        return name if 1 <= int(name) <= 12 else None
    return _month(name)


def _month(name: str) -> str | None:
    number = _MONTHS.get(name[:3].lower())
    return str(number) if number else None


def _join_date(year: str, month: str | None, day: str | None) -> str | None:
    """Validated ISO text, as precise as the parts allow (an impossible day drops to the month)."""
    if month is None:
        return year
    try:
        datetime(int(year), int(month), int(day or 1))
    except ValueError:
        return year if not 1 <= int(month) <= 12 else f"{year}-{int(month):02d}"
    return f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")


def normalize_doi(value: Any) -> str | None:
    """A DOI, lowercased and without its resolver prefix; None if it is not one.

    >>> normalize_doi("https://doi.org/10.18653/V1/N19-1423")
    '10.18653/v1/n19-1423'
    """
    match = _DOI.match(normalize_space(scalar_text(value)))
    return match.group(1).lower().rstrip(".") if match else None


def normalize_arxiv_id(value: Any) -> str | None:
    """An arXiv id without prefix or version (the version changes, the paper does not); else None.

    >>> normalize_arxiv_id("arXiv:2201.02177v2"), normalize_arxiv_id("hep-th/9901001")
    ('2201.02177', 'hep-th/9901001')
    """
    match = _ARXIV.match(normalize_space(scalar_text(value)))
    return match.group(1) if match else None


def parse_authors(value: Any) -> tuple[str, ...]:
    """Author names from a list (of names or {"name": ...}), or a "A and B" / "A, B and C" string.

    "Last, First and Last, First" (BibTeX order) is recognised and turned into "First Last".
    >>> parse_authors("Doe, Jane and Roe, Rick"), parse_authors("Ann Lee, Bo Li and Cy Wu")
    (('Jane Doe', 'Rick Roe'), ('Ann Lee', 'Bo Li', 'Cy Wu'))
    """
    if isinstance(value, (list, tuple)):
        names = [_author_name(item) for item in value]
    elif isinstance(value, str):
        names = _split_author_string(value)
    else:
        return ()
    return tuple(name for name in (normalize_space(n) for n in names) if name)


def _author_name(item: Any) -> str:
    """One name from a string, {"name": ...}, {"given", "family"} or [last, first, suffix]; else ""."""
    if isinstance(item, dict):
        parts = [item.get("name")] if scalar_text(item.get("name")) else [item.get("given"), item.get("family")]
    elif isinstance(item, (list, tuple)):  # arXiv's authors_parsed: [last, first, suffix]
        parts = [*item[1:2], *item[:1], *item[2:]]
    else:
        parts = [item]
    return " ".join(text for text in map(scalar_text, parts) if text)


def _split_author_string(text: str) -> list[str]:
    text = normalize_space(text).removesuffix("et al.").removesuffix("et al").strip(" ,")
    parts = [part for part in _AND.split(text) if part.lower() != "others"]  # BibTeX's "and others"
    if len(parts) > 1 and all(part.count(",") == 1 for part in parts):
        return [_reading_order(part) for part in parts]
    return [name for part in parts for name in _LIST_SEP.split(part)]


def parse_bibtex_authors(value: str) -> tuple[str, ...]:
    """BibTeX names, which only "and" separates: "Last, First" and "Last, Jr, First" put in reading order.

    >>> parse_bibtex_authors("Doe, Jane"), parse_bibtex_authors("King, Jr, Martin and Ann Lee and others")
    (('Jane Doe',), ('Martin King Jr', 'Ann Lee'))
    """
    parts = _AND.split(normalize_space(value))
    return tuple(_reading_order(part) for part in parts if part.strip(" ,") and part.lower() != "others")


def _reading_order(name: str) -> str:
    pieces = [piece.strip() for piece in name.split(",")]
    if len(pieces) == 1:
        return name
    last, *suffix, first = pieces  # "Last, First" or "Last, Jr, First"
    return " ".join(p for p in [first, last, *suffix] if p)


def parse_categories(value: Any) -> tuple[str, ...]:
    """Categories from a list or a space/comma separated string ("cs.CL cs.LG")."""
    if isinstance(value, (list, tuple)):
        items = [v for v in value if isinstance(v, str)]
    elif isinstance(value, str):
        items = re.split(r"[\s,;]+", value)
    else:
        return ()
    return tuple(dict.fromkeys(item.strip() for item in items if item.strip()))


def parse_count(value: Any) -> int | None:
    """A non-negative whole number (upvotes, author counts) from an int or text; else None.

    >>> parse_count("1,204"), parse_count("³"), parse_count(-1), parse_count(10 ** 20)
    (1204, None, None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return value if 0 <= value < _MAX_COUNT else None
    if not isinstance(value, str):
        return None
    text = value.strip().replace(",", "")
    # ASCII digits only: "²".isdigit() is True but int("²") fails, and a 5,000-digit count is no count
    return int(text) if _COUNT.match(text) else None
