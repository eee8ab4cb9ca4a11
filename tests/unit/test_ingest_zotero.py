"""A Zotero library in: zotero.sqlite (read from a copy, with collections), its CSL-JSON export, a Better
BibTeX .bib and RIS, on the realistic files in tests/fixtures/zotero (see make_zotero_sqlite.py)."""

from __future__ import annotations

import doctest
import shutil
import sqlite3
from pathlib import Path

import pytest

import ingest.csl_json
import ingest.zotero
from assistant.references import format_references
from assistant.types import Paper
from ingest import read_paths

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "zotero"
ZOTERO_PAPERS = {
    "arxiv:1706.03762": ("Attention Is All You Need",
                         ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Łukasz Kaiser"), "2017-06-12"),
    "arxiv:2106.09685": ("LoRA: Low-Rank Adaptation of Large Language Models",
                         ("Edward J. Hu", "Yelong Shen", "Phillip Wallis"), "2021-06-17"),
    "doi:10.1038/s41586-021-03819-2": ("Highly accurate protein structure prediction with AlphaFold",
                                       ("John Jumper", "Richard Evans", "Alexander Pritzel"), "2021-08"),
    "arxiv:2303.08774": ("GPT-4 Technical Report", ("OpenAI",), "2023-03-15"),
}


@pytest.fixture
def library(tmp_path) -> Path:
    """A copy of the fixture library, so a test may change it."""
    return Path(shutil.copy(FIXTURES / "zotero.sqlite", tmp_path / "zotero.sqlite"))


def summary(papers: list[Paper]) -> dict[str, tuple]:
    return {p.paper_id: (p.title, p.authors, p.date) for p in papers}


def test_zotero_sqlite_gives_its_regular_items_in_order(library):
    result = read_paths([library])
    assert summary(result.papers) == ZOTERO_PAPERS  # trash, note and attachment left out
    assert [p.source_line for p in result.papers] == [1, 2, 3, 5]  # the itemID, to find it again
    lora = result.papers[1]
    assert (lora.arxiv_id, lora.url) == ("2106.09685", "http://arxiv.org/abs/2106.09685")
    assert result.papers[0].arxiv_id == "1706.03762"  # only in Extra ("arXiv: 1706.03762")
    (skip,) = result.skipped  # the book has no abstract: reported with its item, not indexed title-only
    assert (skip.line, skip.reason) == (4, "missing abstract (item GOOD2016, 'Deep Learning')")
    assert result.records_read == 5


@pytest.mark.parametrize("name, titles", [
    ("LLM", ["Attention Is All You Need", "LoRA: Low-Rank Adaptation of Large Language Models",
             "GPT-4 Technical Report"]),  # LoRA through the Fine-tuning subcollection
    ("fine-tuning", ["LoRA: Low-Rank Adaptation of Large Language Models"]),
    ("Biology", ["Highly accurate protein structure prediction with AlphaFold"]),
])
def test_collection_filter_includes_subcollections(library, name, titles):
    assert [p.title for p in read_paths([library], collection=name).papers] == titles


def test_unknown_collection_names_the_ones_there_are(library):
    result = read_paths([library], collection="Physics")
    assert result.papers == []
    assert result.skipped[0].reason == "no collection named 'Physics' (collections: Biology, Fine-tuning, LLM)"


def test_reads_a_locked_database_with_unsaved_wal_and_never_changes_it(library):
    """Zotero holds an exclusive lock and keeps recent changes in the -wal file while it runs."""
    zotero = sqlite3.connect(library)
    zotero.execute("PRAGMA journal_mode=WAL")
    zotero.execute("PRAGMA wal_autocheckpoint=0")
    zotero.execute("UPDATE itemDataValues SET value = 'GPT-4 Technical Report (v2)' "
                   "WHERE value = 'GPT-4 Technical Report'")
    zotero.commit()
    zotero.execute("PRAGMA locking_mode=EXCLUSIVE")
    zotero.execute("BEGIN EXCLUSIVE")
    before = library.read_bytes(), library.with_name("zotero.sqlite-wal").read_bytes()
    with pytest.raises(sqlite3.OperationalError):  # what any other reader of the original meets
        sqlite3.connect(library, timeout=0).execute("SELECT count(*) FROM items").fetchone()
    try:
        titles = [p.title for p in read_paths([library]).papers]
    finally:
        zotero.rollback()
    assert "GPT-4 Technical Report (v2)" in titles
    assert (library.read_bytes(), library.with_name("zotero.sqlite-wal").read_bytes()) == before
    zotero.close()


def test_other_sqlite_files_are_reported_not_read(tmp_path):
    other = tmp_path / "better-bibtex.sqlite"
    sqlite3.connect(other).executescript("CREATE TABLE citekeys (itemKey TEXT, citekey TEXT);")
    garbage = tmp_path / "broken.sqlite"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\x07" * 500)
    skipped = {Path(s.file).name: s.reason for s in read_paths([other, garbage]).skipped}
    assert skipped["better-bibtex.sqlite"].startswith("not a Zotero database (no table items, itemTypes")
    assert skipped["broken.sqlite"].startswith("not a readable SQLite database")


def test_csl_json_export_is_recognised_by_its_schema():
    result = read_paths([FIXTURES / "library.json"])
    got = {p.paper_id: p for p in result.papers}
    assert list(got) == ["doi:10.1038/s41586-021-03819-2", "arxiv:1810.04805", "doi:10.1016/j.neucom.2023.127063",
                         "arxiv:2005.14165"]
    bert = got["arxiv:1810.04805"]  # a preprint: the id from "number", a date from string date-parts
    assert (bert.authors[:2], bert.date) == (("Jacob Devlin", "Ming-Wei Chang"), "2019-05-24")
    gpt3 = got["arxiv:2005.14165"]  # the arXiv id from "note", the date from "raw", an institution as author
    assert (gpt3.authors, gpt3.date) == (("OpenAI", "Tom B. Brown"), "2020-05-28")
    assert got["doi:10.1038/s41586-021-03819-2"].date == "2021-08"
    assert [(s.line, s.reason) for s in result.skipped] == [(5, "missing abstract")]  # the book


def test_plain_json_records_with_a_type_field_are_not_taken_for_csl():
    assert not ingest.csl_json.is_csl_item({"title": "T", "abstract": "A", "type": "paper", "authors": ["A B"]})


def test_better_bibtex_fields_come_through():
    result = read_paths([FIXTURES / "library.bib"])
    got = {p.title: p for p in result.papers}
    attention = got["Attention Is All You Need"]  # biblatex: date = {...}, eprinttype = {arXiv}
    assert (attention.arxiv_id, attention.date, attention.authors[-1]) == ("1706.03762", "2017-06-12", "Łukasz Kaiser")
    toolformer = got["Toolformer: Language Models Can Teach Themselves to Use Tools"]  # {{...}} protection gone
    assert (toolformer.doi, toolformer.arxiv_id, toolformer.date) == ("10.48550/arxiv.2302.04761", "2302.04761",
                                                                      "2023-02")
    assert toolformer.authors[2] == "Roberto Dessì"
    german = got["Große Sprachmodelle und ihre Grenzen: Eine Übersicht & Kritik"]  # LaTeX accents and \&
    assert german.authors == ("José Müller", "Petr Škoda") and german.date == "2022-11"
    assert "Benchmarks wie MMLU" in german.abstract
    assert [s.reason for s in result.skipped] == ["missing abstract in @book{goodfellowDeepLearning2016}"]


@pytest.mark.parametrize("fmt, suffix", [("bibtex", ".bib"), ("ris", ".ris"), ("csljson", ".json")])
def test_every_export_reads_back_as_the_same_papers(tmp_path, fmt, suffix):
    papers = read_paths([FIXTURES]).papers
    exported = tmp_path / f"export{suffix}"
    exported.write_text(format_references(papers, fmt), encoding="utf-8")
    again = read_paths([exported])
    assert again.skipped == []
    assert summary(again.papers) == summary(papers)
    assert [(p.doi, p.arxiv_id) for p in again.papers] == [(p.doi, p.arxiv_id) for p in papers]


def test_ris_from_zotero_with_surname_first_authors(tmp_path):
    ris = tmp_path / "zotero.ris"
    ris.write_text("TY  - JOUR\nTI  - Highly accurate protein structure prediction with AlphaFold\n"
                   "AU  - Jumper, John\nAU  - Evans, Richard\nDA  - 2021/08//\nPY  - 2021\n"
                   "DO  - 10.1038/s41586-021-03819-2\nAB  - Proteins are essential to life.\n  Here we predict them.\n"
                   "ER  - \n\nTY  - BOOK\nTI  - Deep Learning\nER  - \n", encoding="utf-8")
    result = read_paths([ris])
    (paper,) = result.papers
    assert (paper.authors, paper.date, paper.paper_id) == (("John Jumper", "Richard Evans"), "2021-08",
                                                          "doi:10.1038/s41586-021-03819-2")
    assert paper.abstract == "Proteins are essential to life. Here we predict them."
    assert [(s.line, s.reason) for s in result.skipped] == [(12, "missing abstract")]


def test_docstring_examples_hold():
    assert doctest.testmod(ingest.zotero).failed == 0
    assert doctest.testmod(ingest.csl_json).failed == 0
