"""The settings panel: top-k and date range for the chat, what each number means, the model,
backend and index in use (with indexing progress), and a choice of LLM and backend."""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

import gradio as gr

from assistant.errors import AssistantError
from assistant.protocol import AssistantAPI
from assistant.quality import describe as describe_quality
from ui.current import CurrentAssistant
from ui.render import escape

log = logging.getLogger(__name__)
BACKENDS = [("automatic (llama.cpp for GGUF files)", "auto"), ("llama.cpp", "llamacpp"),
            ("transformers", "transformers"), ("OpenAI-compatible server", "openai")]
# labels of Assistant.stats() keys; keys not named here are shown under their own name
_STAT_LABELS = {"papers": "Papers", "chunks": "Passages (chunks)", "collection": "Collection", "store": "Store",
                "store_bytes": "Store size", "embedder": "Embedder", "data_dir": "Data directory"}
_STAT_HIDDEN = {"embedder_path"}


class SettingsPanel(NamedTuple):
    k: gr.Slider
    date_from: gr.Textbox
    date_to: gr.Textbox
    info: gr.HTML
    refresh: gr.Button
    llm: gr.Dropdown
    backend: gr.Dropdown
    index: gr.Dropdown
    apply: gr.Button
    applied: gr.Markdown


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


def progress_text(progress: Any) -> str | None:
    """An ingest's progress in words.

    >>> progress_text({"state": "running", "papers_searchable": 120, "papers_complete": 80, "papers_todo": 500})
    'running: 120 of 500 papers searchable, 80 complete'
    """
    if not isinstance(progress, dict):
        return None if progress is None else str(progress)
    state = progress.get("state", "under way")
    if state == "interrupted":
        state = "interrupted (run the ingest again to finish)"
    todo = progress.get("papers_todo")
    parts = []
    if "papers_searchable" in progress:
        parts.append(f"{progress['papers_searchable']}{f' of {todo}' if todo is not None else ''} papers searchable")
    if "papers_complete" in progress:
        parts.append(f"{progress['papers_complete']} complete")
    return f"{state}: {', '.join(parts)}" if parts else state


def _value(value: Any) -> Any:
    if isinstance(value, dict):
        return progress_text(value) if "state" in value else ", ".join(f"{k} {v}" for k, v in value.items())
    return value


def index_stats_html(stats: dict[str, Any]) -> str:
    """What the index holds, and how far indexing is when an ingest is under way or was cut off.
    Keys this panel does not know (new statistics) are shown under their own name."""
    rows = [(label, _size(stats.get(key)) if key == "store_bytes" else stats.get(key))
            for key, label in _STAT_LABELS.items()]
    rows.append(("Indexing", progress_text(stats.get("indexing")) or "finished"))
    if isinstance(stats.get("quality"), dict):
        rows.append(("Quality index", describe_quality(stats["quality"])))
    rows += [(key.replace("_", " ").capitalize(), _value(value)) for key, value in stats.items()
             if key not in _STAT_LABELS and key not in _STAT_HIDDEN and key not in ("indexing", "quality", "indexes")]
    return _rows(rows)


def numbers_html(settings: Any) -> str:
    """What the numbers that shape an answer mean, with the settings' own descriptions."""
    r, a = settings.retrieval, settings.answer
    fields = type(a).model_fields
    rows = [("Papers retrieved", f"{r.k} — the search ranks this many papers (the slider above)"),
            ("Papers read for the answer", f"up to {a.max_sources} — the best-ranked retrieved papers the "
                                           "model reads; fewer when the rest score far below the best"),
            ("Quotes per paper", f"{a.evidence_sentences} — the sentences of each read paper that match the "
                                 "question, shown first and given to the model"),
            ("Answer length", f"at most {a.max_tokens} tokens"),
            ("Support threshold", f"{a.support_threshold} — {fields['support_threshold'].description}")]
    return _rows(rows)


