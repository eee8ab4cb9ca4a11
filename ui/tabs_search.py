"""The paper search / citation lookup tab: a half-remembered description in, ranked papers and
their BibTeX or RIS out."""

from __future__ import annotations

import logging

import gradio as gr

from assistant.errors import AssistantError
from assistant.protocol import AssistantAPI
from assistant.types import Hit
from ui.cards import search_results_html
from ui.export import FORMATS, export_references
from ui.render import escape

log = logging.getLogger(__name__)
ALL = "all"


def search_papers(assistant: AssistantAPI, query: str, k: int | float = 5) -> tuple[str, list[Hit], list[dict]]:
    """(results HTML, the hits, a JSON-friendly list of them); errors become a readable note."""
    query = (query or "").strip()
    if not query:
        return '<p class="ra-note">Describe the paper you are looking for.</p>', [], []
    try:
        hits = assistant.cite(query, k=int(k or 5))
    except AssistantError as exc:
        return f'<p class="ra-error">{escape(exc.friendly())}</p>', [], []
    brief = [{"rank": h.rank, "paper_id": h.paper.paper_id, "title": h.paper.title,
              "score": round(float(h.score), 6), "evidence": h.evidence[:1]} for h in hits]
    return search_results_html(hits), hits, brief


def selection_choices(hits: list[Hit]) -> list[tuple[str, str]]:
    """Dropdown entries: all results, or one of them by rank."""
    return [("All results", ALL)] + [(f"{h.rank}. {h.paper.title}", str(i)) for i, h in enumerate(hits)]


def export_selection(hits: list[Hit] | None, choice: str | None, fmt: str) -> tuple[str, str | None]:
    """References for the chosen result (or all of them), as text and as a downloadable file."""
    hits = hits or []
    if choice not in (None, ALL) and str(choice).isdigit() and int(choice) < len(hits):
        hits = [hits[int(choice)]]
    return export_references([h.paper for h in hits], fmt)


def build_search_tab(assistant: AssistantAPI, default_k: int = 5) -> None:
    """Lay out the tab inside the current Blocks and wire its events."""
    hits_state = gr.State([])
    with gr.Row():
        query = gr.Textbox(label="Describe the paper", scale=5, elem_id="search-query",
                           placeholder="e.g. the paper that trains each layer to denoise without backprop")
        k = gr.Slider(1, 20, value=default_k, step=1, label="Results", scale=1)
    search_btn = gr.Button("Find papers", variant="primary", elem_id="search-button")
    results = gr.HTML(label="Results", elem_id="search-results")
    as_json = gr.JSON(label="Results (JSON)", visible=False)
    with gr.Row():
        choice = gr.Dropdown(selection_choices([]), value=ALL, label="Export", scale=3)
        fmt = gr.Radio(list(FORMATS), value="BibTeX", label="Format", scale=1)
        export_btn = gr.Button("Export references", scale=1, elem_id="search-export")
    ref_text = gr.Code(label="References (copy)", lines=8, buttons=["copy"], interactive=False)
    ref_file = gr.File(label="Download", interactive=False)

    def run(description, k):
        html, hits, brief = search_papers(assistant, description, k)
        # the chosen (top) paper is exported by default, every result on request
        return html, hits, brief, gr.Dropdown(choices=selection_choices(hits), value="0" if hits else ALL)

    outputs = [results, hits_state, as_json, choice]
    search_btn.click(run, [query, k], outputs, api_name="search")
    query.submit(run, [query, k], outputs, api_visibility="private")
    export_btn.click(export_selection, [hits_state, choice, fmt], [ref_text, ref_file], api_name="export_search")
