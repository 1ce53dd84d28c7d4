"""Merger-fraction estimators on binned predictions, built to stay unbiased when the target's merger fraction differs.

A *true merger* is a calibration galaxy whose volunteer Class8.6 is at least ``true_threshold``. The network's
prediction of Class8.6 regresses towards the mean and scatters, so counting target galaxies above a threshold
(classify and count, CC) returns q = f TPR + (1 - f) FPR rather than the merger fraction f. Under *prior shift* --
the target differs from the calibration galaxies only in how many mergers it holds, mergers and non-mergers each
looking the same -- TPR and FPR measured on the calibration galaxies hold for the target too, and

* ``acc`` (adjusted classify and count) inverts it: f = (q - FPR) / (TPR - FPR), clipped to [0, 1];
* ``pacc`` (probabilistic ACC) does the same with a smooth weight instead of a hard cut: p(x) = P(true merger |
  predicted x) from a logistic fit of the calibration galaxies on logit(x), and
  f = (<p>_target - <p>_non-mergers) / (<p>_mergers - <p>_non-mergers). Any weight gives an unbiased estimator
  under prior shift; the calibrated probability gives a small variance, and two parameters stay stable with tens
  of true mergers where an isotonic fit would follow their noise;
* ``cc`` and ``mean_vote`` (the mean predicted Class8.6, a vote fraction rather than a count) are not adjusted: they
  carry the calibration set's merger fraction into the answer and are kept as references;

ACC is Forman's (2008) *median sweep*: the median of ACC over every threshold where TPR - FPR is at least
``MIN_SEPARATION``, instead of ACC at one threshold chosen on the same galaxies that give its TPR and FPR (which
biases it). CC counts above the configured threshold, or the one maximising TPR - FPR (Youden's J).

Everything works on galaxy counts per prediction bin (``N_BINS`` bins of width 1/N_BINS) with any number of leading
axes, so that a bootstrap is a multinomial draw of counts and all estimators run on all resamples at once.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit

N_BINS = 100
EDGES = np.arange(N_BINS + 1) / N_BINS  # k / N_BINS exactly, so that a threshold of 0.4 is an edge
CENTRES = (EDGES[:-1] + EDGES[1:]) / 2
ALL_ESTIMATORS = ("pacc", "acc", "cc", "mean_vote")  # every estimator that apply computes
MIN_SEPARATION = 0.25  # Forman 2008: thresholds whose TPR - FPR is at least this enter the median sweep


def prediction_bins(values: np.ndarray) -> np.ndarray:
    """Bin of each prediction: k means EDGES[k] <= value < EDGES[k + 1] (1.0 falls in the last bin)."""
    return np.clip(np.searchsorted(EDGES, np.asarray(values, dtype=np.float64), side="right") - 1, 0, N_BINS - 1)


@dataclass(frozen=True)
class BinnedCounts:
    """Galaxies per prediction bin, with any leading (resample) axes."""

    mergers: np.ndarray  # calibration galaxies that are true mergers
    others: np.ndarray  # calibration galaxies that are not
    target: np.ndarray  # target galaxies
    target_mean: np.ndarray  # (N_BINS,) mean prediction of the target galaxies in each bin, its centre where empty


def bin_counts(
    calib_pred: np.ndarray, calib_true: np.ndarray, target: np.ndarray, true_threshold: float
) -> BinnedCounts:
    is_merger = np.asarray(calib_true) >= true_threshold
    calib_bins, target_bins = prediction_bins(calib_pred), prediction_bins(target)
    in_bin = np.bincount(target_bins, minlength=N_BINS)
    sums = np.bincount(target_bins, weights=np.asarray(target, dtype=np.float64), minlength=N_BINS)
    return BinnedCounts(
        mergers=np.bincount(calib_bins[is_merger], minlength=N_BINS),
        others=np.bincount(calib_bins[~is_merger], minlength=N_BINS),
        target=in_bin,
        target_mean=np.where(in_bin > 0, sums / np.maximum(in_bin, 1), CENTRES),
    )


def fraction_at_or_above(counts: np.ndarray) -> np.ndarray:
    """Fraction of the galaxies with prediction >= EDGES[k], for every k (last axis); nan with no galaxies."""
    total = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.cumsum(counts[..., ::-1], axis=-1)[..., ::-1] / total


def _pick(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    return np.take_along_axis(values, np.asarray(index)[..., None], axis=-1)[..., 0]


def _youden_index(tpr: np.ndarray, fpr: np.ndarray) -> np.ndarray:
    separation = np.nan_to_num(tpr - fpr, nan=-1.0)
    separation[..., 0] = -1.0
    return np.argmax(separation, axis=-1)


def threshold_index(c: BinnedCounts, threshold: float | None) -> np.ndarray:
    """Bin edge of a fixed threshold (the next edge up if it is not one), or (None) the edge maximising TPR - FPR
    on the calibration galaxies."""
    return _cut_index(fraction_at_or_above(c.mergers), fraction_at_or_above(c.others), threshold)


def _cut_index(tpr: np.ndarray, fpr: np.ndarray, threshold: float | None) -> np.ndarray:
    if threshold is not None:
        return np.full(tpr.shape[:-1], int(np.clip(np.searchsorted(EDGES, threshold), 1, N_BINS - 1)))
    return _youden_index(tpr, fpr)


def adjust(observed: np.ndarray, on_mergers: np.ndarray, on_others: np.ndarray) -> np.ndarray:
    """(observed - on_others) / (on_mergers - on_others) clipped to [0, 1]; nan where mergers do not stand out."""
    separation = on_mergers - on_others
    with np.errstate(invalid="ignore", divide="ignore"):
        value = (observed - on_others) / separation
    return np.where(separation > 0, np.clip(value, 0.0, 1.0), np.nan)


def _weighted_mean(counts: np.ndarray, weight: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (counts * weight).sum(axis=-1) / counts.sum(axis=-1)


def _log_likelihood(a: np.ndarray, b: np.ndarray, x: np.ndarray, n: np.ndarray, m: np.ndarray, ridge: float):
    """Binomial log-likelihood of the logistic curve a + b x (with a ridge penalty) on binned counts."""
    eta = a[..., None] + b[..., None] * x
    return (m * eta - n * np.logaddexp(0.0, eta)).sum(axis=-1) - ridge / 2 * (a**2 + b**2)


def _newton_step(a: np.ndarray, b: np.ndarray, x: np.ndarray, n: np.ndarray, m: np.ndarray, ridge: float):
    p = expit(a[..., None] + b[..., None] * x)
    weight, residual = n * p * (1 - p), m - n * p
    g0, g1 = residual.sum(axis=-1) - ridge * a, (residual * x).sum(axis=-1) - ridge * b
    h00, h01 = weight.sum(axis=-1) + ridge, (weight * x).sum(axis=-1)
    h11 = (weight * x * x).sum(axis=-1) + ridge
    det = h00 * h11 - h01**2
    return (h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det


def merger_probability(mergers: np.ndarray, others: np.ndarray, ridge: float = 0.1, tolerance: float = 1e-10):
    """P(true merger | prediction bin) from a logistic fit on logit(bin centre), on all resamples at once.

    Newton steps, halved wherever they would lower the (concave) likelihood, so that the fit converges even for
    counts that a logistic curve describes badly. Only bins holding calibration galaxies enter the fit; a weak
    ridge keeps the two parameters finite when the calibration galaxies are (nearly) separable.
    """
    n = mergers + others
    occupied = np.any(n.reshape(-1, N_BINS) > 0, axis=0)
    x, n_fit, m_fit = logit(CENTRES[occupied]), n[..., occupied], mergers[..., occupied]
    prior = np.clip(m_fit.sum(axis=-1) / np.maximum(n_fit.sum(axis=-1), 1), 1e-3, 1 - 1e-3)
    a, b = logit(prior), np.zeros_like(prior)
    current = _log_likelihood(a, b, x, n_fit, m_fit, ridge)
    for _ in range(100):
        step_a, step_b = _newton_step(a, b, x, n_fit, m_fit, ridge)
        size = np.ones_like(a)
        for _ in range(30):
            trial = _log_likelihood(a + size * step_a, b + size * step_b, x, n_fit, m_fit, ridge)
            worse = trial < current - 1e-12 * np.abs(current)
            if not worse.any():
                break
            size = np.where(worse, size / 2, size)
        a, b, current = a + size * step_a, b + size * step_b, trial
        if max(np.max(np.abs(size * step_a)), np.max(np.abs(size * step_b))) < tolerance:
            break
    return expit(a[..., None] + b[..., None] * logit(CENTRES))


def median_sweep(q: np.ndarray, tpr: np.ndarray, fpr: np.ndarray) -> np.ndarray:
    """Forman's median sweep: the median of ACC over the thresholds where TPR - FPR >= MIN_SEPARATION (nan if none)."""
    usable = np.nan_to_num(tpr - fpr, nan=0.0) >= MIN_SEPARATION
    usable[..., 0] = False  # the threshold 0 counts every galaxy
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(usable, (q - fpr) / np.where(usable, tpr - fpr, 1.0), np.nan)
    ordered = np.sort(np.where(usable, acc, np.inf), axis=-1)  # the usable values first
    n = usable.sum(axis=-1)
    middle = (_pick(ordered, np.maximum(n - 1, 0) // 2) + _pick(ordered, n // 2)) / 2
    return np.where(n > 0, np.clip(middle, 0.0, 1.0), np.nan)


@dataclass(frozen=True)
class Calibration:
    """What the calibration galaxies give an estimator, with any leading (resample) axes."""

    tpr: np.ndarray  # (..., N_BINS) share of true mergers at or above each bin edge
    fpr: np.ndarray  # the same for the other galaxies
    index: np.ndarray  # (...) bin edge of the CC threshold
    p: np.ndarray  # (..., N_BINS) calibrated P(true merger | bin), the PACC weight
    p_mergers: np.ndarray  # (...) mean of p over the true mergers
    p_others: np.ndarray  # (...) mean of p over the others


def calibrate(mergers: np.ndarray, others: np.ndarray, threshold: float | None) -> Calibration:
    tpr, fpr = fraction_at_or_above(mergers), fraction_at_or_above(others)
    index = _cut_index(tpr, fpr, threshold)
    p = merger_probability(mergers, others)
    return Calibration(tpr, fpr, index, p, _weighted_mean(mergers, p), _weighted_mean(others, p))


def apply(cal: Calibration, target: np.ndarray, target_mean: np.ndarray) -> dict[str, np.ndarray]:
    """Every estimator of result.BINNED on target counts per bin (leading axes broadcast with ``cal``'s)."""
    q = fraction_at_or_above(target)
    return {
        "pacc": adjust(_weighted_mean(target, cal.p), cal.p_mergers, cal.p_others),
        "acc": median_sweep(q, cal.tpr, cal.fpr),
        "cc": _pick(np.broadcast_to(q, np.broadcast_shapes(q.shape, cal.tpr.shape)), cal.index),
        "mean_vote": _weighted_mean(target, target_mean),
    }


def chosen_threshold(c: BinnedCounts, threshold: float | None) -> dict[str, float]:
    """The classification threshold used by CC and ACC, with the TPR and FPR measured there on calibration."""
    index = threshold_index(c, threshold)
    return {
        "threshold": float(EDGES[index]),
        "tpr": float(_pick(fraction_at_or_above(c.mergers), index)),
        "fpr": float(_pick(fraction_at_or_above(c.others), index)),
        "chosen_by": "configured" if threshold is not None else "maximum TPR - FPR on the calibration galaxies",
    }


def sweep(c: BinnedCounts, thresholds: np.ndarray) -> dict[str, np.ndarray]:
    """CC on target and calibration, TPR, FPR and ACC at each threshold: a consistent ACC is flat in threshold."""
    index = np.clip(np.searchsorted(EDGES, thresholds), 1, N_BINS - 1)
    curves = {
        "thresholds": EDGES[index],
        "target_cc": fraction_at_or_above(c.target)[index],
        "calibration_cc": fraction_at_or_above(c.mergers + c.others)[index],
        "tpr": fraction_at_or_above(c.mergers)[index],
        "fpr": fraction_at_or_above(c.others)[index],
    }
    return {**curves, "target_acc": adjust(curves["target_cc"], curves["tpr"], curves["fpr"])}
