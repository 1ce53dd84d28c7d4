"""Merger-fraction estimators on synthetic vote fractions with known answers, bootstrap coverage, R = f / T_obs,
and the report (script and Markdown writer) with the shipped literature values, including the unfilled Lotz entry."""

import copy
import json
import runpy
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS, MERGER_COLUMN
from gzmorph.merger_report import render
from gzmorph.mergers import (
    MergerSettings,
    analyse,
    bootstrap,
    calibrate_threshold,
    estimate,
    fraction_above,
    interval,
    literature_range,
    literature_rate,
    mean_vote,
    rate,
    rate_band,
    threshold_sweep,
)
from gzmorph.shards import ShardWriter

ROOT = Path(__file__).resolve().parents[1]
MERGERS = yaml.safe_load((ROOT / "config.yaml").read_text())["mergers"]
SETTINGS = MergerSettings(threshold=0.4, true_threshold=0.4, systematic_thresholds=(0.3, 0.5))
TIMESCALES = {kind: entry["gyr"] for kind, entry in MERGERS["observability"].items()}


def test_simple_estimators_on_known_votes():
    votes = np.array([0.0, 0.1, 0.4, 0.6, 1.0])
    assert mean_vote(votes) == pytest.approx(0.42)
    assert fraction_above(votes, 0.4) == pytest.approx(3 / 5)  # the threshold itself counts
    assert fraction_above(votes, 0.41) == pytest.approx(2 / 5)
    thresholds = np.linspace(0.0, 1.0, 21)
    np.testing.assert_allclose(threshold_sweep(votes, thresholds), [fraction_above(votes, t) for t in thresholds])


def test_calibrated_threshold_undoes_a_shrinking_model():
    """A model that predicts 0.5 x the true vote undercounts at a fixed threshold; calibration recovers the truth."""
    rng = np.random.default_rng(4)
    valid_true, test_true = rng.beta(0.3, 4, 2000), rng.beta(0.3, 4, 5000)
    valid_pred, test_pred = 0.5 * valid_true, 0.5 * test_true
    cut = calibrate_threshold(valid_pred, valid_true, 0.4)
    assert fraction_above(valid_pred, cut) == fraction_above(valid_true, 0.4)  # exact count on validation
    found = estimate(test_pred, valid_pred, valid_true, SETTINGS)
    truth = fraction_above(test_true, 0.4)
    assert found["calibrated"] == pytest.approx(truth, abs=0.01)
    assert found["threshold"] < truth / 2  # the fixed threshold misses most of them
    assert found["mean_vote"] == pytest.approx(0.5 * test_true.mean())
    assert calibrate_threshold(valid_pred, np.zeros(10) + 0.1, 0.4) > valid_pred.max()  # no true mergers: none above


@pytest.mark.parametrize("name", ["mean_vote", "threshold"])
def test_bootstrap_interval_covers_the_truth_in_95_percent_of_samples(name):
    """Population Beta(0.3, 4): known mean and known fraction above 0.4; 200 samples of 400 galaxies each."""
    population = stats.beta(0.3, 4)
    truth = {"mean_vote": population.mean(), "threshold": population.sf(SETTINGS.threshold)}[name]
    rng = np.random.default_rng(5)
    valid = rng.beta(0.3, 4, 40)
    covered = 0
    for _ in range(200):
        sample = population.rvs(400, random_state=rng)
        low, high = interval(bootstrap(sample, valid, valid, SETTINGS, 200, rng)[name], 0.95)
        covered += low <= truth <= high
    assert 0.89 <= covered / 200 <= 0.99


def test_rate_is_fraction_over_timescale_in_per_gyr():
    assert rate(0.02, 0.2) == pytest.approx(0.1)  # 2% visible for 200 Myr: 0.1 mergers per galaxy per Gyr
    assert rate(0.02, 1.6) == pytest.approx(0.0125)
    assert rate_band([0.01, 0.03], [0.2, 0.4]) == pytest.approx((0.025, 0.15))
    with pytest.raises(ValueError, match="positive"):
        rate(0.02, 0.0)


def test_literature_values_from_config():
    entries = {e["name"]: e for e in MERGERS["literature"]}
    assert literature_range(entries["Darg2010"]) == pytest.approx((0.015, 0.045))  # 1-3% times C = 1.5
    assert literature_rate(entries["PattonAtfield2008"], TIMESCALES) == pytest.approx((0.02 / 1.6, 0.02 / 1.1))
    assert entries["Lotz2011"]["value"] is None and not entries["Lotz2011"]["verified"]
    assert literature_range(entries["Lotz2011"]) is None and literature_rate(entries["Lotz2011"], TIMESCALES) is None
    assert all(e["verified"] for e in MERGERS["literature"] if e["value"] is not None)


def _synthetic_result():
    rng = np.random.default_rng(6)
    valid_true = rng.beta(0.3, 4, 300)
    valid_pred = np.clip(0.7 * valid_true + rng.normal(0, 0.02, 300), 0, 1)
    test = np.clip(0.7 * rng.beta(0.3, 4, 500), 0, 1)
    return analyse(test, valid_pred, valid_true, SETTINGS, 100, 0.68, 0, "calibrated", TIMESCALES)


