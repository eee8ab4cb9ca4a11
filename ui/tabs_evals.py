"""The evals tab: browse result directories (metrics per category, report, plots) and start a
retrieval-only eval of the dev set with a progress bar."""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.errors import AssistantError

log = logging.getLogger(__name__)
LATEST = "latest"
RunEval = Callable[[Path, Callable[[float, str], None]], dict]
LoadRun = Callable[[Path], dict]
# one eval at a time: it competes with chat for the same two cores and the same models
_eval_lock = threading.Lock()


def list_runs(results_root: Path | None) -> list[Path]:
    """Run directories (those holding a metrics.json), most recently modified first."""
    if results_root is None or not Path(results_root).is_dir():
        return []
    root = Path(results_root)
    runs = [d for d in root.iterdir() if d.is_dir() and (d / "metrics.json").is_file()]
    if (root / "metrics.json").is_file():
        runs.append(root)
    return sorted(runs, key=lambda d: d.stat().st_mtime, reverse=True)


def run_choices(results_root: Path | None) -> list[tuple[str, str]]:
    runs = list_runs(results_root)
    latest = [(f"Latest run ({runs[0].name})", LATEST)] if runs else []
    return latest + [(d.name, str(d)) for d in runs]


def resolve_run(results_root: Path | None, choice: str | None) -> Path | None:
    if not choice or choice == LATEST:
        runs = list_runs(results_root)
        return runs[0] if runs else None
    return Path(choice)


def _cell(value: Any, ci: Any) -> str:
    if not isinstance(value, (int, float)):
        return "–" if value is None else str(value)
    text = f"{value:.3f}"
    if isinstance(ci, (list, tuple)) and len(ci) == 2 and all(isinstance(c, (int, float)) for c in ci):
        text += f" [{ci[0]:.2f}, {ci[1]:.2f}]"
    return text


def metrics_table(metrics: dict) -> tuple[list[str], list[list[str]]]:
    """(headers, rows): one row for overall and one per category, one column per metric.

    >>> metrics_table({"overall": {"recall@5": 0.8}, "by_category": {"lookup": {"recall@5": 1.0}}})
    (['group', 'recall@5'], [['overall', '0.800'], ['lookup', '1.000']])
    """
    groups = {"overall": metrics.get("overall") or {}, **(metrics.get("by_category") or {})}
    names = list(dict.fromkeys(name for values in groups.values() for name in values))
    ci = metrics.get("ci95") or {}
    rows = []
    for group, values in groups.items():
        bounds = ci.get("overall", {}) if group == "overall" else ci.get("by_category", {}).get(group, {})
        rows.append([group] + [_cell(values.get(name), bounds.get(name)) for name in names])
    return ["group", *names], rows


def show_run(load_run: LoadRun | None, results_root: Path | None, choice: str | None):
    """(table, report markdown, plot paths, note) for the chosen run directory."""
    run_dir = resolve_run(results_root, choice)
    if run_dir is None or load_run is None:
        return gr.Dataframe(value=None), "", [], "No eval results yet: start a run below."
    try:
        run = load_run(run_dir)
    except (AssistantError, OSError, ValueError) as exc:
        message = exc.friendly() if isinstance(exc, AssistantError) else str(exc)
        return gr.Dataframe(value=None), "", [], f"Could not read {run_dir.name}: {message}"
    headers, rows = metrics_table(run.get("metrics") or {})
    plots = servable_copies([Path(p) for p in run.get("plots") or [] if Path(p).is_file()])
    return gr.Dataframe(value=rows, headers=headers), run.get("report_md") or "", plots, f"Run: {run_dir}"


def servable_copies(files: list[Path]) -> list[str]:
    """Copies in a fresh temp directory: gradio serves only files under the temp dir or the
    working directory, and results usually live in the data directory."""
    if not files:
        return []
    folder = Path(tempfile.mkdtemp(prefix="ra-plots-"))
    copies = []
    for i, path in enumerate(files):
        copy = folder / f"{i:02d}-{path.name}"
        shutil.copyfile(path, copy)
        copies.append(str(copy))
    return copies


def start_eval(run_eval: RunEval, results_root: Path,
               progress: Callable[[float, str], None]) -> tuple[Path, dict]:
    """Run the retrieval-only dev eval into a fresh directory under results_root."""
    if not _eval_lock.acquire(blocking=False):
        raise gr.Error("An eval is already running; wait for it to finish.")
    try:
        out_dir = Path(results_root) / f"ui-{time.strftime('%Y%m%d-%H%M%S')}"
        return out_dir, run_eval(out_dir, progress)
    except AssistantError as exc:
        raise gr.Error(exc.friendly()) from exc
    finally:
        _eval_lock.release()


def build_evals_tab(demo: gr.Blocks, run_eval: RunEval | None, load_run: LoadRun | None,
                    results_root: Path | None) -> None:
    """Lay out the tab; the latest run is shown when a page opens."""
    if results_root is None:
        gr.Markdown("No results directory is configured, so there are no eval runs to show.")
        return
    choices = run_choices(results_root)
    with gr.Row():
        run_dd = gr.Dropdown(choices, value=LATEST if choices else None, label="Results directory", scale=4)
        refresh = gr.Button("Refresh list", scale=1)
        show = gr.Button("Show", variant="primary", scale=1, elem_id="evals-show")
    note = gr.Markdown(elem_id="evals-note")
    table = gr.Dataframe(label="Metrics per category (95% interval)", interactive=False, elem_id="evals-table")
    plots = gr.Gallery(label="Plots", columns=2, height="auto", elem_id="evals-plots")
    report = gr.Markdown()
    if run_eval is not None:
        start = gr.Button("Run retrieval eval of the dev set", elem_id="evals-start")

        def run(progress=gr.Progress(track_tqdm=True)):
            out_dir, metrics = start_eval(run_eval, results_root, lambda f, text: progress(f, desc=text))
            table_v, report_v, plots_v, note_v = show_run(load_run, results_root, str(out_dir))
            if load_run is None:
                headers, rows = metrics_table(metrics or {})
                table_v, note_v = gr.Dataframe(value=rows, headers=headers), f"Run: {out_dir}"
            return table_v, report_v, plots_v, note_v, gr.Dropdown(choices=run_choices(results_root),
                                                                   value=str(out_dir))

        start.click(run, None, [table, report, plots, note, run_dd], api_name="run_eval", show_progress_on=table)

    def show_fn(choice):
        table_v, report_v, plots_v, note_v = show_run(load_run, results_root, choice)
        return table_v, report_v, plots_v, note_v

    show.click(show_fn, [run_dd], [table, report, plots, note], api_visibility="private")
    demo.load(lambda: show_fn(LATEST), None, [table, report, plots, note], api_visibility="private")
    refresh.click(lambda: gr.Dropdown(choices=run_choices(results_root), value=LATEST), None, [run_dd],
                  api_visibility="private")
