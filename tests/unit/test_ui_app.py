"""The UI's handlers with a small fake Assistant that really implements the interface: streamed
replies, follow-ups, errors, abstention, search and export, uploads, evals, serving options.
build_app must build without a server and without loading anything."""

import json
import os
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.config import load_settings
from assistant.citations import split_answer_sentences, validate_citations
from assistant.errors import ConfigError, IndexEmptyError
from assistant.text import word_tokens
from assistant.types import (Message, Answer, AnswerEvent, Hit, IngestReport, Paper, ParseResult, SentenceSupport,
                             Skipped)
from ui.chat import Turn, cited_papers, history_of, new_chat, parse_filters, respond

PAPERS = [
    Paper("p-grok", "Towards Understanding Grokking", "We study grokking. Four learning phases are observed.",
          date="2022-05-20", n_authors=6),
    Paper("p-noprop", "NoProp: Training without Back-propagation",
          "Each layer learns to denoise a noisy target. No back-propagation is used.", date="2025-03-31"),
    Paper("p-plato", "PLATO-2: Open-Domain Chatbot", "A chatbot trained by curriculum learning.", date="2020"),
]


class FakeAssistant:
    """Word-overlap search and a canned reply, checked with the core's real citation functions."""

    def __init__(self, reply: str = "Four phases are observed [1]. It is a nice result.", fail=None):
        self.settings = load_settings(data_dir="/nonexistent/data", models_dir="/nonexistent/models")
        self.reply, self.fail, self.calls, self.papers = reply, fail, [], list(PAPERS)

    def search(self, query, *, k=None, history=None, filters=None, mode="hybrid"):  # word overlap, whatever the mode
        if not self.papers:
            raise IndexEmptyError("the index 'x' holds no papers yet", hint="run: python -m assistant ingest")
        words = set(word_tokens(query))
        scored = sorted(self.papers, key=lambda p: -len(words & set(word_tokens(p.title + " " + p.abstract))))
        scored = [p for p in scored if filters is None or filters.accepts(p)]
        return [Hit(p, 1.0 / i, i, evidence=p.abstract.split(". ")[-1:]) for i, p in enumerate(scored[:k or 10], 1)]

    def cite(self, description, *, k=3, filters=None):
        return self.search(description, k=k, filters=filters)

    def get_paper(self, paper_id):
        return next((p for p in self.papers if p.paper_id == paper_id), None)

    def ask_stream(self, question, *, history=None, filters=None, k=None):
        self.calls.append({"question": question, "history": history, "filters": filters, "k": k})
        yield AnswerEvent("status", "Searching the papers…")
        if self.fail:
            raise self.fail
        hits = self.search(question, k=k, history=history, filters=filters)
        if "paella" in question:
            yield AnswerEvent("answer", answer=Answer(question, "The indexed papers do not cover this.", [], True,
                                                      hits, abstain_reason="closest match: similarity 0.12"))
            return
        yield AnswerEvent("status", "Reading 1 paper…")
        for token in re.findall(r"\S+\s*", self.reply):
            yield AnswerEvent("token", token)
        checked = validate_citations(self.reply, hits[:1])
        sentences = [SentenceSupport(s, cited, 0.8 if cited else None, "supported" if cited else "uncited",
                                     hits[0].paper.abstract.split(". ")[-1] if cited else None)
                     for s, cited in split_answer_sentences(checked.text)]
        yield AnswerEvent("answer", answer=Answer(question, checked.text, checked.citations, False, hits,
                                                  sentences=sentences, sources=hits[:1]))

    def ask(self, question, *, history=None, filters=None, k=None):
        return [e.answer for e in self.ask_stream(question, history=history, filters=filters, k=k)][-1]

    def ingest(self, parsed, *, progress=None):
        for i, _ in enumerate(parsed.papers, 1):
            progress and progress(i, len(parsed.papers))
        self.papers += parsed.papers
        return IngestReport(papers_total=len(self.papers), papers_new=len(parsed.papers),
                            skipped=list(parsed.skipped), chunks_written=2 * len(parsed.papers))

    def stats(self):
        return {"papers": len(self.papers), "chunks": 9, "collection": "c", "store": "/tmp/s", "store_bytes": 2048}

    def describe(self):
        return {"embedder": "all-MiniLM-L6-v2", "llm": "smollm2", "backend": {"backend": "llamacpp",
                                                                           "reason": "a GGUF file"}}


def _final(updates):
    return updates[-1]


