"""Take the README's screenshots of the real UI: the fixture papers, the default LLM.

    python tests/ui/docs_screenshot.py [--llm qwen2.5-coder-1.5b-instruct] [--out-dir docs]

- ui.png: an answered question with its first citation followed to its source card, and the
  saved chats listed on the left;
- ui-stopped.png: an answer stopped while it was being written (the draft stays unchecked);
- ui-evals.png: the evals tab showing the project's committed dev-set run.

Not a test: it needs the default model files and takes a few minutes on CPU.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import ingest  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from ui import build_app, launch  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
FINAL = "#chat .ra-answer, #chat .ra-abstain, #chat .ra-error, #chat .ra-stopped"
EARLIER = "Which paper trains each layer to denoise a noisy target without back-propagation?"
LONG = "Compare how the papers train chatbots and what they report about their quality."


def load_run(run_dir: Path) -> dict:
    report = run_dir / "report.md"
    return {"metrics": json.loads((run_dir / "metrics.json").read_text()),
            "report_md": report.read_text() if report.exists() else "",
            "plots": sorted(str(p) for p in run_dir.glob("*.png"))}


def run_eval(assistant, out_dir: Path, *, generate: bool, limit: int | None, on_question) -> dict:
    from evals.questions import default_questions_path, load_questions
    from evals.runner import run_eval as run
    return run(assistant, load_questions(default_questions_path()), out_dir, generate=generate, limit=limit,
               progress=False, on_question=on_question)


def ask(page, question: str) -> None:
    before = page.locator(FINAL).count()
    page.locator("#chat-input textarea").fill(question)
    page.locator("#chat-send").click()
    page.wait_for_function(f"n => document.querySelectorAll({FINAL!r}).length > n", arg=before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--question", default="What four learning phases were observed in grokking?")
    parser.add_argument("--out-dir", default=str(ROOT / "docs"))
    args = parser.parse_args()
    out = Path(args.out_dir)
    settings = load_settings(data_dir=tempfile.mkdtemp(), models={"llm": args.llm, "n_threads": 2})
    assistant = Assistant(settings)
    assistant.ingest(ingest.read_paths([Path(__file__).parent / "fixtures" / "papers.jsonl"]))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = build_app(assistant, read_paths=ingest.read_paths, supported_suffixes=ingest.SUPPORTED_SUFFIXES,
                    run_eval=run_eval, load_run=load_run, results_root=settings.data_dir / "evals",
                    committed_results=ROOT / "evals" / "results")
    launch(app, port=port, block=False)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(600_000)
        page.goto(f"http://127.0.0.1:{port}/")
        ask(page, EARLIER)  # an earlier chat, listed on the left
        page.locator("#new-chat").click()
        page.wait_for_function("() => document.querySelectorAll('#chat .ra-question').length === 0")
        ask(page, args.question)
        cite = page.locator("#chat a.ra-cite")
        if cite.count():
            cite.first.click()
            page.wait_for_timeout(800)
        page.screenshot(path=str(out / "ui.png"))

        page.locator("#new-chat").click()
        page.locator("#chat-input textarea").fill(LONG)
        page.locator("#chat-send").click()
        page.wait_for_function("() => [...document.querySelectorAll('#chat .ra-streaming')]"
                               ".some(e => e.innerText.length > 60)")
        page.locator("#chat-stop").click()
        page.wait_for_selector("#chat .ra-stopped")
        page.locator("#chat .ra-draft summary").first.click()
        page.wait_for_timeout(500)
        page.screenshot(path=str(out / "ui-stopped.png"))

        page.get_by_role("tab", name="Evals").click()
        page.wait_for_selector("#evals-plots img")
        page.wait_for_timeout(800)
        first_plot = page.locator("#evals-plots .ra-plot").first.bounding_box()  # down to the first whole plot
        page.screenshot(path=str(out / "ui-evals.png"), full_page=True,
                        clip={"x": 0, "y": 0, "width": 1400, "height": first_plot["y"] + first_plot["height"] + 24})
        browser.close()
    app.close()
    print("\n".join(str(out / n) for n in ("ui.png", "ui-stopped.png", "ui-evals.png")))


if __name__ == "__main__":
    main()
