"""JSON Lines, JSON and CSV files read row by row, each row mapped by `records.record_from_row`.

A broken row is one Skipped with its line; the rows around it are still read. Every step is
linear in the file's size: lines are counted once, front to back, and each JSON value is decoded
from its own slice, so an error in one element costs that element and not the whole file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from functools import lru_cache
from typing import Any, Iterator

from assistant.types import Skipped

from ingest.raw import FileParse
from ingest.records import record_from_row
from ingest.sanitize import split_lines

Row = tuple[int, Any]  # (1-based line, decoded value or the Skipped reason)
# records nest 2-3 levels (authors as objects); deeper values are pathological and would hit
# the JSON decoder's recursion limit
MAX_JSON_DEPTH = 64
# csv's own limit (131,072 characters per field) raises mid-file and loses every later row; a
# too-long abstract is rejected as a record instead (sanitize.MAX_ABSTRACT_CHARS)
_CSV_FIELD_LIMIT = 2**31 - 1
# a JSON string (ends at its closing quote, or at a raw newline where it was cut off) or one structural character
_JSON_TOKEN = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"?|[][{},]')
_NEXT_VALUE_LINE = re.compile(r"\n[ \t]*(?=[{\[])")
_BETWEEN_VALUES = re.compile(r"[\s,\]]*")  # also what a broken array leaves behind it
_MAX_INDENT = 256
_INDENT = re.compile(r"[ \t]*")
_SPACE_OR_COMMA = re.compile(r"[\s,]*")


def _bounded_int(digits: str) -> int | str:
    # int() refuses more than 4,300 digits (ValueError for the whole file); such a "number" stays text
    return int(digits) if len(digits) <= 100 else digits


_DECODER = json.JSONDecoder(parse_int=_bounded_int)


def parse_json_lines(text: str, source: str) -> FileParse:
    """One JSON object per line; blank lines are fine, a broken line is skipped with its error."""
    return _collect(_json_lines(text), source)


def parse_json(text: str, source: str) -> FileParse:
    """A `.json` file: an array of objects, one object, or several objects and arrays one after
    another (as arXiv's snapshot, which is JSON Lines under a .json name)."""
    return _collect(_json_values(text), source)


def parse_csv(text: str, source: str, delimiter: str = ",") -> FileParse:
    """A header row, then one paper per row; quoted fields may span lines."""
    csv.field_size_limit(_CSV_FIELD_LIMIT)  # process-wide, and the same value every time
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _collect(_csv_rows(reader), source)


def _csv_rows(reader: csv.DictReader) -> Iterator[Row]:
    try:
        reader.fieldnames  # reads the header, so line_num now points at its last line
    except csv.Error as error:
        yield 1, _Reject(f"line 1: invalid CSV header ({error})")
        return
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # this row only: the reader carries on at the next line
            yield start, _Reject(f"line {start}: invalid CSV ({error})")
        else:
            yield start, row
        start = reader.line_num + 1


class _Reject(str):
    """A row that could not be decoded; its text is the reason."""


def _json_lines(text: str) -> Iterator[Row]:
    for n, line in enumerate(split_lines(text), 1):
        if line.strip():
            yield n, _decode(line, n)


def _decode(chunk: str, line: int) -> Any:
    """One JSON value from its own text, or a _Reject naming the line the problem is on. An object
    with a member nested too deep keeps its other members: that value is dropped, not the record."""
    depth = _depth(chunk)
    if depth > MAX_JSON_DEPTH:
        members = _shallow_members(chunk.strip())
        if members is None:
            return _Reject(f"line {line}: JSON nested {depth} levels deep (more than {MAX_JSON_DEPTH})")
        chunk = "{" + ",".join(members) + "}"
    try:
        return _DECODER.decode(chunk)
    except json.JSONDecodeError as error:
        return _Reject(f"line {line + error.lineno - 1}: invalid JSON ({error.msg})")
    except (ValueError, RecursionError) as error:
        return _Reject(f"line {line}: invalid JSON ({type(error).__name__})")


def _shallow_members(text: str) -> list[str] | None:
    """The `"key": value` texts of an object whose values nest at most MAX_JSON_DEPTH deep; None
    when `text` is not one object (a deep array, or an object that never closes)."""
    if not text.startswith("{"):
        return None
    members, start, depth = [], 1, 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        depth += (token in "[{") - (token in "]}")
        if (token == "," and depth == 1) or depth == 0:  # a member ends: at a comma, or the closing brace
            member = text[start:match.start()]
            if member.strip() and _depth(member) < MAX_JSON_DEPTH:
                members.append(member)
            start = match.end()
        if depth == 0:
            return members if not text[match.end():].strip() else None
    return None


def _depth(chunk: str) -> int:
    """How deep `[` and `{` nest outside strings, in one pass."""
    depth = deepest = 0
    for match in _JSON_TOKEN.finditer(chunk):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


class _LineCounter:
    """The 1-based line of any index, counting newlines only over the distance moved."""

    def __init__(self, text: str):
        self.text, self.index, self.line = text, 0, 1

    def at(self, index: int) -> int:
        if index >= self.index:
            self.line += self.text.count("\n", self.index, index)
        else:
            self.line -= self.text.count("\n", index, self.index)
        self.index = index
        return self.line


def _json_values(text: str) -> Iterator[Row]:
    """Top-level values one after another; an array's elements are rows of their own."""
    lines = _LineCounter(text)
    index = 0
    while (index := _BETWEEN_VALUES.match(text, index).end()) < len(text):
        if text[index] == "[":
            index = yield from _array_elements(text, index + 1, lines)
            continue
        end = _value_end(text, index) if text[index] == "{" else _line_end(text, index)
        value = _decode(text[index:end], lines.at(index))
        if isinstance(value, _Reject):  # resume at the next line that starts a value
            end = _next_value_line(text, index)
        yield lines.at(index), value
        index = end


def _array_elements(text: str, index: int, lines: _LineCounter) -> Iterator[Row]:
    """Each element of the array that starts before `index`, with its line; returns where the array ends."""
    while (index := _SPACE_OR_COMMA.match(text, index).end()) < len(text):
        if text[index] == "]":
            return index + 1
        end = _value_end(text, index)
        line = lines.at(index)
        value = _decode(text[index:end], line)
        if isinstance(value, _Reject):  # an unclosed element ends where its next sibling starts
            end = _next_sibling(text, index, end)
        yield line, value
        index = end
    yield lines.at(len(text)), _Reject(f"line {lines.at(len(text))}: invalid JSON (the array is not closed)")
    return len(text)


def _value_end(text: str, start: int) -> int:
    """Where the value at `start` ends: after its closing bracket, or at a `,` or `]` outside it.

    A string cut off by a raw newline (never valid JSON) ends at that newline, so one broken
    element cannot swallow the rest of the file.
    """
    depth = 0
    for match in _JSON_TOKEN.finditer(text, start):
        token = match.group()
        if token in "[{":
            depth += 1
        elif token in "]}":
            if depth == 0 and token == "]" and match.start() > start:  # the array around it closes
                return match.start()
            depth -= 1
            if depth <= 0:  # its own closing bracket, or a stray one that ends the garbage
                return match.end()
        elif token == "," and depth == 0:
            return match.start()
    return len(text)


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def _next_value_line(text: str, start: int) -> int:
    match = _NEXT_VALUE_LINE.search(text, start)
    return match.end() if match else len(text)


def _next_sibling(text: str, start: int, end: int) -> int:
    """Where the next element starts when elements are laid out one per line: the next line
    indented no deeper than this one (deeper lines are inside an element)."""
    newline = text.rfind("\n", max(0, start - _MAX_INDENT), start)
    if newline < 0 and start > _MAX_INDENT:  # a very long line: one element per line is not the layout
        return end
    indent = _INDENT.match(text, newline + 1).group()
    sibling = _line_indented_at_most(len(indent)).search(text, start, end)
    return sibling.end() if sibling else end


@lru_cache(maxsize=64)
def _line_indented_at_most(width: int) -> re.Pattern:
    return re.compile(rf"\n[ \t]{{0,{width}}}(?=\S)")


def _collect(rows: Iterator[Row], source: str) -> FileParse:
    result = FileParse()
    for line, value in rows:
        if isinstance(value, _Reject):
            result.skipped.append(Skipped(source, line, str(value)))
        elif not isinstance(value, dict):
            kind = type(value).__name__
            result.skipped.append(Skipped(source, line, f"line {line}: expected a JSON object, got {kind}"))
        else:
            outcome = record_from_row(value, source, line)
            if isinstance(outcome, str):
                result.skipped.append(Skipped(source, line, outcome))
            else:
                result.records.append(outcome)
    return result
