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
* ``count_matching`` (the threshold above which as many calibration galaxies lie as there are true mergers) is
  exact only when the target has the calibration merger fraction; the known-answer test shows it failing at
  0.25x and 4x, so it is never adopted.

ACC's threshold, unless configured, is the one that maximises TPR - FPR (Youden's J) on the calibration galaxies:
TPR - FPR is the denominator of ACC, so that threshold divides the counting noise by the largest number. Any fixed
threshold keeps ACC unbiased; choosing it on the same galaxies adds a little optimism that the bootstrap (which
chooses it again in every resample) carries into the interval.

Everything works on galaxy counts per prediction bin (``N_BINS`` bins of width 1/N_BINS) with any number of leading
axes, so that a bootstrap is a multinomial draw of counts and all estimators run on all resamples at once.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit

N_BINS = 100
EDGES = np.arange(N_BINS + 1) / N_BINS  # k / N_BINS exactly, so that a threshold of 0.4 is an edge
CENTRES = (EDGES[:-1] + EDGES[1:]) / 2
ALL_ESTIMATORS = ("cc", "acc", "pacc", "mean_vote", "count_matching")


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
    if threshold is not None:
        return np.full(c.mergers.shape[:-1], int(np.clip(np.searchsorted(EDGES, threshold), 1, N_BINS - 1)))
    return _youden_index(fraction_at_or_above(c.mergers), fraction_at_or_above(c.others))


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


def estimate_all(c: BinnedCounts, threshold: float | None) -> dict[str, np.ndarray]:
    """Every estimator of ALL_ESTIMATORS, on every resample of ``c`` at once."""
    tpr, fpr, q = (fraction_at_or_above(counts) for counts in (c.mergers, c.others, c.target))
    index = _youden_index(tpr, fpr) if threshold is None else threshold_index(c, threshold)
    p = merger_probability(c.mergers, c.others)
    above = np.cumsum((c.mergers + c.others)[..., ::-1], axis=-1)[..., ::-1]
    matching = np.argmin(np.abs(above - c.mergers.sum(axis=-1, keepdims=True)), axis=-1)
    return {
        "cc": _pick(q, index),
        "acc": adjust(_pick(q, index), _pick(tpr, index), _pick(fpr, index)),
        "pacc": adjust(_weighted_mean(c.target, p), _weighted_mean(c.mergers, p), _weighted_mean(c.others, p)),
        "mean_vote": _weighted_mean(c.target, c.target_mean),
        "count_matching": _pick(q, matching),
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
