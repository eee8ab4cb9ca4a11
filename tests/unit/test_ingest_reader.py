"""read_paths: files and folders in, and bad input of every kind reported while good input is still read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import ingest
from assistant.errors import InputError
from ingest import SUPPORTED_SUFFIXES, default_corpus_dir, read_paths

ABSTRACT = "We study a thing carefully. It works well on two benchmarks."
GOOD = json.dumps({"title": "A Good Paper", "abstract": ABSTRACT}) + "\n"


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def reasons(result) -> list[tuple[str, int | None, str]]:
    return [(Path(s.file).name, s.line, s.reason) for s in result.skipped]


def test_public_api():
    assert {".txt", ".jsonl", ".json", ".csv", ".bib"} <= set(SUPPORTED_SUFFIXES)
    assert all(s.startswith(".") and s == s.lower() for s in SUPPORTED_SUFFIXES)
    assert default_corpus_dir() == Path(ingest.__file__).parents[1] / "assistant" / "data" / "corpus"
    assert len(list(default_corpus_dir().glob("*.txt"))) == 4


def test_none_and_empty_list_read_the_bundled_sample():
    assert len(read_paths([]).papers) == len(read_paths(None).papers) == 548


def test_a_bare_string_is_a_programming_error_not_bad_input():
    with pytest.raises(InputError, match="list of paths"):
        read_paths("papers.jsonl")


def test_broken_json_lines_are_skipped_and_the_rest_is_read(tmp_path):
    path = write(tmp_path / "papers.jsonl", "\n".join([
        json.dumps({"title": "First", "abstract": ABSTRACT}),
        json.dumps({"title": "No Abstract"}),
        '{"title": "Broken" "abstract": "x"}',
        json.dumps({"abstract": ABSTRACT + " Orphan."}),
        "[1, 2]",
        "",
        json.dumps({"title": "Last", "abstract": ABSTRACT + " Last."}),
    ]))
    result = read_paths([path])
    assert [(p.title, p.source_line) for p in result.papers] == [("First", 1), ("Last", 7)]
    assert reasons(result) == [
        ("papers.jsonl", 2, "missing abstract"),
        ("papers.jsonl", 3, "line 3: invalid JSON (Expecting ',' delimiter)"),
        ("papers.jsonl", 4, "missing title"),
        ("papers.jsonl", 5, "line 5: expected a JSON object, got list"),
    ]
    assert result.records_read == 6  # the blank line is not a record


@pytest.mark.parametrize("name, content, reason", [
    ("empty.jsonl", "", "file is empty"),
    ("blank.csv", "\n  \n", "file is empty"),
    ("image.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text (binary data)"),
    ("latin1.csv", "title,abstract\nCaf\xe9,Un r\xe9sum\xe9 assez long.\n".encode("latin-1"),
     "not UTF-8 text (invalid byte at offset 18)"),
    ("paper.pdf", b"%PDF-1.7", "unsupported file type .pdf"),
    ("README", "no extension", "unsupported file type (no extension)"),
    ("notes.txt", "a note\nanother line\n", "not a Daily Papers page (no page header, no abstract-length lines)"),
])
def test_each_bad_file_is_one_skip_and_the_good_file_still_counts(tmp_path, name, content, reason):
    bad = write(tmp_path / name, content)
    good = write(tmp_path / "good.jsonl", GOOD)
    result = read_paths([bad, good])
    assert [p.title for p in result.papers] == ["A Good Paper"]
    assert reasons(result) == [(name, None, reason)]


def test_a_missing_path_is_reported(tmp_path):
    good = write(tmp_path / "good.jsonl", GOOD)
    result = read_paths([tmp_path / "nowhere.jsonl", good])
    assert len(result.papers) == 1
    assert reasons(result) == [("nowhere.jsonl", None, "no such file or directory")]


def test_a_directory_is_read_recursively_in_a_stable_order_without_hidden_files(tmp_path):
    write(tmp_path / "b.jsonl", json.dumps({"title": "B", "abstract": ABSTRACT + " b"}))
    write(tmp_path / "sub" / "a.jsonl", json.dumps({"title": "A", "abstract": ABSTRACT + " a"}))
    write(tmp_path / ".hidden.jsonl", json.dumps({"title": "Hidden", "abstract": ABSTRACT}))
    write(tmp_path / ".git" / "x.jsonl", json.dumps({"title": "In Git", "abstract": ABSTRACT}))
    write(tmp_path / "scan.pdf", b"%PDF")
    result = read_paths([tmp_path])
    assert [p.title for p in result.papers] == ["B", "A"]  # "b.jsonl" sorts before "sub/a.jsonl"
    assert reasons(result) == [("scan.pdf", None, "unsupported file type .pdf")]


def test_an_empty_folder_is_reported(tmp_path):
    (tmp_path / "empty").mkdir()
    write(tmp_path / "empty" / ".DS_Store", b"\x00")
    assert reasons(read_paths([tmp_path / "empty"])) == [("empty", None, "folder has no files (hidden files are left out)")]


def test_a_file_named_twice_is_read_once(tmp_path):
    path = write(tmp_path / "good.jsonl", GOOD)
    result = read_paths([path, tmp_path, str(path)])
    assert (result.records_read, len(result.papers), result.duplicates_merged) == (1, 1, 0)


def test_a_copied_sample_page_in_a_folder_reads_like_the_original(tmp_path):
    shutil.copy(default_corpus_dir() / "001_f87adf1b712539f7.txt", tmp_path / "page.txt")
    result = read_paths([tmp_path])
    assert (result.records_read, len(result.papers), result.skipped) == (45, 45, [])


def test_bom_at_the_start_of_a_csv_does_not_hide_the_title_column(tmp_path):
    path = write(tmp_path / "excel.csv", "\ufefftitle,abstract\nBOM Paper," + ABSTRACT + "\n")
    assert [p.title for p in read_paths([path]).papers] == ["BOM Paper"]
