"""The add-papers tab: upload files, index them incrementally, and say what was added or skipped and why."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import gradio as gr

from assistant.errors import AssistantError
from assistant.protocol import AssistantAPI
from assistant.types import IngestReport, ParseResult
from ui.render import escape

log = logging.getLogger(__name__)
ReadPaths = Callable[[list[Path]], ParseResult]
Progress = Callable[[int, int], None]


def add_papers(assistant: AssistantAPI, read_paths: ReadPaths, files: list[str] | None,
               progress: Progress | None = None) -> str:
    """Parse and index the uploaded files; the summary (or a readable error) as HTML."""
    paths = [Path(f) for f in files or []]
    if not paths:
        return '<p class="ra-note">Choose one or more files first.</p>'
    try:
        parsed = read_paths(paths)
        report = assistant.ingest(parsed, progress=progress)
    except AssistantError as exc:
        return f'<p class="ra-error">{escape(exc.friendly())}</p>'
    return ingest_summary_html(report)


def ingest_summary_html(report: IngestReport) -> str:
    """Added / changed / unchanged counts, then every skipped record with its file, line and reason."""
    data = report.to_dict()
    counts = (f"Added <strong>{data['papers_new']}</strong> new, {data['papers_changed']} changed, "
              f"{data['papers_unchanged']} unchanged; {data['duplicates_merged']} duplicates merged; "
              f"{data['chunks_written']} chunks written. The index now holds {data['papers_total']} papers.")
    skipped = data["skipped"]
    if not skipped:
        return f'<div class="ra-summary"><p>{counts}</p><p>Nothing was skipped.</p></div>'
    rows = "".join(f"<tr><td>{escape(Path(s['file']).name)}</td><td>{s['line'] if s['line'] else ''}</td>"
                   f"<td>{escape(s['reason'])}</td></tr>" for s in skipped)
    table = (f'<table class="ra-skipped"><thead><tr><th>File</th><th>Line</th><th>Why skipped</th></tr>'
             f"</thead><tbody>{rows}</tbody></table>")
    return (f'<div class="ra-summary"><p>{counts}</p><p>Skipped {len(skipped)} '
            f"record{'s' * (len(skipped) != 1)}:</p>{table}</div>")


def build_papers_tab(assistant: AssistantAPI, read_paths: ReadPaths, supported_suffixes: tuple[str, ...],
                     on_change: Callable[[], str], stats_html: gr.HTML) -> None:
    """Lay out the tab; after an ingest the index statistics in `stats_html` are refreshed."""
    gr.Markdown(f"Upload paper lists ({', '.join(supported_suffixes)}). New and changed papers are "
                "indexed; unchanged ones are left as they are.")
    file_input = gr.File(label="Paper files", file_count="multiple", file_types=list(supported_suffixes),
                    type="filepath", elem_id="upload-files")
    add_btn = gr.Button("Add to index", variant="primary", elem_id="upload-button")
    summary = gr.HTML(label="Summary", elem_id="upload-summary")

    def run(files, progress=gr.Progress()):
        def tick(done: int, total: int) -> None:
            progress((done, max(total, 1)), desc="Embedding papers", unit="texts")
        progress(0, desc="Reading files")
        return add_papers(assistant, read_paths, files, tick), on_change()

    add_btn.click(run, [file_input], [summary, stats_html], api_name="add_papers")
