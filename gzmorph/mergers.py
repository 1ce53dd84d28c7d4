"""The merger fraction of an unlabelled set from predicted ``Class8.6`` vote fractions, its uncertainties, and rates.

Three estimators of the fraction of galaxies that are mergers:

* ``mean_vote``: the mean predicted Class8.6 (= P(odd) x P(merger | odd), the fraction of all volunteers who
  would call the galaxy a merger), i.e. the expected fraction if each vote fraction were a merger probability;
* ``threshold``: the fraction of galaxies whose predicted Class8.6 is at least a fixed threshold (Darg et al. 2010
  selected Galaxy Zoo 1 merger candidates by a threshold on the weighted merger vote fraction);
* ``calibrated``: the same count with the threshold chosen on the labelled validation set so that the number of
  galaxies above it equals the number of *true* mergers there, a true merger being a validation galaxy whose
  volunteer Class8.6 is at least ``true_threshold``. This corrects the model's pull towards the mean.

A fraction becomes a rate per galaxy through an observability timescale: R = f / T_obs (Gyr^-1 for T_obs in Gyr).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ESTIMATORS = ("mean_vote", "threshold", "calibrated")


@dataclass(frozen=True)
class MergerSettings:
    threshold: float  # fixed vote-fraction threshold of the ``threshold`` estimator
    true_threshold: float  # a validation galaxy is a true merger when its volunteer Class8.6 >= this
    systematic_thresholds: tuple[float, float]  # threshold range whose fractions enter the systematic spread


def mean_vote(votes: np.ndarray) -> float:
    return float(np.mean(votes)) if len(votes) else float("nan")


def fraction_above(votes: np.ndarray, threshold: float) -> float:
    """Fraction of galaxies with vote fraction >= threshold."""
    return float(np.mean(np.asarray(votes) >= threshold)) if len(votes) else float("nan")


def threshold_sweep(votes: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """fraction_above for every threshold at once."""
    ordered = np.sort(np.asarray(votes, dtype=np.float64))
    return (len(ordered) - np.searchsorted(ordered, thresholds, side="left")) / max(len(ordered), 1)


def calibrate_threshold(predicted: np.ndarray, true: np.ndarray, true_threshold: float) -> float:
    """Threshold on ``predicted`` above which as many galaxies lie as have ``true`` >= true_threshold.

    The midpoint between the n-th and (n+1)-th largest prediction, so the count is exact unless predictions tie.
    With no true mergers the threshold lies above every prediction (fraction 0).
    """
    n_true = int(np.sum(np.asarray(true) >= true_threshold))
    ordered = np.sort(np.asarray(predicted, dtype=np.float64))[::-1]
    if n_true == 0:
        return float(np.nextafter(ordered[0], np.inf)) if len(ordered) else float("inf")
    if n_true >= len(ordered):
        return float(ordered[-1])
    return float((ordered[n_true - 1] + ordered[n_true]) / 2)


def estimate(test: np.ndarray, valid_pred: np.ndarray, valid_true: np.ndarray, s: MergerSettings) -> dict[str, float]:
    """The three estimators on the test predictions (the calibrated one uses the validation pairs)."""
    return {
        "mean_vote": mean_vote(test),
        "threshold": fraction_above(test, s.threshold),
        "calibrated": fraction_above(test, calibrate_threshold(valid_pred, valid_true, s.true_threshold)),
    }


def validation_check(valid_pred: np.ndarray, valid_true: np.ndarray, s: MergerSettings) -> dict[str, dict]:
    """Per estimator, the quantity it estimates on the validation set from the true votes and from the predictions.

    For ``calibrated`` the threshold is fitted on one random half and judged on the other (so the agreement is
    not true by construction); the numbers are means over ``repeats`` half splits.
    """
    check = {
        "mean_vote": {"true": mean_vote(valid_true), "predicted": mean_vote(valid_pred)},
        "threshold": {
            "true": fraction_above(valid_true, s.threshold),
            "predicted": fraction_above(valid_pred, s.threshold),
        },
    }
    rng = np.random.default_rng(0)
    true_half, pred_half = [], []
    for _ in range(200):
        order = rng.permutation(len(valid_pred))
        fit, held = order[: len(order) // 2], order[len(order) // 2 :]
        cut = calibrate_threshold(valid_pred[fit], valid_true[fit], s.true_threshold)
        true_half.append(fraction_above(valid_true[held], s.true_threshold))
        pred_half.append(fraction_above(valid_pred[held], cut))
    check["calibrated"] = {"true": float(np.mean(true_half)), "predicted": float(np.mean(pred_half))}
    for values in check.values():
        values["error"] = values["predicted"] - values["true"]
    return check


def bootstrap(
    test: np.ndarray,
    valid_pred: np.ndarray,
    valid_true: np.ndarray,
    s: MergerSettings,
    n_resamples: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Each estimator on ``n_resamples`` resamples of the galaxies (test, and validation pairs for calibration)."""
    out = {name: np.empty(n_resamples) for name in ESTIMATORS}
    for k in range(n_resamples):
        t = test[rng.integers(0, len(test), len(test))]
        v = rng.integers(0, len(valid_pred), len(valid_pred))
        for name, value in estimate(t, valid_pred[v], valid_true[v], s).items():
            out[name][k] = value
    return out


def interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """Central percentile interval holding ``confidence`` of the bootstrap samples."""
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def systematic_spread(
    test: np.ndarray, valid_pred: np.ndarray, valid_true: np.ndarray, estimates: dict[str, float], s: MergerSettings
) -> dict:
    """Two systematics, each as half a range: between the three estimators, and of each threshold estimator over
    ``systematic_thresholds`` (the fixed threshold, or the true-merger definition behind the calibrated one)."""
    low, high = s.systematic_thresholds
    definition = {
        "mean_vote": {},
        "threshold": {f"threshold {t:g}": fraction_above(test, t) for t in (low, s.threshold, high)},
        "calibrated": {
            f"true merger >= {t:g}": fraction_above(test, calibrate_threshold(valid_pred, valid_true, t))
            for t in (low, s.true_threshold, high)
        },
    }
    return {
        "estimators": {"values": estimates, "half_range": (max(estimates.values()) - min(estimates.values())) / 2},
        "definition": {
            name: {"values": values, "half_range": (max(values.values()) - min(values.values())) / 2 if values else 0.0}
            for name, values in definition.items()
        },
    }


def rate(fraction: float | np.ndarray, timescale_gyr: float | np.ndarray) -> float | np.ndarray:
    """Merger rate per galaxy in Gyr^-1 from a fraction and an observability timescale in Gyr: R = f / T_obs."""
    timescale_gyr = np.asarray(timescale_gyr, dtype=np.float64)
    if np.any(timescale_gyr <= 0):
        raise ValueError(f"observability timescales must be positive Gyr, got {timescale_gyr}")
    return np.asarray(fraction, dtype=np.float64) / timescale_gyr


def rate_band(fractions: Sequence[float], timescale_gyr: Sequence[float]) -> tuple[float, float]:
    """(lowest, highest) rate in Gyr^-1 over a fraction range and a timescale range."""
    return float(min(fractions) / max(timescale_gyr)), float(max(fractions) / min(timescale_gyr))


def literature_range(entry: dict) -> tuple[float, float] | None:
    """(low, high) of a literature entry's value(s) times its correction factor; None when the value is not set."""
    value = entry.get("value")
    if value is None:
        return None
    values = [float(v) for v in (value if isinstance(value, list | tuple) else [value])]
    factor = float(entry.get("correction") or 1.0)
    return min(values) * factor, max(values) * factor


def literature_rate(entry: dict, timescales_gyr: dict[str, Sequence[float]]) -> tuple[float, float] | None:
    """A literature value as a rate band in Gyr^-1: rates as given, fractions through the entry's timescale."""
    span = literature_range(entry)
    if span is None:
        return None
    if entry["quantity"] == "merger_rate":
        return span
    return rate_band(span, timescales_gyr[entry["timescale"]])


def analyse(
    test: np.ndarray,
    valid_pred: np.ndarray,
    valid_true: np.ndarray,
    s: MergerSettings,
    n_resamples: int,
    confidence: float,
    seed: int,
    adopted: str,
    timescales_gyr: dict[str, Sequence[float]],
    min_calibration_mergers: int = 0,
) -> dict:
    """Every number of the merger report, JSON-ready: estimates, intervals, validation check, systematics, rates.

    A threshold calibrated on fewer than ``min_calibration_mergers`` true mergers rests on too few galaxies to mean
    anything; if it is the one asked for, the mean vote is adopted instead and ``adopted_because`` says why.
    """
    if adopted not in ESTIMATORS:
        raise ValueError(f"adopted estimator {adopted!r} is not one of {ESTIMATORS}")
    n_true_mergers = int(np.sum(valid_true >= s.true_threshold))
    adopted_because = None
    if adopted == "calibrated" and n_true_mergers < min_calibration_mergers:
        adopted_because = (
            f"the validation set has {n_true_mergers} true mergers, fewer than the {min_calibration_mergers} "
            "(config mergers.min_calibration_mergers) a calibrated threshold needs, so the mean vote is adopted "
            "instead of the calibrated threshold"
        )
        adopted = "mean_vote"
    estimates = estimate(test, valid_pred, valid_true, s)
    samples = bootstrap(test, valid_pred, valid_true, s, n_resamples, np.random.default_rng(seed))
    check = validation_check(valid_pred, valid_true, s)
    systematic = systematic_spread(test, valid_pred, valid_true, estimates, s)
    result = {
        "n_test": int(len(test)),
        "n_validation": int(len(valid_pred)),
        "n_validation_true_mergers": n_true_mergers,
        "settings": {**s.__dict__, "systematic_thresholds": list(s.systematic_thresholds)},
        "calibrated_threshold": calibrate_threshold(valid_pred, valid_true, s.true_threshold),
        "confidence": confidence,
        "n_resamples": n_resamples,
        "estimators": {
            name: {
                "fraction": estimates[name],
                "interval": interval(samples[name], confidence),
                "validation": check[name],
            }
            for name in ESTIMATORS
        },
        "systematic": systematic,
        "adopted": adopted,
        "adopted_because": adopted_because,
    }
    f = estimates[adopted]
    low, high = result["estimators"][adopted]["interval"]
    result["adopted_fraction"] = {
        "fraction": f,
        "stat_low": f - low,
        "stat_high": high - f,
        "sys_definition": systematic["definition"][adopted]["half_range"],
        "sys_estimators": systematic["estimators"]["half_range"],
    }
    result["rates_gyr"] = {}
    for name, values in result["estimators"].items():
        result["rates_gyr"][name] = {
            kind: {"central": rate_band([values["fraction"]], span), "with_stat": rate_band(values["interval"], span)}
            for kind, span in timescales_gyr.items()
        }
    return result


def bootstrap_sweep(
    votes: np.ndarray, thresholds: np.ndarray, n_resamples: int, confidence: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap interval (low, high) of the fraction above each threshold."""
    samples = np.stack(
        [threshold_sweep(votes[rng.integers(0, len(votes), len(votes))], thresholds) for _ in range(n_resamples)]
    )
    tail = (1 - confidence) / 2 * 100
    return np.percentile(samples, tail, axis=0), np.percentile(samples, 100 - tail, axis=0)
