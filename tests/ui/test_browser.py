"""The real UI in a real browser: a small real index, MiniLM, the tiny SmolLM2 GGUF, Debian's chromium.

What a user does: ask and watch the answer stream, follow a citation to its source card, get a
"not in the papers" reply, stop an answer, ask while one runs, reload and get the chat back, upload
papers, look up a paper and export its BibTeX, read eval results and run an answer eval.
Also the chat endpoint through gradio_client, three users at once, and the login.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("chromium missing: apt-get update && apt-get install -y chromium", allow_module_level=True)

import ingest  # noqa: E402  (the composition root's job; tests may wire it like the CLI)
from assistant.config import load_settings  # noqa: E402
from assistant.models import REGISTRY, is_present  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402

MODELS_DIR = load_settings().models_dir
if not all(is_present(REGISTRY[n], MODELS_DIR) for n in ("all-MiniLM-L6-v2", "smollm2-135m-instruct")):
    pytest.skip("test models missing: run python -m assistant models fetch --test", allow_module_level=True)

from ui import build_app, launch  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
# lookups: the pipeline names the retrieved paper and cites it as [1], whatever the tiny model writes
NOPROP_Q = "which paper trains each layer on its own to denoise a noisy target, without back-propagation?"
LOOKUPS = {
    NOPROP_Q: "NoProp",
    "which paper builds an open-domain chatbot with curriculum learning?": "PLATO-2",
    "which paper protects weights important for old tasks to overcome catastrophic forgetting?": "Overcoming catastrophic",
}
OFF_TOPIC_Q = "Which recipes use saffron and how long should paella rest?"
# a fact question: the model writes (and streams) a sentence under the quotes shown first
GROKKING_Q = "What learning phases does the effective theory of grokking find?"
FINAL = "#chat .ra-answer, #chat .ra-abstain, #chat .ra-error"
WAIT_MS = 240_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    settings = load_settings(data_dir=str(tmp_path_factory.mktemp("data")), models_dir=str(MODELS_DIR),
                             models={"llm": "smollm2-135m-instruct", "n_threads": 1},
                             answer={"max_tokens": 40})
    a = Assistant(settings)
    a.ingest(ingest.read_paths([FIXTURES / "papers.jsonl"]))
    return a


@pytest.fixture(scope="module")
def results_root(tmp_path_factory) -> Path:
    """One finished eval run, with a metrics file, a report and a plot, as the eval harness writes them."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    root = tmp_path_factory.mktemp("results")
    run = root / "dev-run"
    run.mkdir()
    _write_metrics(run, 0.75)
    (run / "report.md").write_text("# Eval report\n\nRetrieval only, dev set.\n")
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(["lookup", "fact"], [0.9, 0.6])
    fig.savefig(run / "recall.png")
    plt.close(fig)
    return root


def _write_metrics(run: Path, recall: float) -> dict:
    metrics = {"overall": {"recall@5": recall, "mrr": 0.61}, "n": {"overall": {"recall@5": 20}},
               "by_category": {"lookup": {"recall@5": 0.9, "mrr": 0.8}, "fact": {"recall@5": 0.6, "mrr": 0.5}},
               "ci95": {"overall": {"recall@5": [0.55, 0.9]}, "by_category": {}}}
    run.mkdir(parents=True, exist_ok=True)
    (run / "metrics.json").write_text(json.dumps(metrics))
    return metrics


def _run_eval(assistant, out_dir: Path, *, generate: bool, limit: int | None, on_question) -> dict:
    """The real eval harness on the dev questions, as the CLI wires it (the test is a composition root)."""
    from evals.questions import default_questions_path, load_questions
    from evals.runner import run_eval
    return run_eval(assistant, load_questions(default_questions_path()), out_dir, generate=generate,
                    limit=limit, progress=False, on_question=on_question)


def _load_run(run_dir: Path) -> dict:
    report = run_dir / "report.md"
    return {"metrics": json.loads((run_dir / "metrics.json").read_text()),
            "report_md": report.read_text() if report.exists() else "",
            "plots": sorted(str(p) for p in run_dir.glob("*.png"))}


def _app(assistant, results_root):
    return build_app(assistant, read_paths=ingest.read_paths, supported_suffixes=ingest.SUPPORTED_SUFFIXES,
                     run_eval=_run_eval, load_run=_load_run, results_root=results_root / "mine",
                     committed_results=results_root)


