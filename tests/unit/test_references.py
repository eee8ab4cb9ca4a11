"""Reference export: text lines, BibTeX and RIS that parse back to the same fields, JSON."""

from __future__ import annotations

import doctest
import json

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware

import assistant.references as references
import assistant.references.keys as keys
from assistant.errors import InputError
from assistant.references import citation_key, format_reference, format_references, missing_notes
from assistant.types import Paper

FULL = Paper(
    "p1", "BERT & LoRA: 50% Faster {Fine}-Tuning_of Über-Models", "We cut cost by 50% & more.",
    authors=("José Müller", "Ashish Vaswani", "Noam Shazeer"), date="2021-03-05",
    doi="10.1234/ab_c.5", arxiv_id="2103.00001", categories=("cs.CL", "cs.LG"))
# what the bundled sample corpus looks like: no names, a count and a date
SAMPLE = Paper("p2", "Towards Understanding Grokking: An Effective Theory", "We aim to understand.",
               n_authors=6, date="2022-05-20", url="https://huggingface.co/papers/2205.10343")
BARE = Paper("p3", "The Unknown Paper", "")


def parse_bibtex(text: str):
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert library.failed_blocks == []
    return library


def fields(entry) -> dict[str, str]:
    return {f.key: f.value for f in entry.fields}


def test_bibtex_round_trips_all_fields():
    (entry,) = parse_bibtex(format_reference(FULL, "bibtex")).entries
    got = fields(entry)
    assert entry.entry_type == "article"
    assert entry.key == "muller2021bert"
    assert got["title"] == FULL.title
    assert got["author"] == "José Müller and Ashish Vaswani and Noam Shazeer"
    assert got["abstract"] == FULL.abstract
    assert (got["year"], got["month"]) == ("2021", "mar")
    assert (got["eprint"], got["archivePrefix"], got["primaryClass"]) == ("2103.00001", "arXiv", "cs.CL")
    assert got["doi"] == FULL.doi
    assert got["url"] == "https://arxiv.org/abs/2103.00001"


def test_bibtex_escapes_specials_and_protects_capitals():
    text = format_reference(FULL, "bibtex")
    assert r"50\%" in text and r"\&" in text and r"\{Fine\}" in text and r"\_of" in text
    assert "{BERT}" in text and "{LoRA:}" in text
    assert "month = mar" in text  # the bare macro, as BibTeX styles expect


def test_bibtex_of_sample_paper_is_misc_without_author():
    (entry,) = parse_bibtex(format_reference(SAMPLE, "bibtex")).entries
    got = fields(entry)
    assert entry.entry_type == "misc"
    assert entry.key == "towards2022understanding"  # title2022word: no author to name it by
    assert "author" not in got
    assert got["url"] == SAMPLE.url
    assert got["title"] == SAMPLE.title


def test_bibtex_of_bare_paper_has_only_a_title():
    (entry,) = parse_bibtex(format_reference(BARE, "bibtex")).entries
    assert entry.key == "unknownpaper"
    assert fields(entry) == {"title": "The Unknown Paper"}


def test_bibtex_keys_are_unique_within_a_file():
    twin = Paper("p9", SAMPLE.title, "", date="2022")
    library = parse_bibtex(format_references([SAMPLE, twin, twin], "bibtex"))
    assert [e.key for e in library.entries] == ["towards2022understanding", "towards2022understandingb",
                                               "towards2022understandingc"]


@pytest.mark.parametrize("paper, key", [
    (Paper("x", "Attention Is All You Need", "", authors=("Vaswani, Ashish",), date="2017"), "vaswani2017attention"),
    (Paper("x", "A Survey of LLMs", "", authors=("Wayne Xin Zhao",), date="2023-03"), "zhao2023survey"),
    (Paper("x", "Ünïcode Títle", "", authors=("Ødegård Ñúñez",), date="2020"), "nunez2020unicode"),
    (Paper("x", "", "", authors=("李",)), "anon"),
])
def test_citation_key_is_ascii_and_stable(paper, key):
    assert citation_key(paper) == key
    assert citation_key(paper) == citation_key(Paper.from_dict(paper.to_dict()))


def test_ris_round_trips_fields():
    (record,) = rispy.loads(format_reference(FULL, "ris"))
    assert record["type_of_reference"] == "JOUR"
    assert record["title"] == FULL.title
    assert record["abstract"] == FULL.abstract
    assert record["authors"] == list(FULL.authors)
    assert (record["year"], record["date"]) == ("2021", "2021/03/05")
    assert record["urls"] == ["https://arxiv.org/abs/2103.00001"]
    assert record["doi"] == FULL.doi


def test_ris_of_sample_paper_is_generic_without_authors():
    text = format_reference(SAMPLE, "ris")
    assert text.startswith("TY  - GEN")  # no rispy "1." counter line before TY
    (record,) = rispy.loads(text)
    assert "authors" not in record
    assert record["urls"] == [SAMPLE.url]
    assert record["date"] == "2022/05/20"