def info_html(assistant: AssistantAPI) -> str:
    """Model and index information, each part replaced by a readable note if it cannot be read."""
    parts = []
    for title, read, render in (("What the numbers mean", lambda: assistant.settings, numbers_html),
                                ("Model", assistant.describe, model_info_html),
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


def llm_choices(settings: Any) -> list[str]:
    """The LLMs that can answer without a download: present registry models, and the one in use."""
    from assistant.models import REGISTRY, is_present
    present = [name for name, spec in REGISTRY.items()
               if spec.role == "llm" and is_present(spec, settings.models_dir)]
    return list(dict.fromkeys([settings.models.llm, *present]))


def build_settings_panel(default_k: int, max_sources: int) -> SettingsPanel:
    """The controls, laid out in the current Blocks; `info` is filled in when a page opens."""
    k = gr.Slider(1, 30, value=default_k, step=1, label="Papers retrieved (top-k)", elem_id="setting-k",
                  info=f"How many papers the search ranks. The answer reads the best of them: up to "
                       f"{max_sources}, fewer when the rest score far below the best.")
    with gr.Row():
        date_from = gr.Textbox("", label="Published from", placeholder="YYYY or YYYY-MM-DD", elem_id="date-from")
        date_to = gr.Textbox("", label="Published until", placeholder="YYYY or YYYY-MM-DD", elem_id="date-to")
    with gr.Row():
        llm = gr.Dropdown([], label="LLM", elem_id="setting-llm", scale=2,
                          info="Models present in the models directory (python -m assistant models list).")
        backend = gr.Dropdown(BACKENDS, value="auto", label="Backend", elem_id="setting-backend", scale=2)
        index = gr.Dropdown([], label="Index (collection)", elem_id="setting-index", scale=2,
                            info="One per embedder and chunking in this data directory.")
        apply = gr.Button("Use these", elem_id="setting-apply", scale=1)
    applied = gr.Markdown(elem_id="setting-applied")
    info = gr.HTML('<p class="ra-note">Loading model and index information…</p>', elem_id="index-info")
    refresh = gr.Button("Refresh", size="sm", elem_id="index-refresh")
    return SettingsPanel(k, date_from, date_to, info, refresh, llm, backend, index, apply, applied)


def index_choices(current: CurrentAssistant) -> tuple[list[tuple[str, str]], str | None]:
    """(label, collection) of every index in the data directory, and the one in use."""
    try:
        stats = current.get().stats()
    except AssistantError:
        return [], None
    choices = [(f"{i['name']} ({i['embedder']})", i["name"]) for i in stats.get("indexes") or []]
    return choices, stats.get("collection")


def switch_model(current: CurrentAssistant, llm: str | None, backend: str | None, index: str | None = None) -> str:
    """Answer with another LLM, backend or index from now on (the whole UI); a message says what happened."""
    from assistant.pipeline import Assistant
    settings = current.get().settings
    if not llm:
        return "Choose an LLM first."
    models = settings.models.model_copy(update={"llm": llm, "backend": backend or "auto"})
    retrieval = settings.retrieval
    chosen = None
    if index:
        chosen = next((i for i in current.get().stats().get("indexes") or [] if i["name"] == index), None)
        if chosen is None:
            return f"Not switched: no index named {index} in this data directory."
        models = models.model_copy(update={"embedder": chosen["embedder"] or settings.models.embedder})
        retrieval = retrieval.model_copy(update={k: chosen[k] for k in ("window_sentences", "window_stride")
                                                 if chosen.get(k)})
    candidate = Assistant(settings.model_copy(update={"models": models, "retrieval": retrieval}))
    try:
        described = candidate.describe()["backend"]
        if chosen and candidate.store.name != index:
            return f"Not switched: {index} was built with settings this UI cannot reproduce (late chunking?)."
    except AssistantError as exc:
        return f"Not switched: {exc.friendly()}"
    if described.get("present") is False:
        return f"Not switched: the model file for {llm} is missing ({described.get('model')})."
    current.set(candidate)
    where = f" over **{index}**" if index else ""
    return (f"Answers now come from **{llm}** via **{described.get('backend')}** "
            f"({described.get('reason')}){where}, for everyone using this UI. It loads with the next question.")


def connect_model_choice(demo: gr.Blocks, panel: SettingsPanel, current: CurrentAssistant) -> None:
    """Fill the panel when a page opens, refresh it on demand, and switch models when asked."""
    def opened():
        settings = current.get().settings
        indexes, in_use = index_choices(current)
        return (info_html(current), gr.Dropdown(choices=llm_choices(settings), value=settings.models.llm),
                settings.models.backend, gr.Dropdown(choices=indexes, value=in_use))

    demo.load(opened, None, [panel.info, panel.llm, panel.backend, panel.index], api_visibility="private",
              show_progress="hidden")
    panel.refresh.click(lambda: info_html(current), None, [panel.info], api_visibility="private")
    panel.apply.click(lambda llm, backend, index: (switch_model(current, llm, backend, index), info_html(current)),
                      [panel.llm, panel.backend, panel.index], [panel.applied, panel.info], api_visibility="private")
