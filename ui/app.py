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

from assistant.types import ParseResult
from ui.access import check_access, is_loopback, parse_auth
from ui.cards import sources_panel
from ui.chat import cited_papers, new_chat, respond
from ui.export import FORMATS, export_references
from ui.settings_panel import build_settings_panel, info_html
from ui.style import CSS, JS
from ui.tabs_evals import build_evals_tab
from ui.tabs_papers import build_papers_tab
from ui.tabs_search import build_search_tab

log = logging.getLogger(__name__)
TITLE = "Research assistant"


def build_app(assistant, *, read_paths: Callable[[list[Path]], ParseResult],
              supported_suffixes: tuple[str, ...],
              run_eval: Callable[[Path, Callable[[float, str], None]], dict] | None = None,
              load_run: Callable[[Path], dict] | None = None,
              results_root: Path | None = None) -> gr.Blocks:
    """The whole UI as Blocks, without starting a server. Nothing is loaded until a page opens."""
    default_k = assistant.settings.retrieval.k
    with gr.Blocks(title=TITLE, fill_width=True) as demo:
        gr.Markdown(f"## {TITLE}\nAnswers come only from the indexed paper abstracts; every "
                    "citation links to the paper it comes from.")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                panel = _build_chat_tab(assistant, default_k)
            with gr.Tab("Find a paper", id="search"):
                build_search_tab(assistant, default_k=5)
            with gr.Tab("Add papers", id="papers"):
                build_papers_tab(assistant, read_paths, supported_suffixes,
                                 lambda: info_html(assistant), panel.info)
            with gr.Tab("Evals", id="evals"):
                build_evals_tab(demo, run_eval, load_run, results_root)
        demo.load(lambda: info_html(assistant), None, [panel.info], api_visibility="private")
    return demo


def _build_chat_tab(assistant, default_k: int):
    turns = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            # no copy buttons: they would copy the message's HTML, not its text
            chatbot = gr.Chatbot(elem_id="chat", label="Chat", height=540, render_markdown=False,
                                 sanitize_html=True, latex_delimiters=[], buttons=[],
                                 feedback_options=None,
                                 placeholder="Ask a question about the indexed papers.")
            with gr.Row():
                message = gr.Textbox(label="Question", show_label=False, placeholder="Ask about the indexed papers…",
                                     scale=6, elem_id="chat-input", autofocus=True, container=False)
                send = gr.Button("Ask", variant="primary", scale=1, elem_id="chat-send")
                clear = gr.Button("New chat", scale=1, elem_id="new-chat")
            with gr.Accordion("Settings", open=False, elem_id="settings"):
                panel = build_settings_panel(default_k)
            with gr.Accordion("Cite the papers of this chat", open=False):
                fmt = gr.Radio(list(FORMATS), value="BibTeX", label="Format")
                export = gr.Button("Export cited papers", elem_id="chat-export")
                ref_text = gr.Code(label="References (copy)", lines=8, buttons=["copy"], interactive=False)
                ref_file = gr.File(label="Download", interactive=False)
        with gr.Column(scale=2):
            sources = gr.HTML(sources_panel([]), label="Sources", elem_id="sources")
            answer_json = gr.JSON(label="Answer (JSON)", visible=False)

    def chat(question, state, k, date_from, date_to):
        """One question in, the streamed reply out; the textbox is cleared once, at the start."""
        last_sources = None
        for step, upd in enumerate(respond(assistant, question, state, k, date_from, date_to)):
            panel_value = gr.skip() if upd.sources == last_sources else upd.sources
            last_sources = upd.sources
            yield upd.messages, panel_value, upd.turns, "" if step == 0 else gr.skip(), upd.answer

    def reset():
        fresh = new_chat()
        return fresh.messages, fresh.sources, fresh.turns, "", None

    inputs = [message, turns, panel.k, panel.date_from, panel.date_to]
    outputs = [chatbot, sources, turns, message, answer_json]
    send.click(chat, inputs, outputs, api_name="chat", show_progress="minimal")
    message.submit(chat, inputs, outputs, api_visibility="private", show_progress="minimal")
    clear.click(reset, None, outputs, api_name="new_chat", show_progress="hidden")
    chatbot.clear(reset, None, outputs, api_visibility="private", show_progress="hidden")
    export.click(lambda state, fmt: export_references(cited_papers(state), fmt), [turns, fmt],
                 [ref_text, ref_file], api_name="export_cited")
    return panel


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
