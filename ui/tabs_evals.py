"""The evals tab: list the project's committed eval runs and those made in this data directory,
show one (metrics, plots, report), and start a retrieval-only or an answer-quality eval with a
progress bar counting questions."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import gradio as gr

from assistant.errors import AssistantError
from assistant.protocol import AssistantAPI
from ui.eval_view import metrics_html, plots_html, report_markdown, summary_markdown

log = logging.getLogger(__name__)
LoadRun = Callable[[Path], dict]
KINDS = [("Retrieval only — fast, no LLM", "retrieval"), ("Answer quality — the LLM answers each question", "answers")]
EMPTY = ("No eval results yet. Start a run below: a retrieval-only run of the dev set takes about a "
         "minute; an answer-quality run lets the LLM answer every question (a few seconds each).")
# one eval at a time: it competes with chat for the same cores and the same models
_eval_lock = threading.Lock()


class RunEval(Protocol):
    """Evaluate `assistant` into out_dir and return the metrics; `on_question(done, total)`."""

    def __call__(self, assistant: AssistantAPI, out_dir: Path, *, generate: bool, limit: int | None,
                 on_question: Callable[[int, int], None]) -> dict: ...


def list_runs(results_root: Path | None) -> list[Path]:
    """Run directories (those holding a metrics.json), most recently modified first."""
    if results_root is None or not Path(results_root).is_dir():
        return []
    root = Path(results_root)
    runs = [d for d in root.iterdir() if d.is_dir() and (d / "metrics.json").is_file()]
    if (root / "metrics.json").is_file():
        runs.append(root)
    return sorted(runs, key=lambda d: d.stat().st_mtime, reverse=True)


def run_choices(results_root: Path | None, committed: Path | None) -> list[tuple[str, str]]:
    """(label, path) of every run: this data directory's first, then the committed ones."""
    return ([(f"{d.name} — this data directory", str(d)) for d in list_runs(results_root)]
            + [(f"{d.name} — committed with the project", str(d)) for d in list_runs(committed)])


def show_run(load_run: LoadRun | None, choice: str | None, committed: Path | None):
    """(summary, metrics html, plots html, report markdown) of the chosen run directory."""
    if not choice or load_run is None:
        return EMPTY, "", "", ""
    run_dir = Path(choice)
    try:
        run = load_run(run_dir)
    except (AssistantError, OSError, ValueError) as exc:
        message = exc.friendly() if isinstance(exc, AssistantError) else str(exc)
        return f"Could not read {run_dir.name}: {message}", "", "", ""
    metrics = run.get("metrics") or {}
    where = "committed with the project" if committed and run_dir.parent == Path(committed) else str(run_dir)
    return (summary_markdown(run_dir, metrics, where), metrics_html(metrics),
            plots_html(run.get("plots") or []), report_markdown(run.get("report_md") or "", run_dir))


def start_eval(run_eval: RunEval, assistant: AssistantAPI, results_root: Path, kind: str, limit: int | None,
               on_question: Callable[[int, int], None]) -> Path:
    """Run an eval of the dev set into a fresh directory under results_root; one at a time."""
    if not _eval_lock.acquire(blocking=False):
        raise gr.Error("An eval is already running; wait for it to finish.")
    try:
        out_dir = Path(results_root) / f"ui-{kind}-{time.strftime('%Y%m%d-%H%M%S')}"
        run_eval(assistant, out_dir, generate=kind == "answers", limit=limit, on_question=on_question)
        return out_dir
    except AssistantError as exc:
        raise gr.Error(exc.friendly()) from exc
    finally:
        _eval_lock.release()


def build_evals_tab(demo: gr.Blocks, assistant: AssistantAPI, run_eval: RunEval | None, load_run: LoadRun | None,
                    results_root: Path | None, committed: Path | None = None) -> None:
    """Lay out the tab; the newest run is shown when a page opens."""
    can_run = run_eval is not None and results_root is not None
    if can_run:  # first, so that starting one never needs a scroll past a long report
        gr.Markdown("### Start an eval of the dev set")
        with gr.Row():
            kind = gr.Radio(KINDS, value="retrieval", label="What to measure", scale=3, elem_id="evals-kind")
            limit = gr.Number(0, precision=0, minimum=0, label="Questions (0 = all)", scale=1,
                              elem_id="evals-limit")
            start = gr.Button("Start eval", variant="primary", scale=1, elem_id="evals-start")
        status = gr.Markdown(elem_id="evals-status")
        gr.Markdown("### Results")
    with gr.Row(visible=False) as picker:
        run_dd = gr.Dropdown([], label="Eval run", scale=5, elem_id="evals-runs")
        show = gr.Button("Show", variant="primary", scale=1, elem_id="evals-show")
    note = gr.Markdown(EMPTY, elem_id="evals-note")
    table = gr.HTML(elem_id="evals-table")
    with gr.Accordion("Plots", open=True, elem_id="evals-plots-box"):
        plots = gr.HTML(elem_id="evals-plots")
    with gr.Accordion("Full report", open=False, elem_id="evals-report-box"):
        report = gr.Markdown(elem_id="evals-report")
    shown = [note, table, plots, report]

    def listing(value: str | None = None):
        choices = run_choices(results_root, committed)
        value = value if value in {c[1] for c in choices} else (choices[0][1] if choices else None)
        return gr.Row(visible=bool(choices)), gr.Dropdown(choices=choices, value=value), value

    def opened():
        row, dd, value = listing()
        return row, dd, *show_run(load_run, value, committed)

    show.click(lambda choice: show_run(load_run, choice, committed), [run_dd], shown, api_visibility="private")
    demo.load(opened, None, [picker, run_dd, *shown], api_visibility="private", show_progress="hidden")
    if not can_run:
        return

    def run(kind_value, limit_value, progress=gr.Progress()):
        def on_question(done: int, total: int) -> None:
            progress(done / max(total, 1), desc=f"question {done}/{total}")

        progress(0, desc="loading the models")
        out_dir = start_eval(run_eval, assistant, results_root, kind_value, int(limit_value or 0) or None,
                             on_question)
        row, dd, value = listing(str(out_dir))
        return (f"Finished: {out_dir.name}", row, dd, *show_run(load_run, value, committed))

    start.click(run, [kind, limit], [status, picker, run_dd, *shown], api_name="run_eval",
                show_progress_on=[status])
