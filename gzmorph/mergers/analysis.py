"""The one entry point of the merger analysis: calibration rows and target predictions in, a MergerResult out."""

import logging
from collections.abc import Sequence
from dataclasses import asdict

import numpy as np

from gzmorph.mergers.bayes import posterior_fraction, rebin
from gzmorph.mergers.coverage import diagnostic, failures
from gzmorph.mergers.estimators import EDGES, bin_counts, chosen_threshold, prediction_bins
from gzmorph.mergers.literature import compare, compare_literature
from gzmorph.mergers.per_fold_model import SIDES, CrossFit, estimates
from gzmorph.mergers.rates import adopted_rate
from gzmorph.mergers.reference import observability
from gzmorph.mergers.result import BINNED, Definition, Estimate, MergerResult
from gzmorph.mergers.scale import scale_table
from gzmorph.mergers.settings import MergerReference, MergerSettings
from gzmorph.mergers.theory import illustris_expectation
from gzmorph.mergers.uncertainty import percentile_interval, wilson_interval

log = logging.getLogger(__name__)


def _estimate(name: str, point: np.ndarray, samples: np.ndarray, confidence: float) -> Estimate:
    """Point and interval of the fold models' mean (last axis) of one estimator."""
    combined = samples.mean(axis=-1)
    interval = percentile_interval(combined, confidence)
    return Estimate(name, float(point.mean()), interval, int(np.sum(~np.isfinite(combined))))


def interval_sources(cf: CrossFit, s: MergerSettings, rng: np.random.Generator) -> dict[str, list[float]]:
    """The quoted estimator's interval with only the calibration galaxies, or only the target galaxies, resampled:
    which side sets the width (the quoted interval resamples both)."""
    boot, t, name = s.bootstrap, s.true_threshold, s.estimator
    sources = {}
    for side in SIDES:
        point, samples = estimates(cf, (t,), s.classification_threshold, boot.resamples, rng, sides=(side,))[t]
        sources[side] = list(_estimate(name, point[name], samples[name], boot.confidence).interval)
    return sources


def bayesian_estimate(cf: CrossFit, threshold: float, confidence: float, rng: np.random.Generator) -> Estimate:
    """The Dirichlet-multinomial posterior per fold model, its draws averaged over the fold models."""
    draws = []
    for k in range(cf.n_folds):
        rows = cf.fold == k
        bins, merger = prediction_bins(cf.predicted[rows]), cf.true[rows] >= threshold
        mergers, others = (rebin(np.bincount(bins[m], minlength=len(EDGES) - 1)) for m in (merger, ~merger))
        target = rebin(np.bincount(prediction_bins(cf.target[:, k]), minlength=len(EDGES) - 1))
        draws.append(posterior_fraction(mergers, others, target, rng))
    mean = np.mean(draws, axis=0)
    return Estimate("bayes", float(np.median(mean)), percentile_interval(mean, confidence))


def classification(cf: CrossFit, s: MergerSettings) -> dict:
    """CC's threshold with fold model 0's TPR and FPR there (the calibration figure draws that model)."""
    rows = cf.fold == 0
    counts = bin_counts(cf.predicted[rows], cf.true[rows], cf.target[:, 0], s.true_threshold)
    return chosen_threshold(counts, s.classification_threshold)


def iid_row(labelled_truth: np.ndarray, threshold: float, confidence: float) -> dict:
    """The labelled galaxies' own merger fraction with its binomial (Wilson) interval."""
    k, n = int(np.sum(labelled_truth >= threshold)), len(labelled_truth)
    return {
        "fraction": k / n,
        "interval": list(wilson_interval(k, n, confidence)),
        "n": n,
        "mergers": k,
        "applies": "only when the target set comes from the same survey and selection as the labelled galaxies "
        "(the Kaggle test set does)",
    }


def diagnostic_warning(result_passes: bool | None, estimator: str, failed: Sequence[str] = ()) -> str | None:
    """The report's warning when the diagnostic did not run or failed for the quoted estimator (``failed``: what
    failed, from :func:`gzmorph.mergers.coverage.failures`)."""
    if result_passes is None:
        return "The known-answer diagnostic could not run: nothing shows whether the interval holds the truth."
    if not result_passes:
        what = f" ({'; '.join(failed)})" if failed else ""
        return (
            f"The known-answer diagnostic FAILED for {estimator}{what}: on labelled targets with a known merger "
            "fraction its estimate is biased or its interval misses the truth more often than it says. The number "
            "below is still the one named before the analysis, but read it, and its interval, with that in mind."
        )
    return None


