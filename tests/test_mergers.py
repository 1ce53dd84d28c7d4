"""Merger estimators, the known-answer test, Illustris, timescales, scale and literature on answers worked out here.

Crafted galaxies: volunteer Class8.6 from a Beta mixture (most galaxies near 0, mergers around 0.55), predictions a
shrunk, noisy function of it (a network that regresses to the mean), so that counting above a threshold is biased.
"""

import numpy as np
import pytest
import yaml
from scipy.integrate import quad
from scipy.special import expit, logit

from gzmorph.config import default_config
from gzmorph.mergers.analysis import interval_sources
from gzmorph.mergers.bayes import posterior_fraction
from gzmorph.mergers.coverage import diagnostic, draw_target, failures, split_halves, split_pools, summarise
from gzmorph.mergers.estimators import (
    CENTRES,
    EDGES,
    N_BINS,
    BinnedCounts,
    adjust,
    apply,
    bin_counts,
    calibrate,
    median_sweep,
    merger_probability,
    prediction_bins,
    threshold_index,
)
from gzmorph.mergers.literature import compare, compare_literature, rate_per_galaxy, value_used
from gzmorph.mergers.per_fold_model import (
    CrossFit,
    bootstrap_weights,
    calibration_curves,
    estimates,
    fold_calibrations,
    p_merger,
)
from gzmorph.mergers.rates import adopted_rate, pair_timescale_gyr, rate_per_gyr
from gzmorph.mergers.reference import REFERENCE_FILE, load_reference, observability
from gzmorph.mergers.result import BINNED
from gzmorph.mergers.scale import field_arcsec, kpc_per_arcsec, scale_table
from gzmorph.mergers.settings import Coverage, MergerSettings
from gzmorph.mergers.theory import illustris_expectation, major_merger_rate, sample_average_rate
from gzmorph.mergers.uncertainty import wilson_interval

CONFIG = default_config()["mergers"]
SETTINGS = MergerSettings.model_validate(CONFIG)
REFERENCE = load_reference()


def estimate_all(c: BinnedCounts, threshold: float | None) -> dict[str, np.ndarray]:
    """Every estimator on one calibration and target: the single calibration the cross-fit reduces to at K = 1."""
    return apply(calibrate(c.mergers, c.others, threshold), c.target, c.target_mean)


