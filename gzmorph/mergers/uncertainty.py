"""Intervals: the percentile interval of bootstrap (or posterior) draws and the Wilson interval of a binomial share.

The statistical interval of a merger fraction comes from a bootstrap that resamples target and calibration galaxies
together (``per_fold_model``). A merger definition (volunteer Class8.6 threshold) is its own quantity with its own
interval, not an error term; the spread of the fold models is a consistency check, shown and not added.
"""

import numpy as np
from scipy.stats import norm


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """Central interval holding ``confidence`` of the finite samples (nan when none is finite)."""
    finite = samples[np.isfinite(samples)]
    if not len(finite):
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def wilson_interval(successes: int, n: int, confidence: float) -> tuple[float, float]:
    """The Wilson score interval of a binomial share: sensible at 0 and 1 successes too."""
    z = norm.ppf(0.5 + confidence / 2)
    p, z2 = successes / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))
