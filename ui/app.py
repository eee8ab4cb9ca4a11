"""build_app: the Gradio Blocks around one shared Assistant; launch: serve them.

`ui` imports only `assistant.*`; reading files and running evals come in as callables from the
composition root (the CLI), so this layer never depends on `ingest` or `evals`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import ui  # noqa: F401  (sets the offline environment before gradio is imported)
import gradio as gr

from assistant.protocol import AssistantAPI
from assistant.types import ParseResult
from ui.access import check_access, is_loopback, parse_auth
from ui.history import ChatStore
from ui.current import CurrentAssistant
from ui.settings_panel import connect_model_choice, info_html
from ui.style import CSS, JS
from ui.tabs_chat import build_chat_tab
from ui.tabs_evals import LoadRun, RunEval, build_evals_tab
from ui.tabs_papers import build_papers_tab
from ui.tabs_search import build_search_tab

log = logging.getLogger(__name__)
TITLE = "Research assistant"

# (every, older than) in seconds: Gradio's copies of downloads and uploads go after a day, and all of
# this server's when it stops
GRADIO_CACHE_CLEANUP = (3600, 86400)


def build_app(assistant: AssistantAPI, *, read_paths: Callable[[list[Path]], ParseResult],
              supported_suffixes: tuple[str, ...], run_eval: RunEval | None = None,
              load_run: LoadRun | None = None, results_root: Path | None = None,
              committed_results: Path | None = None, chats_dir: Path | None = None) -> gr.Blocks:
    """The whole UI as Blocks, without starting a server. Nothing is loaded until a page opens.

    Chats are saved under `chats_dir` (default: <data dir>/chats); eval runs started here go to
    `results_root`, and `committed_results` holds the project's own runs, listed beside them."""
    current = CurrentAssistant(assistant)
    store = ChatStore(chats_dir or Path(assistant.settings.data_dir) / "chats")
    settings = assistant.settings
    with gr.Blocks(title=TITLE, fill_width=True, delete_cache=GRADIO_CACHE_CLEANUP) as demo:
        gr.Markdown(f"## {TITLE}\nAnswers come only from the indexed paper abstracts; every "
                    "citation links to the paper it comes from.")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                panel = build_chat_tab(demo, current, store, settings.retrieval.k, settings.answer.max_sources)
            with gr.Tab("Find a paper", id="search"):
                build_search_tab(current, default_k=5)
            with gr.Tab("Add papers", id="papers"):
                build_papers_tab(current, read_paths, supported_suffixes,
                                 lambda: info_html(current), panel.info)
            with gr.Tab("Evals", id="evals"):
                build_evals_tab(demo, current, run_eval, load_run, results_root, committed_results)
        connect_model_choice(demo, panel, current)
    return demo


def launch(app: gr.Blocks, *, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None,
           share: bool = False, concurrency: int = 2, block: bool = True, allow_no_auth: bool = False) -> None:
    """Serve the app: loopback unless told otherwise, a login when `auth` is given, no share link
    unless asked, `concurrency` answers at once. `block=False` returns once the server is up.

    Beyond loopback (or with a share link) it refuses to start without `auth`, unless
    `allow_no_auth` says the user wants an open UI (the CLI's --insecure-no-auth)."""
    check_access(host, auth, share=share, allow_no_auth=allow_no_auth)
    credentials = parse_auth(auth)
    if credentials is None and not is_loopback(host):
        log.warning("serving on %s without a login, as asked: anyone who can reach it can use it", host)
    app.queue(default_concurrency_limit=concurrency)
    app.launch(server_name=host, server_port=port, auth=credentials, share=share, ssr_mode=False,
               css=CSS, js=JS, prevent_thread_lock=not block, quiet=not block, show_error=False,
               max_file_size="50mb", footer_links=["api"], pwa=False, mcp_server=False)
