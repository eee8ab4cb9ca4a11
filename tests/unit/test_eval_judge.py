"""The optional judge: yes/no parsing, the LLM wrapper, ALCE scoring and the on-disk cache."""

from evals.judge import (JUDGE_SYSTEM, answer_sentences, cached_judge, judge_record, judge_records,
                         make_llm_judge, parse_yes_no)

ABSTRACTS = {"a": "BigBird uses sparse attention. It is Turing complete.",
             "b": "GELU weights inputs by the Gaussian CDF."}


def keyword_judge(sentence, abstracts):
    """Supported when every word after the first is in the joined abstracts."""
    text = " ".join(abstracts).lower()
    words = [w.strip(".[]0123456789") for w in sentence.lower().split()[1:]]
    return all(w in text for w in words if w)


def make_record(support):
    return {"id": "r", "answer": " ".join(s["text"] for s in support), "abstained": False,
            "citations": [{"n": 1, "paper_id": "a", "title": "Big Bird"},
                          {"n": 2, "paper_id": "b", "title": "GELUs"}],
            "sources": [{"paper_id": k, "title": k, "abstract": v} for k, v in ABSTRACTS.items()],
            "support": support}


def test_parse_yes_no():
    assert parse_yes_no("Yes") and parse_yes_no(" yes, it is supported")
    assert not parse_yes_no("No.") and not parse_yes_no("I am not sure") and not parse_yes_no("")


def test_llm_judge_sends_the_constant_prompt_and_reads_the_streamed_reply():
    seen = []

    def generate(messages, max_tokens=None):
        seen.append((messages, max_tokens))
        yield from ["Y", "es"]

    judge = make_llm_judge(generate)
    assert judge("BigBird is Turing complete.", [ABSTRACTS["a"]]) is True
    messages, max_tokens = seen[0]
    assert messages[0] == {"role": "system", "content": JUDGE_SYSTEM}
    assert "BigBird is Turing complete." in messages[1]["content"] and ABSTRACTS["a"] in messages[1]["content"]
    assert max_tokens == 4
    assert judge("anything", []) is False and len(seen) == 1  # nothing cited: no call


def test_alce_recall_and_precision_with_a_superfluous_citation():
    record = make_record([
        {"text": "It uses sparse attention [1][2].", "cited": [1, 2]},   # [2] superfluous
        {"text": "It weights inputs by the Gaussian CDF [2].", "cited": [2]},
        {"text": "It was trained on the moon [1].", "cited": [1]},        # unsupported
        {"text": "Nothing cited here.", "cited": []},
    ])
    scores = judge_record(record, keyword_judge)
    assert scores["citation_recall"] == 0.5
    assert scores["citation_precision"] == 0.5  # 2 of 4 citations are relevant
    assert [s["supported"] for s in scores["sentences"]] == [True, True, False, False]


def test_sentences_fall_back_to_citation_markers_without_support():
    record = {"answer": "BigBird is sparse [1]. GELU uses the CDF [1, 2]. Done.", "support": []}
    assert answer_sentences(record) == [("BigBird is sparse [1].", [1]),
                                        ("GELU uses the CDF [1, 2].", [1, 2]), ("Done.", [])]


def test_cache_survives_a_new_process(tmp_path):
    calls = []

    def judge(sentence, abstracts):
        calls.append(sentence)
        return True

    path = tmp_path / "judge_cache.jsonl"
    assert cached_judge(judge, path)("claim", ["source"]) is True
    assert cached_judge(judge, path)("claim", ["source"]) is True
    assert cached_judge(judge, path)("another claim", ["source"]) is True
    assert calls == ["claim", "another claim"]


def test_only_answered_records_are_judged(tmp_path):
    answered = make_record([{"text": "It uses sparse attention [1].", "cited": [1]}])
    abstained = {**answered, "id": "x", "abstained": True}
    retrieval_only = {"id": "y", "retrieved": []}
    records, changed = judge_records([answered, abstained, retrieval_only], keyword_judge,
                                     tmp_path / "cache.jsonl")
    assert changed and records[0]["judge"]["citation_recall"] == 1.0
    assert "judge" not in records[1] and "judge" not in records[2]
