"""Cross-fitted estimates (Zrnic & Candes 2024, cross-prediction): K fold models, each calibrated on its own rows.

Fold model k never trained on its calibration rows (its held-out fold and the labelled test subset); it is
calibrated there and applied to its own prediction of the target set, and the K estimates are averaged. With K = 1
this is the single calibration on the labelled test subset.

The bootstrap resamples *galaxies*: calibration galaxies by GalaxyID (a test-subset galaxy's K rows move together)
and target galaxies, together, as weights (how often each galaxy is drawn). Weights of one are the data themselves.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from gzmorph.mergers.estimators import (
    CENTRES,
    EDGES,
    N_BINS,
    Calibration,
    apply,
    calibrate,
    prediction_bins,
)

CHUNK = 100  # resamples per pass: the target weights of a chunk are CHUNK x (target galaxies) numbers
SIDES = ("calibration", "target")  # the two sets of galaxies the bootstrap resamples


@dataclass(frozen=True)
class CrossFit:
    """Calibration rows (one per fold model and galaxy it never trained on) and the target set per fold model."""

    galaxy: np.ndarray  # (rows,) index of the row's galaxy in ``ids``
    ids: np.ndarray  # (galaxies,) the calibration galaxies' GalaxyIDs
    fold: np.ndarray  # (rows,) fold model 0 .. K-1
    predicted: np.ndarray  # (rows,) fold model's predicted Class8.6
    true: np.ndarray  # (rows,) volunteer Class8.6
    target: np.ndarray  # (target galaxies, K) each fold model's predicted Class8.6 of the target set

    @classmethod
    def from_rows(cls, ids, fold, predicted, true, target) -> "CrossFit":
        ids, fold = np.asarray(ids), np.asarray(fold, dtype=np.int64)
        target = np.asarray(target, dtype=np.float64).reshape(len(target), -1)
        unique, galaxy = np.unique(ids, return_inverse=True)
        arrays = [np.asarray(a, dtype=np.float64) for a in (predicted, true)]
        for name, values in (("predicted", arrays[0]), ("true", arrays[1]), ("target", target)):
            if not values.size or not np.all(np.isfinite(values)) or values.min() < 0 or values.max() > 1:
                raise ValueError(f"{name}: expected a non-empty array of vote fractions in [0, 1]")
        if set(np.unique(fold)) != set(range(target.shape[1])):
            raise ValueError(f"calibration rows name fold models {sorted(set(fold))}, target columns {target.shape[1]}")
        if len(np.unique(galaxy * target.shape[1] + fold)) != len(fold):
            raise ValueError("a fold model has two calibration rows of one galaxy")
        return cls(galaxy, unique, fold, *arrays, target)

    @property
    def n_folds(self) -> int:
        return self.target.shape[1]

    def galaxy_truth(self) -> np.ndarray:
        """Volunteer Class8.6 of each calibration galaxy (rows of one galaxy share it)."""
        truth = np.empty(len(self.ids))
        truth[self.galaxy] = self.true
        return truth

    def pools(self) -> list[np.ndarray]:
        """Per fold model, the galaxies it never trained on (its held-out fold and the labelled test subset)."""
        return [np.sort(self.galaxy[self.fold == k]) for k in range(self.n_folds)]


def _one_hot(bins: np.ndarray) -> np.ndarray:
    matrix = np.zeros((len(bins), N_BINS))
    matrix[np.arange(len(bins)), bins] = 1.0
    return matrix


def fold_calibration(cf: CrossFit, k: int, weights: np.ndarray, threshold: float, cut: float | None) -> Calibration:
    """Fold model k's calibration, for galaxy weights (resamples, galaxies), true merger at ``threshold``."""
    rows = cf.fold == k
    merger = cf.true[rows] >= threshold
    hot, w = _one_hot(prediction_bins(cf.predicted[rows])), weights[:, cf.galaxy[rows]]
    return calibrate(w @ (hot * merger[:, None]), w @ (hot * ~merger[:, None]), cut)


def fold_calibrations(cf: CrossFit, weights: np.ndarray, threshold: float, cut: float | None) -> list[Calibration]:
    """Each fold model's calibration, for galaxy weights (resamples, galaxies), true merger at ``threshold``."""
    return [fold_calibration(cf, k, weights, threshold, cut) for k in range(cf.n_folds)]