def test_reply_streams_status_then_text_then_the_checked_answer():
    updates = list(respond(FakeAssistant(), "What phases of grokking are observed?", [], min_interval=0))
    bubbles = [u.messages[-1]["content"] for u in updates]
    assert "Searching the papers" in bubbles[1] and "ra-status" in bubbles[1]
    assert any("ra-streaming" in b for b in bubbles)
    final = _final(updates)
    assert final.messages[0] == {"role": "user", "content": '<div class="ra-question">What phases of grokking '
                                                          'are observed?</div>'}
    assert 'href="#src-0-1"' in final.messages[-1]["content"] and 'id="src-0-1"' in final.sources
    assert "Towards Understanding Grokking" in final.sources
    assert final.answer["citations"][0]["paper_id"] == "p-grok"
    assert "ra-uncited" in final.messages[-1]["content"]


def test_follow_up_gets_the_conversation_and_new_chat_forgets_it():
    fake = FakeAssistant()
    first = _final(list(respond(fake, "What phases of grokking are observed?", [])))
    second = _final(list(respond(fake, "And how many are there?", first.turns)))
    assert fake.calls[0]["history"] is None
    assert fake.calls[1]["history"] == [Message("user", "What phases of grokking are observed?"),
                                        Message("assistant", "Four phases are observed [1]. It is a nice result.")]
    assert len(second.messages) == 4 and 'href="#src-1-1"' in second.messages[-1]["content"]
    assert new_chat().turns == [] and new_chat().messages == []


def test_each_conversation_state_stays_separate():
    fake = FakeAssistant()
    mine = _final(list(respond(fake, "grokking phases?", [])))
    theirs = _final(list(respond(fake, "chatbot curriculum?", [])))
    assert [t.question for t in mine.turns] == ["grokking phases?"]
    assert [t.question for t in theirs.turns] == ["chatbot curriculum?"]


def test_errors_become_a_readable_message_not_a_traceback():
    fake = FakeAssistant()
    fake.papers = []
    final = _final(list(respond(fake, "anything?", [])))
    bubble = final.messages[-1]["content"]
    assert "Could not answer" in bubble and "holds no papers yet — run: python -m assistant ingest" in bubble
    assert "Traceback" not in bubble and final.answer == {"error": final.turns[0].error}
    crash = _final(list(respond(FakeAssistant(fail=RuntimeError("disk <full>")), "q?", [])))
    assert "unexpected error (RuntimeError: disk &lt;full&gt;)" in crash.messages[-1]["content"]
    # a failed turn is shown but not sent back as history
    assert history_of(final.turns) == []


def test_bad_dates_are_explained_and_good_ones_filter():
    bubble = _final(list(respond(FakeAssistant(), "q?", [], 5, "last year", ""))).messages[-1]["content"]
    assert "&#x27;last year&#x27; is not a date — write it as YYYY, YYYY-MM or YYYY-MM-DD" in bubble
    fake = FakeAssistant()
    list(respond(fake, "chatbot?", [], 4, "2021", "2025-12"))
    assert fake.calls[0]["k"] == 4 and fake.calls[0]["filters"].date_from == "2021"
    assert parse_filters("", " ") is None


def test_uncovered_question_says_so_and_lists_closest_papers():
    final = _final(list(respond(FakeAssistant(), "how long should paella rest?", [])))
    bubble = final.messages[-1]["content"]
    assert "Not in the indexed papers" in bubble and "<li>" in bubble
    assert "ra-cite" not in bubble and final.answer["abstained"] is True
    assert "do not answer the question" in final.sources


def test_empty_question_changes_nothing():
    updates = list(respond(FakeAssistant(), "   ", [Turn("old", "x")]))
    assert len(updates) == 1 and [t.question for t in updates[0].turns] == ["old"]


def test_cited_papers_export_as_bibtex_and_ris_files():
    from ui.export import export_references
    final = _final(list(respond(FakeAssistant(), "grokking phases?", [])))
    papers = cited_papers(final.turns)
    assert [p.paper_id for p in papers] == ["p-grok"]
    text, path = export_references(papers, "BibTeX")
    assert re.search(r"^@\w+\{", text, re.M) and "Towards Understanding Grokking" in text
    assert path.endswith(".bib") and Path(path).read_text() == text
    ris, ris_path = export_references(papers, "RIS")
    assert "TY  - " in ris and ris_path.endswith(".ris")
    assert export_references([], "RIS") == ("", None)


