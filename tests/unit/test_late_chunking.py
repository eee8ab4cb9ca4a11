"""Late chunking's pure parts: the pass text and its parts, characters to tokens, pieces, pooling.

A whitespace tokenizer with character offsets stands in for the model's tokenizer here (the real
MiniLM tokenizer and model are in tests/integration/test_late_chunking_model.py).
"""

import re

import numpy as np
import pytest

from assistant.chunking import chunk_paper
from assistant.late_chunking import paper_pass, pool, split_pieces, token_ranges
from assistant.text import split_sentences
from assistant.types import Paper


def whitespace_offsets(text: str) -> list[tuple[int, int]]:
    """[CLS] word... [SEP] as (start, end) offsets, specials (0, 0) like a fast tokenizer's."""
    return [(0, 0)] + [m.span() for m in re.finditer(r"\S+", text)] + [(0, 0)]


def texts_of(p, part) -> list[str]:
    return [p.text[s:e] for s, e in part]


def windows_of(paper: Paper, window: int = 3) -> list[tuple[int, int]]:
    return [(c.position, window) for c in chunk_paper(paper) if c.kind == "window"]


ABSTRACT = ("We study grokking in small transformers. The model first memorises, e.g. the training set, "
            "then generalises. Weight decay (0.1) speeds this up by 3.5x. Code is released.")


def test_the_pass_text_is_the_whole_abstract_chunk_and_parts_are_its_sentences_and_windows():
    paper = Paper("p-1", "Grokking Revisited", ABSTRACT)
    sentences = split_sentences(ABSTRACT)
    assert len(sentences) == 4  # "e.g." and "0.1" and "3.5x." do not end a sentence early
    p = paper_pass(paper.title, sentences, windows_of(paper))
    assert p.text == chunk_paper(paper)[-1].text
    windows, sentence_parts = p.parts[:2], p.parts[2:]
    assert [texts_of(p, part) for part in sentence_parts] == [[s] for s in sentences]
    for (first, count), part in zip(windows_of(paper), windows):
        title, body = texts_of(p, part)
        assert title == "Grokking Revisited."
        assert body == " ".join(sentences[first:first + count])


def test_sentence_boundaries_become_token_boundaries():
    sentences = ["Alpha beta.", "Gamma delta epsilon.", "Zeta."]
    p = paper_pass("Title", sentences, [])
    offsets = whitespace_offsets(p.text)
    words = [p.text[a:b] for a, b in offsets]
    got = [[words[i] for i in token_ranges(offsets, part)] for part in p.parts]
    assert got == [s.split() for s in sentences]
    # consecutive sentences share no token, and together they cover every word after the title
    flat = [i for part in p.parts for i in token_ranges(offsets, part)]
    assert len(flat) == len(set(flat)) == len(offsets) - 2 - 1


def test_a_single_sentence_abstract_has_one_part_and_no_window():
    paper = Paper("p-2", "One Liner", "Transformers grok modular arithmetic.")
    sentences = split_sentences(paper.abstract)
    p = paper_pass(paper.title, sentences, windows_of(paper))
    assert p.parts == ((((len("One Liner. ")), len(p.text)),),)
    assert texts_of(p, p.parts[0]) == sentences


def test_unicode_offsets_are_characters_not_bytes():
    sentences = ["Schrödinger’s naïve café — 北京 models.", "Ωmega rises."]
    p = paper_pass("Über Title", sentences, [])
    offsets = whitespace_offsets(p.text)
    words = [p.text[a:b] for a, b in offsets]
    assert [[words[i] for i in token_ranges(offsets, part)] for part in p.parts] == [s.split() for s in sentences]


def test_a_600_token_text_splits_into_three_pieces_that_cover_it_once():
    pieces = split_pieces(600, 254)
    assert pieces == [(0, 254), (254, 508), (508, 600)]
    assert sum(b - a for a, b in pieces) == 600
    assert split_pieces(254, 254) == [(0, 254)]
    assert split_pieces(255, 254) == [(0, 254), (254, 255)]


@pytest.mark.parametrize("n", [1, 2, 7])
def test_pool_is_the_normalised_mean_of_the_chosen_rows(n):
    rng = np.random.default_rng(n)
    rows = rng.normal(size=(10, 4)).astype(np.float32)
    indices = list(range(n))
    expected = rows[:n].mean(axis=0)
    np.testing.assert_allclose(pool(rows, indices), expected / np.linalg.norm(expected), rtol=1e-5)
    assert pool(rows, []).tolist() == [0.0] * 4
