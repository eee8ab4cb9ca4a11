"""Reading question files: the shipped dev set, plain text, bare JSONL, and clear errors."""

import json

import pytest

from assistant.errors import InputError
from evals.questions import default_questions_path, load_questions, select_questions


def test_shipped_dev_set_loads_with_gold_and_history():
    questions = load_questions(default_questions_path())
    assert len(questions) == 60
    first = questions[0]
    assert first.id == "dev-001" and first.category == "lookup" and first.answerable is True
    assert first.gold_titles and first.answer_facts == ["PLATO-2"]
    followups = [q for q in questions if q.category == "followup"]
    assert followups and all(q.history and q.history[0]["role"] == "user" for q in followups)
    unanswerable = [q for q in questions if q.category == "unanswerable"]
    assert len(unanswerable) == 14 and all(q.answerable is False for q in unanswerable)


def test_plain_text_questions_get_generated_ids(tmp_path):
    path = tmp_path / "questions.txt"
    path.write_text("# my questions\nwhat is BigBird?\n\n  who proposed GELU?  \n", encoding="utf-8")
    questions = load_questions(path)
    assert [(q.id, q.question, q.category) for q in questions] == [
        ("q-001", "what is BigBird?", "unlabelled"), ("q-002", "who proposed GELU?", "unlabelled")]
    assert questions[0].gold_titles is None and questions[0].answerable is None


def test_jsonl_with_only_questions(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "first?"}\n{"question": "second?"}\n', encoding="utf-8")
    questions = load_questions(path)
    assert [q.id for q in questions] == ["q-001", "q-002"]
    assert questions[1].category == "unlabelled" and questions[1].answer_facts is None


@pytest.mark.parametrize("bad_line, message", [
    ("{not json", "not valid JSON"),
    ('{"id": "x"}', "question"),
    ('{"question": "q?", "gold_titles": "A title"}', "gold_titles"),
    ('{"question": "q?", "history": [{"role": "bot", "content": "hi"}]}', "history"),
    ("[1, 2]", "JSON object"),
])
def test_bad_line_names_file_and_line(tmp_path, bad_line, message):
    path = tmp_path / "broken.jsonl"
    good = json.dumps({"id": "a", "question": "fine?"})
    path.write_text(f"{good}\n\n{bad_line}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_questions(path)
    assert f"broken.jsonl:3" in str(err.value) and message in str(err.value)


def test_duplicate_ids_and_missing_file_are_errors(tmp_path):
    path = tmp_path / "dup.jsonl"
    path.write_text('{"id": "a", "question": "x?"}\n{"id": "a", "question": "y?"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="duplicate"):
        load_questions(path)
    with pytest.raises(InputError, match="not found"):
        load_questions(tmp_path / "nope.jsonl")


def test_select_by_category_then_limit():
    questions = load_questions(default_questions_path())
    chosen = select_questions(questions, categories=["fact", "topic"], limit=13)
    assert len(chosen) == 13 and {q.category for q in chosen} == {"fact", "topic"}
    assert chosen[0].id < chosen[-1].id
    with pytest.raises(InputError, match="no questions"):
        select_questions(questions, categories=["nonsense"])
