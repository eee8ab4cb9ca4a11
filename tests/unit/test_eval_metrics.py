"""Metrics on hand-made records with known values; bootstrap determinism; edge cases never crash."""

import pytest

from evals.bootstrap import bootstrap_ci
from evals.metrics import compute_metrics, percentile

PLATO = "PLATO-2: Towards Building an Open-Domain Chatbot via Curriculum Learning"


def hit(title, pid=None, score=1.0):
    return {"paper_id": pid or title.lower()[:12], "title": title, "score": score}


def record(rid="r1", category="lookup", gold=("Gold",), retrieved=(), answerable=True, **extra):
    base = {"id": rid, "category": category, "question": f"question {rid}",
            "gold_titles": list(gold) if gold is not None else None, "answerable": answerable,
            "retrieved": [hit(t) if isinstance(t, str) else t for t in retrieved]}
    return {**base, **extra}


def answer(text="An answer [1].", citations=(), abstained=False, support=None, **extra):
    cites = [{"n": i, "paper_id": pid, "title": title} for i, (pid, title) in enumerate(citations, 1)]
    return {"answer": text, "citations": cites, "abstained": abstained,
            "support": support if support is not None else [], **extra}


def test_hit_and_mrr_with_gold_at_rank_three():
    m = compute_metrics([record(retrieved=["A", "B", "Gold", "C"])])["overall"]
    assert m["hit@1"] == 0.0
    assert m["hit@5"] == 1.0
    assert m["mrr@10"] == pytest.approx(1 / 3, abs=1e-6)
    assert m["mrr@10"] == 0.333333  # rounded to 6 decimals, as stored


def test_recall_at_5_counts_each_gold_paper_of_a_multi_gold_item():
    rec = record(category="topic", gold=["G1", "G2", "G3", "G4"],
                 retrieved=["G1", "x", "G2", "y", "z", "G3"])
    m = compute_metrics([rec])["overall"]
    assert m["recall@5"] == 0.5
    assert m["hit@1"] == 1.0


def test_titles_are_matched_after_the_graders_normalisation():
    rec = record(gold=[PLATO], retrieved=["plato 2 towards building an open domain chatbot via "
                                          "curriculum learning"])
    assert compute_metrics([rec])["overall"]["hit@1"] == 1.0


def test_chunks_of_one_paper_count_once():
    rec = record(retrieved=["A", "A", "A", "B", "B", "Gold"])
    assert compute_metrics([rec])["overall"]["mrr@10"] == 0.333333


def test_gold_beyond_rank_ten_scores_zero_mrr():
    rec = record(retrieved=[f"p{i}" for i in range(10)] + ["Gold"])
    m = compute_metrics([rec])["overall"]
    assert (m["mrr@10"], m["hit@5"]) == (0.0, 0.0)


def test_citation_validity_flags_an_invented_citation():
    rec = record(retrieved=[hit("Gold", "g"), hit("Other", "o")],
                 **answer(citations=[("g", "Gold"), ("zz", "A Paper Nobody Retrieved")]))
    m = compute_metrics([rec])["overall"]
    assert m["citation_validity"] == 0.5
    assert m["citation_precision"] == 0.5
    assert m["citation_recall"] == 1.0


def test_citation_recall_over_two_gold_papers():
    rec = record(category="compare", gold=["G1", "G2"], retrieved=[hit("G1", "1"), hit("G2", "2")],
                 **answer(citations=[("1", "G1")]))
    m = compute_metrics([rec])["overall"]
    assert (m["citation_precision"], m["citation_recall"]) == (1.0, 0.5)


def test_fact_recall_uses_normalised_substrings_and_only_fact_items():
    fact = record("f", category="fact", answer_facts=["GPT-2", "12 layers"],
                  **answer(text="They used gpt 2 with twelve layers."))
    lookup = record("l", answer_facts=["BigBird"], **answer(text="That is BIGBIRD [1]."))
    m = compute_metrics([fact, lookup])
    assert m["overall"]["fact_recall"] == 0.5
    assert m["overall"]["fact_recall_all"] == 0.75
    assert "fact_recall" not in m["by_category"]["lookup"]


