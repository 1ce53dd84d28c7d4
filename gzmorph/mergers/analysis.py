"""The one entry point of the merger analysis: arrays in, every number of the report out as a JSON-ready dict."""

import logging
from collections.abc import Mapping
from dataclasses import asdict

import numpy as np

from gzmorph.mergers.coverage import coverage_test
from gzmorph.mergers.estimators import bin_counts, chosen_threshold
from gzmorph.mergers.literature import compare, compare_literature
from gzmorph.mergers.rates import adopted_rate
from gzmorph.mergers.scale import scale_table
from gzmorph.mergers.settings import ESTIMATORS, MergerSettings
from gzmorph.mergers.theory import illustris_expectation
from gzmorph.mergers.uncertainty import bootstrap_estimates, definition_systematic, model_systematic, total_interval

log = logging.getLogger(__name__)

DESCRIPTIONS = {
    "cc": "classify and count: fraction of target galaxies with predicted Class8.6 >= the classification threshold",
    "acc": "adjusted classify and count: (CC - FPR) / (TPR - FPR), TPR and FPR from the calibration galaxies",
    "pacc": "probabilistic adjusted count: mean calibrated P(merger), adjusted by its means on true mergers and others",
    "mean_vote": "mean predicted Class8.6: a mean vote fraction, not a count of mergers",
}


def _as_array(values, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).ravel()
    if not len(array) or not np.all(np.isfinite(array)) or array.min() < 0 or array.max() > 1:
        raise ValueError(f"{name}: expected a non-empty array of vote fractions in [0, 1]")
    return array


def choose_estimator(s: MergerSettings, n_mergers: int, coverage: Mapping) -> tuple[str, str | None]:
    """The first estimator of ``s.adopted`` that passes the known-answer test on these calibration galaxies (the
    first if none does), or the mean vote when they hold too few true mergers; with the reason when not the first."""
    if n_mergers < s.min_calibration_mergers:
        because = (
            f"the calibration galaxies hold {n_mergers} true mergers (volunteer Class8.6 >= {s.true_threshold:g}), "
            f"fewer than the {s.min_calibration_mergers} (config mergers.min_calibration_mergers) that "
            f"{s.adopted[0]} needs to measure how the model sees mergers; the mean predicted vote is adopted instead, "
            "which is not adjusted and carries the training set's merger fraction (see the known-answer test)"
        )
        log.warning("merger fraction: %s", because)
        return "mean_vote", because
    passing = [name for name in s.adopted if coverage.get("passes", {}).get(name)]
    if passing and passing[0] == s.adopted[0]:
        return passing[0], None
    if passing:
        failed = ", ".join(s.adopted[: s.adopted.index(passing[0])])
        because = (
            f"{failed} (first in mergers.adopted) fails the known-answer test on these calibration galaxies; "
            f"{passing[0]}, the next that passes, is adopted"
        )
        log.info("merger fraction: %s", because)
        return passing[0], because
    because = (
        f"no estimator of mergers.adopted ({', '.join(s.adopted)}) passes the known-answer test on these calibration "
        f"galaxies; {s.adopted[0]} is quoted, but its interval may hold the truth less often than it says"
    )
    log.warning("merger fraction: %s", because)
    return s.adopted[0], because


def calibration_bias(calib_pred: np.ndarray, calib_true: np.ndarray, true_threshold: float) -> float:
    """How far the mean predicted vote of the calibration galaxies lies from their true merger fraction: the bias
    the unadjusted mean vote carries, counted as a systematic whenever it is adopted (it is not corrected)."""
    return float(abs(np.mean(calib_pred) - np.mean(calib_true >= true_threshold)))


