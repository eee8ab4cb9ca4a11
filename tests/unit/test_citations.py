"""Citation markers: parsing every style a model writes, dropping invented sources, sentence pairing."""

from __future__ import annotations

import doctest

import pytest

import assistant.citations as citations
from assistant.citations import (Marker, parse_markers, split_answer_sentences, strip_markers,
                                 validate_citations)
from assistant.types import Citation, Hit, Paper

PAPERS = [Paper("p1", "Grokking theory", ""), Paper("p2", "Sparse experts", ""),
          Paper("p3", "Retrieval for QA", "")]


def numbers(text: str) -> list[tuple[int, ...]]:
    return [m.numbers for m in parse_markers(text)]


@pytest.mark.parametrize("text, expected", [
    ("Grokking happens late [1].", [(1,)]),
    ("Both agree [1, 2].", [(1, 2)]),
    ("Both agree [1,2].", [(1, 2)]),
    ("Both agree [1][3].", [(1,), (3,)]),
    ("All three [1-3].", [(1, 2, 3)]),
    ("All three [1–3].", [(1, 2, 3)]),
    ("Both [1; 2].", [(1, 2)]),
    ("As shown [Source 2].", [(2,)]),
    ("As shown [source 1, 3].", [(1, 3)]),
    ("As shown [Sources 1 and 2].", [(1, 2)]),
    ("Fullwidth brackets 【1】.", [(1,)]),
    ("Glued to CJK 模型【2】。", [(2,)]),
    ("Mixed [1, 3-4].", [(1, 3, 4)]),
    ("Repeated [2, 2].", [(2,)]),
])
def test_every_marker_style_is_found(text, expected):
    assert numbers(text) == expected


@pytest.mark.parametrize("text", [
    "A footnote [a] and [12b] and [ii].",
    "An array index x[1] and f(x)_i[2].",
    "Published in [2020] and sizes [128].",
    "Round brackets (1) are not citations.",
    "Inline code `arr[1]` is code.",
    "```python\nvalues[1]\n [2]\n```",
    "~~~\n[3]\n~~~",
])
def test_non_citations_are_ignored(text):
    assert parse_markers(text) == []


def test_marker_after_code_block_is_still_found():
    text = "```\nx = [1]\n```\nThis holds [2]."
    assert numbers(text) == [(2,)]


def test_span_covers_exactly_the_marker():
    text = "Claim [1, 2] here."
    (marker,) = parse_markers(text)
    assert text[marker.span[0]:marker.span[1]] == "[1, 2]"
    assert marker == Marker((6, 12), (1, 2))


def test_ranges_expand_but_absurd_ranges_keep_only_endpoints():
    assert numbers("[3-1]") == [(1, 2, 3)]
    assert numbers("[1-40]") == [(1, 40)]


def test_zero_is_a_marker_so_it_can_be_removed():
    assert numbers("Oops [0].") == [(0,)]


def test_valid_markers_are_canonicalised():
    result = validate_citations("A [1, 3]. B [Source 2]. C [1–2].", PAPERS)
    assert result.text == "A [1][3]. B [2]. C [1][2]."
    assert result.removed == []


def test_invented_numbers_are_removed_and_recorded():
    result = validate_citations("Grokking is late [1, 7]. Experts help [9].", PAPERS)
    assert result.text == "Grokking is late [1]. Experts help."
    assert result.removed == ["[7]: no such source", "[9]: no such source"]
    assert [c.paper_id for c in result.citations] == ["p1"]


def test_every_citation_maps_to_a_given_paper():
    text = "X [4]. Y [0]. Z [3][2]. W [50]. V [1-5]."
    result = validate_citations(text, PAPERS)
    given = {p.paper_id for p in PAPERS}
    assert {c.paper_id for c in result.citations} <= given
    for c in result.citations:
        assert PAPERS[c.n - 1].paper_id == c.paper_id
        assert c.title == PAPERS[c.n - 1].title
    left = [n for m in parse_markers(result.text) for n in m.numbers]
    assert left and all(1 <= n <= len(PAPERS) for n in left)


def test_citations_in_order_of_first_appearance_each_paper_once():
    result = validate_citations("B [2]. A [1]. B again [2]. C [3][1].", PAPERS)
    assert result.citations == [Citation(2, "p2", "Sparse experts"),
                                Citation(1, "p1", "Grokking theory"),
                                Citation(3, "p3", "Retrieval for QA")]


def test_source_numbers_are_kept_as_given():
    result = validate_citations("Only the third [3].", PAPERS)
    assert result.text == "Only the third [3]."
    assert result.citations == [Citation(3, "p3", "Retrieval for QA")]


def test_same_paper_twice_in_sources_is_cited_once():
    result = validate_citations("A [1]. B [2].", [PAPERS[0], PAPERS[0]])
    assert result.citations == [Citation(1, "p1", "Grokking theory")]


