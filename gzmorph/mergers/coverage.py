"""Known-answer diagnostic: does the quoted estimator, with its bootstrap interval, recover a fraction we set?

Every fold model has its own pool: the labelled galaxies it never trained on (its held-out fold and the labelled test
subset), i.e. its rows of the calibration table; together the pools hold every calibration galaxy. Each repeat halves
every fold model's pool on its own (each class halved; a test-subset galaxy, in every pool, may fall in one model's
calibration half and another's target half). Fold model k calibrates on its rows outside its target half, exactly as
in the measurement, and estimates on a target set drawn from its own target half only; the K estimates (and the K
bootstrap resamples) are averaged as in the measurement. A target set has the size of the real target set (or a
stated size) and a true merger fraction of ``factor`` x the calibration galaxies': its number of mergers is
Binomial(N, fraction), mergers and non-mergers drawn *with replacement*, so no factor is truncated by the few mergers
of a half. A galaxy drawn several times is one galaxy: the target's bootstrap redraws the number of mergers and,
within each class, resamples the distinct galaxies with their multiplicities (``target_weights``), so repeats do not
pose as independent galaxies. The calibration bootstrap resamples galaxies once for all fold models (a galaxy in
several calibration halves moves in all of them together), as in the measurement.

Per estimator and factor: the median and mean bias (estimate - truth), the estimator's own spread sigma at that
size, and how often the 68 % interval lies above the truth (truth below it) or below it (truth above it).
An estimator passes when, at every factor, its median bias is within ``BIAS_TOLERANCE`` sigma (a shift of a quarter
sigma lowers the coverage of a 68 % interval by about one percentage point) and its coverage is not below the
confidence, each up to ``NOISE_ALLOWANCE`` of its own standard errors over the repeats: a measured value closer to its
limit than its noise is a tie, not a failure. The median, not the mean, because estimates are clipped at 0.
"""

import numpy as np
from tqdm import tqdm

from gzmorph.mergers.estimators import ALL_ESTIMATORS, apply
from gzmorph.mergers.per_fold_model import CrossFit, bootstrap_weights, fold_calibration, target_counts, target_means
from gzmorph.mergers.settings import Coverage
from gzmorph.mergers.uncertainty import percentile_interval

BIAS_TOLERANCE = 0.25  # largest |median bias| that passes, in units of the estimator's own spread
NOISE_ALLOWANCE = 3  # standard errors over the repeats by which a measured bias or coverage may pass its limit