def error_budget(
    adopted: str,
    estimate: dict,
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray],
    s: MergerSettings,
    variants: Mapping[str, tuple[np.ndarray, np.ndarray]],
) -> dict:
    """The adopted fraction with its statistical interval, both systematics and the total interval."""
    target, calib_pred, calib_true = arrays
    f = estimate["fraction"]
    stat_low, stat_high = (max(0.0, d) for d in (f - estimate["interval"][0], estimate["interval"][1] - f))
    threshold = s.classification_threshold
    definition = definition_systematic(target, calib_pred, calib_true, adopted, s.definition_thresholds, threshold)
    model = model_systematic(f, variants, calib_true, adopted, s.true_threshold, threshold)
    bias = calibration_bias(calib_pred, calib_true, s.true_threshold) if adopted == "mean_vote" else 0.0
    return {
        "estimator": adopted,
        "fraction": f,
        "stat_low": stat_low,
        "stat_high": stat_high,
        "sys_definition": definition["size"],
        "sys_model": model["size"],
        "sys_calibration_bias": bias,
        "definition_values": definition["values"],
        "model_values": model["values"],
        "interval_68": total_interval(f, stat_low, stat_high, [definition["size"], model["size"], bias]),
        "combination": "statistical half-interval on each side and systematics added in quadrature",
    }


def analyse(
    target,
    calib_pred,
    calib_true,
    settings: MergerSettings,
    variants: Mapping[str, tuple] | None = None,
    network_view: tuple[int, int] | None = None,
) -> dict:
    """Every number of the merger report, JSON-ready.

    ``target``: predicted Class8.6 of the unlabelled set; ``calib_pred``/``calib_true``: predicted and volunteer
    Class8.6 of held-out labelled galaxies; ``variants``: other model name -> (calib_pred, target_pred), for the
    model systematic; ``network_view``: (crop_px, size_px) of the network's input, for the scale table.
    """
    target, calib_pred, calib_true = (
        _as_array(v, n) for v, n in ((target, "target"), (calib_pred, "calib_pred"), (calib_true, "calib_true"))
    )
    if len(calib_pred) != len(calib_true):
        raise ValueError(f"calib_pred has {len(calib_pred)} galaxies but calib_true {len(calib_true)}")
    variants = {
        name: (_as_array(c, f"{name} calib"), _as_array(t, f"{name} target"))
        for name, (c, t) in (variants or {}).items()
    }
    s, boot = settings, settings.bootstrap
    counts = bin_counts(calib_pred, calib_true, target, s.true_threshold)
    n_mergers = int(counts.mergers.sum())
    coverage = coverage_test(
        calib_pred, calib_true, s.true_threshold, s.classification_threshold, s.coverage, boot.confidence
    )
    adopted, because = choose_estimator(s, n_mergers, coverage)
    found = bootstrap_estimates(
        counts, s.classification_threshold, boot.resamples, boot.confidence, np.random.default_rng(boot.seed)
    )
    budget = error_budget(adopted, found[adopted], (target, calib_pred, calib_true), s, variants)
    rate = adopted_rate(budget, s.observability[s.rate_timescale])
    illustris = illustris_expectation(s.theory)
    return {
        "n_test": len(target),
        "n_calibration": len(calib_pred),
        "n_calibration_true_mergers": n_mergers,
        "true_threshold": s.true_threshold,
        "confidence": boot.confidence,
        "resamples": boot.resamples,
        "classification": chosen_threshold(counts, s.classification_threshold),
        "adopted": adopted,
        "adopted_because": because,
        "estimators": {name: {**found[name], "description": DESCRIPTIONS[name]} for name in ESTIMATORS},
        "adopted_fraction": budget,
        "rate": rate,
        "coverage": coverage,
        "illustris": {**illustris, "verdict": compare(rate["interval_68"], illustris["band"])},
        "literature": compare_literature(s, budget["interval_68"], rate["interval_68"]),
        "corrections": [asdict(c) for c in s.corrections],
        "scale": {"cosmology": s.scale.cosmology_name, "rows": scale_table(s.scale, network_view), **_scale_notes(s)},
        "variants": sorted(variants),
    }


def _scale_notes(s: MergerSettings) -> dict:
    return {
        "petro_r90_minimum_arcsec": s.scale.petro_r90_minimum_arcsec,
        "petro_r90_typical_arcsec": s.scale.petro_r90_typical_arcsec,
        "petro_r90_typical_why": s.scale.petro_r90_typical_why,
        "field_in_r90": s.scale.image_px * s.scale.arcsec_per_px_per_r90,
    }
