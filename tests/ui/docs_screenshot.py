"""Take the README's screenshot (docs/ui.png) of the real UI: the fixture papers, the default LLM,
one answered question with its first citation followed to its source card.

    python tests/ui/docs_screenshot.py [--llm qwen2.5-coder-1.5b-instruct] [--question "..."]

Not a test: it needs the default model files and takes a minute or two on CPU.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--question", default="What four learning phases were observed in grokking?")
    parser.add_argument("--out", default=str(ROOT / "docs" / "ui.png"))
    args = parser.parse_args()
    settings = load_settings(data_dir=tempfile.mkdtemp(), models={"llm": args.llm, "n_threads": 2})
    assistant = Assistant(settings)
    assistant.ingest(ingest.read_paths([Path(__file__).parent / "fixtures" / "papers.jsonl"]))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = build_app(assistant, read_paths=ingest.read_paths, supported_suffixes=ingest.SUPPORTED_SUFFIXES)
    launch(app, port=port, block=False)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(600_000)
        page.goto(f"http://127.0.0.1:{port}/")
        page.locator("#chat-input textarea").fill(args.question)
        page.locator("#chat-send").click()
        page.wait_for_selector("#chat .ra-answer, #chat .ra-abstain, #chat .ra-error")
        cite = page.locator("#chat a.ra-cite")
        if cite.count():
            cite.first.click()
            page.wait_for_timeout(800)
        page.screenshot(path=args.out)
        browser.close()
    app.close()
    print(args.out)


if __name__ == "__main__":
    main()
