"""Known-answer test: do the estimators and their bootstrap intervals recover a merger fraction we set ourselves?

From labelled galaxies (crafted ones in the tests, the held-out labelled TEST subset in the workflow) each repeat
splits the pool in two halves, each holding half the true mergers: one half is the calibration set, the other
supplies target sets. A target set of N galaxies whose true merger fraction is ``factor`` x the pool's is drawn as
a sample of a population with that fraction: its number of mergers is Binomial(N, fraction), and mergers and
non-mergers are drawn without replacement from the target half. Target and calibration galaxies never overlap, and
one N (as large as the scarcer class allows at every factor) serves all factors.

Per estimator and factor the test reports the median and the mean bias (estimate - true fraction; the mean with its
standard error) and the coverage (how often the bootstrap interval holds the true fraction; it should equal the
interval's confidence). An estimator *passes* when, at every factor, its median bias is smaller than half its typical
interval and its coverage is no more than three binomial standard errors below the confidence.

The median, not the mean, because the adjusted estimators are clipped to [0, 1]: where the truth lies within the
noise of 0 (a small target at 0.25x), clipping the negative estimates to 0 raises the mean by a sizeable part of
the noise however unbiased the estimator is, while the median is unmoved. The mean bias is reported beside it.
"""

import numpy as np

from gzmorph.mergers.estimators import ALL_ESTIMATORS, bin_counts
from gzmorph.mergers.settings import Coverage
from gzmorph.mergers.uncertainty import bootstrap_estimates

SIZE_MARGIN = 0.8  # N leaves this share of the scarcer class, so that a Binomial draw rarely runs out
MIN_TARGET_SIZE = 10  # smaller target sets say nothing about an estimator


def split_halves(is_merger: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(calibration indices, target-half mergers, target-half non-mergers), each class split in two halves."""
    halves = []
    for members in (np.flatnonzero(is_merger), np.flatnonzero(~is_merger)):
        shuffled = rng.permutation(members)
        halves.append((shuffled[: len(shuffled) // 2], shuffled[len(shuffled) // 2 :]))
    (cal_mergers, mergers), (cal_others, others) = halves
    return np.concatenate([cal_mergers, cal_others]), mergers, others


def target_size(n_mergers: int, n_others: int, fractions: np.ndarray) -> int:
    """The largest N for which every fraction's expected mergers and non-mergers fit the target half, with margin."""
    if np.any(fractions >= 1) or np.any(fractions <= 0):
        raise ValueError(f"known-answer merger fractions must lie in (0, 1), got {fractions}")
    return int(SIZE_MARGIN * min(np.min(n_mergers / fractions), np.min(n_others / (1 - fractions))))


def draw_target(
    mergers: np.ndarray, others: np.ndarray, size: int, fraction: float, rng: np.random.Generator
) -> np.ndarray:
    """Indices of a target set of ``size`` galaxies, each a merger with probability ``fraction``."""
    n_mergers = int(np.clip(rng.binomial(size, fraction), size - len(others), len(mergers)))
    return np.concatenate(
        [rng.choice(mergers, n_mergers, replace=False), rng.choice(others, size - n_mergers, replace=False)]
    )


def _runs(pred, true, true_threshold, threshold, fractions, size, settings: Coverage, confidence, rng) -> np.ndarray:
    """(repeats, factors, estimators, 3) array of estimate, interval low, interval high."""
    runs = np.full((settings.repeats, len(fractions), len(ALL_ESTIMATORS), 3), np.nan)
    is_merger = true >= true_threshold
    for r in range(settings.repeats):
        calibration, mergers, others = split_halves(is_merger, rng)
        for f, fraction in enumerate(fractions):
            target = draw_target(mergers, others, size, fraction, rng)
            counts = bin_counts(pred[calibration], true[calibration], pred[target], true_threshold)
            found = bootstrap_estimates(counts, threshold, settings.resamples, confidence, rng)
            for e, name in enumerate(ALL_ESTIMATORS):
                runs[r, f, e] = [found[name]["fraction"], *found[name]["interval"]]
    return runs


def summarise(runs: np.ndarray, truth: float, confidence: float) -> dict:
    """Bias, coverage and typical interval of one estimator at one factor, from its (repeats, 3) runs."""
    valid = runs[np.all(np.isfinite(runs), axis=1)]
    if not len(valid):
        return {"valid_repeats": 0, "passes": False}
    estimate, low, high = valid.T
    n = len(valid)
    coverage = float(np.mean((low <= truth) & (truth <= high)))
    half_width = float(np.median(high - low) / 2)
    median = float(np.median(estimate))
    median_bias = median - truth
    bias_error = float(np.std(estimate, ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    coverage_error = float(np.sqrt(confidence * (1 - confidence) / n))
    return {
        "valid_repeats": n,
        "mean_estimate": float(np.mean(estimate)),
        "median_estimate": median,
        "median_bias": median_bias,
        "bias": float(np.mean(estimate) - truth),
        "bias_error": bias_error,
        "coverage": coverage,
        "coverage_error": coverage_error,
        "mean_interval": [float(np.mean(low)), float(np.mean(high))],
        "median_interval": [float(np.median(low)), float(np.median(high))],
        "median_half_width": half_width,
        "passes": bool(abs(median_bias) <= half_width / 2 and coverage >= confidence - 3 * coverage_error),
    }


def coverage_test(
    pred: np.ndarray,
    true: np.ndarray,
    true_threshold: float,
    classification_threshold: float | None,
    settings: Coverage,
    confidence: float,
) -> dict:
    """Bias and coverage of every estimator at each factor x the pool's merger fraction; JSON-ready."""
    pred, true = np.asarray(pred, dtype=np.float64), np.asarray(true, dtype=np.float64)
    n_mergers = int(np.sum(true >= true_threshold))
    base = {"pool": len(pred), "pool_mergers": n_mergers, "repeats": settings.repeats, "confidence": confidence}
    if min(n_mergers, len(pred) - n_mergers) < 4:
        return {**base, "skipped": f"{n_mergers} true mergers among {len(pred)} labelled galaxies: too few to split"}
    pool_fraction = n_mergers / len(pred)
    fractions = np.array(settings.factors) * pool_fraction
    size = target_size(n_mergers - n_mergers // 2, len(pred) - n_mergers - (len(pred) - n_mergers) // 2, fractions)
    if size < MIN_TARGET_SIZE:
        return {**base, "skipped": f"{n_mergers} true mergers among {len(pred)} galaxies allow targets of {size}"}
    rng = np.random.default_rng(settings.seed)
    runs = _runs(pred, true, true_threshold, classification_threshold, fractions, size, settings, confidence, rng)
    factors = [
        {
            "factor": float(factor),
            "true_fraction": float(fraction),
            "estimators": {
                name: summarise(runs[:, f, e], fraction, confidence) for e, name in enumerate(ALL_ESTIMATORS)
            },
        }
        for f, (factor, fraction) in enumerate(zip(settings.factors, fractions, strict=True))
    ]
    passes = {name: all(f["estimators"][name]["passes"] for f in factors) for name in ALL_ESTIMATORS}
    return {**base, "pool_fraction": pool_fraction, "target_size": size, "factors": factors, "passes": passes}
