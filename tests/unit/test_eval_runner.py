"""The runner against a small in-memory assistant: records, resuming after Ctrl-C, outputs, judge."""

import json
import time

import pytest

from assistant.text import split_sentences, word_tokens
from assistant.types import Answer, Citation, Hit, Paper, SentenceSupport
from evals.metrics import compute_metrics, load_records
from evals.questions import Question
from evals.runner import run_eval, verify_run

PAPERS = [
    Paper("p1", "PLATO-2: Towards Building an Open-Domain Chatbot via Curriculum Learning",
          "PLATO-2 is an open-domain chatbot trained via curriculum learning. A fine-grained "
          "generation model with latent variables produces diverse responses."),
    Paper("p2", "Big Bird: Transformers for Longer Sequences",
          "BigBird uses sparse attention with global tokens. It is Turing complete."),
    Paper("p3", "Gaussian Error Linear Units (GELUs)",
          "The GELU activation weights inputs by the Gaussian cumulative distribution function."),
    Paper("p4", "Locally Typical Sampling",
          "Locally typical sampling picks tokens whose information content is close to the "
          "expected information content, reducing degenerate repetitions."),
]

QUESTIONS = [
    Question("q1", "which chatbot was trained with curriculum learning?", "lookup",
             [PAPERS[0].title], ["PLATO-2"], True),
    Question("q2", "sparse attention with global tokens for long sequences", "lookup",
             [PAPERS[1].title], ["BigBird"], True),
    Question("q3", "which activation uses the gaussian cumulative distribution?", "fact",
             [PAPERS[2].title], ["GELU", "Gaussian cumulative distribution"], True),
    Question("q4", "what does it reduce?", "followup", [PAPERS[3].title], ["repetitions"], True,
             history=[{"role": "user", "content": "tell me about locally typical sampling"},
                      {"role": "assistant", "content": "It is a decoding method."}]),
    Question("q5", "Which papers improve neural radiance fields?", "unanswerable", [], [], False),
]


class FakeAssistant:
    """Word-overlap retrieval over PAPERS and extractive answers citing the top paper."""

    def __init__(self, papers=PAPERS, stop_at=None, threshold=0.3):
        self.papers, self.stop_at, self.threshold = papers, stop_at, threshold
        self.asked, self.searched = [], []

    def describe(self):
        return {"model": "fake-llm", "embedder": "word-overlap", "backend": "fake"}

    def search(self, question, history=None, k=10):
        self.searched.append(question)
        turns = [t["content"] for t in history or [] if t["role"] == "user"]
        query = set(word_tokens(" ".join([*turns, question])))
        scored = [(len(query & set(word_tokens(f"{p.title} {p.abstract}"))) / max(len(query), 1), p)
                  for p in self.papers]
        scored.sort(key=lambda pair: -pair[0])
        return [Hit(paper=p, score=s, rank=i) for i, (s, p) in enumerate(scored[:k], start=1)]

    def ask(self, question, history=None):
        if question == self.stop_at:
            raise KeyboardInterrupt
        self.asked.append(question)
        start = time.perf_counter()
        hits = self.search(question, history=history)
        timings = {"retrieve_s": time.perf_counter() - start}
        top = hits[0]
        if top.score < self.threshold:
            return Answer(question, "The papers here do not answer that.", [], True, hits,
                          timings={**timings, "total_s": timings["retrieve_s"]})
        sentence = split_sentences(top.paper.abstract)[0]
        text = f"{sentence} [1]"
        timings.update(first_token_s=timings["retrieve_s"] + 0.01, total_s=timings["retrieve_s"] + 0.02)
        return Answer(question, text, [Citation(1, top.paper.paper_id, top.paper.title)], False, hits,
                      sentences=[SentenceSupport(text, [1], 0.9, "supported", sentence)],
                      sources=[top], timings=timings, tokens={"prompt": 120, "completion": 20})


def test_the_fake_implements_what_the_harness_uses_of_the_assistant():
    from assistant.protocol import Answerer
    assert isinstance(FakeAssistant(), Answerer)


def test_retrieval_only_run_records_ranked_papers(tmp_path):
    fake = FakeAssistant()
    metrics = run_eval(fake, QUESTIONS, tmp_path, generate=False, progress=False)
    records = load_records(tmp_path / "records.jsonl")
    assert [r["id"] for r in records] == ["q1", "q2", "q3", "q4", "q5"]
    assert records[0]["retrieved"][0]["title"] == PAPERS[0].title and len(records[0]["retrieved"]) == 4
    assert records[0]["mode"] == "retrieve" and fake.asked == []
    assert metrics["overall"]["hit@1"] == 1.0 and metrics["n"]["overall"]["hit@1"] == 4
    assert "false_abstain" not in metrics["overall"]
    assert records[3]["history"][0]["content"].startswith("tell me")


