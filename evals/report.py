"""report.md: a header saying what was run, then one table per metric group (categories x metrics)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evals.metrics import METRIC_GROUPS, OVERALL
from evals.scoring import LATENCY_KEYS

REPORT_FILE = "report.md"
_LATENCY_GROUP = "Latency (s)"


def format_rate(value: float | None, ci: list[float] | None = None, n: int | None = None) -> str:
    """A rate as value [95% interval] (n).

    >>> format_rate(0.91666, [0.83, 1.0], 12)
    '0.917 [0.83–1.00] (n=12)'
    """
    if value is None:
        return "–"
    text = f"{value:.3f}"
    if ci:
        text += f" [{ci[0]:.2f}–{ci[1]:.2f}]"
    return text + (f" (n={n})" if n is not None else "")


def render_report(metrics: dict[str, Any], plots: list[str] | None = None) -> str:
    """The whole report as markdown."""
    parts = [_header(metrics["meta"])]
    for group, names in METRIC_GROUPS.items():
        table = group_table(metrics, group, names)
        if table:
            parts.append(f"## {group}\n\n{table}")
    if plots:
        parts.append("## Plots\n\n" + "\n".join(f"![{Path(p).stem}]({p})" for p in plots))
    return "\n\n".join(parts) + "\n"


def write_report(out_dir: str | Path, metrics: dict[str, Any], plots: list[str] | None = None) -> Path:
    path = Path(out_dir) / REPORT_FILE
    path.write_text(render_report(metrics, plots), encoding="utf-8")
    return path


def _header(meta: dict[str, Any]) -> str:
    config = meta.get("config") or {}
    rows = [("model", _first(config, "model", "llm")), ("embedder", _first(config, "embedder")),
            ("backend", _first(config, "backend")), ("commit", config.get("git_commit")),
            ("date", meta.get("date")), ("questions", meta.get("n_records")),
            ("generated answers", meta.get("n_generated")),
            ("mode", ", ".join(meta.get("modes") or []) or None)]
    lines = [f"- **{label}**: {value if value is not None else 'unknown'}" for label, value in rows]
    if meta.get("mixed_config"):
        lines.append("- **warning**: records come from more than one configuration (resumed run?)")
    boot = meta.get("bootstrap") or {}
    note = (f"Rates are shown as value [95% bootstrap interval] (n), {boot.get('resamples')} "
            f"resamples, seed {boot.get('seed')}. n counts questions, except cited papers for "
            "citation_validity and sentences for the sentence shares. Latencies are p50 / p95 in seconds.")
    return "# Evaluation report\n\n" + "\n".join(lines) + "\n\n" + note


def _first(config: dict[str, Any], *keys: str) -> Any:
    return next((config[k] for k in keys if config.get(k) is not None), None)


def group_table(metrics: dict[str, Any], group: str, names: tuple[str, ...]) -> str:
    """A markdown table: a row per category with data (then overall), a column per metric with data."""
    if group == _LATENCY_GROUP:
        return latency_table(metrics)
    rows = [row for row in [*metrics["by_category"], OVERALL]
            if any(name in _values(metrics, row) for name in names)]
    present = [m for m in names if any(m in _values(metrics, row) for row in rows)]
    if not present:
        return ""
    return _table(present, {row: [_rate_cell(metrics, row, name) for name in present] for row in rows})


def latency_table(metrics: dict[str, Any]) -> str:
    """Cells "p50 / p95 (n=...)" in seconds, one column per timing."""
    rows = [row for row in [*metrics["by_category"], OVERALL]
            if any(f"{key}_p50" in _values(metrics, row) for key in LATENCY_KEYS)]
    present = [k for k in LATENCY_KEYS if any(f"{k}_p50" in _values(metrics, row) for row in rows)]
    if not present:
        return ""
    cells = {row: [_latency_cell(metrics, row, key) for key in present] for row in rows}
    return _table([f"{key} p50 / p95" for key in present], cells)


def _table(columns: list[str], cells: dict[str, list[str]]) -> str:
    lines = ["| category | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for row, values in cells.items():
        label = f"**{row}**" if row == OVERALL else row
        lines.append(f"| {label} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def _values(metrics: dict[str, Any], row: str) -> dict[str, Any]:
    return metrics["overall"] if row == OVERALL else metrics["by_category"].get(row, {})


def _section(metrics: dict[str, Any], part: str, row: str) -> dict[str, Any]:
    block = metrics[part]
    return block["overall"] if row == OVERALL else block["by_category"].get(row, {})


def _rate_cell(metrics: dict[str, Any], row: str, name: str) -> str:
    return format_rate(_values(metrics, row).get(name), _section(metrics, "ci95", row).get(name),
                       _section(metrics, "n", row).get(name))


def _latency_cell(metrics: dict[str, Any], row: str, key: str) -> str:
    values = _values(metrics, row)
    if f"{key}_p50" not in values:
        return "–"
    n = _section(metrics, "n", row).get(f"{key}_p50")
    return f"{values[f'{key}_p50']:.3f} / {values[f'{key}_p95']:.3f} (n={n})"