def test_report_lists_literature_and_says_lotz_is_not_filled_in():
    result = _synthetic_result()
    text = render(result, MERGERS["literature"], MERGERS["observability"], {"catalogue": "c.parquet"}, {"F": "f.png"})
    for entry in MERGERS["literature"]:
        assert entry["citation"] in text
    lotz_row = next(line for line in text.splitlines() if line.startswith("| Lotz2011 |"))
    assert "**not filled in**" in lotz_row and "not set" in lotz_row
    assert "Lotz2011 is not filled in" in text
    assert f"{100 * result['adopted_fraction']['fraction']:.2f}%" in text
    assert "![F](f.png)" in text

    filled = copy.deepcopy(MERGERS["literature"])
    next(e for e in filled if e["name"] == "Lotz2011")["value"] = 0.05
    text = render(result, filled, MERGERS["observability"], {}, {})
    lotz_row = next(line for line in text.splitlines() if line.startswith("| Lotz2011 |"))
    assert "0.05" in lotz_row and "**no**" in lotz_row
    assert "used but marked unverified" in text


def test_merger_report_script_writes_report_numbers_and_figures(tmp_path):
    rng = np.random.default_rng(7)
    test_ids, valid_ids = np.arange(1000, 1060, dtype=np.uint64), np.arange(5000, 5080, dtype=np.uint64)
    writer = ShardWriter(tmp_path / "test", shard_size=32, image_shape=(8, 8, 3))
    for galaxy_id in test_ids:
        writer.add(int(galaxy_id), rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
    writer.close().to_parquet(tmp_path / "test/index.parquet")

    def table(ids, merger):
        values = rng.uniform(0, 1, (len(ids), 37)).astype(np.float32)
        values[:, LABEL_COLUMNS.index(MERGER_COLUMN)] = merger
        frame = pd.DataFrame(values, columns=list(LABEL_COLUMNS))
        frame.insert(0, ID_COLUMN, ids)
        return frame

    table(test_ids, rng.beta(0.3, 3, len(test_ids))).to_parquet(tmp_path / "test.parquet")
    true = rng.beta(0.3, 3, len(valid_ids))
    table(valid_ids, 0.8 * true).to_parquet(tmp_path / "valid.parquet")
    table(valid_ids, true).to_parquet(tmp_path / "train_index.parquet")
    settings = {**MERGERS, "gallery_size": 6, "bootstrap": {"resamples": 50, "confidence": 0.68, "seed": 0}}
    out = {
        "report": tmp_path / "report/merger_fraction.md",
        "numbers": tmp_path / "tables/merger_fraction.json",
        "sweep-figure": tmp_path / "figures/sweep.png",
        "rate-figure": tmp_path / "figures/rate.png",
        "calibration-figure": tmp_path / "figures/calibration.png",
        "gallery-figure": tmp_path / "figures/gallery.png",
    }
    argv = ["merger_report.py", "--test-catalogue", str(tmp_path / "test.parquet"),
            "--validation", str(tmp_path / "valid.parquet"), "--train-index", str(tmp_path / "train_index.parquet"),
            "--test-index", str(tmp_path / "test/index.parquet"), "--settings", json.dumps(settings),
            *[a for k, v in out.items() for a in (f"--{k}", str(v))]]  # fmt: skip
    saved, sys.argv = sys.argv, argv
    try:
        runpy.run_path(str(ROOT / "scripts/merger_report.py"), run_name="__main__")
    finally:
        sys.argv = saved
    assert all(p.stat().st_size > 0 for p in out.values())
    numbers = json.loads(out["numbers"].read_text())
    assert numbers["n_test"] == 60 and numbers["n_validation"] == 80
    assert numbers["estimators"]["mean_vote"]["validation"]["true"] == pytest.approx(true.mean(), rel=1e-5)
    text = out["report"].read_text()
    assert "](../figures/sweep.png)" in text and "Lotz2011 is not filled in" in text


def test_calibration_on_too_few_true_mergers_falls_back_to_the_mean_vote():
    rng = np.random.default_rng(8)
    valid_true = rng.beta(0.3, 4, 300)
    valid_pred = np.clip(0.7 * valid_true + rng.normal(0, 0.02, 300), 0, 1)
    test = np.clip(0.7 * rng.beta(0.3, 4, 500), 0, 1)
    n_true = int(np.sum(valid_true >= SETTINGS.true_threshold))
    enough = analyse(test, valid_pred, valid_true, SETTINGS, 50, 0.68, 0, "calibrated", TIMESCALES, n_true)
    assert enough["adopted"] == "calibrated" and enough["adopted_because"] is None
    too_few = analyse(test, valid_pred, valid_true, SETTINGS, 50, 0.68, 0, "calibrated", TIMESCALES, n_true + 1)
    assert too_few["adopted"] == "mean_vote"
    assert f"has {n_true} true mergers" in too_few["adopted_because"]
    assert too_few["adopted_fraction"]["fraction"] == pytest.approx(np.mean(test))
    text = render(too_few, MERGERS["literature"], MERGERS["observability"], {}, {})
    assert "mean vote is adopted instead of the calibrated threshold" in text
