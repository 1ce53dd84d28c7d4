"""Which architecture the best model uses: the lower held-out RMSE when the difference is larger than its noise,
otherwise (a tie) the configured preference.

The noise is the spread of the RMSE difference over paired bootstrap resamples of the compared galaxies (both
models scored on the same resampled galaxies), so a difference of 1e-5 between two runs is a tie and the choice no
longer flips with thread counts or seeds.
"""

import numpy as np

from gzmorph.metrics import rmse


def paired_difference(
    true: np.ndarray, first: np.ndarray, second: np.ndarray, resamples: int = 2000, seed: int = 0
) -> dict:
    """RMSE(first) - RMSE(second) on the same galaxies, and its central 95 % paired-bootstrap interval."""
    true, first, second = (np.asarray(a, dtype=np.float64) for a in (true, first, second))
    errors_first = np.mean((true - first) ** 2, axis=1)
    errors_second = np.mean((true - second) ** 2, axis=1)
    rows = np.random.default_rng(seed).integers(0, len(true), (resamples, len(true)))
    samples = np.sqrt(errors_first[rows].mean(axis=1)) - np.sqrt(errors_second[rows].mean(axis=1))
    low, high = np.percentile(samples, [2.5, 97.5])
    return {"difference": rmse(true, first) - rmse(true, second), "interval_95": [float(low), float(high)]}


def choose(names: tuple[str, str], comparison: dict, prefer_on_tie: str) -> dict:
    """The chosen name and why: the lower RMSE if the 95 % interval of the difference excludes zero, else the
    preference (``comparison`` is paired_difference(true, first, second) for names = (first, second))."""
    low, high = comparison["interval_95"]
    if low <= 0 <= high:
        reason = f"tie: the 95% interval of RMSE({names[0]}) - RMSE({names[1]}) [{low:+.4f}, {high:+.4f}] holds 0"
        return {"chosen": prefer_on_tie, "reason": f"{reason}; models.prefer_on_tie is {prefer_on_tie}", **comparison}
    chosen = names[0] if comparison["difference"] < 0 else names[1]
    return {
        "chosen": chosen,
        "reason": f"lower held-out RMSE beyond the noise [{low:+.4f}, {high:+.4f}]",
        **comparison,
    }