@pytest.fixture(scope="module")
def server(assistant, results_root):
    app, port = _app(assistant, results_root), _free_port()
    launch(app, port=port, concurrency=3, block=False)
    yield f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    context.set_default_timeout(120_000)  # the machines are shared: page loads can be slow
    page = context.new_page()
    page.goto(server)
    page.wait_for_selector("#chat-input textarea", timeout=60_000)
    yield page
    context.close()


def _client(url: str, **kwargs):
    from gradio_client import Client
    return Client(url, verbose=False, analytics_enabled=False, download_files=False,
                  httpx_kwargs={"timeout": 120}, **kwargs)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _ask(page, question: str) -> None:
    """Type a question, send it, and wait for its final reply (recording what showed meanwhile)."""
    before = page.locator(FINAL).count()
    page.evaluate("""() => {
        window.__seen = {status: false, streaming: false, evidence: false, evidence_first: false};
        new MutationObserver(() => {
            const seen = window.__seen;
            if (document.querySelector('#chat .ra-status')) seen.status = true;
            const streamed = [...document.querySelectorAll('#chat .ra-streaming')].some(e => e.innerText.trim().length > 1);
            if (document.querySelector('#chat .ra-evidence') && !seen.evidence) {
                seen.evidence = true;
                seen.evidence_first = !seen.streaming;
            }
            if (streamed) seen.streaming = true;
            if (document.querySelector('#chat .ra-elapsed')) seen.elapsed = true;
        }).observe(document.body, {childList: true, subtree: true, characterData: true});
    }""")
    page.locator("#chat-input textarea").fill(question)
    page.locator("#chat-send").click()
    page.wait_for_function(f"n => document.querySelectorAll({FINAL!r}).length > n", arg=before, timeout=WAIT_MS)


def test_evidence_shows_before_the_answer_streams_and_citations_lead_to_cards(page):
    _ask(page, GROKKING_Q)
    seen = page.evaluate("window.__seen")
    assert seen["status"], "no progress line was shown before the answer"
    assert seen.get("elapsed"), "no waiting time was shown"
    assert seen["evidence"], "the papers' matching sentences were not shown"
    assert seen["evidence_first"], "the model's text streamed before the evidence quotes"
    answer = page.locator("#chat .ra-answer").last
    # the model's checked sentences, or the abstract's own sentences quoted (or both)
    assert answer.locator(".ra-sent, blockquote.ra-quote").count() >= 1
    marker = answer.locator("a.ra-cite").first
    target = marker.get_attribute("href").lstrip("#")
    card = page.locator(f"#sources #{target}")
    assert card.count() == 1 and "Grokking" in card.inner_text()
    assert card.locator(".ra-badge").count() == 1 and card.locator("mark").count() >= 1
    assert page.locator("#chat-input textarea").input_value() == ""
    _shot(page, "chat-answer.png")
    marker.click()
    page.wait_for_function(f"() => document.getElementById({target!r}).classList.contains('ra-flash')")
    assert card.is_visible()
    _shot(page, "chat-citation-clicked.png")


def test_lookup_names_the_paper_with_what_it_does(page):
    _ask(page, NOPROP_Q)
    answer = page.locator("#chat .ra-answer").last.inner_text()
    assert answer.startswith("NoProp") and "What it does:" in answer


def test_follow_up_keeps_the_conversation_and_new_chat_clears_it(page):
    _ask(page, NOPROP_Q)
    _ask(page, "What does that paper use instead of back-propagation?")
    assert page.locator("#chat .ra-question").count() == 2
    assert page.locator("#sources details.ra-turn").count() == 1  # the first answer's sources, folded
    page.locator("#chat .ra-answer").first.locator("a.ra-cite").first.click()  # unfolds them
    page.wait_for_function("() => document.querySelector('#sources details.ra-turn').open")
    assert page.locator("#sources #src-0-1").is_visible()
    page.locator("#new-chat").click()
    page.wait_for_function("() => document.querySelectorAll('#chat .ra-question').length === 0")
    assert "Sources of the answers appear here" in page.locator("#sources").inner_text()


def test_uncovered_question_gets_not_in_the_papers_with_closest_titles(page):
    _ask(page, OFF_TOPIC_Q)
    reply = page.locator("#chat .ra-abstain").last
    assert "Not in the indexed papers" in reply.inner_text()
    assert reply.locator("li").count() >= 1 and reply.locator("a.ra-cite").count() == 0
    _shot(page, "chat-abstain.png")


