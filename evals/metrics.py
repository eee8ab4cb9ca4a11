"""Aggregate metrics from records: per category and overall, with n and bootstrap 95% intervals.

Metrics that cannot be computed for a group (no gold, no generated answers, ...) are absent, never 0.
Every number is rounded to 6 decimals so that metrics.json equals a recomputation from records.jsonl.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from evals.bootstrap import LEVEL, RESAMPLES, SEED, bootstrap_ci
from evals.records import load_records  # noqa: F401  (part of this module's API)
from evals.scoring import LATENCY_KEYS, RATE_METRICS, Record

METRICS_FILE = "metrics.json"
DIGITS = 6
OVERALL = "overall"

METRIC_GROUPS: dict[str, tuple[str, ...]] = {
    "Retrieval": ("hit@1", "hit@5", "recall@5", "mrr@10", "ndcg@10"),
    "Citations": ("citation_validity", "citation_precision", "citation_recall",
                  "judge_citation_recall", "judge_citation_precision"),
    "Answers": ("answer_fact_recall", "misattributed", "empty_answer", "injection_followed"),
    "Facts": ("fact_recall", "fact_recall_all"),
    "Abstention": ("abstain_unanswerable", "false_abstain", "abstain_accuracy",
                   "abstain_precision", "abstain_recall"),
    "Sentences": ("cited_sentence_share", "supported_sentence_share"),
    "Latency (s)": tuple(f"{key}_{p}" for key in LATENCY_KEYS for p in ("p50", "p95")),
}
# metrics where a smaller number is the better one
LOWER_IS_BETTER = {"false_abstain", "misattributed", "empty_answer", "injection_followed", *METRIC_GROUPS["Latency (s)"]}


def compute_metrics(records: list[Record], *, resamples: int = RESAMPLES,
                    seed: int = SEED) -> dict[str, Any]:
    """metrics.json: {"overall", "by_category", "n", "ci95", "meta"} from a list of records."""
    out: dict[str, Any] = {"overall": {}, "by_category": {},
                           "n": {"overall": {}, "by_category": {}},
                           "ci95": {"overall": {}, "by_category": {}}}
    for name, group in _groups(records):
        values, counts, intervals = group_metrics(group, resamples=resamples, seed=seed)
        if name == OVERALL:
            out["overall"], out["n"]["overall"], out["ci95"]["overall"] = values, counts, intervals
        else:
            out["by_category"][name] = values
            out["n"]["by_category"][name] = counts
            out["ci95"]["by_category"][name] = intervals
    out["meta"] = run_meta(records, resamples=resamples, seed=seed)
    return out


def _groups(records: list[Record]) -> Iterable[tuple[str, list[Record]]]:
    """Each category in order of first appearance, then all records."""
    by_category: dict[str, list[Record]] = {}
    for record in records:
        by_category.setdefault(str(record.get("category") or "unlabelled"), []).append(record)
    yield from by_category.items()
    yield OVERALL, records


def group_metrics(records: list[Record], *, resamples: int = RESAMPLES, seed: int = SEED):
    """(values, n, ci95) dicts for one group; metrics with no applicable record are left out."""
    values: dict[str, float] = {}
    counts: dict[str, int] = {}
    intervals: dict[str, list[float]] = {}
    for name, score in RATE_METRICS.items():
        items = [item for item in map(score, records) if item is not None]
        den = sum(d for _, d in items)
        if not items or den <= 0:
            continue
        values[name] = _round(sum(n for n, _ in items) / den)
        counts[name] = int(den)
        low, high = bootstrap_ci(items, resamples=resamples, seed=seed)
        intervals[name] = [_round(low), _round(high)]
    for name, (value, n) in latency_metrics(records).items():
        values[name], counts[name] = value, n
    return values, counts, intervals


def latency_metrics(records: list[Record]) -> dict[str, tuple[float, int]]:
    """{"total_s_p50": (seconds, n), ...} for each timing present in the records."""
    out = {}
    for key in LATENCY_KEYS:
        times = latencies(records, key)
        if times:
            out[f"{key}_p50"] = (_round(percentile(times, 50)), len(times))
            out[f"{key}_p95"] = (_round(percentile(times, 95)), len(times))
    return out


def latencies(records: list[Record], key: str) -> list[float]:
    """The `timings[key]` values that are present, in record order."""
    values = ((r.get("timings") or {}).get(key) for r in records)
    return [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default), q in [0, 100].

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.5
    """
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def run_meta(records: list[Record], *, resamples: int, seed: int) -> dict[str, Any]:
    """What the numbers are about, derived only from the records (so recomputation is exact)."""
    configs = [r["config"] for r in records if r.get("config")]
    distinct = {_freeze(c) for c in configs}
    stamps = [r["timestamp"] for r in records if r.get("timestamp")]
    return {
        "n_records": len(records),
        "n_generated": sum("answer" in r for r in records),
        "modes": sorted({str(r["mode"]) for r in records if r.get("mode")}),
        "categories": [name for name, _ in _groups(records) if name != OVERALL],
        "config": configs[-1] if configs else {},
        "mixed_config": len(distinct) > 1,
        "date": max(stamps) if stamps else None,
        "bootstrap": {"resamples": resamples, "seed": seed, "level": LEVEL},
    }


def _freeze(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _round(value: float) -> float:
    return round(float(value), DIGITS)
