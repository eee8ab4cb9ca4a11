"""Evidence selection on hand-made sentence vectors (shared by search hits and follow-up answers)."""

import doctest

import numpy as np

from assistant import evidence
from assistant.evidence import pick_evidence

SENTENCES = ["We study sparse attention.", "The dataset has 12k dialogues.", "Results improve by 3 points."]
VECTORS = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def test_picks_the_most_similar_sentences_in_abstract_order():
    query_vec = np.array([0.2, 0.1, 0.9])
    assert pick_evidence("results", query_vec, SENTENCES, VECTORS, 2) == [SENTENCES[0], SENTENCES[2]]


def test_a_shared_keyword_beats_a_slightly_closer_vector():
    # the embedder prefers sentence 0 a little; the query names the dataset of sentence 1
    query_vec = np.array([0.55, 0.45, 0.0])
    assert pick_evidence("how many dialogues in the dataset", query_vec, SENTENCES, VECTORS, 1) == [SENTENCES[1]]


def test_no_sentences_no_evidence():
    assert pick_evidence("anything", np.array([1.0, 0.0, 0.0]), [], np.zeros((0, 3)), 2) == []


def test_doctests():
    assert doctest.testmod(evidence).failed == 0