def target_means(target: np.ndarray) -> np.ndarray:
    """(K, N_BINS): mean prediction of the target galaxies in each bin per fold model, the centre where empty."""
    means = []
    for k in range(target.shape[1]):
        bins = prediction_bins(target[:, k])
        n = np.bincount(bins, minlength=N_BINS)
        sums = np.bincount(bins, weights=target[:, k], minlength=N_BINS)
        means.append(np.where(n > 0, sums / np.maximum(n, 1), CENTRES))
    return np.array(means)


def target_counts(target: np.ndarray, weights: np.ndarray) -> list[np.ndarray]:
    """Per fold model, (resamples, N_BINS) weighted target galaxies per bin of that model's prediction."""
    return [weights @ _one_hot(prediction_bins(target[:, k])) for k in range(target.shape[1])]


def combined(calibrations: list[Calibration], counts: list[np.ndarray], means: np.ndarray) -> dict:
    """Each estimator per fold model, (resamples, K), from each fold model's calibration and target counts."""
    per_fold = [apply(cal, counts[k], means[k]) for k, cal in enumerate(calibrations)]
    return {name: np.stack([found[name] for found in per_fold], axis=-1) for name in per_fold[0]}


def bootstrap_weights(n: int, resamples: int, rng: np.random.Generator, members: np.ndarray | None = None):
    """(resamples, n) draw counts: ``members`` (all by default) drawn with replacement to their own number."""
    members = np.arange(n) if members is None else members
    drawn = members[rng.integers(0, len(members), size=(resamples, len(members)))]
    flat = (np.arange(resamples)[:, None] * n + drawn).ravel()
    return np.bincount(flat, minlength=resamples * n).reshape(resamples, n).astype(np.float64)


def estimates(
    cf: CrossFit, thresholds, cut: float | None, resamples: int, rng: np.random.Generator, sides=SIDES
) -> dict:
    """threshold -> (point, resampled): each estimator's per-fold values, (1, K) and (resamples, K). ``sides``: the
    galaxies resampled (both by default; one alone gives that side's share of the interval)."""
    means, ones = target_means(cf.target), np.ones((1, len(cf.ids)))
    counts = target_counts(cf.target, np.ones((1, len(cf.target))))
    point = {t: combined(fold_calibrations(cf, ones, t, cut), counts, means) for t in thresholds}
    chunks = {t: [] for t in thresholds}
    for size in _chunks(resamples):
        calib_w = _weights(len(cf.ids), size, rng, "calibration" in sides)
        counts = target_counts(cf.target, _weights(len(cf.target), size, rng, "target" in sides))
        for t in thresholds:
            chunks[t].append(combined(fold_calibrations(cf, calib_w, t, cut), counts, means))
    return {
        t: (point[t], {name: np.concatenate([c[name] for c in chunks[t]]) for name in point[t]}) for t in thresholds
    }


def _weights(n: int, resamples: int, rng: np.random.Generator, resampled: bool) -> np.ndarray:
    """(resamples, n) bootstrap draw counts, or (1, n) ones: the galaxies as they are, computed once and broadcast
    against the resampled side."""
    return bootstrap_weights(n, resamples, rng) if resampled else np.ones((1, n))


def _chunks(total: int) -> Iterator[int]:
    for start in range(0, total, CHUNK):
        yield min(CHUNK, total - start)


def calibration_curves(cf: CrossFit, threshold: float) -> np.ndarray:
    """(K, N_BINS): fold model k's calibrated P(true merger | its prediction's bin), the PACC weight."""
    every_galaxy_once = np.ones((1, len(cf.ids)))
    return np.array([fold_calibration(cf, k, every_galaxy_once, threshold, None).p[0] for k in range(cf.n_folds)])


def p_merger(curves: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per galaxy: the mean over fold models of fold k's calibrated probability of its own prediction."""
    target = np.asarray(target, dtype=np.float64).reshape(len(target), -1)
    return np.mean([curves[k][prediction_bins(target[:, k])] for k in range(len(curves))], axis=0)


def curves_document(curves: np.ndarray, threshold: float) -> dict:
    """What a later tool needs to compute p_merger for new images from each fold model's predicted Class8.6."""
    return {
        "bin_edges": EDGES.tolist(),
        "curves": curves.tolist(),
        "true_threshold": threshold,
        "use": "bin k holds bin_edges[k] <= prediction < bin_edges[k + 1] (1.0 in the last); p_merger is the mean "
        "over fold models k of curves[k] at the bin of fold model k's predicted Class8.6",
    }
