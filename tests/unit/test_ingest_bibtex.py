"""BibTeX files: entries with abstracts become papers; broken blocks and entries without abstract are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import read_paths

BIB = Path(__file__).parents[1] / "fixtures" / "ingest" / "papers.bib"


@pytest.fixture(scope="module")
def library():
    return read_paths([BIB])


def test_good_entries_are_read_in_file_order(library):
    assert [(p.title, p.source_line) for p in library.papers] == [
        ("Attention Is All You Need", 5),
        ("BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding", 18),
        ("Sharper Hölder Bounds for Naïve Fréchet Means", 38),
    ]
    assert library.records_read == 6  # three papers, one without abstract, one broken, one repeated key


def test_fields_are_mapped_and_cleaned(library):
    attention, bert, holder = library.papers
    assert attention.abstract.endswith("reaching 28.4 BLEU on WMT 2014 English-to-German.")  # ~ is a space
    assert "\\textbf" not in attention.abstract and "Transformer, based" in attention.abstract
    assert (attention.arxiv_id, attention.paper_id, attention.date) == ("1706.03762", "arxiv:1706.03762", "2017-12")
    assert attention.authors == ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit")
    assert (bert.doi, bert.paper_id, bert.date) == ("10.18653/v1/n19-1423", "doi:10.18653/v1/n19-1423", "2019")
    assert bert.abstract.endswith("GLUE score to 80.5% (7.7% point absolute improvement).")
    assert holder.authors == ("Jörg Müller", "Ana Schön")
    assert holder.abstract == ("We prove a Hölder-type inequality for naïve estimators of Fréchet means "
                               "on alpha-stable spaces, with rate O(n^{-1/2}).")
    assert holder.raw_title == r'Sharper H{\"o}lder Bounds for Na\"{\i}ve Fr\'echet Means'
    assert holder.date == "2022-03"


def test_problems_are_skipped_with_their_line_and_a_reason(library):
    reasons = {s.line: s.reason for s in library.skipped}
    assert set(reasons) == {27, 33, 47}
    assert reasons[27] == "missing abstract in @article{nodata2020}"
    assert reasons[33].startswith("unparseable BibTeX entry '@article{broken2021,'")
    assert "Duplicate entry key 'devlin2019bert'" in reasons[47]
    assert all(s.file == str(BIB) for s in library.skipped)


def test_a_bib_file_with_nothing_usable_loses_nothing_else(tmp_path):
    bad = tmp_path / "bad.bib"
    bad.write_text("@article{x, title = {No abstract here}}\n", encoding="utf-8")
    result = read_paths([bad, BIB])
    assert len(result.papers) == 3
    assert [(s.file, s.line, s.reason) for s in result.skipped][0] == (str(bad), 1, "missing abstract in @article{x}")
