"""Ranking arithmetic: chunk-to-paper aggregation and fusion, on plain numbers."""

import numpy as np
import pytest

from assistant import quality
from assistant.fusion import (best_per_paper, blend_whole_and_best, mix, ranking, weighted_rrf,
                              weighted_score_fusion)


def test_a_paper_counts_once_with_its_best_chunk():
    assert best_per_paper([("a", 0.2), ("b", 0.5), ("a", 0.7)]) == {"a": 0.7, "b": 0.5}


def test_whole_abstract_match_beats_one_lucky_window():
    # "a" has one window that matches well but the paper as a whole does not;
    # "b" matches as a whole: a description of a paper should find "b"
    matches = [("a", "window", 0.80), ("a", "abstract", 0.40),
               ("b", "window", 0.70), ("b", "abstract", 0.68)]
    scores = blend_whole_and_best(matches, whole_weight=0.5)
    assert ranking(scores) == ["b", "a"]


def test_blend_weight_zero_is_best_chunk_and_one_is_whole_abstract():
    matches = [("a", "window", 0.9), ("a", "abstract", 0.5)]
    assert blend_whole_and_best(matches, 0.0) == {"a": 0.9}
    assert blend_whole_and_best(matches, 1.0) == {"a": 0.5}


def test_missing_whole_abstract_gets_the_candidate_floor():
    matches = [("a", "window", 0.9), ("b", "abstract", 0.3)]
    assert blend_whole_and_best(matches, 0.5) == {"a": 0.6, "b": 0.3}


def test_abstract_only_index_is_unchanged_by_the_blend():
    matches = [("a", "abstract", 0.7), ("b", "abstract", 0.6)]
    assert blend_whole_and_best(matches, 0.5) == {"a": 0.7, "b": 0.6}


def test_no_matches_no_scores():
    assert blend_whole_and_best([], 0.5) == {}


def test_score_fusion_keeps_a_clear_dense_winner_ahead():
    dense = {"a": 0.9, "b": 0.5, "c": 0.45}
    lexical = {"b": 6.0, "c": 5.5, "a": 5.0}
    assert ranking(weighted_score_fusion(dense, lexical, 1.0, 0.8))[0] == "a"


def test_rrf_rewards_agreement():
    assert ranking(weighted_rrf([["a", "b"], ["b", "c"]], [1.0, 1.0], k=0)) == ["b", "a", "c"]


def test_mix_blends_in_the_other_score_and_keeps_papers_without_one():
    assert mix({"a": 0.4, "b": 0.6}, {"a": 0.8}, 0.5) == {"a": 0.6, "b": 0.6}
    assert mix({"a": 0.4}, {"a": 0.8}, 0.0) == {"a": 0.4}
    assert mix({"a": 0.4}, {"a": 0.8, "z": 1.0}, 1.0) == {"a": 0.8}, "only the papers of the first mapping"


def test_one_sentence_that_restates_a_claim_lifts_its_paper():
    # "a" as a whole is about something broader, but one of its sentences is the claim;
    # "b" is uniformly on-topic without stating it
    dense = blend_whole_and_best([("a", "abstract", 0.45), ("a", "window", 0.50),
                                  ("b", "abstract", 0.50), ("b", "window", 0.52)], 0.75)
    assert ranking(dense) == ["b", "a"]
    assert ranking(mix(dense, {"a": 0.85, "b": 0.55}, 0.4)) == ["a", "b"]


def test_the_retrieval_module_examples_hold():
    """title_names (which title heads count as a paper's name) and the named-first reordering."""
    import doctest

    from assistant import retrieval
    assert doctest.testmod(retrieval).failed == 0


def test_a_hub_loses_to_the_paper_that_stands_apart():
    """CSLS arithmetic: "hub" is as close to the query as "apart" but also close to its neighbours,
    so with the correction "apart" comes first."""
    import doctest
    vectors = np.array([[0.8, 0.6, 0.0], [0.8, 0.0, 0.6], [0.6, 0.8, 0.0], [0.0, 0.8, 0.6]])  # hub, apart, 2 near hub
    hub, apart = quality.neighbour_similarity(vectors, [0, 1], 2)
    assert hub == pytest.approx((0.96 + 0.64) / 2) and apart == pytest.approx((0.64 + 0.48) / 2)
    query = np.array([1.0, 0.0, 0.0])
    plain = vectors[:2] @ query
    assert plain[0] == plain[1]  # a tie on plain similarity ...
    assert plain[1] - 0.5 * apart > plain[0] - 0.5 * hub  # ... that the correction breaks for "apart"
    assert doctest.testmod(quality).failed == 0