def _fill_until_it_holds(page, selector: str, value: str, tries: int = 5) -> None:
    """Fill a box that may still be mounting (a just-opened accordion) until the value stays."""
    box = page.locator(selector).first
    for _ in range(tries):
        box.fill(value)
        page.wait_for_timeout(300)
        if box.input_value() == value:
            return
    raise AssertionError(f"{selector} would not keep {value!r}")


def test_bad_date_filter_is_a_readable_message(page):
    page.locator("#settings").get_by_text("Settings").click()
    _fill_until_it_holds(page, "#date-from textarea, #date-from input", "last spring")
    _ask(page, NOPROP_Q)
    error = page.locator("#chat .ra-error").last.inner_text()
    assert "is not a date" in error and "Traceback" not in error
    assert "Papers" in page.locator("#index-info").inner_text()  # the settings panel's index statistics
    _shot(page, "chat-settings-error.png")


def test_upload_adds_papers_and_says_what_was_skipped_then_search_shows_titles_literally(page):
    page.get_by_role("tab", name="Add papers").click()
    page.locator("#upload-files input[type=file]").set_input_files(str(FIXTURES / "upload.jsonl"))
    # uploaded and listed, so ready to add
    page.wait_for_function("() => document.querySelector('#upload-files').innerText.includes('upload')")
    page.locator("#upload-button").click()
    summary = page.locator("#upload-summary .ra-summary")
    summary.wait_for(timeout=WAIT_MS)
    text = summary.inner_text()
    assert "Added 1 new" in text and "missing title" in text and "invalid JSON" in text
    _shot(page, "upload-summary.png")

    page.get_by_role("tab", name="Find a paper").click()
    page.locator("#search-query textarea").fill("byte-level tokenizers that merge byte pairs")
    page.locator("#search-button").click()
    first = page.locator("#search-results .ra-result").first
    first.wait_for(timeout=WAIT_MS)
    assert "<script>window.__pwned=1</script>" in first.locator(".ra-title").inner_text()
    assert "![pic](http://127.0.0.1:9/x.png)" in first.inner_text()
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#search-results img").count() == 0
    page.locator("#search-export").click()  # the top result by default, not every result
    page.wait_for_function("() => document.body.innerText.includes('@article') || "
                           "document.body.innerText.includes('@misc')", timeout=60_000)
    exported = page.evaluate("() => document.body.innerText")
    assert exported.count("@article{") + exported.count("@misc{") == 1
    _shot(page, "search-export.png")


def test_evals_tab_lists_runs_shows_one_readably_and_runs_an_answer_eval_with_progress(page):
    page.get_by_role("tab", name="Evals").click()
    page.wait_for_function("() => document.querySelector('#evals-table').innerText.includes('lookup')",
                           timeout=60_000)
    assert "0.750 [0.55, 0.90]" in page.locator("#evals-table").inner_text()
    assert page.locator("#evals-runs input").input_value() == "dev-run — committed with the project"
    plot = page.locator("#evals-plots img").first
    plot.wait_for()
    natural = plot.evaluate("img => [img.naturalWidth, img.getBoundingClientRect().width]")
    assert natural[0] > 0 and natural[1] >= min(natural[0], 600) * 0.95, f"plot shown cropped or shrunk: {natural}"
    page.locator("#evals-kind").get_by_text("Answer quality").click()
    _fill_until_it_holds(page, "#evals-limit input", "2")
    page.evaluate("""() => {
        window.__progress = [];
        new MutationObserver(() => {
            const m = document.body.innerText.match(/question \\d+\\/2/g);
            if (m) window.__progress.push(...m);
        }).observe(document.body, {childList: true, subtree: true, characterData: true});
    }""")
    page.locator("#evals-start").click()
    page.wait_for_function("() => document.querySelector('#evals-status').innerText.includes('Finished')",
                           timeout=WAIT_MS)
    assert "question 1/2" in page.evaluate("window.__progress") or "question 2/2" in page.evaluate("window.__progress")
    assert "Batches" not in page.locator("#evals-status").inner_text()
    summary = page.locator("#evals-note").inner_text()
    assert "ui-answers-" in summary and "2 questions (generate)" in summary and "{'backend'" not in summary
    assert "answer_fact_recall" in page.locator("#evals-table").inner_text()
    assert page.locator("#evals-plots img").count() >= 1
    _shot(page, "evals.png")