def test_all_abstained_run():
    recs = [record("a", **answer(text="I cannot answer.", abstained=True)),
            record("u", category="unanswerable", gold=[], answerable=False,
                   **answer(text="I cannot answer.", abstained=True))]
    m = compute_metrics(recs)
    overall = m["overall"]
    assert overall["abstain_unanswerable"] == 1.0
    assert overall["false_abstain"] == 1.0
    assert overall["abstain_accuracy"] == 0.5
    assert overall["abstain_precision"] == 0.5
    for absent in ("citation_precision", "citation_recall", "cited_sentence_share", "fact_recall_all"):
        assert absent not in overall
    assert "false_abstain" not in m["by_category"]["unanswerable"]
    assert "abstain_unanswerable" not in m["by_category"]["lookup"]


def test_questions_without_gold_give_no_gold_metrics():
    rec = {"id": "q-001", "category": "unlabelled", "question": "anything?", "gold_titles": None,
           "answer_facts": None, "answerable": None, "retrieved": [hit("A")],
           **answer(support=[{"text": "An answer [1].", "cited": [1], "score": 0.8,
                              "label": "supported"}])}
    overall = compute_metrics([rec])["overall"]
    assert set(overall) == {"cited_sentence_share", "supported_sentence_share", "misattributed"}


def test_answer_fact_recall_covers_every_answerable_category_and_counts_abstentions_as_misses():
    recs = [record("a", "topic", answer_facts=["LightHGNN", "hypergraph"], **answer("LightHGNN distils [1].")),
            record("b", "lookup", answer_facts=["PLATO-2"], **answer("**PLATO-2** [1]")),
            record("c", "fact", answer_facts=["29.66"], **answer("Not covered.", abstained=True)),
            record("d", "unanswerable", gold=(), answerable=False, answer_facts=["x"], **answer("x"))]
    m = compute_metrics(recs)
    assert m["overall"]["answer_fact_recall"] == 0.5  # (0.5 + 1 + 0) / 3
    assert m["by_category"]["topic"]["answer_fact_recall"] == 0.5
    assert m["by_category"]["fact"]["answer_fact_recall"] == 0.0


def test_a_finding_cited_to_the_wrong_paper_counts_as_misattributed():
    wrong = {"text": "It alleviates non-IIDness [1].", "cited": [1], "named": [], "scores": {"1": 0.41, "2": 0.83}}
    right = {"text": "It speeds up training [2].", "cited": [2], "named": [], "scores": {"1": 0.40, "2": 0.80}}
    named = {"text": "CCL speeds up training [1].", "cited": [1], "named": [2], "scores": {"1": 0.9, "2": 0.9}}
    rec = record(**answer("x", support=[wrong, right, named]))
    assert compute_metrics([rec])["overall"]["misattributed"] == pytest.approx(2 / 3, abs=1e-6)


def test_an_answer_with_nothing_beyond_the_question_and_titles_is_empty():
    vague = record("v", "fact", question="On which benchmarks was FOSTER evaluated?",
                   **answer("FOSTER was evaluated on [1].", citations=[("f", "FOSTER: Feature Boosting")]))
    full = record("f", "fact", **answer("It was evaluated on CIFAR-100 and ImageNet [1]."))
    m = compute_metrics([vague, full])["overall"]
    assert m["empty_answer"] == 0.5


def test_empty_answer_does_not_crash_and_scores_zero_where_defined():
    rec = record(answer_facts=["Gold"], category="fact", **answer(text=""))
    overall = compute_metrics([rec])["overall"]
    assert overall["citation_recall"] == 0.0
    assert overall["fact_recall"] == 0.0
    assert "citation_precision" not in overall and "cited_sentence_share" not in overall


def test_retrieval_only_run_has_no_answer_metrics_but_has_latency():
    recs = [record(f"r{i}", retrieved=["Gold"], timings={"retrieve_s": t})
            for i, t in enumerate([0.1, 0.2, 0.3, 0.4])]
    m = compute_metrics(recs)
    assert m["overall"]["retrieve_s_p50"] == 0.25
    assert m["n"]["overall"]["retrieve_s_p95"] == 4
    assert "citation_validity" not in m["overall"] and "false_abstain" not in m["overall"]
    assert "total_s_p50" not in m["overall"]


def test_sentence_shares_are_pooled_over_sentences():
    support = [{"text": "a", "cited": [1], "score": 0.9, "label": "supported"},
               {"text": "b", "cited": [], "score": None, "label": "uncited"},
               {"text": "c", "cited": [1], "score": 0.4, "label": "weak"}]
    m = compute_metrics([record(**answer(support=support))])
    assert m["overall"]["cited_sentence_share"] == 0.666667
    assert m["overall"]["supported_sentence_share"] == 0.333333
    assert m["n"]["overall"]["cited_sentence_share"] == 3