def test_generate_run_records_answers_and_writes_outputs(tmp_path):
    metrics = run_eval(FakeAssistant(), QUESTIONS, tmp_path, generate=True, progress=False)
    record = load_records(tmp_path)[0]
    assert record["citations"][0]["paper_id"] == "p1" and record["abstained"] is False
    assert record["config"]["model"] == "fake-llm" and "git_commit" in record["config"]
    assert record["sources"][0]["abstract"].startswith("PLATO-2")
    assert record["support"][0]["label"] == "supported" and record["tokens"]["prompt"] == 120
    overall = metrics["overall"]
    assert overall["abstain_unanswerable"] == 1.0 and overall["false_abstain"] == 0.0
    assert overall["citation_validity"] == 1.0 and overall["citation_precision"] == 1.0
    assert metrics["by_category"]["fact"]["fact_recall"] == 1.0
    assert verify_run(tmp_path) == []
    for name in ("metrics.json", "report.md", "metrics_by_category.png", "latency.png",
                 "support_hist.png"):
        assert (tmp_path / name).stat().st_size > 0
    report = (tmp_path / "report.md").read_text()
    assert "**model**: fake-llm" in report and "## Retrieval" in report and "## Abstention" in report
    assert "| **overall** | 1.000 [1.00–1.00] (n=4)" in report
    assert "(latency.png)" in report


def test_interrupted_run_resumes_without_redoing_or_duplicating(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        run_eval(FakeAssistant(stop_at=QUESTIONS[2].question), QUESTIONS, tmp_path,
                 generate=True, progress=False)
    path = tmp_path / "records.jsonl"
    assert [r["id"] for r in load_records(path)] == ["q1", "q2"]
    with open(path, "a") as fh:  # a crash in the middle of writing a line
        fh.write('{"id": "q3", "category": "fa')
    fake = FakeAssistant()
    metrics = run_eval(fake, QUESTIONS, tmp_path, generate=True, progress=False)
    assert fake.asked == [q.question for q in QUESTIONS[2:]]
    lines = path.read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["q1", "q2", "q3", "q4", "q5"]
    assert metrics == compute_metrics(load_records(path))
    assert verify_run(tmp_path) == []


def test_completed_run_is_not_repeated_but_a_new_mode_is(tmp_path):
    run_eval(FakeAssistant(), QUESTIONS, tmp_path, generate=False, progress=False)
    again = FakeAssistant()
    run_eval(again, QUESTIONS, tmp_path, generate=False, progress=False)
    assert again.searched == []
    generating = FakeAssistant()
    metrics = run_eval(generating, QUESTIONS, tmp_path, generate=True, limit=2, progress=False)
    assert len(generating.asked) == 2
    assert metrics["meta"]["modes"] == ["generate", "retrieve"] and metrics["meta"]["n_generated"] == 2


def test_category_filter_and_limit(tmp_path):
    metrics = run_eval(FakeAssistant(), QUESTIONS, tmp_path, generate=False,
                       categories=["lookup", "fact"], limit=2, progress=False)
    assert [r["id"] for r in load_records(tmp_path)] == ["q1", "q2"]
    assert list(metrics["by_category"]) == ["lookup"]


def test_retrieval_only_run_draws_only_plots_with_data(tmp_path):
    run_eval(FakeAssistant(), QUESTIONS, tmp_path, generate=False, progress=False)
    assert (tmp_path / "latency.png").exists() and (tmp_path / "metrics_by_category.png").exists()
    assert not (tmp_path / "support_hist.png").exists()
    assert "support_hist" not in (tmp_path / "report.md").read_text()


def test_unlabelled_questions_run_without_gold_metrics(tmp_path):
    questions = [Question("q-001", "what is sparse attention with global tokens?"),
                 Question("q-002", "tell me about curriculum learning for chatbots")]
    metrics = run_eval(FakeAssistant(), questions, tmp_path, generate=True, progress=False)
    assert "hit@1" not in metrics["overall"] and "abstain_accuracy" not in metrics["overall"]
    assert metrics["overall"]["cited_sentence_share"] == 1.0
    assert list(metrics["by_category"]) == ["unlabelled"]


def test_judge_adds_alce_metrics_and_is_cached(tmp_path):
    calls = []

    def judge(sentence, abstracts):
        calls.append(sentence)
        return any(sentence.replace(" [1]", "") in a for a in abstracts)

    metrics = run_eval(FakeAssistant(), QUESTIONS, tmp_path, generate=True, judge=judge, progress=False)
    assert metrics["overall"]["judge_citation_recall"] == 1.0
    assert metrics["overall"]["judge_citation_precision"] == 1.0
    assert len(calls) == 4 and (tmp_path / "judge_cache.jsonl").exists()
    assert verify_run(tmp_path) == []
    records = load_records(tmp_path)
    assert records[0]["judge"]["sentences"][0]["supported"] is True
