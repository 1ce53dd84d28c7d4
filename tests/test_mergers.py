"""Merger estimators, the known-answer test, Illustris, timescales, scale and literature on answers worked out here.

Crafted galaxies: volunteer Class8.6 from a Beta mixture (most galaxies near 0, mergers around 0.55), predictions a
shrunk, noisy function of it (a network that regresses to the mean), so that counting above a threshold is biased.
"""

import numpy as np
import pytest
import yaml
from scipy.integrate import quad
from scipy.special import expit, logit

from gzmorph.mergers.coverage import coverage_test, draw_target, split_halves, summarise, target_size
from gzmorph.mergers.estimators import (
    CENTRES,
    EDGES,
    N_BINS,
    adjust,
    bin_counts,
    estimate_all,
    merger_probability,
    threshold_index,
)
from gzmorph.mergers.literature import compare, compare_literature, rate_per_galaxy, value_used
from gzmorph.mergers.rates import adopted_rate, pair_timescale_gyr, rate_per_gyr
from gzmorph.mergers.scale import field_arcsec, kpc_per_arcsec, scale_table
from gzmorph.mergers.settings import Coverage, MergerSettings
from gzmorph.mergers.theory import illustris_expectation, major_merger_rate, sample_average_rate
from gzmorph.mergers.uncertainty import resample, total_interval
from tests.conftest import REPO

CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())["mergers"]
SETTINGS = MergerSettings.from_config(CONFIG)