def test_ris_holds_every_paper():
    records = rispy.loads(format_references([FULL, SAMPLE, BARE], "ris"))
    assert [r["title"] for r in records] == [FULL.title, SAMPLE.title, BARE.title]


@pytest.mark.parametrize("paper, line", [
    (FULL, "José Müller, Ashish Vaswani, & Noam Shazeer (2021). "
           "BERT & LoRA: 50% Faster {Fine}-Tuning_of Über-Models. arXiv:2103.00001. doi:10.1234/ab_c.5"),
    (SAMPLE, "6 authors (2022). Towards Understanding Grokking: An Effective Theory. "
             "https://huggingface.co/papers/2205.10343"),
    (BARE, "The Unknown Paper (n.d.)."),
    (Paper("x", "Is It Done?", "", authors=("A B",), n_authors=1), "A B (n.d.). Is It Done?"),
    (Paper("x", "T", "", authors=("A", "B"), date="2020"), "A & B (2020). T."),
    (Paper("x", "T", "", authors=("A", "B", "C", "D"), date="2020"), "A et al. (2020). T."),
    (Paper("x", "T", "", n_authors=1, date="2020"), "1 author (2020). T."),
])
def test_text_line(paper, line):
    assert format_reference(paper, "text") == line


def test_text_lines_one_per_paper():
    assert format_references([SAMPLE, BARE], "text").splitlines() == [
        format_reference(SAMPLE), format_reference(BARE)]


def test_json_is_the_paper_dict():
    assert Paper.from_dict(json.loads(format_reference(FULL, "json"))) == FULL
    many = json.loads(format_references([FULL, SAMPLE], "json"))
    assert [Paper.from_dict(d) for d in many] == [FULL, SAMPLE]


def test_no_papers_give_empty_documents():
    assert [format_references([], fmt) for fmt in ("text", "bibtex", "ris")] == ["", "", ""]
    assert json.loads(format_references([], "json")) == json.loads(format_references([], "csljson")) == []


def test_unknown_format_is_a_friendly_error():
    with pytest.raises(InputError) as info:
        format_reference(BARE, "endnote")
    assert "bibtex" in info.value.friendly()


def test_docstring_examples_hold():
    assert doctest.testmod(references).failed == 0
    assert doctest.testmod(keys).failed == 0


# a Daily Papers entry as ingest makes it: the only URL is the code link its abstract ends with
DAILY = Paper("p4", "WebSRC: A Dataset for Web-Based Structural Reading Comprehension",
              "We release WebSRC. Data are at https://x-lance.github.io/WebSRC/.",
              n_authors=5, url="https://x-lance.github.io/WebSRC/")


def test_daily_papers_entry_has_a_title_key_no_code_url_and_says_what_is_missing():
    text = format_reference(DAILY, "bibtex")
    (entry,) = parse_bibtex(text).entries
    assert entry.key == "websrcdataset"
    assert "url" not in fields(entry)
    assert "% fields missing for websrcdataset: author, year, url" in text.splitlines()
    assert missing_notes([DAILY, FULL]) == ["fields missing for websrcdataset: author, year, url"]


def test_a_code_link_never_becomes_the_paper_url():
    repo = Paper("p5", "T", "", url="https://github.com/a/b", arxiv_id="2401.12345")
    assert [r["urls"] for r in rispy.loads(format_reference(repo, "ris"))] == [["https://arxiv.org/abs/2401.12345"]]
    assert format_reference(Paper("p6", "T", "", url="https://github.com/a/b")) == "T (n.d.)."
    kept = Paper("p7", "T", "", url="https://openreview.net/forum?id=abc", date="2024")
    assert json.loads(format_reference(kept, "csljson"))[0]["URL"] == kept.url


def test_ris_notes_missing_fields():
    (record,) = rispy.loads(format_reference(DAILY, "ris"))
    assert record["notes"] == ["Fields missing: author, year, url"]
    assert "notes" not in rispy.loads(format_reference(FULL, "ris"))[0]


def test_csl_json_has_the_schema_fields():
    (item,) = json.loads(format_reference(FULL, "csljson"))
    assert item["id"] == "muller2021bert" and item["type"] == "article-journal"
    assert item["author"][0] == {"family": "Müller", "given": "José"}
    assert item["issued"] == {"date-parts": [[2021, 3, 5]]}
    assert (item["DOI"], item["abstract"], item["note"]) == (FULL.doi, FULL.abstract, "arXiv: 2103.00001")
    (preprint,) = json.loads(format_reference(Paper("p8", "T", "A.", authors=("OpenAI",), date="2023",
                                                   arxiv_id="2303.08774"), "csljson"))
    assert (preprint["type"], preprint["number"], preprint["publisher"]) == ("article", "arXiv:2303.08774", "arXiv")
    assert preprint["author"] == [{"literal": "OpenAI"}]
    (daily,) = json.loads(format_reference(DAILY, "csljson"))
    assert "author" not in daily and "URL" not in daily and daily["note"] == "Fields missing: author, year, url"
