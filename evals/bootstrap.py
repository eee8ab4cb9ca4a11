"""Bootstrap confidence intervals for rates, deterministic (fixed seed) so reruns print the same numbers."""

from __future__ import annotations

from typing import Sequence

RESAMPLES = 1000
SEED = 0
LEVEL = 0.95


def bootstrap_ci(items: Sequence[tuple[float, float]], *, resamples: int = RESAMPLES,
                 seed: int = SEED, level: float = LEVEL) -> tuple[float, float]:
    """Percentile interval of sum(num)/sum(den) when the items are resampled with replacement.

    Each item is (numerator, denominator): (value, 1) for a mean of per-question values, or
    (hits, total) for a share pooled over questions, so a question stays one resampling unit.

    >>> bootstrap_ci([(1, 1), (1, 1)])
    (1.0, 1.0)
    """
    if not items:
        raise ValueError("bootstrap_ci needs at least one item")
    import numpy as np  # lazily: keeps `import evals` (and CLI --help) fast
    nums = np.array([float(n) for n, _ in items])
    dens = np.array([float(d) for _, d in items])
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(items), size=(resamples, len(items)))
    den_sums = dens[picks].sum(axis=1)
    stats = nums[picks].sum(axis=1) / np.where(den_sums > 0, den_sums, 1.0)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(stats, [tail, 100 - tail])
    return float(low), float(high)
