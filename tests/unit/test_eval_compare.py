"""Comparing two runs shows metric deltas and names the questions that regressed."""

import pytest

from assistant.errors import InputError
from evals.compare import compare_runs, format_delta
from evals.records import rewrite_records
from evals.runner import summarize_run


def make_run(path, first_ranked, abstain_on_u):
    """Two lookups and one unanswerable; `first_ranked` is the top paper for question l1."""
    records = [
        {"id": "l1", "category": "lookup", "question": "which paper made BigBird?",
         "gold_titles": ["Big Bird"], "answerable": True,
         "retrieved": [{"paper_id": "x", "title": first_ranked}, {"paper_id": "y", "title": "Other"},
                       {"paper_id": "b", "title": "Big Bird"}],
         "answer": "BigBird [1].", "abstained": False,
         "citations": [{"n": 1, "paper_id": "b", "title": "Big Bird"}]},
        {"id": "l2", "category": "lookup", "question": "the GELU paper",
         "gold_titles": ["GELUs"], "answerable": True,
         "retrieved": [{"paper_id": "g", "title": "GELUs"}],
         "answer": "GELU [1].", "abstained": False,
         "citations": [{"n": 1, "paper_id": "g", "title": "GELUs"}]},
        {"id": "u1", "category": "unanswerable", "question": "NeRF papers?", "gold_titles": [],
         "answerable": False, "retrieved": [], "answer": "Not covered.", "abstained": abstain_on_u,
         "citations": []},
    ]
    path.mkdir()
    rewrite_records(path / "records.jsonl", records)
    summarize_run(path)
    return path


def test_compare_shows_regression_with_question(tmp_path):
    run_a = make_run(tmp_path / "a", "Big Bird", abstain_on_u=False)
    run_b = make_run(tmp_path / "b", "Something Else", abstain_on_u=True)
    text = compare_runs(run_a, run_b)
    assert "| hit@1 | 1.000 | 0.500 | -0.500 worse |" in text
    assert "| abstain_unanswerable | 0.000 | 1.000 | +1.000 better |" in text
    worse = text.split("## Questions that got worse")[1].split("## Questions that got better")[0]
    assert "| l1 | lookup | reciprocal_rank | 1.000 | 0.333 | which paper made BigBird? |" in worse
    assert "l2" not in worse
    better = text.split("## Questions that got better")[1]
    assert "| u1 | unanswerable | abstain_correct | 0.000 | 1.000 |" in better
    assert "## lookup" in text and "## unanswerable" in text


def test_compare_identical_runs_lists_no_changes(tmp_path):
    run_a = make_run(tmp_path / "a", "Big Bird", abstain_on_u=True)
    text = compare_runs(run_a, run_a)
    assert "## Questions that got worse (0)\n\nnone" in text and "worse |" not in text


def test_delta_direction_for_lower_is_better_metrics():
    assert format_delta("total_s_p50", 2.0, 1.5) == "-0.500 better"
    assert format_delta("false_abstain", 0.1, 0.2) == "+0.100 worse"
    assert format_delta("hit@1", None, 0.5) == "–"


def test_missing_run_directory_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="not a run directory"):
        compare_runs(tmp_path / "nope", tmp_path)
    with pytest.raises(InputError, match="neither"):
        compare_runs(tmp_path, tmp_path)