def test_old_exports_are_removed_and_the_export_folder_goes_with_the_process(tmp_path):
    import subprocess
    import sys
    from ui import export
    first = Path(export.export_dir("refs-"))
    os.utime(first, (0, 0))  # as if made long ago
    second = Path(export.export_dir("refs-"))
    assert not first.exists() and second.is_dir() and second.parent == first.parent
    script = ("from ui.export import export_references; from assistant.types import Paper; "
              "print(export_references([Paper(paper_id='p', title='T', abstract='A.')], 'RIS')[1])")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          env={**os.environ, "TMPDIR": str(tmp_path)})
    written = Path(done.stdout.strip().splitlines()[-1])
    assert written.is_relative_to(tmp_path) and written.suffix == ".ris"
    assert list(tmp_path.iterdir()) == []  # the process's export folder went when it exited


def test_search_ranks_papers_and_exports_one_or_all():
    from ui.tabs_search import ALL, export_selection, search_papers, selection_choices
    html, hits, brief = search_papers(FakeAssistant(), "layer learns to denoise without back-propagation", 3)
    assert brief[0]["title"].startswith("NoProp") and "Matching sentence" in html
    assert selection_choices(hits)[0] == ("All results", ALL)
    one, _ = export_selection(hits, "0", "BibTeX")
    everything, _ = export_selection(hits, ALL, "BibTeX")
    assert one.count("@") == 1 and everything.count("@") == 3
    empty = FakeAssistant()
    empty.papers = []
    assert "holds no papers yet" in search_papers(empty, "x", 3)[0]


def test_upload_summary_counts_added_and_lists_skipped_with_reasons(tmp_path):
    from ui.tabs_papers import add_papers
    fake, ticks = FakeAssistant(), []
    new = Paper("p-new", "New <b>paper</b>", "Abstract.")

    def read_paths(paths):
        assert paths == [tmp_path / "a.jsonl"]
        return ParseResult([new], [Skipped(str(tmp_path / "a.jsonl"), 3, "line 3: invalid JSON")])

    html = add_papers(fake, read_paths, [str(tmp_path / "a.jsonl")], lambda d, t: ticks.append((d, t)))
    assert "Added <strong>1</strong> new" in html and "holds 4 papers" in html
    assert "<td>a.jsonl</td><td>3</td><td>line 3: invalid JSON</td>" in html
    assert ticks == [(1, 1)]
    assert "Choose one or more files" in add_papers(fake, read_paths, [])


def test_evals_list_this_data_dirs_runs_then_committed_ones_and_a_table_per_metric(tmp_path):
    from ui.tabs_evals import list_runs, run_choices
    from ui.eval_view import metrics_table
    for name in ("old", "new"):
        (tmp_path / "mine" / name).mkdir(parents=True)
        (tmp_path / "mine" / name / "metrics.json").write_text("{}")
    (tmp_path / "mine" / "no-metrics").mkdir()
    (tmp_path / "committed" / "dev").mkdir(parents=True)
    (tmp_path / "committed" / "dev" / "metrics.json").write_text("{}")
    os.utime(tmp_path / "mine" / "old", (time.time() - 100, time.time() - 100))
    assert [d.name for d in list_runs(tmp_path / "mine")] == ["new", "old"]
    labels = [label for label, _ in run_choices(tmp_path / "mine", tmp_path / "committed")]
    assert labels == ["new — this data directory", "old — this data directory", "dev — committed with the project"]
    headers, rows = metrics_table({"overall": {"recall@5": 0.8, "mrr": 0.5}, "by_category": {"lookup": {"mrr": 1}},
                                   "ci95": {"overall": {"recall@5": [0.7, 0.9]}, "by_category": {}}})
    assert headers == ["metric", "overall", "lookup"]
    assert rows == [["recall@5", "0.800 [0.70, 0.90]", "–"], ["mrr", "0.500", "1.000"]]
    assert list_runs(tmp_path / "missing") == [] and list_runs(None) == [] and run_choices(None, None) == []


def test_committed_run_shows_readable_backend_table_and_embedded_images():
    from ui.tabs_evals import EMPTY, show_run
    committed = Path(__file__).resolve().parents[2] / "evals" / "results"
    run_dir = next(d for d in committed.iterdir() if (d / "metrics.json").is_file())

    def load_run(d):
        return {"metrics": json.loads((d / "metrics.json").read_text()), "report_md": (d / "report.md").read_text(),
                "plots": sorted(str(p) for p in d.glob("*.png"))}

    summary, table, plots, report = show_run(load_run, str(run_dir), committed)
    assert "committed with the project" in summary and "{'backend'" not in summary
    assert "<th>metric</th><th>overall</th>" in table and "<th>hit@1</th>" in table
    assert plots.count('<img src="data:image/png;base64,') == len(list(run_dir.glob("*.png"))) >= 1
    assert "{'backend'" not in report and "](data:image/png;base64," in report and "](latency.png)" not in report
    assert show_run(load_run, None, committed)[0] == EMPTY