def test_stop_ends_the_answer_without_showing_the_draft_as_an_answer(page):
    page.locator("#chat-input textarea").fill(GROKKING_Q)
    page.locator("#chat-send").click()
    page.wait_for_function("q => [...document.querySelectorAll('#chat .ra-question')].some(e => e.innerText === q)",
                           arg=GROKKING_Q)
    page.locator("#chat-stop").click()
    page.wait_for_selector("#chat .ra-stopped", timeout=WAIT_MS)
    assert page.locator("#chat .ra-answer").count() == 0
    assert "no answer" in page.locator("#chat .ra-stopped").inner_text()
    _shot(page, "chat-stopped.png")
    _ask(page, NOPROP_Q)  # the chat goes on
    assert page.locator("#chat .ra-answer").last.inner_text().startswith("NoProp")


def test_a_question_asked_while_one_runs_is_queued_then_answered(page):
    _ask_without_waiting(page, GROKKING_Q)
    page.evaluate("""() => {
        window.__queued = false;
        new MutationObserver(() => {
            if (document.querySelector('#chat .ra-queued')) window.__queued = true;
        }).observe(document.body, {childList: true, subtree: true});
    }""")
    _ask_without_waiting(page, NOPROP_Q)
    assert page.locator("#chat-input textarea").input_value() == ""  # taken, not left in the box
    page.wait_for_function(f"() => document.querySelectorAll({FINAL!r}).length === 2", timeout=WAIT_MS)
    assert page.evaluate("window.__queued"), "the second question was never shown as queued"
    questions = page.locator("#chat .ra-question").all_inner_texts()
    assert questions == [GROKKING_Q, NOPROP_Q]
    assert "NoProp" in page.locator("#chat .ra-answer").last.inner_text()


def test_reload_brings_the_chat_back_and_the_history_reopens_it(page):
    _ask(page, NOPROP_Q)
    page.reload()
    page.wait_for_function("q => [...document.querySelectorAll('#chat .ra-question')].some(e => e.innerText === q)",
                           arg=NOPROP_Q, timeout=60_000)
    assert page.locator("#chat .ra-answer").last.inner_text().startswith("NoProp")
    assert page.locator("#sources .ra-card").count() >= 1  # the source cards come back too
    page.locator("#new-chat").click()
    page.wait_for_function("() => document.querySelectorAll('#chat .ra-question').length === 0")
    page.locator("#chat-history label").filter(has_text=NOPROP_Q[:60]).first.click()  # titles are cut at 80
    page.wait_for_function("q => [...document.querySelectorAll('#chat .ra-question')].some(e => e.innerText === q)",
                           arg=NOPROP_Q)
    page.locator("#export-chat").click()
    page.locator("#chat-md a").first.wait_for()
    _shot(page, "chat-history.png")


def _ask_without_waiting(page, question: str) -> None:
    page.locator("#chat-input textarea").fill(question)
    page.locator("#chat-input textarea").press("Enter")
    page.wait_for_function("q => [...document.querySelectorAll('#chat .ra-question')].some(e => e.innerText === q)",
                           arg=question)


def test_chat_endpoint_through_gradio_client(server):
    client = _client(server)
    result = client.predict(NOPROP_Q, api_name="/chat")  # k and the date range have defaults
    answer = next(v for v in result if isinstance(v, dict) and "citations" in v)
    assert not answer["abstained"] and answer["citations"][0]["title"].startswith("NoProp")
    search = client.predict("denoise a noisy target without back-propagation", 3, api_name="/search")
    assert "NoProp" in search[0]


def test_three_users_at_once_each_get_their_own_answer(server):
    jobs = {q: _client(server).submit(q, 10, "", "", api_name="/chat") for q in LOOKUPS}
    for question, expected in LOOKUPS.items():
        result = jobs[question].result(timeout=WAIT_MS / 1000)
        answer = next(v for v in result if isinstance(v, dict) and "citations" in v)
        chat = next(v for v in result if isinstance(v, list))
        assert answer["question"] == question
        assert answer["citations"][0]["title"].startswith(expected)
        assert len(chat) == 2 and question in json.dumps(chat)  # only this user's conversation


def test_login_is_required_when_auth_is_set(assistant, results_root):
    app, port = _app(assistant, results_root), _free_port()
    launch(app, port=port, auth="ann:secret", block=False)
    try:
        url = f"http://127.0.0.1:{port}/"
        from gradio_client.exceptions import AuthenticationError
        with pytest.raises(AuthenticationError):
            _client(url)
        with pytest.raises(ValueError, match="Could not login"):
            _client(url, auth=("ann", "wrong"))
        found = _client(url, auth=("ann", "secret")).predict("NoProp", 3, api_name="/search")
        assert "NoProp" in found[0]
    finally:
        app.close()
