"""Paths in, a ParseResult out: find the files, read each with its parser, clean, merge, name.

Every problem with one file or one record becomes a Skipped and the rest is still read;
only calling this wrongly (a bare string instead of a list) raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import assistant
from assistant.errors import InputError
from assistant.types import ParseResult, Skipped

from ingest.bibtex import parse_bibtex
from ingest.daily_papers import parse_daily_papers
from ingest.dedupe import merge_duplicates
from ingest.drafts import Draft, draft_from_record
from ingest.ids import assign_ids
from ingest.raw import FileParse, RawRecord
from ingest.records import unreadable
from ingest.ris import parse_ris
from ingest.sanitize import display_path, file_text, oversize_reason, plain_record
from ingest.tabular import parse_csv, parse_json, parse_json_lines
from ingest.zotero import parse_zotero

Parser = Callable[[str, str], FileParse]
_PARSERS: dict[str, Parser] = {
    ".txt": parse_daily_papers,
    ".jsonl": parse_json_lines,
    ".ndjson": parse_json_lines,
    ".json": parse_json,
    ".csv": parse_csv,
    ".tsv": partial(parse_csv, delimiter="\t"),
    ".bib": parse_bibtex,
    ".ris": parse_ris,
}
# binary files, read from their path: (path, display name, collection) -> FileParse
_DATABASES = {".sqlite": parse_zotero}
SUPPORTED_SUFFIXES: tuple[str, ...] = (*_PARSERS, *_DATABASES)


def default_corpus_dir() -> Path:
    """The sample corpus shipped inside the package: four Daily Papers pages."""
    return Path(assistant.__file__).parent / "data" / "corpus"


def read_paths(paths: list[str | Path] | None = None, *, collection: str | None = None) -> ParseResult:
    """Read files and directories (recursively, hidden files left out) into unique, named papers.

    None or an empty list reads the bundled sample corpus. `collection` limits a zotero.sqlite to
    that collection and its subcollections.
    """
    if isinstance(paths, (str, Path)):
        raise InputError("read_paths takes a list of paths", hint=f"call read_paths([{str(paths)!r}])")
    files, skipped = find_files(paths or [default_corpus_dir()])
    drafts: list[Draft] = []
    records_read = 0
    for file in files:
        parsed = read_file(file, collection)
        records_read += parsed.records_read
        skipped += parsed.skipped
        for record in parsed.records:
            draft = _draft(record)
            if isinstance(draft, str):
                skipped.append(Skipped(record.source, record.line, draft))
            else:
                drafts.append(draft)
    unique, merged = merge_duplicates(drafts)
    return ParseResult(papers=assign_ids(unique), skipped=skipped,
                       records_read=records_read, duplicates_merged=merged)


def _draft(record: RawRecord) -> Draft | str:
    """The record made plain and cleaned, or why not: too pathological to clean, or no words left."""
    record = plain_record(record)
    if reason := oversize_reason(record):
        return reason
    try:
        return draft_from_record(record)
    except Exception as error:  # noqa: BLE001 - lose this record only; the fuzz tests assert it never fires
        return unreadable(error)


def find_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Skipped]]:
    """Readable files in the order given (a directory's files sorted), each once; the rest as skips."""
    files: dict[Path, Path] = {}  # resolved → as named, so a file given twice is read once
    skipped: list[Skipped] = []
    for given in paths:
        path = Path(given).expanduser()
        if not path.exists():
            skipped.append(Skipped(display_path(path), None, "no such file or directory"))
            continue
        found = _files_under(path) if path.is_dir() else [path]
        for file in found:
            if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                reason = f"unsupported file type {file.suffix or '(no extension)'}"
                skipped.append(Skipped(display_path(file), None, reason))
            else:
                files.setdefault(file.resolve(), file)
        if not found:
            skipped.append(Skipped(display_path(path), None, "folder has no files (hidden files are left out)"))
    return list(files.values()), skipped


def _files_under(directory: Path) -> list[Path]:
    """Files below a directory, sorted so every machine reads them in the same order; hidden ones left out."""
    found = (p for p in directory.rglob("*")
             if p.is_file() and not any(part.startswith(".") for part in p.relative_to(directory).parts))
    return sorted(found, key=lambda p: p.relative_to(directory).as_posix())


def read_file(path: Path, collection: str | None = None) -> FileParse:
    """One file through the parser its suffix names; unreadable or empty files become one Skipped."""
    source = display_path(path)
    try:
        if database := _DATABASES.get(path.suffix.lower()):
            return database(path, source, collection)
        text = _decode(path)
        if isinstance(text, Skipped):
            return FileParse(skipped=[text])
        return _PARSERS[path.suffix.lower()](text, source)
    except Exception as error:  # noqa: BLE001 - input no parser foresaw: lose this file only, not the run
        return FileParse(skipped=[Skipped(source, None, f"could not be parsed ({type(error).__name__}: "
                                                        f"{str(error)[:120]})")])


def _decode(path: Path) -> str | Skipped:
    source = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return Skipped(source, None, f"cannot be read ({error.strerror or error})")
    if not data.strip():
        return Skipped(source, None, "file is empty")
    try:
        text = data.decode("utf-8-sig")  # a BOM (Excel's CSV export) is not part of the first column name
    except UnicodeDecodeError as error:
        # NUL bytes are valid UTF-8: text with a stray one is read (file_text drops it)
        what = "binary data" if b"\x00" in data else f"invalid byte at offset {error.start}"
        return Skipped(source, None, f"not UTF-8 text ({what})")
    return file_text(text)
