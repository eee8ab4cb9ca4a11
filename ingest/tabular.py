"""JSON Lines, JSON and CSV files read row by row, each row mapped by `records.record_from_row`.

A broken row is one Skipped with its line; the rows around it are still read.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterator

from assistant.types import Skipped

from ingest.raw import FileParse
from ingest.records import record_from_row

Row = tuple[int, Any]  # (1-based line, decoded value or the Skipped reason)


def parse_json_lines(text: str, source: str) -> FileParse:
    """One JSON object per line; blank lines are fine, a broken line is skipped with its error."""
    return _collect(_json_lines(text), source)


def parse_json(text: str, source: str) -> FileParse:
    """A `.json` file: an array of objects, one object, or (as arXiv's snapshot is) JSON Lines."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        return _collect(_json_array(text), source)
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return parse_json_lines(text, source)  # several objects: JSON Lines under a .json name
    first_line = text[:len(text) - len(stripped)].count("\n") + 1
    return _collect(iter([(first_line, value)]), source)


def parse_csv(text: str, source: str, delimiter: str = ",") -> FileParse:
    """A header row, then one paper per row; quoted fields may span lines."""
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    try:
        reader.fieldnames  # reads the header, so line_num now points at its last line
        start = reader.line_num + 1
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as error:
        rows.append((reader.line_num, _Reject(f"line {reader.line_num}: invalid CSV ({error})")))
    return _collect(iter(rows), source)


class _Reject(str):
    """A row that could not be decoded; its text is the reason."""


def _json_lines(text: str) -> Iterator[Row]:
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as error:
            yield n, _Reject(f"line {n}: invalid JSON ({error.msg})")


def _json_array(text: str) -> Iterator[Row]:
    """Each element with the line it starts on, so array files report lines like JSON Lines do."""
    decoder = json.JSONDecoder()
    index = text.index("[") + 1
    while True:
        index = _skip_blank_and(text, index, ",")
        if index >= len(text) or text[index] == "]":
            return
        line = text.count("\n", 0, index) + 1
        try:
            value, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError as error:
            yield line, _Reject(f"line {error.lineno}: invalid JSON ({error.msg})")
            return  # where the next element starts is unknowable after a syntax error
        yield line, value


def _skip_blank_and(text: str, index: int, separators: str) -> int:
    while index < len(text) and (text[index].isspace() or text[index] in separators):
        index += 1
    return index


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
