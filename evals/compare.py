"""Compare two evaluation runs: metrics side by side with deltas, then the questions that changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from evals.metrics import LOWER_IS_BETTER, METRIC_GROUPS, METRICS_FILE, compute_metrics
from evals.records import load_records, records_path
from evals.scoring import question_scores

_ORDER = [name for names in METRIC_GROUPS.values() for name in names]
_QUESTION_CHARS = 80


def compare_runs(dir_a: str | Path, dir_b: str | Path) -> str:
    """Markdown: overall and per-category metrics of A and B with B−A deltas, then changed questions."""
    metrics_a, records_a = load_run(dir_a)
    metrics_b, records_b = load_run(dir_b)
    header = f"# Comparing A → B\n\n- **A**: {_describe(dir_a, metrics_a)}\n- **B**: {_describe(dir_b, metrics_b)}"
    parts = [header, "## Overall\n\n" + metrics_table(metrics_a["overall"], metrics_b["overall"])]
    categories = list(dict.fromkeys([*metrics_a["by_category"], *metrics_b["by_category"]]))
    for category in categories:
        table = metrics_table(metrics_a["by_category"].get(category, {}),
                              metrics_b["by_category"].get(category, {}))
        parts.append(f"## {category}\n\n{table}")
    parts.append(question_changes(records_a, records_b))
    return "\n\n".join(parts) + "\n"


def load_run(run_dir: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(metrics, records) of a run directory; metrics are recomputed when metrics.json is missing."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(f"not a run directory: {run_dir}")
    records = load_records(run_dir) if records_path(run_dir).exists() else []
    metrics_file = run_dir / METRICS_FILE
    if metrics_file.exists():
        return json.loads(metrics_file.read_text(encoding="utf-8")), records
    if not records:
        raise InputError(f"{run_dir} holds neither {METRICS_FILE} nor records",
                         hint="run the evaluation into it first")
    return compute_metrics(records), records


def _describe(run_dir: str | Path, metrics: dict[str, Any]) -> str:
    meta = metrics.get("meta") or {}
    config = meta.get("config") or {}
    model = config.get("model") or config.get("llm") or "?"
    commit = (config.get("git_commit") or "?")[:12]
    return f"`{run_dir}` — model {model}, commit {commit}, {meta.get('n_records', '?')} questions"


def metrics_table(a: dict[str, float], b: dict[str, float]) -> str:
    """| metric | A | B | Δ | with every metric present in either run."""
    names = sorted(set(a) | set(b), key=lambda m: (_ORDER.index(m) if m in _ORDER else len(_ORDER), m))
    lines = ["| metric | A | B | Δ (B−A) |", "|---|---:|---:|---|"]
    for name in names:
        lines.append(f"| {name} | {_num(a.get(name))} | {_num(b.get(name))} | "
                     f"{format_delta(name, a.get(name), b.get(name))} |")
    return "\n".join(lines)


def format_delta(name: str, a: float | None, b: float | None) -> str:
    """'+0.083 better', '-0.100 worse', '0.000' or '–' (lower is better for latency, false_abstain).

    >>> format_delta("hit@1", 0.9, 0.8)
    '-0.100 worse'
    """
    if a is None or b is None:
        return "–"
    delta = round(b - a, 3)
    if delta == 0:
        return "0.000"
    better = (delta < 0) if name in LOWER_IS_BETTER else (delta > 0)
    return f"{delta:+.3f} {'better' if better else 'worse'}"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def question_changes(records_a: list[dict[str, Any]], records_b: list[dict[str, Any]]) -> str:
    """Two tables: per-question scores that dropped from A to B, and those that rose."""
    by_id_b = {str(r["id"]): r for r in records_b}
    worse, better = [], []
    for record in records_a:
        other = by_id_b.get(str(record["id"]))
        if other is None:
            continue
        before, after = question_scores(record), question_scores(other)
        for metric in [m for m in before if m in after]:
            if abs(after[metric] - before[metric]) > 1e-9:
                row = (record, metric, before[metric], after[metric])
                (worse if after[metric] < before[metric] else better).append(row)
    only_a = len({str(r["id"]) for r in records_a} - by_id_b.keys())
    only_b = len(by_id_b.keys() - {str(r["id"]) for r in records_a})
    note = f"\n\n{only_a} questions only in A, {only_b} only in B." if only_a or only_b else ""
    return (f"## Questions that got worse ({len(worse)})\n\n{_change_table(worse)}\n\n"
            f"## Questions that got better ({len(better)})\n\n{_change_table(better)}{note}")


def _change_table(rows: list[tuple[dict[str, Any], str, float, float]]) -> str:
    if not rows:
        return "none"
    lines = ["| id | category | metric | A | B | question |", "|---|---|---|---:|---:|---|"]
    for record, metric, before, after in rows:
        lines.append(f"| {record['id']} | {record.get('category', '')} | {metric} | {before:.3f} | "
                     f"{after:.3f} | {_short(record.get('question', ''))} |")
    return "\n".join(lines)


def _short(text: str) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= _QUESTION_CHARS else text[:_QUESTION_CHARS - 1] + "…"
