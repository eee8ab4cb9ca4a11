"""The settings panel: top-k and date range for the chat, plus the model, backend and index in use
(read-only)."""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

import gradio as gr

from assistant.errors import AssistantError
from ui.render import escape

log = logging.getLogger(__name__)


class SettingsPanel(NamedTuple):
    k: gr.Slider
    date_from: gr.Textbox
    date_to: gr.Textbox
    info: gr.HTML


def _rows(pairs: list[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in pairs
                    if v not in (None, ""))
    return f'<table class="ra-skipped">{cells}</table>'


def _size(n: Any) -> str | None:
    if not isinstance(n, (int, float)):
        return None
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return None


def model_info_html(described: dict[str, Any]) -> str:
    """Which embedder, LLM and backend answer, and why that backend was chosen."""
    backend = described.get("backend") or {}
    if not isinstance(backend, dict):
        backend = {"backend": backend}
    return _rows([("Embedder", described.get("embedder")), ("LLM", described.get("llm")),
                  ("Backend", backend.get("backend")), ("Why this backend", backend.get("reason")),
                  ("Model file", backend.get("model")),
                  ("Model present", backend.get("present"))])


def index_stats_html(stats: dict[str, Any]) -> str:
    return _rows([("Papers", stats.get("papers")), ("Chunks", stats.get("chunks")),
                  ("Collection", stats.get("collection")), ("Store", stats.get("store")),
                  ("Store size", _size(stats.get("store_bytes")))])


def info_html(assistant) -> str:
    """Model and index information, each part replaced by a readable note if it cannot be read."""
    parts = []
    for title, read, render in (("Model", assistant.describe, model_info_html),
                                ("Index", assistant.stats, index_stats_html)):
        try:
            body = render(read())
        except AssistantError as exc:
            body = f'<p class="ra-error">{escape(exc.friendly())}</p>'
        except Exception as exc:  # a panel must never take the page down
            log.exception("settings panel: %s", title)
            body = f'<p class="ra-error">{escape(f"{type(exc).__name__}: {exc}")}</p>'
        parts.append(f"<h4>{title}</h4>{body}")
    return "".join(parts)


def build_settings_panel(default_k: int) -> SettingsPanel:
    """The controls, laid out in the current Blocks; `info` is filled in when a page opens."""
    k = gr.Slider(1, 30, value=default_k, step=1, label="Papers to retrieve (top-k)", elem_id="setting-k")
    with gr.Row():
        date_from = gr.Textbox("", label="Published from", placeholder="YYYY or YYYY-MM-DD", elem_id="date-from")
        date_to = gr.Textbox("", label="Published until", placeholder="YYYY or YYYY-MM-DD", elem_id="date-to")
    info = gr.HTML('<p class="ra-note">Loading model and index information…</p>', elem_id="index-info")
    return SettingsPanel(k, date_from, date_to, info)