def test_no_records_at_all():
    m = compute_metrics([])
    assert m["overall"] == {} and m["by_category"] == {} and m["meta"]["n_records"] == 0


def test_shape_n_and_intervals_per_category():
    recs = [record(f"l{i}", retrieved=["Gold"] if i % 2 else ["x", "Gold"]) for i in range(6)]
    recs.append(record("f", category="fact", retrieved=["x"]))
    m = compute_metrics(recs)
    assert set(m) == {"overall", "by_category", "n", "ci95", "meta"}
    assert list(m["by_category"]) == ["lookup", "fact"]
    assert m["n"]["by_category"]["lookup"]["hit@1"] == 6
    assert m["n"]["overall"]["hit@1"] == 7
    low, high = m["ci95"]["overall"]["hit@1"]
    assert low <= m["overall"]["hit@1"] <= high
    assert m["ci95"]["by_category"]["fact"]["hit@1"] == [0.0, 0.0]


def test_bootstrap_is_deterministic_and_seeded():
    items = [((i * 7919) % 101 / 100, 1) for i in range(40)]
    assert bootstrap_ci(items) == bootstrap_ci(items)
    assert bootstrap_ci(items, seed=1) != bootstrap_ci(items)
    assert bootstrap_ci([(1.0, 1)] * 5) == (1.0, 1.0)


def test_percentile_matches_linear_interpolation():
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([0.0, 10.0], 95) == pytest.approx(9.5)
    assert percentile([4.2], 95) == 4.2


@pytest.mark.parametrize("module", ["evals.questions", "evals.bootstrap", "evals.metrics",
                                    "evals.judge", "evals.report", "evals.compare"])
def test_docstring_examples(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


def test_citation_without_title_or_id_does_not_crash_and_is_invalid():
    rec = record(retrieved=[hit("Gold", "g")],
                 **answer(citations=[("g", "Gold"), ("", "")]))
    assert compute_metrics([rec])["overall"]["citation_validity"] == 0.5


# nDCG@10, binary relevance as BEIR scores it: gain 1/log2(rank+1), ideal over min(len(gold), 10)
def test_ndcg_with_both_gold_papers_at_ranks_one_and_three():
    rec = record(gold=["G1", "G2"], retrieved=["G1", "x", "G2", "y"])
    # (1 + 1/log2 4) / (1 + 1/log2 3) = 1.5 / 1.630930
    assert compute_metrics([rec])["overall"]["ndcg@10"] == 0.919721


def test_ndcg_with_one_gold_paper_at_rank_two_and_chunks_counted_once():
    assert compute_metrics([record(retrieved=["A", "Gold"])])["overall"]["ndcg@10"] == 0.63093
    assert compute_metrics([record(retrieved=["A", "A", "A", "Gold", "Gold"])])["overall"]["ndcg@10"] == 0.63093


def test_ndcg_with_one_of_three_gold_papers_found_and_one_missing():
    rec = record(gold=["G1", "G2", "G3"], retrieved=["x", "G2", "y", "G3"])
    # (1/log2 3 + 1/log2 5) / (1 + 1/log2 3 + 1/log2 4)
    assert compute_metrics([rec])["overall"]["ndcg@10"] == 0.498189


def test_ndcg_is_one_for_a_perfect_ranking_and_zero_beyond_rank_ten():
    perfect = record("p", gold=["G1", "G2"], retrieved=["G2", "G1", "x"])
    late = record("l", retrieved=[f"p{i}" for i in range(10)] + ["Gold"])
    assert compute_metrics([perfect])["overall"]["ndcg@10"] == 1.0
    assert compute_metrics([late])["overall"]["ndcg@10"] == 0.0
    assert compute_metrics([perfect, late])["overall"]["ndcg@10"] == 0.5  # a mean over questions


def test_ndcg_ideal_counts_at_most_ten_gold_papers():
    gold = [f"G{i}" for i in range(12)]
    assert compute_metrics([record(gold=gold, retrieved=gold[:10])])["overall"]["ndcg@10"] == 1.0


def test_ndcg_skips_items_without_gold_or_not_answerable():
    m = compute_metrics([record("u", category="unanswerable", gold=[], answerable=False, retrieved=["A"])])
    assert "ndcg@10" not in m["overall"]


def test_ndcg_is_listed_with_the_retrieval_metrics():
    from evals.metrics import METRIC_GROUPS
    assert "ndcg@10" in METRIC_GROUPS["Retrieval"]