def analyse(
    cf: CrossFit,
    labelled_truth,
    settings: MergerSettings,
    reference: MergerReference,
    network_view: tuple[int, int] | None = None,
) -> MergerResult:
    """Every number of the merger report. ``labelled_truth``: volunteer Class8.6 of all labelled galaxies (the iid
    row); ``reference``: the published values and timescales (gzmorph.mergers.reference); ``network_view``:
    (crop_px, size_px) of the network's input, for the scale table."""
    s, boot = settings, settings.bootstrap
    conf, adopted_t = boot.confidence, s.true_threshold
    thresholds = tuple(dict.fromkeys((adopted_t, *s.definition_thresholds)))
    rng = np.random.default_rng(boot.seed)
    found = estimates(cf, thresholds, s.classification_threshold, boot.resamples, rng)
    point, samples = found[adopted_t]
    fraction = _estimate(s.estimator, point[s.estimator], samples[s.estimator], conf)
    checks = [_estimate(n, point[n], samples[n], conf) for n in BINNED if n != s.estimator]  # never swapped in
    checks.append(bayesian_estimate(cf, adopted_t, conf, rng))
    labelled_truth = np.asarray(labelled_truth, dtype=np.float64)
    definitions = tuple(
        Definition(
            t,
            _estimate(s.estimator, found[t][0][s.estimator], found[t][1][s.estimator], conf),
            float(np.mean(labelled_truth >= t)),
        )
        for t in sorted(thresholds)
    )
    size = s.coverage.target_size or len(cf.target)
    test = diagnostic(cf, adopted_t, s.classification_threshold, s.coverage, conf, size)
    passes = None if "skipped" in test else bool(test["passes"][s.estimator])
    warning = diagnostic_warning(passes, s.estimator, failures(test, s.estimator))
    if warning:
        log.warning("merger fraction: %s", warning)
    ours = observability(reference, s.rate_timescale)
    rate = adopted_rate(fraction.fraction, fraction.interval, ours)
    illustris = []
    for mu in reference.theory.mass_ratio_min:
        expected = illustris_expectation(reference.theory, mu)
        illustris.append({**expected, "verdict": compare(rate["interval_68"], expected["band"])})
    n_mergers = int(np.sum(cf.galaxy_truth() >= adopted_t))
    sources = interval_sources(cf, s, rng)  # last: the other numbers' random draws stay as they were
    return MergerResult(
        estimator=s.estimator,
        fraction=fraction,
        cross_checks=tuple(checks),
        definitions=definitions,
        fold_estimates=tuple(float(v) for v in point[s.estimator].ravel()),
        interval_sources=sources,
        iid=iid_row(labelled_truth, adopted_t, conf),
        counts={
            "n_target": len(cf.target),
            "n_calibration_galaxies": len(cf.ids),
            "n_calibration_rows": len(cf.fold),
            "n_folds": cf.n_folds,
            "n_calibration_true_mergers": n_mergers,
        },
        true_threshold=adopted_t,
        confidence=conf,
        resamples=boot.resamples,
        classification=classification(cf, s),
        diagnostic={**test, "warning": warning},
        diagnostic_passes=passes,
        rate=rate,
        illustris=tuple(illustris),
        literature=tuple(compare_literature(reference, ours, list(fraction.interval), rate["interval_68"])),
        corrections=tuple(asdict(c) for c in reference.corrections),
        scale={"cosmology": s.scale.cosmology_name, "rows": scale_table(s.scale, network_view), **_scale_notes(s)},
    )


def _scale_notes(s: MergerSettings) -> dict:
    return {
        "petro_r90_minimum_arcsec": s.scale.petro_r90_minimum_arcsec,
        "petro_r90_typical_arcsec": s.scale.petro_r90_typical_arcsec,
        "petro_r90_typical_why": s.scale.petro_r90_typical_why,
        "field_in_r90": s.scale.image_px * s.scale.arcsec_per_px_per_r90,
    }
