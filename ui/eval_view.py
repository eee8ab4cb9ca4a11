"""An eval run as HTML and Markdown for the evals tab: a summary line, the metrics table, the plots
and the report, with images embedded so they show wherever the run directory lives."""

from __future__ import annotations

import ast
import base64
import re
from pathlib import Path
from typing import Any

from ui.render import escape

_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_BACKEND_LINE = re.compile(r"^(- \*\*backend\*\*: )(\{.*\})\s*$", re.MULTILINE)
_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


def data_uri(path: Path) -> str | None:
    """The image file as a data: URI (None for a missing file or an unknown type)."""
    kind = _TYPES.get(path.suffix.lower())
    if kind is None or not path.is_file():
        return None
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def backend_text(backend: Any) -> str:
    """A backend description (Assistant.describe()["backend"]) as one readable line.

    >>> backend_text({"backend": "llamacpp", "reason": "no CUDA GPU", "model": "/m/q.gguf", "n_threads": 2})
    'llamacpp — no CUDA GPU (model q.gguf, 2 threads)'
    """
    if not isinstance(backend, dict):
        return str(backend)
    extra = []
    if backend.get("model"):
        extra.append(f"model {Path(str(backend['model'])).name}")
    if backend.get("endpoint"):
        extra.append(f"endpoint {backend['endpoint']}")
    if backend.get("n_threads"):
        extra.append(f"{backend['n_threads']} threads")
    reason = f" — {backend['reason']}" if backend.get("reason") else ""
    return f"{backend.get('backend', '?')}{reason}" + (f" ({', '.join(extra)})" if extra else "")


def report_markdown(report: str, run_dir: Path) -> str:
    """The report with its images embedded and the backend line readable."""
    def image(match: re.Match) -> str:
        uri = data_uri(run_dir / match.group(2))
        return f"![{match.group(1)}]({uri})" if uri else f"*(missing image: {match.group(2)})*"

    def backend(match: re.Match) -> str:
        try:
            return match.group(1) + backend_text(ast.literal_eval(match.group(2)))
        except (ValueError, SyntaxError):
            return match.group(0)

    return _BACKEND_LINE.sub(backend, _IMAGE.sub(image, report))


def _cell(value: Any, ci: Any) -> str:
    if not isinstance(value, (int, float)):
        return "–" if value is None else str(value)
    text = f"{value:.3f}"
    if isinstance(ci, (list, tuple)) and len(ci) == 2 and all(isinstance(c, (int, float)) for c in ci):
        text += f" [{ci[0]:.2f}, {ci[1]:.2f}]"
    return text


def metrics_table(metrics: dict) -> tuple[list[str], list[list[str]]]:
    """(headers, rows): one row per metric, one column for overall and one per category.

    >>> metrics_table({"overall": {"recall@5": 0.8}, "by_category": {"lookup": {"recall@5": 1.0}}})
    (['metric', 'overall', 'lookup'], [['recall@5', '0.800', '1.000']])
    """
    groups = {"overall": metrics.get("overall") or {}, **(metrics.get("by_category") or {})}
    names = list(dict.fromkeys(name for values in groups.values() for name in values))
    ci = metrics.get("ci95") or {}
    bounds = {g: ci.get("overall", {}) if g == "overall" else ci.get("by_category", {}).get(g, {}) for g in groups}
    rows = [[name] + [_cell(values.get(name), bounds[g].get(name)) for g, values in groups.items()]
            for name in names]
    return ["metric", *groups], rows


def metrics_html(metrics: dict) -> str:
    headers, rows = metrics_table(metrics)
    if not rows:
        return '<p class="ra-note">This run has no metrics.</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + f"<th>{escape(r[0])}</th>" + "".join(f"<td>{escape(c)}</td>" for c in r[1:]) + "</tr>"
                   for r in rows)
    return (f'<table class="ra-table ra-metrics"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
            '<p class="ra-note">Value [95% interval]; latencies in seconds.</p>')


def plots_html(plots: list[str]) -> str:
    """Each plot at full size (never cropped), titled by its file name."""
    figures = []
    for plot in plots:
        path = Path(plot)
        if uri := data_uri(path):
            caption = escape(path.stem.replace("_", " "))
            figures.append(f'<figure class="ra-plot"><img src="{uri}" alt="{caption}">'
                           f"<figcaption>{caption}</figcaption></figure>")
    return "".join(figures) or '<p class="ra-note">This run has no plots.</p>'


def summary_markdown(run_dir: Path, metrics: dict, where: str) -> str:
    """Which run this is and what it was made with, in one readable paragraph."""
    meta = metrics.get("meta") or {}
    config = meta.get("config") or {}
    parts = [f"**{run_dir.name}** ({where})"]
    if config.get("llm"):
        parts.append(f"LLM {config['llm']}")
    if config.get("embedder"):
        parts.append(f"embedder {config['embedder']}")
    if config.get("backend"):
        parts.append(f"backend {backend_text(config['backend'])}")
    if meta.get("n_records") is not None:
        modes = ", ".join(meta.get("modes") or [])
        parts.append(f"{meta['n_records']} questions" + (f" ({modes})" if modes else ""))
    return " · ".join(parts)