def crafted(n: int, merger_share: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(predicted, volunteer) Class8.6 of ``n`` galaxies, a ``merger_share`` of them from the merger component."""
    component = rng.random(n) < merger_share
    true = np.where(component, rng.beta(5, 4, n), rng.beta(0.6, 12, n))
    predicted = np.clip(0.06 + 0.45 * true + rng.normal(0, 0.07, n), 0, 1)
    return predicted, true


def test_settings_and_reference_data_are_typed():
    assert SETTINGS.classification_threshold is None and SETTINGS.estimator == "pacc"
    assert SETTINGS.coverage.factors == (0.25, 0.5, 1.0, 2.0, 4.0) and SETTINGS.coverage.target_size is None
    assert REFERENCE.theory.mass_ratio_min == (0.25, 0.1) and SETTINGS.rate_timescale == "close_pairs"
    assert REFERENCE.theory.m0_msun == 2e11 and SETTINGS.scale.image_px == 424
    assert next(e for e in REFERENCE.literature if e.name == "Lotz2011").value is None
    assert next(e for e in REFERENCE.literature if e.name == "PattonAtfield2008").value == (0.02,)
    assert REFERENCE.observability["close_pairs"].gyr == (0.9, 1.8)


def test_reference_data_that_break_the_schema_are_named_with_file_and_key(tmp_path):
    data = yaml.safe_load(REFERENCE_FILE.read_text())
    data["literature"][0]["value"] = "two percent"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match=r"bad\.yaml: literature/0/value"):
        load_reference(tmp_path / "bad.yaml")
    data = yaml.safe_load(REFERENCE_FILE.read_text())
    data["literature"][0]["timescale"] = "no_such_timescale"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match="no_such_timescale"):
        load_reference(tmp_path / "bad.yaml")


def test_a_rate_timescale_missing_from_the_reference_data_is_named():
    with pytest.raises(ValueError, match="rate_timescale: 'visual' is not a key of observability"):
        observability(REFERENCE, "visual")


def test_an_unknown_estimator_is_refused():
    with pytest.raises(ValueError, match=r"estimator\n  Input should be 'pacc' or 'acc'"):
        MergerSettings.model_validate({**CONFIG, "estimator": "cc"})


def test_estimators_on_counts_with_known_rates():
    """Calibration: TPR 0.8 and FPR 0.1 at 0.4; a target with 30 % mergers built from the same classes."""
    calib_pred = np.array([0.6] * 8 + [0.1] * 2 + [0.5] * 10 + [0.05] * 90)
    calib_true = np.array([0.7] * 10 + [0.0] * 100)
    target = np.array([0.6] * 24 + [0.1] * 6 + [0.5] * 7 + [0.05] * 63)
    found = estimate_all(bin_counts(calib_pred, calib_true, target, 0.4), threshold=0.4)
    assert found["cc"] == pytest.approx(0.31)
    assert found["acc"] == pytest.approx(0.3)  # ACC is 0.3 at every threshold with TPR - FPR >= 0.25
    assert found["pacc"] == pytest.approx(0.3)  # same classes in both sets: any weight recovers the fraction
    assert found["mean_vote"] == pytest.approx(target.mean())
    assert set(found) == set(BINNED)  # the estimators' names, from gzmorph.mergers.result only


def test_a_prediction_on_the_threshold_is_counted():
    target = np.array([0.3, 0.4, 0.4, 0.41, 0.9])
    found = estimate_all(bin_counts(np.array([0.1, 0.5]), np.array([0.0, 0.7]), target, 0.4), threshold=0.4)
    assert found["cc"] == pytest.approx(4 / 5)


def test_youden_threshold_maximises_tpr_minus_fpr_by_brute_force():
    rng = np.random.default_rng(3)
    pred, true = crafted(2000, 0.1, rng)
    index = int(threshold_index(bin_counts(pred, true, pred, 0.4), None))
    merger = true >= 0.4
    separation = [np.mean(pred[merger] >= t) - np.mean(pred[~merger] >= t) for t in EDGES[1:N_BINS]]
    assert index == 1 + int(np.argmax(separation))


def test_merger_probability_recovers_a_logistic_curve():
    """Expected counts of a logistic P(merger | x) give back that curve (the weak ridge costs < 1e-3)."""
    n = np.full(N_BINS, 1000.0)
    truth = expit(-4.0 + 2.5 * logit(CENTRES) + 2.0)
    assert np.abs(merger_probability(n * truth, n * (1 - truth)) - truth).max() < 1e-3


def test_adjust_clips_to_unit_interval_and_flags_no_separation():
    assert adjust(np.array(0.05), np.array(0.8), np.array(0.1)) == 0.0
    assert adjust(np.array(0.95), np.array(0.8), np.array(0.1)) == 1.0
    assert np.isnan(adjust(np.array(0.3), np.array(0.1), np.array(0.1)))


def test_median_sweep_is_the_median_of_acc_over_well_separated_thresholds():
    q, tpr, fpr = np.array([1.0, 0.5, 0.4, 0.3]), np.array([1.0, 0.9, 0.6, 0.2]), np.array([1.0, 0.2, 0.1, 0.1])
    # thresholds 1 and 2 separate by >= 0.25: ACC (0.5 - 0.2) / 0.7 and (0.4 - 0.1) / 0.5; threshold 3 does not
    assert median_sweep(q, tpr, fpr) == pytest.approx((0.3 / 0.7 + 0.6) / 2)
    assert np.isnan(median_sweep(q, np.full(4, 0.3), np.full(4, 0.2)))


def crossfit(pred, true, target, folds: int = 1) -> CrossFit:
    """The same calibration rows for every fold model (K copies), the same target prediction in every column."""
    n = len(pred)
    return CrossFit.from_rows(
        np.tile(np.arange(n), folds), np.repeat(np.arange(folds), n), np.tile(pred, folds), np.tile(true, folds),
        np.repeat(np.asarray(target)[:, None], folds, axis=1),
    )  # fmt: skip


def test_one_fold_model_is_the_single_calibration_and_identical_folds_change_nothing():
    rng = np.random.default_rng(4)
    pred, true = crafted(800, 0.1, rng)
    target, _ = crafted(500, 0.2, rng)
    single = estimate_all(bin_counts(pred, true, target, 0.4), None)
    for folds in (1, 3):
        point, samples = estimates(crossfit(pred, true, target, folds), [0.4], None, 20, rng)[0.4]
        for name, value in single.items():
            assert point[name].shape == (1, folds) and point[name] == pytest.approx(float(value))
        assert samples["pacc"].shape == (20, folds) and np.allclose(samples["pacc"], samples["pacc"][:, :1])


def test_bootstrap_moves_a_galaxys_rows_together_and_keeps_set_sizes():
    rng = np.random.default_rng(5)
    weights = bootstrap_weights(300, 50, rng, members=np.arange(100, 300))
    assert np.all(weights.sum(axis=1) == 200) and not weights[:, :100].any()
    cf = CrossFit.from_rows([7, 7, 9, 9, 11], [0, 1, 0, 1, 0], [0.1, 0.2, 0.5, 0.6, 0.3], [0.0, 0.0, 0.6, 0.6, 0.1],
                            np.array([[0.1, 0.2]]))  # fmt: skip
    assert list(cf.ids) == [7, 9, 11] and [list(p) for p in cf.pools()] == [[0, 1, 2], [0, 1]]  # 11: fold 0's
    with pytest.raises(ValueError, match="two calibration rows"):
        CrossFit.from_rows([7, 7], [0, 0], [0.1, 0.2], [0.0, 0.0], np.array([[0.1]]))


def half_widths(cf: CrossFit, rng: np.random.Generator) -> dict[str, float]:
    quick = MergerSettings.model_validate({**CONFIG, "bootstrap": {"resamples": 1000, "confidence": 0.68, "seed": 1}})
    return {side: (high - low) / 2 for side, (low, high) in interval_sources(cf, quick, rng).items()}


def test_the_interval_splits_into_its_calibration_and_its_target_galaxies():
    rng = np.random.default_rng(6)
    pred, true = crafted(4000, 0.1, rng)
    target, _ = crafted(1000, 0.1, rng)
    half = half_widths(crossfit(pred, true, target), rng)
    # the target side alone, in closed form: the spread of the calibrated P(merger) over the targets, over sqrt(N),
    # scaled by PACC's adjustment 1 / (its mean on true mergers - its mean on the others)
    cal = fold_calibrations(crossfit(pred, true, target), np.ones((1, len(pred))), 0.4, None)[0]
    p = cal.p[0, prediction_bins(target)]
    assert half["target"] == pytest.approx(p.std() / np.sqrt(len(target)) / (cal.p_mergers - cal.p_others)[0], rel=0.1)
    # 16x fewer calibration galaxies: ~4x the calibration side, the same target side
    fewer = half_widths(crossfit(pred[:250], true[:250], target), rng)
    assert 3 < fewer["calibration"] / half["calibration"] < 5.5
    assert fewer["target"] == pytest.approx(half["target"], rel=0.25)


def test_p_merger_is_the_mean_over_fold_models_of_their_own_calibrated_probability():
    rng = np.random.default_rng(6)
    pred, true = crafted(1000, 0.1, rng)
    rows = CrossFit.from_rows(np.r_[np.arange(500), np.arange(500, 1000)], np.repeat([0, 1], 500), pred, true,
                              np.array([[0.1, 0.6], [0.5, 0.5]]))  # fmt: skip
    curves = calibration_curves(rows, 0.4)
    for k, half in enumerate((slice(0, 500), slice(500, 1000))):
        bins, merger = prediction_bins(pred[half]), true[half] >= 0.4
        by_hand = merger_probability(
            np.bincount(bins[merger], minlength=N_BINS), np.bincount(bins[~merger], minlength=N_BINS)
        )
        assert curves[k] == pytest.approx(by_hand)
    expected = (curves[0][prediction_bins(0.1)] + curves[1][prediction_bins(0.6)]) / 2
    assert p_merger(curves, rows.target)[0] == pytest.approx(expected)


def test_bayesian_quantifier_recovers_a_known_fraction():
    rng = np.random.default_rng(7)
    mergers, others = np.array([1, 2, 5, 20, 40] * 4), np.array([200, 100, 30, 5, 1] * 4)
    target = np.round(0.3 * 4 * mergers + 0.7 * 1 * others * 336 / 336).astype(int)  # 30 % mergers, others x 0.7
    draws = posterior_fraction(mergers.astype(float), others.astype(float), target, rng)
    share = 0.3 * 4 * mergers.sum() / target.sum()
    assert np.percentile(draws, 2.5) < share < np.percentile(draws, 97.5)


def test_halves_are_stratified_and_targets_are_drawn_with_replacement_without_truncation():
    rng = np.random.default_rng(5)
    is_merger = rng.random(1000) < 0.05
    calibration, mergers, others = split_halves(np.arange(1000), is_merger, rng)
    assert abs(is_merger[calibration].sum() - len(mergers)) <= 1 and is_merger[mergers].all()
    assert not np.intersect1d(calibration, np.r_[mergers, others]).size
    counts = [is_merger[draw_target(mergers, others, 1000, 0.2, rng)].sum() for _ in range(400)]
    assert np.mean(counts) == pytest.approx(200, abs=3 * np.sqrt(160 / 400))  # 200 mergers from about 25: no cap
    assert max(counts) > 5 * len(mergers)


def test_the_diagnostic_flags_a_biased_estimator_that_the_old_rule_passed():
    """-2 pp at 4x with sigma 3 pp at the real target size; the old rule allowed half a 54-galaxy half-width."""
    rng, truth, sigma = np.random.default_rng(8), 0.147, 0.03
    estimate = truth - 0.02 + sigma * rng.standard_normal(400)
    runs = np.column_stack([estimate, estimate - sigma, estimate + sigma])
    found = summarise(runs, truth, 0.68)
    old_half_width = 0.09  # typical 68 % half-interval of a 54-galaxy target at 4x
    assert abs(found["median_bias"]) <= old_half_width / 2  # the old rule: passes
    assert found["bias_in_sigma"] == pytest.approx(-0.67, abs=0.1) and not found["passes"]
    assert found["truth_above"] > found["truth_below"]  # intervals lie low: the truth falls above them more often


def test_a_bias_at_the_tolerance_within_its_noise_is_a_tie_and_one_well_beyond_it_fails():
    """400 repeats measure a median bias to ~0.063 sigma: 0.26 sigma against a 0.25 limit is a tie; 0.6 is not
    (wide intervals, so only the bias can fail)."""
    rng, truth, sigma = np.random.default_rng(3), 0.01, 0.007
    noise = rng.standard_normal(400)
    noise = (noise - np.median(noise)) / np.std(noise, ddof=1)  # median exactly 0, spread exactly 1
    for shift, passes in ((0.26, True), (0.6, False)):
        estimate = truth + sigma * (shift + noise)
        found = summarise(np.column_stack([estimate, estimate - 1.5 * sigma, estimate + 1.5 * sigma]), truth, 0.68)
        assert found["bias_in_sigma"] == pytest.approx(shift, rel=1e-6)
        assert found["median_bias_error"] == pytest.approx(np.sqrt(np.pi / 2) * sigma / 20)
        assert found["passes"] is passes and found["bias_passes"] is passes and found["coverage_passes"]
        test = {"factors": [{"factor": 0.25, "estimators": {"pacc": found}}]}
        assert failures(test, "pacc") == ([] if passes else [f"median bias {shift:+.2f} sigma at 0.25x"])


def test_a_clipped_unbiased_estimator_passes_on_its_median_not_its_mean():
    rng, truth, sigma = np.random.default_rng(8), 0.003, 0.03
    estimate = np.clip(truth + sigma * rng.standard_normal(4000), 0, 1)
    runs = np.column_stack([estimate, np.clip(estimate - sigma, 0, 1), estimate + sigma])
    found = summarise(runs, truth, 0.68)
    assert found["bias"] > 0.25 * found["sigma"] and abs(found["median_bias"]) < 0.002
    assert found["coverage"] > 0.68 and found["passes"]


@pytest.fixture(scope="module")
def known_answer():
    """The diagnostic on 3000 crafted labelled galaxies at the lab's target size (1197); 400 repeats measure a
    coverage to +/- 0.023, so that 0.63 - 0.73 is a real test (the slowest test here, about 40 s)."""
    pred, true = crafted(3000, 0.1, np.random.default_rng(6))
    settings = Coverage(factors=(0.25, 0.5, 1.0, 2.0, 4.0), target_size=None, repeats=400, resamples=200, seed=7)
    return diagnostic(crossfit(pred, true, pred[:10]), 0.4, None, settings, 0.68, 1197)


def test_pacc_covers_68_percent_at_every_factor_at_the_real_target_size(known_answer):
    assert known_answer["target_size"] == 1197
    for factor in known_answer["factors"]:
        found = factor["estimators"]["pacc"]
        assert found["valid_repeats"] == 400 and 0.63 <= found["coverage"] <= 0.73
        assert abs(found["bias_in_sigma"]) < 0.25
        assert found["truth_below"] + found["truth_above"] == pytest.approx(1 - found["coverage"])
    assert known_answer["passes"]["pacc"] and not known_answer["passes"]["mean_vote"]


def test_every_fold_model_draws_its_targets_from_all_the_galaxies_it_never_trained_on():
    """Three fold models, each with its own held-out 400 galaxies and the shared 100 of the test subset: the pools
    hold every calibration merger, each fold model halves its own, and targets come from its own target half."""
    rng = np.random.default_rng(9)
    pred, true = crafted(1300, 0.1, rng)
    folds = [np.r_[np.arange(100), 100 + 400 * k + np.arange(400)] for k in range(3)]
    cf = CrossFit.from_rows(np.concatenate(folds), np.repeat(np.arange(3), 500), pred[np.concatenate(folds)],
                            true[np.concatenate(folds)], np.repeat(pred[:10, None], 3, axis=1))  # fmt: skip
    is_merger = cf.galaxy_truth() >= 0.4
    for pool, (calibration, mergers, others) in zip(cf.pools(), split_pools(cf, is_merger, rng), strict=True):
        assert len(pool) == 500 and sorted(np.r_[calibration, mergers, others]) == list(pool)
        assert np.setdiff1d(mergers, np.arange(100)).size  # out-of-fold mergers in the target half
    found = diagnostic(
        cf, 0.4, None, Coverage(factors=(1.0,), target_size=300, repeats=10, resamples=20, seed=3), 0.68, 300
    )
    assert found["pool"] == 1300 and found["pool_mergers"] == int(is_merger.sum()) > int(is_merger[:100].sum())
    assert [p["mergers"] for p in found["fold_pools"]] == [int(is_merger[pool].sum()) for pool in folds]
    assert found["factors"][0]["estimators"]["pacc"]["valid_repeats"] == 10


def test_the_diagnostic_is_skipped_without_enough_mergers():
    found = diagnostic(crossfit(np.full(50, 0.1), np.full(50, 0.05), np.full(3, 0.1)), 0.4, None,
                       SETTINGS.coverage, 0.68, 100)  # fmt: skip
    assert "skipped" in found and "0 true mergers" in found["skipped"]


def test_wilson_interval_at_zero_and_at_a_known_value():
    assert wilson_interval(0, 100, 0.68)[0] == 0.0 and 0 < wilson_interval(0, 100, 0.68)[1] < 0.02
    low, high = wilson_interval(128, 3454, 0.68)  # the lab's labelled fraction, 3.71 % +/- 0.32 %
    assert (low, high) == pytest.approx((0.0371 - 0.0032, 0.0371 + 0.0032), abs=2e-4)


def test_illustris_rate_against_the_closed_form_mass_ratio_integral():
    """At z = 0 and fixed M the mu integral of mu^b over [1/4, 1] is (1 - 4^-(b+1)) / (b+1)."""
    p = REFERENCE.theory
    for mass in (1e10, 1e11):
        b = p.beta0 + p.gamma * np.log10(mass / 1e10)
        mass_term = (mass / 1e10) ** p.alpha0 * (1 + (mass / 2e11) ** p.delta0)
        by_hand = 10**p.log10_a0_gyr * mass_term * (1 - 4 ** -(b + 1)) / (b + 1)
        assert major_merger_rate(mass, 0.0, p, 0.25) == pytest.approx(by_hand, rel=1e-8)
    assert major_merger_rate(1e10, 0.0, p, 0.25) == pytest.approx(0.01, rel=0.2)
    assert major_merger_rate(1e11, 0.0, p, 0.25) == pytest.approx(0.025, rel=0.2)
    assert major_merger_rate(1e10, 0.0, p, 0.1) == pytest.approx(0.025, rel=0.2)  # mu >= 1/10: 0.025 - 0.06
    assert major_merger_rate(1e11, 0.0, p, 0.1) == pytest.approx(0.06, rel=0.2)


def test_illustris_sample_average_is_the_mean_over_log_mass_and_redshift():
    p = REFERENCE.theory
    log_mass, z = np.meshgrid(np.linspace(10, 11, 41), np.linspace(0.05, 0.1, 11))
    grid = np.vectorize(lambda m, zz: major_merger_rate(10**m, zz, p, 0.25))(log_mass, z)
    averaged = np.trapezoid(np.trapezoid(grid, z[:, 0], axis=0), log_mass[0]) / (1.0 * 0.05)
    assert sample_average_rate(p, 0.25) == pytest.approx(averaged, rel=1e-3)
    expectation = illustris_expectation(p, 0.25)
    assert expectation["band"][0] < expectation["sample_average"] < expectation["band"][1]


def test_kitzbichler_white_timescale_for_patton_atfield_pairs():
    pairs = REFERENCE.pair_timescale
    assert pair_timescale_gyr(20.0, 3e10, True, pairs) == pytest.approx(1.1 * 20 / 25)
    assert pair_timescale_gyr(20.0, 3e10, False, pairs) == pytest.approx(1.6 * 20 / 25)
    assert pair_timescale_gyr(25.0, 3e11, True, pairs) == pytest.approx(1.1 * 10**-0.3)


def test_rate_is_fraction_over_timescale_with_the_timescale_range_as_a_second_term():
    assert rate_per_gyr(0.02, 0.2) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="positive"):
        rate_per_gyr(0.02, 0.0)
    rate = adopted_rate(0.03, (0.027, 0.036), REFERENCE.observability["morphological"])
    assert rate["rate_gyr"] == pytest.approx(0.1)  # 3 % over 0.3 Gyr
    assert (rate["stat_low"], rate["stat_high"]) == pytest.approx((0.01, 0.02))
    assert (rate["sys_timescale_low"], rate["sys_timescale_high"]) == pytest.approx((0.1 - 0.075, 0.15 - 0.1))
    pairs = adopted_rate(0.03, (0.0, 0.06), REFERENCE.observability["close_pairs"])
    assert pairs["rate_gyr"] == pytest.approx(0.03 / 1.35) and pairs["interval_68"][0] == 0.0
    assert "Darg et al. 2010a" in pairs["timescale_why"]


def test_physical_scale_against_the_angular_diameter_distance_integral():
    c_km_s, h0, om0, z = 299792.458, 70.0, 0.3, 0.1
    comoving = c_km_s / h0 * quad(lambda x: 1 / np.sqrt(om0 * (1 + x) ** 3 + 1 - om0), 0, z)[0]  # Mpc
    by_hand = comoving / (1 + z) * 1e3 * np.pi / (180 * 3600)
    assert kpc_per_arcsec(z, h0, om0) == pytest.approx(by_hand, rel=1e-4)
    assert kpc_per_arcsec(z, h0, om0) == pytest.approx(1.8, rel=0.05)
    assert field_arcsec(3.0, SETTINGS.scale) == pytest.approx(25.44)
    row = next(r for r in scale_table(SETTINGS.scale, (212, 48)) if r["z"] == 0.1)
    assert row["field_kpc_minimum_r90"] == pytest.approx(25.44 * by_hand, rel=1e-4)
    assert row["network_pixel_kpc_typical_r90"] == pytest.approx(row["field_kpc_typical_r90"] * 212 / 424 / 48)


def test_literature_keeps_each_quantity_and_its_own_timescale():
    entries = {e.name: e for e in REFERENCE.literature}
    assert value_used(entries["Darg2010"]) == pytest.approx((0.015, 0.045))  # 1 - 3 % x C = 1.5
    found = {
        e["name"]: e
        for e in compare_literature(REFERENCE, REFERENCE.observability["close_pairs"], [0.01, 0.02], [0.03, 0.09])
    }
    assert found["Darg2010"]["rate_gyr"] == pytest.approx([0.015 / 1.8, 0.045 / 0.9])  # GZ pairs: pair timescale
    assert found["PattonAtfield2008"]["rate_gyr"] == pytest.approx([0.02 / 0.88, 0.02 / 0.88])
    assert found["Casteels2014"]["fraction_verdict"].startswith("tie")
    assert found["Casteels2014 volume rate"]["rate_gyr"] is None  # no number density given
    assert not found["Lotz2011"]["filled_in"] and found["Lotz2011"]["rate_gyr"] is None
    assert rate_per_galaxy(entries["Lotz2011"], None) is None


def test_verdicts_call_overlapping_intervals_a_tie():
    assert compare([0.1, 0.3], [0.25, 0.5]).startswith("tie")
    assert compare([0.4, 0.6], [0.05, 0.15]) == "ours is 5x higher, beyond both spreads"
    assert compare([0.0, 0.0], [0.05, 0.15]).startswith("ours is 0")
    assert compare([float("nan"), float("nan")], [0.05, 0.15]) == "not compared: our interval is undefined"