def split_halves(pool: np.ndarray, is_merger: np.ndarray, rng: np.random.Generator):
    """(calibration half, target-half mergers, target-half non-mergers) of the pool, each class halved."""
    halves = []
    for members in (pool[is_merger[pool]], pool[~is_merger[pool]]):
        shuffled = rng.permutation(members)
        halves.append((shuffled[: len(shuffled) // 2], shuffled[len(shuffled) // 2 :]))
    (cal_mergers, mergers), (cal_others, others) = halves
    return np.concatenate([cal_mergers, cal_others]), mergers, others


def draw_target(mergers: np.ndarray, others: np.ndarray, size: int, fraction: float, rng: np.random.Generator):
    """Indices of ``size`` galaxies, each a merger with probability ``fraction``, drawn with replacement."""
    n_mergers = rng.binomial(size, fraction)
    return np.concatenate([rng.choice(mergers, n_mergers), rng.choice(others, size - n_mergers)])


def target_weights(times: np.ndarray, merger: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap weights of a target drawn with replacement, (resamples, distinct galaxies): the number of mergers
    drawn again as Binomial(N, its share), and within each class the *distinct* galaxies resampled (each with its
    multiplicity) and scaled to that class's number, so repeats do not pose as independent galaxies."""
    size = times.sum()
    n_mergers = rng.binomial(size, times[merger].sum() / size, resamples).astype(np.float64)
    weights = np.zeros((resamples, len(times)))
    for members, total in ((merger, n_mergers), (~merger, size - n_mergers)):
        if members.any():
            drawn = bootstrap_weights(int(members.sum()), resamples, rng) * times[members]
            weights[:, members] = drawn / np.maximum(drawn.sum(axis=1, keepdims=True), 1e-12) * total[:, None]
    return weights


def _predictions(cf: CrossFit) -> np.ndarray:
    """(galaxies, K) each fold model's prediction of each calibration galaxy (nan where it trained on it)."""
    table = np.full((len(cf.ids), cf.n_folds), np.nan)
    table[cf.galaxy, cf.fold] = cf.predicted
    return table


def split_pools(cf: CrossFit, is_merger: np.ndarray, rng: np.random.Generator) -> list[tuple]:
    """Per fold model, ``split_halves`` of its own pool (the galaxies it never trained on); each halving its own."""
    return [split_halves(pool, is_merger, rng) for pool in cf.pools()]


def _fold_estimates(cf: CrossFit, k: int, calibrations, mergers, others, size, fraction, is_merger, table, s, rng):
    """Fold model k's estimates on a target drawn from its target half: (point (1,), resamples (resamples,))."""
    drawn = draw_target(mergers, others, size, fraction, rng)
    distinct, times = np.unique(drawn, return_counts=True)
    target, means = table[distinct, k : k + 1], target_means(table[drawn, k : k + 1])[0]
    point = apply(calibrations[0], target_counts(target, times[None, :].astype(np.float64))[0], means)
    weights = target_weights(times, is_merger[distinct], s.resamples, rng)
    return point, apply(calibrations[1], target_counts(target, weights)[0], means)


def _runs(cf: CrossFit, threshold, cut, fractions, size, s: Coverage, confidence, rng) -> np.ndarray:
    """(repeats, factors, estimators, 3): estimate, interval low, interval high (means over the fold models)."""
    runs = np.full((s.repeats, len(fractions), len(ALL_ESTIMATORS), 3), np.nan)
    is_merger, table = cf.galaxy_truth() >= threshold, _predictions(cf)
    for r in tqdm(range(s.repeats), desc="known-answer diagnostic", unit="repeat", mininterval=2.0):
        halves = split_pools(cf, is_merger, rng)
        in_calibration = np.zeros((cf.n_folds, len(cf.ids)))
        for k, (calibration, _, _) in enumerate(halves):
            in_calibration[k, calibration] = 1.0
        resampled = bootstrap_weights(len(cf.ids), s.resamples, rng, np.flatnonzero(in_calibration.any(axis=0)))
        calibrations = [
            (
                fold_calibration(cf, k, in_calibration[k][None, :], threshold, cut),
                fold_calibration(cf, k, resampled * in_calibration[k], threshold, cut),
            )
            for k in range(cf.n_folds)
        ]
        for f, fraction in enumerate(fractions):
            found = [
                _fold_estimates(cf, k, calibrations[k], *halves[k][1:], size, fraction, is_merger, table, s, rng)
                for k in range(cf.n_folds)
            ]
            for e, name in enumerate(ALL_ESTIMATORS):
                point = np.mean([p[name] for p, _ in found])
                boot = np.mean([b[name] for _, b in found], axis=0)
                runs[r, f, e] = [point, *percentile_interval(boot, confidence)]
    return runs


def summarise(runs: np.ndarray, truth: float, confidence: float) -> dict:
    """Bias against the estimator's own spread and two-sided coverage, from (repeats, 3) runs at one factor."""
    valid = runs[np.all(np.isfinite(runs), axis=1)]
    if len(valid) < 2:
        return {"valid_repeats": len(valid), "passes": False}
    estimate, low, high = valid.T
    n = len(valid)
    sigma = float(np.std(estimate, ddof=1))
    median_bias = float(np.median(estimate) - truth)
    coverage = float(np.mean((low <= truth) & (truth <= high)))
    coverage_error = float(np.sqrt(confidence * (1 - confidence) / n))
    median_bias_error = float(np.sqrt(np.pi / 2) * sigma / np.sqrt(n))  # a median's standard error, normal errors
    bias_passes = bool(abs(median_bias) <= BIAS_TOLERANCE * sigma + NOISE_ALLOWANCE * median_bias_error)
    coverage_passes = bool(coverage >= confidence - NOISE_ALLOWANCE * coverage_error)
    return {
        "valid_repeats": n,
        "median_estimate": float(np.median(estimate)),
        "median_bias": median_bias,
        "median_bias_error": median_bias_error,
        "bias": float(np.mean(estimate) - truth),
        "bias_error": sigma / np.sqrt(n),
        "sigma": sigma,
        "bias_in_sigma": median_bias / sigma if sigma > 0 else 0.0,
        "coverage": coverage,
        "truth_below": float(np.mean(truth < low)),
        "truth_above": float(np.mean(truth > high)),
        "coverage_error": coverage_error,
        "median_interval": [float(np.median(low)), float(np.median(high))],
        "bias_passes": bias_passes,
        "coverage_passes": coverage_passes,
        "passes": bias_passes and coverage_passes,
    }


def diagnostic(
    cf: CrossFit, threshold: float, cut: float | None, s: Coverage, confidence: float, target_size: int
) -> dict:
    """Bias and coverage of every estimator at each factor x the calibration galaxies' merger fraction; JSON-ready."""
    truth = cf.galaxy_truth() >= threshold
    n_mergers = int(truth.sum())
    pools = [{"galaxies": len(pool), "mergers": int(truth[pool].sum())} for pool in cf.pools()]
    base = {"pool": len(cf.ids), "pool_mergers": n_mergers, "fold_pools": pools, "repeats": s.repeats}
    base |= {"confidence": confidence, "target_size": target_size, "bias_tolerance_sigma": BIAS_TOLERANCE}
    base |= {"noise_allowance": NOISE_ALLOWANCE}
    for k, pool in enumerate(pools):
        if min(pool["mergers"], pool["galaxies"] - pool["mergers"]) < 4:
            skipped = f"{pool['mergers']} true mergers among the {pool['galaxies']} galaxies fold model {k} never "
            return {**base, "skipped": skipped + "trained on: too few to split"}
    pool_fraction = n_mergers / len(cf.ids)
    fractions = np.minimum(np.array(s.factors) * pool_fraction, 1.0)
    rng = np.random.default_rng(s.seed)
    runs = _runs(cf, threshold, cut, fractions, target_size, s, confidence, rng)
    factors = [
        {
            "factor": float(factor),
            "true_fraction": float(fraction),
            "estimators": {
                name: summarise(runs[:, f, e], fraction, confidence) for e, name in enumerate(ALL_ESTIMATORS)
            },
        }
        for f, (factor, fraction) in enumerate(zip(s.factors, fractions, strict=True))
    ]
    passes = {name: all(f["estimators"][name]["passes"] for f in factors) for name in ALL_ESTIMATORS}
    return {**base, "pool_fraction": pool_fraction, "factors": factors, "passes": passes}


def failures(test: dict, name: str) -> list[str]:
    """What failed for estimator ``name`` in a diagnostic result, factor by factor, in words."""
    found = []
    for factor in test.get("factors", ()):
        s = factor["estimators"][name]
        where = f"at {factor['factor']:g}x"
        if s.get("valid_repeats", 0) < 2:
            found.append(f"no valid repeat {where}")
            continue
        if not s["bias_passes"]:
            found.append(f"median bias {s['bias_in_sigma']:+.2f} sigma {where}")
        if not s["coverage_passes"]:
            found.append(f"coverage {s['coverage']:.2f} {where}")
    return found
