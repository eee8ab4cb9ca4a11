"""The Daily Papers text pages: both layouts, on the real sample pages and on slices of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import default_corpus_dir, read_paths
from ingest.daily_papers import parse_daily_papers

CORPUS = default_corpus_dir()

# file, layout, papers, (first title, its line), (last title, its line)
PAGES = [
    ("000_ed85f6ca06ee1197.txt", "lines", 119,
     ("Towards Understanding Grokking: An Effective Theory of Representation Learning", 3),
     ("Recurrent Neural Networks (RNNs): A gentle Introduction and Overview", 239)),
    ("001_f87adf1b712539f7.txt", "blocks", 45,
     ("When Do Curricula Work in Federated Learning?", 13),
     ("Skill-it! A Data-Driven Skills Framework for Understanding and Training Language Models", 361)),
    ("002_f56f3aa103f5d5e9.txt", "lines", 185,
     ("One Tokenizer To Rule Them All: Emergent Language Plasticity via Multilingual Tokenizers", 3),
     ("How Do LLMs Acquire New Knowledge? A Knowledge Circuits Perspective on Continual Pre-Training", 371)),
    ("003_992833ff42967d4f.txt", "lines", 238,
     ("Chimera: Effectively Modeling Multivariate Time Series with 2-Dimensional State Space Models", 3),
     ("Density Modeling of Images using a Generalized Normalization Transformation", 477)),
]


def page_lines(name: str) -> list[str]:
    return (CORPUS / name).read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("name, layout, count, first, last", PAGES)
def test_each_sample_page_parses_completely(name, layout, count, first, last):
    result = parse_daily_papers((CORPUS / name).read_text(encoding="utf-8"), name)
    assert result.skipped == []
    assert len(result.records) == count
    assert (result.records[0].title, result.records[0].line) == first
    assert (result.records[-1].title, result.records[-1].line) == last
    assert all(len(r.abstract) > 400 for r in result.records)  # no title was taken for an abstract


def test_the_whole_sample_has_587_entries_and_548_unique_papers():
    result = read_paths(None)
    assert result.records_read == 587
    assert len(result.papers) == 548
    assert result.duplicates_merged == 39
    assert result.skipped == []


def test_the_glued_subscribe_is_not_part_of_the_first_title():
    records = parse_daily_papers("\n".join(page_lines(PAGES[0][0])[:6]), "000.txt").records
    assert [r.title for r in records] == [
        "Towards Understanding Grokking: An Effective Theory of Representation Learning",
        "Learn from Structural Scope: Improving Aspect-Level Sentiment Analysis with Hybrid Graph Convolutional Networks",
    ]
    assert records[0].abstract.startswith("We aim to understand grokking")
    assert [r.line for r in records] == [3, 5]


def test_layout_b_slice_reads_author_count_date_and_upvotes():
    # lines 1-168: the header, 19 papers with metadata and one without (line 165)
    text = "\n".join(page_lines(PAGES[1][0])[:168])
    records = parse_daily_papers(text, "001.txt").records
    assert len(records) == 20
    first = records[0]
    assert (first.title, first.n_authors, first.date, first.upvotes) == (
        "When Do Curricula Work in Federated Learning?", 8, "2022-12-24", 1)
    assert (records[1].n_authors, records[1].date, records[1].upvotes) == (3, "2025-03-31", None)
    bare = records[-1]
    assert (bare.title, bare.line, bare.n_authors, bare.date) == ("The Truthfulness Spectrum Hypothesis", 165, None, None)


def test_a_date_without_year_is_left_unknown_not_guessed():
    # "Jan 29" on the page means this year, and the page does not say which year that was
    text = "\n".join(page_lines(PAGES[1][0])[:76])
    record = parse_daily_papers(text, "001.txt").records[-1]
    assert (record.n_authors, record.date) == (5, None)


def test_layout_is_detected_by_content_not_file_name(tmp_path: Path):
    renamed = tmp_path / "page.txt"
    renamed.write_text((CORPUS / PAGES[1][0]).read_text(encoding="utf-8"), encoding="utf-8")
    assert len(read_paths([renamed]).papers) == 45
    compact = tmp_path / "001_f87adf1b712539f7.txt"  # layout B's name, layout A's content
    compact.write_text("\n".join(page_lines(PAGES[0][0])[:8]), encoding="utf-8")
    assert len(read_paths([compact]).papers) == 3


def test_a_missing_abstract_costs_one_paper_not_the_rest_of_the_page():
    lines = page_lines(PAGES[0][0])[:10]  # header + 4 papers
    del lines[5]  # the second paper's abstract
    result = parse_daily_papers("\n".join(lines), "000.txt")
    assert [(r.title[:20], r.line) for r in result.records] == [
        ("Towards Understandin", 3), ("DiffCrysGen: A Score", 6), ("Dual Process Learnin", 8)]
    assert [(s.line, s.reason[:16]) for s in result.skipped] == [(5, "missing abstract")]
    assert "Learn from Structural Scope" in result.skipped[0].reason
    assert all(len(r.abstract) > 400 for r in result.records)


def test_an_abstract_without_its_title_is_skipped_and_pairing_resumes():
    lines = page_lines(PAGES[2][0])[:10]
    del lines[4]  # the second paper's title
    result = parse_daily_papers("\n".join(lines), "002.txt")
    assert [(r.title[:20], r.line) for r in result.records] == [
        ("One Tokenizer To Rul", 3), ("Exploring Synaptic R", 6), ("Language Games as th", 8)]
    assert [(s.line, s.reason) for s in result.skipped] == [(5, "abstract without a title")]


def test_a_text_file_that_is_not_a_daily_papers_page_is_reported_not_paired():
    result = parse_daily_papers("just a note\nwith two lines\n", "notes.txt")
    assert result.records == []
    assert [(s.line, s.reason[:25]) for s in result.skipped] == [(None, "not a Daily Papers page (")]


def test_a_page_with_only_its_header_says_it_had_no_papers():
    header = "\n".join(page_lines(PAGES[0][0])[:2])
    assert [s.reason for s in parse_daily_papers(header, "p.txt").skipped] == ["no papers found on the page"]


def test_a_paper_link_in_the_metadata_block_gives_arxiv_id_and_url_but_an_abstract_link_does_not():
    abstract = "We study how models learn. " * 20
    page = (f"Daily Papers\n\nLinked Paper\n\n{abstract}\n\n  • 3 authors\n·\nJan 29 4\n"
            f"https://huggingface.co/papers/2401.12345v2\n\nCode Paper\n\n{abstract}Code: https://github.com/a/b.\n\n"
            "  • 2 authors\n·\nDec 24, 2022\n")
    linked, code = parse_daily_papers(page, "page.txt").records
    assert (linked.arxiv_id, linked.url, linked.date, linked.upvotes) == (
        "2401.12345", "https://huggingface.co/papers/2401.12345", None, 4)  # "Jan 29": the year is not on the page
    assert (code.arxiv_id, code.url, code.date) == (None, None, "2022-12-24")


def test_the_bundled_pages_carry_no_paper_links_so_their_ids_stay_title_hashes():
    papers = read_paths(None).papers
    assert not any(p.arxiv_id for p in papers)
    assert all(p.paper_id.startswith("p-") for p in papers)
