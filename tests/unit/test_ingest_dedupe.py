"""Duplicates merged with their richest metadata, different papers kept apart, and ids that never drift."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.text import normalize_key
from ingest import default_corpus_dir, read_paths

ABSTRACT = "We study a thing carefully. It works well on two benchmarks."
ROOT = Path(__file__).parents[2]


def jsonl(tmp_path: Path, name: str, *rows: dict) -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def title_hash(*parts: str) -> str:
    return "p-" + hashlib.sha1("\n".join(parts).encode()).hexdigest()[:12]


@pytest.fixture(scope="module")
def sample():
    return read_paths(None)


def test_sample_duplicates_across_pages_take_metadata_from_the_page_that_has_it(sample):
    paper = next(p for p in sample.papers if p.title.startswith("Tracing the Representation Geometry"))
    # first seen on a page without metadata; the layout B page adds authors count and date
    assert (Path(paper.source).name, paper.source_line) == ("000_ed85f6ca06ee1197.txt", 23)
    assert (paper.n_authors, paper.date) == (7, "2025-09-26")


def test_sample_titles_are_unique_after_merging(sample):
    keys = [normalize_key(p.title) for p in sample.papers]
    assert len(keys) == len(set(keys)) == 548


def test_same_title_and_abstract_merge_despite_markup_and_spacing(tmp_path):
    path = jsonl(tmp_path, "a.jsonl",
                 {"title": "Lazy Learning", "abstract": r"We keep 72-95\% of  accuracy.", "date": "2021"},
                 {"title": "Lazy  learning", "abstract": "We keep 72-95% of accuracy.", "date": "2021-06-03",
                  "upvotes": 4, "authors": ["Ann Lee"], "categories": ["cs.LG"]},
                 {"title": "LAZY LEARNING", "abstract": "We keep 72-95% of accuracy.", "upvotes": 9,
                  "categories": ["stat.ML", "cs.LG"]})
    result = read_paths([path])
    assert (result.records_read, len(result.papers), result.duplicates_merged) == (3, 1, 2)
    paper, = result.papers
    assert (paper.title, paper.source_line) == ("Lazy Learning", 1)  # the first record's text and place
    assert (paper.date, paper.upvotes, paper.authors, paper.n_authors) == ("2021-06-03", 9, ("Ann Lee",), 1)
    assert paper.categories == ("cs.LG", "stat.ML")


def test_same_title_with_different_abstracts_are_different_papers(tmp_path):
    path = jsonl(tmp_path, "a.jsonl", {"title": "Summary", "abstract": ABSTRACT},
                 {"title": "Summary", "abstract": "Something else entirely, about kidneys."})
    first, second = read_paths([path]).papers
    assert first.paper_id == title_hash("summary", normalize_key(ABSTRACT))
    assert second.paper_id == title_hash("summary", "something else entirely about kidneys")


def test_doi_and_arxiv_id_merge_even_when_the_text_differs(tmp_path):
    path = jsonl(tmp_path, "a.jsonl",
                 {"title": "Old Title", "abstract": ABSTRACT, "doi": "10.1234/ABC"},
                 {"title": "New Title", "abstract": "Revised abstract.", "doi": "https://doi.org/10.1234/abc"},
                 {"title": "Preprint", "abstract": ABSTRACT, "arxiv_id": "2101.00001v1"},
                 {"title": "Preprint v2", "abstract": "Longer.", "id": "2101.00001v2", "date": "2021-01-05"})
    result = read_paths([path])
    assert [(p.paper_id, p.title) for p in result.papers] == [
        ("doi:10.1234/abc", "Old Title"), ("arxiv:2101.00001", "Preprint")]
    assert result.papers[1].date == "2021-01-05"
    assert result.duplicates_merged == 2


def test_contradicting_identifiers_keep_identical_text_apart(tmp_path):
    path = jsonl(tmp_path, "a.jsonl",
                 {"title": "Twin", "abstract": ABSTRACT, "doi": "10.1234/one"},
                 {"title": "Twin", "abstract": ABSTRACT, "doi": "10.1234/two"},
                 # one file giving two records their own different ids: SciFact keeps these apart
                 {"id": "scifact:1", "title": "Same Text", "abstract": ABSTRACT},
                 {"id": "scifact:2", "title": "Same Text", "abstract": ABSTRACT})
    ids = [p.paper_id for p in read_paths([path]).papers]
    assert ids[:2] == ["doi:10.1234/one", "doi:10.1234/two"]
    key = normalize_key(ABSTRACT)
    assert ids[2:] == [title_hash("same text", key, "scifact:1"), title_hash("same text", key, "scifact:2")]


def test_the_same_paper_in_two_files_merges_whatever_ids_each_file_used(tmp_path):
    a = jsonl(tmp_path, "a.jsonl", {"id": "scifact:1", "title": "Shared", "abstract": ABSTRACT})
    b = jsonl(tmp_path, "b.jsonl", {"id": "W42", "title": "Shared", "abstract": ABSTRACT, "year": 2020})
    result = read_paths([a, b])
    assert (len(result.papers), result.duplicates_merged, result.papers[0].date) == (1, 1, "2020")


def test_ids_follow_the_documented_recipe(sample):
    paper = next(p for p in sample.papers if p.title.startswith("Towards Understanding Grokking"))
    expected = "p-" + hashlib.sha1(normalize_key(paper.title).encode()).hexdigest()[:12]
    assert paper.paper_id == expected == "p-7cf70215383a"
    assert len({p.paper_id for p in sample.papers}) == 548


def test_ids_do_not_depend_on_file_order(sample, tmp_path):
    files = sorted(default_corpus_dir().glob("*.txt"), reverse=True)
    assert {p.paper_id for p in read_paths(files).papers} == {p.paper_id for p in sample.papers}


def test_ids_are_the_same_in_a_fresh_interpreter_with_other_hash_seeds(sample):
    digest = hashlib.sha256("\n".join(p.paper_id for p in sample.papers).encode()).hexdigest()
    script = ("import hashlib, ingest; ids = [p.paper_id for p in ingest.read_paths(None).papers]; "
              "print(hashlib.sha256('\\n'.join(ids).encode()).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == digest