def test_serving_options():
    from ui.app import is_loopback, parse_auth
    assert parse_auth("ann:se:cret") == ("ann", "se:cret") and parse_auth(None) is None
    with pytest.raises(ConfigError):
        parse_auth("no-colon")
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0")


def test_settings_panel_shows_model_backend_and_index():
    from ui.settings_panel import info_html
    html = info_html(FakeAssistant())
    assert "llamacpp" in html and "a GGUF file" in html and "<td>3</td>" in html and "2.0 KB" in html
    broken = FakeAssistant()
    broken.stats = lambda: (_ for _ in ()).throw(IndexEmptyError("no index"))
    assert "no index" in info_html(broken)


def test_settings_say_what_each_number_means_and_how_far_indexing_is():
    from ui.settings_panel import info_html
    fake = FakeAssistant()
    html = info_html(fake)
    assert "<th>Papers retrieved</th><td>10 — the search ranks" in html
    assert "<th>Papers read for the answer</th><td>up to 3 — " in html and "<th>Indexing</th><td>finished" in html
    stats = fake.stats()
    fake.stats = lambda: {**stats, "indexing": {"state": "interrupted", "papers_searchable": 120,
                                                "papers_complete": 80, "papers_todo": 500},
                          "quality_index": {"papers": 40, "of": 500}}
    html = info_html(fake)
    assert "interrupted (run the ingest again to finish): 120 of 500 papers searchable, 80 complete" in html
    assert "<th>Quality index</th><td>papers 40, of 500</td>" in html  # statistics it does not know yet
    fake.stats = lambda: {**stats, "quality": {"embedder": "embeddinggemma-300m", "papers": 500, "covered": 120,
                                               "state": "building"}}
    assert ("<th>Quality index</th><td>embeddinggemma-300m: building, 120/500 papers (search uses it once "
            "complete)</td>") in info_html(fake)


def test_switching_the_llm_needs_a_present_model_and_says_what_happened(tmp_path):
    from ui.current import CurrentAssistant
    from ui.settings_panel import llm_choices, switch_model
    fake = FakeAssistant()
    current = CurrentAssistant(fake)
    assert llm_choices(fake.settings) == ["qwen2.5-coder-1.5b-instruct"]  # no model file is present here
    message = switch_model(current, "smollm2-135m-instruct", "llamacpp")
    assert message.startswith("Not switched: the model file for smollm2-135m-instruct is missing")
    assert current.get() is fake
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF")
    message = switch_model(current, str(gguf), "llamacpp")
    assert "Answers now come from" in message and current.get() is not fake
    assert current.settings.models.llm == str(gguf) and current.settings.data_dir == fake.settings.data_dir


def test_the_index_can_be_chosen_among_those_in_the_data_dir():
    from ui.current import CurrentAssistant
    from ui.settings_panel import index_choices, switch_model
    fake = FakeAssistant()
    stats = fake.stats()
    fake.stats = lambda: {**stats, "collection": "papers-a", "indexes": [
        {"name": "papers-a", "embedder": "all-MiniLM-L6-v2", "window_sentences": 3, "window_stride": 2},
        {"name": "papers-b", "embedder": "embeddinggemma-300m", "window_sentences": 3, "window_stride": 2}]}
    current = CurrentAssistant(fake)
    assert index_choices(current) == ([("papers-a (all-MiniLM-L6-v2)", "papers-a"),
                                       ("papers-b (embeddinggemma-300m)", "papers-b")], "papers-a")
    message = switch_model(current, "qwen2.5-coder-1.5b-instruct", "auto", "papers-zz")
    assert message == "Not switched: no index named papers-zz in this data directory." and current.get() is fake


def test_the_fake_implements_what_the_ui_uses_of_the_assistant():
    from assistant.protocol import AssistantAPI
    assert isinstance(FakeAssistant(), AssistantAPI)


def test_build_app_builds_without_a_server_or_models():
    from ui.app import build_app
    fake = FakeAssistant()
    fake.ask_stream = fake.stats = fake.describe = None  # building must not call any of them
    demo = build_app(fake, read_paths=lambda paths: ParseResult(), supported_suffixes=(".jsonl", ".bib"),
                     run_eval=lambda *a, **kw: {}, load_run=lambda d: {}, results_root=Path("/nonexistent"),
                     chats_dir=Path("/nonexistent/chats"))
    names = {d.get("api_name") for d in demo.get_config_file()["dependencies"]}
    assert {"chat", "search", "new_chat", "add_papers", "run_eval"} <= names
