"""Text as it arrives, made safe before anything splits, tokenizes or stores it; and the size caps.

A file's text has its exotic line breaks (U+2028, U+2029, U+0085, form feeds) turned into spaces,
so that only `\\n`, `\\r\\n` and `\\r` end a line: Python's `str.splitlines()` also splits on the
exotic ones, which cut records in two and shifted every later line number. A value (from a JSON
escape like `"\\ud800"` or `"\\u0000"`) loses lone surrogates and control characters, which the
tokenizer, SQLite and UTF-8 encoding all reject.

>>> split_lines("a\\u2028b\\r\\nc")
['a\\u2028b', 'c']
>>> plain_text("T \\ud800\\x00x")
'T  x'
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from pathlib import Path

from ingest.raw import RawRecord

# caps for pathological values: far beyond any real paper, small enough that cleaning stays fast
MAX_TITLE_CHARS = 2_000
MAX_ABSTRACT_CHARS = 100_000
MAX_BRACE_DEPTH = 64  # LaTeX groups nest 2-3 deep in real abstracts

_BRACES = re.compile(r"[{}]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_EXOTIC_BREAK = re.compile(r"[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# lone surrogates (only JSON escapes can make them) and control characters except tab/newline
_UNSAFE = re.compile(r"[\ud800-\udfff]|[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def split_lines(text: str) -> list[str]:
    """Lines split only where a text file ends a line (`\\n`, `\\r\\n`, `\\r`); like
    `splitlines()`, a final line break starts no empty line.

    >>> split_lines("a\\r\\nb\\n"), split_lines("")
    (['a', 'b'], [])
    """
    lines = _LINE_BREAK.split(text)
    return lines[:-1] if lines[-1] == "" else lines


def file_text(text: str) -> str:
    """A decoded file's text with exotic line breaks as spaces and NUL removed; JSON, CSV and
    BibTeX all allow a space where these stood, so no record changes meaning."""
    return _EXOTIC_BREAK.sub(" ", text).replace("\x00", "")


def plain_text(text: str) -> str:
    """A value without lone surrogates or control characters (each becomes a space or nothing)."""
    return _UNSAFE.sub(_replacement, _EXOTIC_BREAK.sub(" ", text))


def _replacement(match: re.Match) -> str:
    char = match.group(0)
    return "" if "\ud800" <= char <= "\udfff" else " "


def display_path(path: Path) -> str:
    """A path as printable text: bytes of a name that is not UTF-8 (which Python keeps as lone
    surrogates) shown as U+FFFD, so that reports and JSON output can always be written."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def plain_record(record: RawRecord) -> RawRecord:
    """The record with every text field (and every name in a tuple field) made plain."""
    changes = {}
    for spec in fields(record):
        value = getattr(record, spec.name)
        if isinstance(value, str):
            changes[spec.name] = plain_text(value)
        elif isinstance(value, tuple):
            changes[spec.name] = tuple(plain_text(v) if isinstance(v, str) else v for v in value)
    return replace(record, **changes)


def oversize_reason(record: RawRecord) -> str | None:
    """Why a record is too pathological to clean in bounded time, or None when it is fine."""
    if len(record.title) > MAX_TITLE_CHARS:
        return f"title longer than {MAX_TITLE_CHARS:,} characters ({len(record.title):,})"
    if len(record.abstract) > MAX_ABSTRACT_CHARS:
        return f"abstract longer than {MAX_ABSTRACT_CHARS:,} characters ({len(record.abstract):,})"
    for name, text in (("title", record.title), ("abstract", record.abstract)):
        depth = brace_depth(text)
        if depth > MAX_BRACE_DEPTH:
            return f"{name} nests {{ }} groups {depth} deep (more than {MAX_BRACE_DEPTH})"
    return None


def brace_depth(text: str) -> int:
    """The deepest `{` nesting, unclosed groups included, in one pass.

    >>> brace_depth(r"\\textbf{a {b}} {c"), brace_depth("}}{")
    (2, 1)
    """
    if "{" not in text:
        return 0
    depth = deepest = 0
    for brace in _BRACES.findall(text):
        if brace == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif depth:
            depth -= 1
    return deepest
