"""The error budget of a merger fraction: a bootstrap for the statistics, two systematics, and the total interval.

* Statistical: the target set and the calibration galaxies are resampled *together* (each with replacement, at its
  own size), because an adjusted estimator depends on both: the target through its count, the calibration
  galaxies through TPR, FPR and the calibrated probability. On binned counts a resample is a multinomial draw,
  which is the ordinary bootstrap of galaxies seen through their bins.
* Systematic, merger definition: the same estimator with a true merger defined at each of the
  ``definition_thresholds`` on volunteer Class8.6 (0.3 / 0.4 / 0.5); its size is half their range.
* Systematic, model: the same estimator on the predictions of every other trained model (calibration and target);
  its size is half the range over all models.

No term is built from an estimator that the known-answer test shows to be biased by construction (a spread
between CC, the mean vote and ACC would mostly measure CC's and the mean vote's bias, not our uncertainty).
The total 68 % interval adds the statistical half-interval on each side and the systematics in quadrature.
"""

from collections.abc import Mapping

import numpy as np

from gzmorph.mergers.estimators import BinnedCounts, bin_counts, estimate_all

SYSTEMATICS = ("sys_definition", "sys_model", "sys_calibration_bias")  # the systematic terms of an error budget


def resample(c: BinnedCounts, resamples: int, rng: np.random.Generator) -> BinnedCounts:
    """``resamples`` bootstrap copies of the counts: calibration pairs and target galaxies drawn with replacement."""
    calibration = np.concatenate([c.mergers, c.others])
    n_calibration, n_target = int(calibration.sum()), int(c.target.sum())
    drawn = rng.multinomial(n_calibration, calibration / max(n_calibration, 1), size=resamples)
    target = rng.multinomial(n_target, c.target / max(n_target, 1), size=resamples)
    bins = len(c.mergers)
    return BinnedCounts(drawn[:, :bins], drawn[:, bins:], target, c.target_mean)


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """Central interval holding ``confidence`` of the finite samples (nan when none is finite)."""
    finite = samples[np.isfinite(samples)]
    if not len(finite):
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_estimates(
    c: BinnedCounts, threshold: float | None, resamples: int, confidence: float, rng: np.random.Generator
) -> dict[str, dict]:
    """Each estimator's value on ``c`` with its bootstrap interval and the number of resamples where it failed."""
    point = estimate_all(c, threshold)
    samples = estimate_all(resample(c, resamples, rng), threshold)
    return {
        name: {
            "fraction": float(point[name]),
            "interval": list(percentile_interval(samples[name], confidence)),
            "failed_resamples": int(np.sum(~np.isfinite(samples[name]))),
        }
        for name in point
    }


def half_range(values: Mapping[str, float]) -> float:
    finite = [v for v in values.values() if np.isfinite(v)]
    return (max(finite) - min(finite)) / 2 if len(finite) > 1 else 0.0


def definition_systematic(
    target: np.ndarray,
    calib_pred: np.ndarray,
    calib_true: np.ndarray,
    estimator: str,
    thresholds: tuple[float, ...],
    classification_threshold: float | None,
) -> dict:
    """The estimator with a true merger defined at each volunteer-vote threshold; size = half the range."""
    values = {
        f"{t:g}": float(
            estimate_all(bin_counts(calib_pred, calib_true, target, t), classification_threshold)[estimator]
        )
        for t in thresholds
    }
    return {"values": values, "size": half_range(values)}


def model_systematic(
    nominal: float,
    variants: Mapping[str, tuple[np.ndarray, np.ndarray]],
    calib_true: np.ndarray,
    estimator: str,
    true_threshold: float,
    classification_threshold: float | None,
) -> dict:
    """The estimator on each other model's (calibration, target) predictions; size = half the range with ours."""
    values = {"adopted model": nominal}
    for name, (calib_pred, target_pred) in variants.items():
        counts = bin_counts(calib_pred, calib_true, target_pred, true_threshold)
        values[name] = float(estimate_all(counts, classification_threshold)[estimator])
    return {"values": values, "size": half_range(values)}


def systematic_size(budget: Mapping) -> float:
    """The systematic terms of an error budget (``SYSTEMATICS``) added in quadrature."""
    return float(np.sqrt(sum(budget[key] ** 2 for key in SYSTEMATICS)))


def total_interval(fraction: float, stat_low: float, stat_high: float, systematics: list[float]) -> list[float]:
    """[low, high]: statistical half-interval on each side and systematics added in quadrature, within [0, 1]."""
    sys2 = sum(s**2 for s in systematics)
    return [
        float(max(0.0, fraction - np.sqrt(stat_low**2 + sys2))),
        float(min(1.0, fraction + np.sqrt(stat_high**2 + sys2))),
    ]
