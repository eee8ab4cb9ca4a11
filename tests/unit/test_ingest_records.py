"""JSON Lines, JSON, CSV and arXiv snapshot files, and the metadata values inside them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import read_paths
from ingest.fields import iso_date, normalize_arxiv_id, normalize_doi, parse_authors, parse_categories

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"
SCIFACT = Path("/work/shared/benchmarks/scifact/corpus.jsonl")
ABSTRACT = "We study a thing carefully. It works well on two benchmarks."


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(*rows: dict) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def test_jsonl_with_every_optional_field(tmp_path):
    path = write(tmp_path, "papers.jsonl", jsonl({
        "title": "Grokking Revisited", "abstract": ABSTRACT, "authors": ["Ann Lee", "Bo Li"],
        "date": "2024-05-01", "url": "https://example.org/g", "doi": "https://doi.org/10.1000/ABC.1",
        "arxiv_id": "arXiv:2405.00001v3", "categories": ["cs.LG"], "upvotes": 12}))
    paper, = read_paths([path]).papers
    assert (paper.title, paper.authors, paper.n_authors, paper.date, paper.upvotes) == (
        "Grokking Revisited", ("Ann Lee", "Bo Li"), 2, "2024-05-01", 12)
    assert (paper.url, paper.doi, paper.arxiv_id, paper.categories) == (
        "https://example.org/g", "10.1000/abc.1", "2405.00001", ("cs.LG",))
    assert (paper.paper_id, paper.source, paper.source_line) == ("doi:10.1000/abc.1", str(path), 1)


def test_jsonl_author_strings_year_and_arxiv_id_under_id(tmp_path):
    path = write(tmp_path, "papers.jsonl", jsonl(
        {"title": "One", "abstract": ABSTRACT, "authors": "Ann Lee and Bo Li", "year": 2019, "id": "1706.03762"},
        {"title": "Two", "abstract": ABSTRACT + " Two.", "authors": "Ann Lee, Bo Li, Cy Wu", "arxiv": "2101.00001"},
    ))
    one, two = read_paths([path]).papers
    assert (one.authors, one.date, one.year, one.paper_id) == (("Ann Lee", "Bo Li"), "2019", 2019, "arxiv:1706.03762")
    assert (two.authors, two.n_authors, two.paper_id) == (("Ann Lee", "Bo Li", "Cy Wu"), 3, "arxiv:2101.00001")


def test_csv_header_is_case_insensitive_and_summary_means_abstract(tmp_path):
    path = write(tmp_path, "papers.csv",
                 'Title,Summary,AUTHORS,Year,DOI\n'
                 f'"Attention, Revisited","{ABSTRACT}","Ann Lee; Bo Li",2021,10.1145/3442188.3445922\n'
                 f'Multi-line,"{ABSTRACT}\nSecond line.",,2020-02,\n'
                 'No Abstract,,,,\n')
    result = read_paths([path])
    first, second = result.papers
    assert (first.title, first.authors, first.date, first.doi, first.source_line) == (
        "Attention, Revisited", ("Ann Lee", "Bo Li"), "2021", "10.1145/3442188.3445922", 2)
    assert (second.abstract, second.date, second.source_line) == (ABSTRACT + " Second line.", "2020-02", 3)
    assert [(s.line, s.reason) for s in result.skipped] == [(5, "missing abstract")]
    assert result.records_read == 3


def test_tsv_is_read_with_tabs(tmp_path):
    path = write(tmp_path, "papers.tsv", f"title\tabstract\nTab Paper\t{ABSTRACT}\n")
    assert [p.title for p in read_paths([path]).papers] == ["Tab Paper"]


def test_json_array_reports_each_element_line(tmp_path):
    path = write(tmp_path, "papers.json", "[\n" + ",\n".join(
        json.dumps({"title": f"Paper {n}", "abstract": f"{ABSTRACT} Number {n}."}) for n in range(3)) + "\n]\n")
    assert [(p.title, p.source_line) for p in read_paths([path]).papers] == [
        ("Paper 0", 2), ("Paper 1", 3), ("Paper 2", 4)]


def test_arxiv_snapshot_is_recognised_by_its_keys_inside_a_json_file():
    result = read_paths([FIXTURES / "arxiv_snapshot.json"])
    assert result.skipped == []
    diphoton, attention, maldacena = result.papers
    assert diphoton.paper_id == "doi:10.1103/physrevd.76.013009"  # a DOI outranks the arXiv id
    assert (diphoton.arxiv_id, diphoton.date, diphoton.categories) == ("0704.0001", "2007-04-02", ("hep-ph",))
    assert diphoton.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan")
    assert diphoton.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert diphoton.abstract.startswith("A fully differential calculation in perturbative quantum chromodynamics is presented")
    assert (attention.paper_id, attention.n_authors, attention.categories) == ("arxiv:1706.03762", 8, ("cs.CL", "cs.LG"))
    assert attention.authors[-2:] == ("Lukasz Kaiser", "Illia Polosukhin")
    # no versions listed: the snapshot's update_date is the best date there is
    assert (maldacena.paper_id, maldacena.date) == ("arxiv:hep-th/9711200", "2009-10-07")
    assert "the large N limit" in maldacena.abstract


@pytest.mark.skipif(not SCIFACT.exists(), reason="SciFact corpus not on this machine")
def test_scifact_corpus_ingests_cleanly_keeping_same_titled_papers_apart():
    result = read_paths([SCIFACT])
    assert (result.records_read, len(result.papers), result.duplicates_merged, result.skipped) == (5183, 5183, 0, [])
    assert len({p.paper_id for p in result.papers}) == 5183
    summaries = [p for p in result.papers if p.title == "Summary"]
    assert len(summaries) == 3 and len({p.abstract for p in summaries}) == 3
    assert all(p.paper_id.startswith("p-") for p in result.papers)


@pytest.mark.parametrize("value, iso", [
    ("Dec 24, 2022", "2022-12-24"), ("2022-12-24", "2022-12-24"), ("2022-12", "2022-12"), (2019, "2019"),
    ("2007-04-02T19:18:42Z", "2007-04-02"), ("Mon, 2 Apr 2007 19:18:42 GMT", "2007-04-02"),
    ("24 December 2022", "2022-12-24"), ("June 2019", "2019-06"), ("2022-02-30", "2022-02"),
    ("Jan 29", None), ("someday", None), (None, None), (True, None),
])
def test_dates_become_iso(value, iso):
    assert iso_date(value) == iso


@pytest.mark.parametrize("value, names", [
    (["Ann Lee", {"name": "Bo Li"}, {"given": "Cy", "family": "Wu"}], ("Ann Lee", "Bo Li", "Cy Wu")),
    ("Ann Lee and Bo Li", ("Ann Lee", "Bo Li")),
    ("Ann Lee, Bo Li, and Cy Wu", ("Ann Lee", "Bo Li", "Cy Wu")),
    ("Lee, Ann and Li, Bo and others", ("Ann Lee", "Bo Li")),
    ("", ()), (None, ()),
])
def test_author_lists_and_strings(value, names):
    assert parse_authors(value) == names


def test_identifiers_are_recognised_by_shape():
    assert normalize_doi("doi:10.18653/V1/N19-1423") == "10.18653/v1/n19-1423"
    assert normalize_doi("scifact:4983") is None
    assert normalize_arxiv_id("https://arxiv.org/abs/2201.02177v2") == "2201.02177"
    assert normalize_arxiv_id("math.GT/0309136") == "math.GT/0309136"
    assert normalize_arxiv_id("scifact:4983") is None
    assert parse_categories("cs.CL cs.LG cs.CL") == ("cs.CL", "cs.LG")
