"""Date bounds for filters (YYYY, YYYY-MM or YYYY-MM-DD), checked in one place for the CLI, the UI and the API."""

from __future__ import annotations

import calendar
import re
from datetime import date

from assistant.errors import UsageError

FORMS = "YYYY, YYYY-MM or YYYY-MM-DD"
_BOUND = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def date_range(value: str, what: str = "date") -> tuple[date, date]:
    """The first and last day a bound covers; UsageError naming `what` when it is no real date.

    >>> date_range("2024-02")
    (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    >>> date_range("2025")[1]
    datetime.date(2025, 12, 31)
    """
    match = _BOUND.fullmatch(value.strip())
    try:
        if match is None:
            raise ValueError
        year, month, day = (int(g) if g else None for g in match.groups())
        if day is not None:
            return date(year, month, day), date(year, month, day)
        if month is not None:
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        raise UsageError(f"{what} '{value}' is not a date", hint=f"write it as {FORMS}") from None


def check_date_range(date_from: str | None, date_to: str | None,
                     names: tuple[str, str] = ("date_from", "date_to")) -> None:
    """UsageError when a bound is no real date, or the range ends before it starts."""
    start = date_range(date_from, names[0])[0] if date_from else None
    end = date_range(date_to, names[1])[1] if date_to else None
    if start and end and start > end:
        raise UsageError(f"{names[0]} {date_from} is after {names[1]} {date_to}",
                         hint="no paper can match; swap the dates or drop one")
