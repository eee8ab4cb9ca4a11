"""Support checking with a small real embedder: labels, evidence, numbers, and the uncited fallback."""

from __future__ import annotations

import doctest
import zlib

import numpy as np
import pytest

import assistant.support as support
from assistant.support import SourceMatch, best_matches, extract_numbers, numbers_supported, source_support
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


def test_best_matches_give_each_sources_best_and_second_sentence(embed):
    (matches,) = best_matches(["Which phases occur: comprehension and memorization?"], SOURCES, embed)
    best = matches[1]
    assert isinstance(best, SourceMatch) and best.n == 1
    assert best.evidence == SOURCES[1][1] and best.runner_up in SOURCES[1]
    assert 0 < best.score <= 1 and set(matches) == set(SOURCES)


def test_names_and_numbers_a_source_holds_raise_its_support(embed):
    sources = {1: ["The model reaches high accuracy on the benchmark."],
               2: ["The model reaches high accuracy on CIFAR-100 with 72.5% top-1."]}
    (plain,) = best_matches(["It reaches 72.5% on CIFAR-100."], sources, embed)
    (boosted,) = source_support(["It reaches 72.5% on CIFAR-100."], sources, embed)
    assert boosted[2].score - plain[2].score > boosted[1].score - plain[1].score
