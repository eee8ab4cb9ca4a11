"""Support checking with a small real embedder: labels, evidence, numbers, and the uncited fallback."""

from __future__ import annotations

import doctest
import zlib

import numpy as np
import pytest

import assistant.support as support
from assistant.support import (SourceMatch, best_source_for, extract_numbers, numbers_supported,
                               score_support)
from assistant.text import word_tokens

DIM = 256


class BagOfWords:
    """Hashed bag-of-words vectors (unnormalised on purpose) that also counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        vectors = np.zeros((len(texts), DIM))
        for row, text in enumerate(texts):
            for token in word_tokens(text):
                vectors[row, zlib.crc32(token.encode()) % DIM] += 3.0
        return vectors


SOURCES = {
    1: ["Grokking is a phenomenon where models generalize long after overfitting.",
        "We observe four learning phases: comprehension, grokking, memorization and confusion."],
    2: ["Sparse mixture of experts models scale to 1.6 trillion parameters.",
        "The switch transformer reaches a 7x pretraining speedup."],
    3: ["Retrieval augmented generation improves open domain question answering."],
}


@pytest.fixture
def embed():
    return BagOfWords()


def test_sentence_close_to_its_cited_source_is_supported(embed):
    sentences = [("Models generalize long after overfitting, a phenomenon called grokking [1].", [1])]
    (result,) = score_support(sentences, SOURCES, embed, threshold=0.5)
    assert result.label == "supported"
    assert result.cited == [1]
    assert result.evidence == SOURCES[1][0]
    assert result.score == pytest.approx(max(_cosine(embed, sentences[0][0], s) for s in SOURCES[1]))


def test_sentence_citing_the_wrong_source_is_weak(embed):
    sentences = [("Models generalize long after overfitting, a phenomenon called grokking [3].", [3])]
    (result,) = score_support(sentences, SOURCES, embed, threshold=0.5)
    assert result.label == "weak"
    assert result.evidence == SOURCES[3][0]
    assert result.score < 0.5


def test_score_is_the_best_over_all_cited_sources(embed):
    sentence = "Retrieval augmented generation improves question answering [2][3]."
    (result,) = score_support([(sentence, [2, 3])], SOURCES, embed, threshold=0.5)
    assert result.label == "supported"
    assert result.evidence == SOURCES[3][0]


def test_markers_do_not_count_towards_similarity(embed):
    plain, marked = "Sparse experts scale.", "Sparse experts scale [2][3]."
    a, b = score_support([(plain, [2]), (marked, [2])], SOURCES, embed, threshold=0.0)
    assert a.score == pytest.approx(b.score)
    assert b.text == marked


def test_uncited_sentence_gets_best_evidence_from_any_source(embed):
    sentence = "The switch transformer reaches a 7x pretraining speedup."
    (result,) = score_support([(sentence, [])], SOURCES, embed, threshold=0.5)
    assert result.label == "uncited"
    assert result.cited == []
    assert result.evidence == SOURCES[2][1]
    assert result.score == pytest.approx(1.0)


def test_wrong_number_makes_a_close_sentence_weak(embed):
    right = ("Sparse mixture of experts models scale to 1.6 trillion parameters [2].", [2])
    wrong = ("Sparse mixture of experts models scale to 2.6 trillion parameters [2].", [2])
    good, bad = score_support([right, wrong], SOURCES, embed, threshold=0.5)
    assert good.label == "supported"
    assert bad.label == "weak"
    assert bad.score >= 0.5  # similar wording, but the number is not in the source


def test_number_may_come_from_any_sentence_of_the_cited_sources(embed):
    sentence = ("Sparse mixture of experts models scale to many parameters with 7x speedup [2].", [2])
    (result,) = score_support([sentence], SOURCES, embed, threshold=0.3)
    assert result.label == "supported"


def test_citing_a_source_with_no_text_is_weak_without_score(embed):
    (result,) = score_support([("Something [4].", [4])], SOURCES, embed, threshold=0.5)
    assert (result.label, result.score, result.evidence) == ("weak", None, None)


def test_no_sources_at_all(embed):
    cited, uncited = score_support([("A [1].", [1]), ("B.", [])], {}, embed, threshold=0.5)
    assert (cited.label, cited.score) == ("weak", None)
    assert (uncited.label, uncited.score, uncited.evidence) == ("uncited", None, None)
    assert embed.calls == 0


def test_everything_is_embedded_in_one_batch(embed):
    sentences = [("Grokking [1].", [1]), ("Experts [2].", [2]), ("Other.", [])]
    score_support(sentences, SOURCES, embed, threshold=0.5)
    assert embed.calls == 1


def test_empty_sentence_embeds_to_zero_and_scores_zero(embed):
    (result,) = score_support([("[1]", [1])], SOURCES, embed, threshold=0.5)
    assert result.score == 0.0
    assert result.label == "weak"


def test_repeated_citations_are_listed_once(embed):
    (result,) = score_support([("Grokking [1][1].", [1, 1])], SOURCES, embed, threshold=0.0)
    assert result.cited == [1]


def test_best_source_for_names_the_source_and_sentence(embed):
    match = best_source_for("Which phases occur: comprehension and memorization?", SOURCES, embed)
    assert isinstance(match, SourceMatch)
    n, score, evidence = match
    assert n == 1
    assert evidence == SOURCES[1][1]
    assert 0 < score <= 1


def test_best_source_for_without_sources(embed):
    assert best_source_for("Anything", {}, embed) is None
    assert best_source_for("Anything", {1: ["", "  "]}, embed) is None


@pytest.mark.parametrize("sentence, evidence, expected", [
    ("It reaches 72.5% accuracy.", ["Accuracy of 72.5 % on GLUE."], True),
    ("It reaches 72.5% accuracy.", ["Accuracy of 75.2% on GLUE."], False),
    ("A 3B model.", ["We train a 3 billion parameter model."], True),
    ("A 3B model.", ["We train a 3M parameter model."], False),
    ("It uses 1,000 GPUs.", ["Trained on 1000 GPUs."], True),
    ("Error falls to 13.6.", ["Error is 13.60 after tuning."], True),
    ("It covers three tasks.", ["No numbers here."], True),  # words are not checked claims
    ("It covers 3 tasks.", ["We evaluate on three tasks."], True),
    ("GPT-4 and T5 are compared.", ["Nothing numeric."], True),
    ("A 2x speedup.", ["A 2% speedup."], False),
    ("It scores 72.5 [1].", ["It scores 72.5."], True),
    ("Cited [2] only.", [], True),
    ("It reaches 72.5% and 80.1%.", ["72.5%", "and later 80.1%"], True),
    ("It reaches 72.5% and 80.1%.", ["72.5%"], False),
])
def test_numbers_supported(sentence, evidence, expected):
    assert numbers_supported(sentence, evidence) is expected


def test_extract_numbers_reads_units_and_skips_names():
    assert extract_numbers("175 billion, 10k steps, 50 percent, 3×, v1.5, COVID-19, 3D") == [
        ("175000000000", ""), ("10000", ""), ("50", "%"), ("3", "x")]


def test_docstring_examples_hold():
    assert doctest.testmod(support).failed == 0


def _cosine(embed, a: str, b: str) -> float:
    from assistant.citations import strip_markers
    u, v = embed([strip_markers(a), b])
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


def test_magnitudes_and_scientific_notation_compare_as_values():
    assert numbers_supported("It holds 242,000 pairs [1].", ["a dataset of 242k pairs"])
    assert not numbers_supported("They use a learning rate of 1e-5 [1].", ["we train with 1e-4"])
    assert numbers_supported("epsilon is 1e-8 [1]", ["with epsilon = 1E-8"])
