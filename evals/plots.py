"""PNG plots for a run (matplotlib Figure + Agg canvas, imported lazily); only plots with data are drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evals.metrics import OVERALL, latencies
from evals.scoring import LATENCY_KEYS

# the rates drawn side by side per category (those present in the run)
BAR_METRICS = ("hit@1", "hit@5", "recall@5", "mrr@10", "citation_precision", "citation_recall",
               "fact_recall", "abstain_unanswerable", "false_abstain", "supported_sentence_share")


def write_plots(out_dir: str | Path, metrics: dict[str, Any], records: list[dict[str, Any]]) -> list[str]:
    """Draw metrics_by_category.png, latency.png and support_hist.png; return the file names written."""
    try:
        from matplotlib.figure import Figure  # no pyplot: no global backend or figure state
    except ImportError:
        return []
    out_dir = Path(out_dir)
    written = []
    for name, draw in (("metrics_by_category.png", lambda ax: _bars(ax, metrics)),
                       ("latency.png", lambda ax: _latency(ax, records)),
                       ("support_hist.png", lambda ax: _support(ax, records))):
        fig = Figure(figsize=(10, 5))
        fig.subplots_adjust(left=0.08, right=0.98, top=0.92, bottom=0.12)  # tight_layout costs a draw
        if draw(fig.subplots()):
            fig.savefig(out_dir / name, dpi=100)
            written.append(name)
        else:
            (out_dir / name).unlink(missing_ok=True)  # a stale plot from an earlier run would mislead
    return written


def _bars(ax, metrics: dict[str, Any]) -> bool:
    """Grouped bars: categories (and overall) on x, one bar per headline rate."""
    rows = {**metrics["by_category"], OVERALL: metrics["overall"]}
    names = [m for m in BAR_METRICS if any(m in values for values in rows.values())]
    if not names:
        return False
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        xs = [j + i * width for j in range(len(rows))]
        ax.bar(xs, [values.get(name, float("nan")) for values in rows.values()], width, label=name)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(rows))], list(rows))
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("rate")
    ax.set_title("Metrics by category (missing bars: not applicable)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.figure.subplots_adjust(right=0.77)  # room for the legend beside the bars
    return True


def _latency(ax, records: list[dict[str, Any]]) -> bool:
    """Box plots of each timing that was recorded."""
    series = {key: latencies(records, key) for key in LATENCY_KEYS}
    series = {key: values for key, values in series.items() if values}
    if not series:
        return False
    ax.boxplot(list(series.values()), showfliers=True)
    ax.set_xticks(range(1, len(series) + 1), list(series))
    ax.set_ylabel("seconds")
    ax.set_title(f"Latency per question (n={max(len(v) for v in series.values())})")
    return True


def _support(ax, records: list[dict[str, Any]]) -> bool:
    """Histogram of per-sentence support scores."""
    scores = [s["score"] for r in records for s in r.get("support") or []
              if isinstance(s.get("score"), (int, float))]
    if not scores:
        return False
    ax.hist(scores, bins=20)
    ax.set_xlabel("support score")
    ax.set_ylabel("sentences")
    ax.set_title(f"Support scores of answer sentences (n={len(scores)})")
    return True
