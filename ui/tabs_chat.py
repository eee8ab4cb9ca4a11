"""The chat tab: saved chats on the left, the conversation in the middle, the sources on the right.

Asking queues the question (a second one asked while an answer runs waits its turn, shown as
queued); Stop ends the running answer; the open chat's id is kept in the browser, so a reloaded
page reopens it from the chat store.
"""

from __future__ import annotations

import gradio as gr

from assistant.errors import AssistantError
from assistant.protocol import AssistantAPI
from ui.cards import sources_panel
from ui.chat import cited_papers
from ui.export import FORMATS, export_chat, export_references
from ui.history import ChatStore
from ui.render import escape
from ui.session import ChatSession
from ui.settings_panel import SettingsPanel, build_settings_panel

CHAT_ID_KEY = "research-assistant-open-chat"


def history_choices(store: ChatStore | None) -> list[tuple[str, str]]:
    return [(c["title"], c["id"]) for c in store.list()] if store is not None else []


def build_chat_tab(demo: gr.Blocks, assistant: AssistantAPI, store: ChatStore | None,
                   default_k: int, max_sources: int) -> SettingsPanel:
    """Lay out the tab in the current Blocks."""
    session = gr.State(ChatSession())
    open_chat = gr.BrowserState(None, storage_key=CHAT_ID_KEY)
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=220):
            new = gr.Button("New chat", elem_id="new-chat", variant="secondary")
            chats = gr.Radio(history_choices(store), label="Your chats", elem_id="chat-history",
                             info=None if store is not None else "Chats are not saved (no data directory).")
            note = gr.Markdown(elem_id="history-note")
            with gr.Row():
                delete = gr.Button("Delete chat", size="sm", elem_id="delete-chat")
                export_md = gr.Button("Export as Markdown", size="sm", elem_id="export-chat")
            md_file = gr.File(label="Chat (Markdown)", interactive=False, visible=False, elem_id="chat-md")
        with gr.Column(scale=4):
            # no copy buttons: they would copy the message's HTML, not its text
            chatbot = gr.Chatbot(elem_id="chat", label="Chat", height=540, render_markdown=False,
                                 sanitize_html=True, latex_delimiters=[], buttons=[],
                                 feedback_options=None,
                                 placeholder="Ask a question about the indexed papers.")
            with gr.Row():
                message = gr.Textbox(label="Question", show_label=False, placeholder="Ask about the indexed papers…",
                                     scale=6, elem_id="chat-input", autofocus=True, container=False)
                send = gr.Button("Ask", variant="primary", scale=1, elem_id="chat-send")
                stop = gr.Button("Stop", variant="stop", scale=1, elem_id="chat-stop")
            with gr.Accordion("Settings", open=False, elem_id="settings"):
                panel = build_settings_panel(default_k, max_sources)
            with gr.Accordion("Cite the papers of this chat", open=False):
                fmt = gr.Radio(list(FORMATS), value="BibTeX", label="Format")
                export = gr.Button("Export cited papers", elem_id="chat-export")
                ref_text = gr.Code(label="References (copy)", lines=8, buttons=["copy"], interactive=False)
                ref_file = gr.File(label="Download", interactive=False)
        with gr.Column(scale=3):
            sources = gr.HTML(sources_panel([]), label="Sources", elem_id="sources")
            answer_json = gr.JSON(label="Answer (JSON)", visible=False)

    def enqueue(question, s: ChatSession):
        s.ask(question)
        return s.view().messages, "", s.chat_id

    def drain(s: ChatSession, k, date_from, date_to):
        last_sources, shown = None, False
        for upd in s.drain(assistant, store, k, date_from, date_to):
            shown = True
            yield upd.messages, gr.skip() if upd.sources == last_sources else upd.sources, upd.answer
            last_sources = upd.sources
        if not shown:  # another drain of this tab answers it
            yield gr.skip(), gr.skip(), gr.skip()

    def listed(s: ChatSession):
        return gr.Radio(choices=history_choices(store), value=s.chat_id), _note(s)

    def show(s: ChatSession):
        view = s.view()
        return view.messages, view.sources, None, s.chat_id, *listed(s)

    def chat_api(question, s: ChatSession, k=default_k, date_from="", date_to=""):
        """For API clients: ask one question and stream its answer."""
        s.ask(question)
        yield from drain(s, k, date_from, date_to)

    shown = [chatbot, sources, answer_json, open_chat, chats, note]
    settings_in = [panel.k, panel.date_from, panel.date_to]
    for trigger in (send.click, message.submit):
        trigger(enqueue, [message, session], [chatbot, message, open_chat], concurrency_limit=None,
                trigger_mode="multiple", show_progress="hidden", api_visibility="private") \
            .then(drain, [session, *settings_in], [chatbot, sources, answer_json], trigger_mode="multiple",
                  show_progress="minimal", api_visibility="private") \
            .then(listed, [session], [chats, note], show_progress="hidden", api_visibility="private")
    gr.Button(visible=False).click(chat_api, [message, session, *settings_in], [chatbot, sources, answer_json],
                                   api_name="chat")
    stop.click(lambda s: s.request_stop(), [session], None, concurrency_limit=None, trigger_mode="multiple",
               show_progress="hidden", api_visibility="private")
    new.click(lambda s: (s.reset(), show(s))[1], [session], shown, api_name="new_chat", show_progress="hidden")
    chatbot.clear(lambda s: (s.reset(), show(s))[1], [session], shown, api_visibility="private",
                  show_progress="hidden")
    chats.input(lambda chat_id, s: (s.open(store, chat_id), show(s))[1], [chats, session], shown,
                api_visibility="private", show_progress="hidden")
    delete.click(lambda s: (_delete(store, s), show(s))[1], [session], shown, api_visibility="private",
                 show_progress="hidden")
    export_md.click(lambda s: gr.File(export_chat(s.turns, _title(s)), visible=bool(s.turns)), [session], [md_file],
                    api_visibility="private")
    export.click(lambda s, fmt: export_references(cited_papers(s.turns), fmt), [session, fmt],
                 [ref_text, ref_file], api_name="export_cited")
    # a reloaded page reopens the chat it showed
    demo.load(lambda chat_id, s: (s.open(store, chat_id), show(s))[1], [open_chat, session], shown,
              api_visibility="private", show_progress="hidden")
    return panel


def _delete(store: ChatStore | None, s: ChatSession) -> None:
    if store is not None and s.chat_id:
        try:
            store.delete(s.chat_id)
        except AssistantError as exc:
            s.note = exc.friendly()
            return
    s.reset()


def _title(s: ChatSession) -> str:
    return f"Chat: {s.turns[0].question}" if s.turns else "Chat"


def _note(s: ChatSession) -> str:
    return f'<span class="ra-error">{escape(s.note)}</span>' if s.note else ""