def test_hits_are_accepted_as_sources():
    hits = [Hit(paper, score=1.0, rank=i + 1) for i, paper in enumerate(PAPERS)]
    result = validate_citations("Retrieval helps [3].", hits)
    assert result.citations == [Citation(3, "p3", "Retrieval for QA")]


def test_no_sources_removes_every_marker():
    result = validate_citations("Claim [1]. Another [2].", [])
    assert result.text == "Claim. Another."
    assert result.citations == []
    assert result.removed == ["[1]: no such source", "[2]: no such source"]


@pytest.mark.parametrize("text, cleaned", [
    ("results [7].", "results."),
    ("results [7], and more", "results, and more"),
    ("results [7] and more", "results and more"),
    ("[7] The model works.", "The model works."),
    ("One. [7] Two.", "One. Two."),
    ("see ([7]).", "see."),
    ("A [7]\nB", "A\nB"),
    ("results [7][8], [9].", "results."),
    ("results [1], [7].", "results [1]."),
])
def test_spacing_is_repaired_when_a_marker_disappears(text, cleaned):
    assert validate_citations(text, PAPERS).text == cleaned


def test_adjacent_markers_merge_into_one_canonical_run():
    assert validate_citations("X [1], [2]; [1] end.", PAPERS).text == "X [1][2] end."


def test_markers_in_code_are_left_alone():
    text = "Use `x[7]` here [1].\n```\ny = a[9]\n```"
    result = validate_citations(text, PAPERS)
    assert result.text == text
    assert result.removed == []


def test_text_without_markers_is_unchanged():
    text = "Nothing cited here, x[2] is an index and 2020 a year."
    assert validate_citations(text, PAPERS).text == text


def test_strip_markers_removes_all_markers():
    assert strip_markers("It is 72.5% [1][2]. [3] Next [4, 5].") == "It is 72.5%. Next."


def test_sentences_carry_their_citations():
    text = "Grokking appears late [1]. Experts scale well [2][3]. This is our view."
    assert split_answer_sentences(text) == [
        ("Grokking appears late [1].", [1]),
        ("Experts scale well [2][3].", [2, 3]),
        ("This is our view.", []),
    ]


def test_marker_after_the_full_stop_belongs_to_the_previous_sentence():
    text = "Grokking appears late. [1] Experts scale well [2]."
    assert split_answer_sentences(text) == [
        ("Grokking appears late. [1]", [1]),
        ("Experts scale well [2].", [2]),
    ]


def test_glued_footnote_marker_ends_its_sentence():
    text = "Grokking appears late.[1] Experts scale well.[2]"
    assert split_answer_sentences(text) == [
        ("Grokking appears late.[1]", [1]),
        ("Experts scale well.[2]", [2]),
    ]


def test_leading_marker_stays_when_it_is_the_subject():
    text = "Grokking appears late [1]. [2] shows that experts scale."
    assert split_answer_sentences(text)[1] == ("[2] shows that experts scale.", [2])


def test_leading_marker_of_the_first_sentence_stays_with_it_at_its_end():
    """A label, not the subject: "[1] PRISMATIC, the first ... dataset, demonstrated that ..." opened
    answers; "[1] shows that ..." keeps its marker where the grammar needs it."""
    assert split_answer_sentences("[2] The model is sparse.") == [("The model is sparse [2].", [2])]
    assert split_answer_sentences("[2] shows that it is sparse.") == [("[2] shows that it is sparse.", [2])]


def test_lone_marker_line_joins_previous_sentence():
    text = "Experts scale well.\n[2][3]"
    assert split_answer_sentences(text) == [("Experts scale well. [2][3]", [2, 3])]


def test_bullets_and_lines_are_separate_sentences():
    text = "Findings:\n- Grokking is delayed [1]\n- Experts are sparse [2]\n\n1. Retrieval helps [3]"
    assert split_answer_sentences(text) == [
        ("Findings:", []),
        ("Grokking is delayed [1]", [1]),
        ("Experts are sparse [2]", [2]),
        ("Retrieval helps [3]", [3]),
    ]


def test_abbreviations_and_decimals_do_not_split():
    text = "Lee et al. [1] report 72.5% on GLUE, e.g. with BERT. Done."
    assert split_answer_sentences(text) == [
        ("Lee et al. [1] report 72.5% on GLUE, e.g. with BERT.", [1]),
        ("Done.", []),
    ]


def test_empty_answer_has_no_sentences():
    assert split_answer_sentences("") == []
    assert split_answer_sentences("\n \n") == []


def test_docstring_examples_hold():
    assert doctest.testmod(citations).failed == 0


@pytest.mark.parametrize("text", [
    "`" * 20_000,                # once took minutes: backtracking over one long backtick run
    "[1" + " " * 20_000,         # and over a long blank run after an unclosed bracket
    "```\n" * 5_000,
    "`a` [1] " * 5_000,
])
def test_pathological_input_is_handled_quickly(text):
    result = validate_citations(text, PAPERS)
    assert len(result.text) <= len(text)
    split_answer_sentences(text)