def crafted(n: int, merger_share: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(predicted, volunteer) Class8.6 of ``n`` galaxies, a ``merger_share`` of them from the merger component."""
    component = rng.random(n) < merger_share
    true = np.where(component, rng.beta(5, 4, n), rng.beta(0.6, 12, n))
    predicted = np.clip(0.06 + 0.45 * true + rng.normal(0, 0.07, n), 0, 1)
    return predicted, true


def test_settings_read_every_key_of_the_config_section():
    fields = set(MergerSettings.__dataclass_fields__)
    assert fields == set(CONFIG)
    assert SETTINGS.classification_threshold is None and SETTINGS.adopted == ("pacc", "acc")
    assert SETTINGS.theory.m0_msun == 2e11 and SETTINGS.scale.image_px == 424
    assert next(e for e in SETTINGS.literature if e.name == "Lotz2011").value is None


def test_estimators_on_counts_with_known_rates():
    """Calibration: TPR 0.8 and FPR 0.1 at 0.4; a target with 30 % mergers built from the same classes."""
    calib_pred = np.array([0.6] * 8 + [0.1] * 2 + [0.5] * 10 + [0.05] * 90)
    calib_true = np.array([0.7] * 10 + [0.0] * 100)
    target = np.array([0.6] * 24 + [0.1] * 6 + [0.5] * 7 + [0.05] * 63)
    found = estimate_all(bin_counts(calib_pred, calib_true, target, 0.4), threshold=0.4)
    assert found["cc"] == pytest.approx(0.31)
    assert found["acc"] == pytest.approx((0.31 - 0.1) / (0.8 - 0.1))  # = 0.3 exactly
    assert found["pacc"] == pytest.approx(0.3)  # same classes in both sets: any weight recovers the fraction
    assert found["mean_vote"] == pytest.approx(target.mean())


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


def test_bootstrap_resamples_keep_each_set_size():
    rng = np.random.default_rng(4)
    pred, true = crafted(500, 0.1, rng)
    copies = resample(bin_counts(pred[:200], true[:200], pred[200:], 0.4), 50, rng)
    assert np.all(copies.mergers.sum(axis=1) + copies.others.sum(axis=1) == 200)
    assert np.all(copies.target.sum(axis=1) == 300)


def test_halves_and_targets_are_disjoint_and_stratified():
    rng = np.random.default_rng(5)
    is_merger = rng.random(1000) < 0.1
    calibration, mergers, others = split_halves(is_merger, rng)
    assert abs(is_merger[calibration].sum() - len(mergers)) <= 1 and is_merger[mergers].all()
    size = target_size(len(mergers), len(others), np.array([0.025, 0.1, 0.4]))
    target = draw_target(mergers, others, size, 0.4, rng)
    assert len(target) == size == len(np.unique(target)) and not np.intersect1d(target, calibration).size


@pytest.fixture(scope="module")
def known_answer():
    """The known-answer test on 4000 crafted labelled galaxies, 200 repeats per factor."""
    pred, true = crafted(4000, 0.1, np.random.default_rng(6))
    return coverage_test(pred, true, 0.4, None, Coverage((0.25, 1.0, 4.0), 200, 100, 7), 0.68)


@pytest.mark.parametrize("name", ["pacc", "acc"])
def test_adjusted_estimators_recover_the_truth_and_cover_68_percent(known_answer, name):
    for factor in known_answer["factors"]:
        found = factor["estimators"][name]
        assert found["valid_repeats"] == 200
        assert abs(found["median_bias"]) < found["median_half_width"] / 2  # far inside its own 68 % interval
        assert abs(found["bias"]) < found["median_half_width"] / 2  # with 4000 galaxies the mean too
        assert found["mean_interval"][0] < factor["true_fraction"] < found["mean_interval"][1]
        assert 0.55 <= found["coverage"] <= 0.80
    assert known_answer["passes"][name]


def test_count_matching_and_unadjusted_estimators_fail_away_from_the_calibration_fraction(known_answer):
    low, _, high = known_answer["factors"]
    for factor in (low, high):
        matching = factor["estimators"]["count_matching"]
        assert abs(matching["bias"]) > 5 * matching["bias_error"]  # pulled towards the calibration fraction
    assert low["estimators"]["count_matching"]["bias"] > 0 > high["estimators"]["count_matching"]["bias"]
    assert not any(known_answer["passes"][name] for name in ("count_matching", "cc", "mean_vote"))


def test_a_clipped_unbiased_estimator_passes_on_its_median_not_its_mean():
    """Estimates N(truth, 0.03) clipped at 0 with truth 0.003: the mean is pulled up by a third of the noise, the
    median stays at the truth, and intervals of +/- 1 sigma (clipped too) cover at least 68 %."""
    rng, truth, sigma = np.random.default_rng(8), 0.003, 0.03
    estimate = np.clip(truth + sigma * rng.standard_normal(4000), 0, 1)
    runs = np.column_stack([estimate, np.clip(estimate - sigma, 0, 1), estimate + sigma])
    found = summarise(runs, truth, 0.68)
    assert found["bias"] > found["median_half_width"] / 2
    assert abs(found["median_bias"]) < 0.002 and found["coverage"] > 0.68
    assert found["passes"]


def test_known_answer_test_is_skipped_without_enough_mergers():
    result = coverage_test(np.full(50, 0.1), np.full(50, 0.05), 0.4, None, SETTINGS.coverage, 0.68)
    assert "skipped" in result and "0 true mergers" in result["skipped"]


def test_illustris_rate_against_the_closed_form_mass_ratio_integral():
    """At z = 0 and fixed M the mu integral of mu^b over [1/4, 1] is (1 - 4^-(b+1)) / (b+1)."""
    p = SETTINGS.theory
    for mass in (1e10, 1e11):
        b = p.beta0 + p.gamma * np.log10(mass / 1e10)
        mass_term = (mass / 1e10) ** p.alpha0 * (1 + (mass / 2e11) ** p.delta0)
        by_hand = 10**p.log10_a0_gyr * mass_term * (1 - 4 ** -(b + 1)) / (b + 1)
        assert major_merger_rate(mass, 0.0, p) == pytest.approx(by_hand, rel=1e-8)
    assert major_merger_rate(1e10, 0.0, p) == pytest.approx(0.01, rel=0.2)
    assert major_merger_rate(1e11, 0.0, p) == pytest.approx(0.025, rel=0.2)


def test_illustris_sample_average_is_the_mean_over_log_mass_and_redshift():
    p = SETTINGS.theory
    log_mass, z = np.meshgrid(np.linspace(10, 11, 41), np.linspace(0.05, 0.1, 11))
    grid = np.vectorize(lambda m, zz: major_merger_rate(10**m, zz, p))(log_mass, z)
    averaged = np.trapezoid(np.trapezoid(grid, z[:, 0], axis=0), log_mass[0]) / (1.0 * 0.05)
    assert sample_average_rate(p) == pytest.approx(averaged, rel=1e-3)
    expectation = illustris_expectation(p)
    assert expectation["band"][0] < expectation["sample_average"] < expectation["band"][1]


def test_kitzbichler_white_timescale_for_patton_atfield_pairs():
    pairs = SETTINGS.pair_timescale
    assert pair_timescale_gyr(20.0, 3e10, True, pairs) == pytest.approx(1.1 * 20 / 25)
    assert pair_timescale_gyr(20.0, 3e10, False, pairs) == pytest.approx(1.6 * 20 / 25)
    assert pair_timescale_gyr(25.0, 3e11, True, pairs) == pytest.approx(1.1 * 10**-0.3)


def test_rate_is_fraction_over_timescale_with_the_timescale_range_as_a_systematic():
    assert rate_per_gyr(0.02, 0.2) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="positive"):
        rate_per_gyr(0.02, 0.0)
    budget = {"fraction": 0.03, "stat_low": 0.003, "stat_high": 0.006, "sys_definition": 0.0, "sys_model": 0.0,
              "sys_calibration_bias": 0.0}  # fmt: skip
    rate = adopted_rate(budget, SETTINGS.observability["morphological"])
    assert rate["rate_gyr"] == pytest.approx(0.1)  # 3 % over 0.3 Gyr
    assert (rate["stat_low"], rate["stat_high"]) == pytest.approx((0.01, 0.02))
    assert (rate["sys_timescale_low"], rate["sys_timescale_high"]) == pytest.approx((0.1 - 0.075, 0.15 - 0.1))


def test_total_interval_adds_statistics_and_systematics_in_quadrature():
    assert total_interval(0.1, 0.03, 0.04, [0.04, 0.0]) == pytest.approx([0.05, 0.1 + np.sqrt(0.0032)])
    assert total_interval(0.01, 0.03, 0.04, [0.04])[0] == 0.0


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
    entries = {e.name: e for e in SETTINGS.literature}
    assert value_used(entries["Darg2010"]) == pytest.approx((0.015, 0.045))  # 1 - 3 % x C = 1.5
    found = {e["name"]: e for e in compare_literature(SETTINGS, [0.01, 0.02], [0.03, 0.09])}
    assert found["Darg2010"]["rate_gyr"] == pytest.approx([0.015 / 0.4, 0.045 / 0.2])
    assert found["PattonAtfield2008"]["rate_gyr"] == pytest.approx([0.02 / 0.88, 0.02 / 0.88])
    assert found["Casteels2014"]["fraction_verdict"].startswith("tie")
    assert found["Casteels2014 volume rate"]["rate_gyr"] is None  # no number density given
    assert not found["Lotz2011"]["filled_in"] and found["Lotz2011"]["rate_gyr"] is None
    assert rate_per_galaxy(entries["Lotz2011"], None) is None


def test_verdicts_call_overlapping_intervals_a_tie():
    assert compare([0.1, 0.3], [0.25, 0.5]).startswith("tie")
    assert compare([0.4, 0.6], [0.05, 0.15]) == "ours is 5x higher, beyond both spreads"
