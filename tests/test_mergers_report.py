"""The merger analysis end to end on crafted galaxies: the result dict, its error budget, the fallback, the figures,
the Markdown report (with and without a filled-in Lotz et al. 2011 value) and the workflow script."""

import copy
import json
import logging

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection

from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS, MERGER_COLUMN
from gzmorph.mergers import GalleryImages, MergerSettings, analyse, draw_figures, highest_predicted, render_markdown
from gzmorph.mergers.analysis import choose_estimator
from gzmorph.mergers.uncertainty import total_interval
from gzmorph.shards import ShardWriter
from tests.scripts import config_overlay, run_script
from tests.test_mergers import CONFIG, crafted

FAST = {
    **CONFIG,
    "bootstrap": {"resamples": 200, "confidence": 0.68, "seed": 1},
    "coverage": {"factors": [0.25, 1.0, 4.0], "repeats": 20, "resamples": 50, "seed": 2},
}


def settings(**changes) -> MergerSettings:
    return MergerSettings.from_config({**FAST, **changes})


@pytest.fixture(scope="module")
def data() -> dict:
    """Calibration galaxies with 10 % from the merger component; a target with 20 %; a second model."""
    rng = np.random.default_rng(11)
    calib_pred, calib_true = crafted(1200, 0.1, rng)
    target_pred, target_true = crafted(3000, 0.2, rng)
    other_model = (np.clip(1.15 * calib_pred, 0, 1), np.clip(1.15 * target_pred, 0, 1))
    return {"calib": (calib_pred, calib_true), "target": (target_pred, target_true), "other": other_model}


@pytest.fixture(scope="module")
def result(data) -> dict:
    return analyse(data["target"][0], *data["calib"], settings(), {"cnn": data["other"]}, (212, 48))


@pytest.fixture(scope="module")
def lotz_filled() -> MergerSettings:
    """The shipped config with the Lotz et al. 2011 rate filled in (a made-up 0.05 +/- 0.02 Gyr^-1)."""
    literature = copy.deepcopy(FAST["literature"])
    entry = next(e for e in literature if e["name"] == "Lotz2011")
    entry.update(value=0.05, uncertainty=0.02, verified=True)
    return settings(literature=literature)


def test_result_is_json_ready_with_the_full_error_budget(result, data):
    json.dumps(result)
    b = result["adopted_fraction"]
    assert result["adopted"] == b["estimator"] == "pacc" and result["adopted_because"] is None
    assert result["n_test"] == 3000 and result["n_calibration"] == 1200
    assert result["n_calibration_true_mergers"] == int(np.sum(data["calib"][1] >= 0.4))
    assert set(result["estimators"]) == {"cc", "acc", "pacc", "mean_vote"}
    assert b["sys_calibration_bias"] == 0  # counted only for the unadjusted mean vote
    assert b["interval_68"] == pytest.approx(
        total_interval(b["fraction"], b["stat_low"], b["stat_high"], [b["sys_definition"], b["sys_model"]])
    )
    assert set(b["definition_values"]) == {"0.3", "0.4", "0.5"} and set(b["model_values"]) == {"adopted model", "cnn"}
    truth = np.mean(data["target"][1] >= 0.4)  # twice the calibration merger share, near-mergers included
    assert b["interval_68"][0] < truth < b["interval_68"][1]
    assert result["estimators"]["cc"]["fraction"] > truth + 0.02  # the unadjusted count is biased high


def test_model_systematic_is_half_the_difference_between_two_models(result, data):
    alone = analyse(data["target"][0], *data["calib"], settings())
    assert alone["adopted_fraction"]["sys_model"] == 0.0  # one model: no model systematic
    main_model = {"main": (data["calib"][0], data["target"][0])}
    other = analyse(data["other"][1], data["other"][0], data["calib"][1], settings(), main_model)
    difference = abs(result["adopted_fraction"]["fraction"] - other["adopted_fraction"]["fraction"])
    assert result["adopted_fraction"]["sys_model"] == pytest.approx(difference / 2)
    assert other["adopted_fraction"]["sys_model"] == pytest.approx(difference / 2)


def test_too_few_calibration_mergers_fall_back_to_the_mean_vote(data, caplog):
    n_mergers = int(np.sum(data["calib"][1] >= 0.4))
    with caplog.at_level(logging.WARNING):
        found = analyse(data["target"][0], *data["calib"], settings(min_calibration_mergers=n_mergers + 1))
    assert found["adopted"] == "mean_vote" and f"hold {n_mergers} true mergers" in found["adopted_because"]
    assert found["adopted_fraction"]["fraction"] == pytest.approx(np.mean(data["target"][0]))
    calib_pred, calib_true = data["calib"]
    bias = abs(np.mean(calib_pred) - np.mean(calib_true >= 0.4))  # the mean vote's bias, not corrected: counted
    assert bias > 0.005 and found["adopted_fraction"]["sys_calibration_bias"] == pytest.approx(bias)
    low, high = found["adopted_fraction"]["interval_68"]
    assert high - low >= 2 * bias
    assert any("mean predicted vote is adopted" in r.message for r in caplog.records)
    assert "Fallback" in render_markdown(found)


def test_figures_show_every_calibration_galaxy_and_the_gallery(result, data):
    calib_pred, calib_true = data["calib"]
    rng = np.random.default_rng(0)
    top = highest_predicted(calib_pred, 6)
    images = rng.integers(0, 256, (6, 16, 16, 3), dtype=np.uint8)
    target = GalleryImages(images, np.arange(6), np.sort(data["target"][0])[::-1][:6])
    calibration = GalleryImages(images, top, calib_pred[top], calib_true[top])
    figures = draw_figures(result, data["target"][0], calib_pred, calib_true, settings(), target, calibration)
    assert set(figures) == {"calibration", "threshold_sweep", "rate_comparison", "coverage", "gallery"}
    scatter = figures["calibration"].axes[0]
    assert sum(len(c.get_offsets()) for c in scatter.collections if isinstance(c, PathCollection)) == len(calib_pred)
    threshold = result["classification"]["threshold"]
    true_positives = int(np.sum((calib_pred >= threshold) & (calib_true >= 0.4)))
    assert f"TP = {true_positives}" in [t.get_text() for t in scatter.texts]
    gallery = figures["gallery"]
    assert "highest predicted" in gallery._suptitle.get_text().lower()
    labels = [ax.get_xlabel() for sub in gallery.subfigs for ax in sub.axes]
    assert f"predicted {calib_pred[top[0]]:.2f}\nvolunteer {calib_true[top[0]]:.2f}" in labels
    sweep = figures["threshold_sweep"].axes[0]
    assert sweep.get_legend().get_window_extent().x0 > sweep.get_window_extent().x1  # legend off the data
    low, high = sweep.get_ylim()
    assert low < result["adopted_fraction"]["fraction"] < high


def test_report_has_every_section_and_says_lotz_is_missing(result):
    text = render_markdown(result, {"calibration": "../figures/calibration.png"}, {"target": "t.parquet"})
    headings = ["Result", "Estimators", "Known-answer test", "Illustris expectation", "Literature", "Corrections"]
    for heading in [*headings, "Physical scale of the images"]:
        assert f"## {heading}" in text
    for entry in CONFIG["literature"]:
        assert entry["citation"] in text
    for correction in CONFIG["corrections"]:
        assert correction["name"] in text
    assert "Lotz2011 is not filled in" in text and "![calibration](../figures/calibration.png)" in text
    assert f"{100 * result['adopted_fraction']['fraction']:.2f} %" in text


def test_a_filled_in_lotz_rate_is_compared_in_gyr_and_as_our_fraction(data, lotz_filled):
    found = analyse(data["target"][0], *data["calib"], lotz_filled)
    lotz = next(e for e in found["literature"] if e["name"] == "Lotz2011")
    assert lotz["rate_gyr"] == pytest.approx([0.03, 0.07])  # 0.05 +/- 0.02 per galaxy per Gyr, as published
    assert lotz["fraction_with_our_timescale"] == pytest.approx([0.03 * 0.2, 0.07 * 0.4])
    text = render_markdown(found)
    line = next(line for line in text.splitlines() if line.startswith("- Lotz2011: R = 0.03 - 0.07 Gyr^-1"))
    assert "stat" in line and "sys" in line and "0.60 % - 2.80 %" in line
    rates = draw_figures(found, data["target"][0], *data["calib"], lotz_filled)["rate_comparison"]
    fractions_panel, rates_panel = rates.axes[:2]
    drawn = [list(line.get_xdata()) for ax in (fractions_panel, rates_panel) for line in ax.get_lines()]
    assert pytest.approx([0.03, 0.07]) in drawn and pytest.approx([0.006, 0.028]) in drawn


def _predictions(ids: np.ndarray, merger: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    values = rng.uniform(0, 1, (len(ids), len(LABEL_COLUMNS))).astype(np.float32)
    values[:, LABEL_COLUMNS.index(MERGER_COLUMN)] = merger
    frame = pd.DataFrame(values, columns=list(LABEL_COLUMNS))
    frame.insert(0, ID_COLUMN, ids)
    return frame


def _shards(path, ids: np.ndarray, rng: np.random.Generator, merger: np.ndarray | None = None) -> None:
    writer = ShardWriter(path, shard_size=64, image_shape=(8, 8, 3))
    for galaxy_id in ids:
        writer.add(int(galaxy_id), rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
    index = writer.close()
    if merger is not None:
        index[MERGER_COLUMN] = merger
    index.to_parquet(path / "index.parquet")
    (path / "summary.json").write_text(json.dumps({"crop_px": 212, "size": 48}))


def test_merger_report_script_writes_numbers_figures_and_report(tmp_path, data):
    rng = np.random.default_rng(7)
    (calib_pred, calib_true), target = data["calib"], data["target"][0][:400]
    test_ids, calib_ids = np.arange(1000, 1400, dtype=np.uint64), np.arange(5000, 6200, dtype=np.uint64)
    _shards(tmp_path / "test", test_ids, rng)
    _shards(tmp_path / "train", calib_ids, rng, calib_true)
    catalogue = _predictions(test_ids, target, rng).assign(**{"Class8.6_fold0": target, "Class8.6_fold1": target})
    catalogue.to_parquet(tmp_path / "test.parquet")
    # the calibration table: fold model 0's test rows are what the report uses until the cross-fitted estimator;
    # fold model 1's rows and the out-of-fold rows (unused for now) hold values that would change the numbers
    rows = [
        (0, "test", calib_ids, calib_pred),
        (1, "test", calib_ids, 1 - calib_pred),
        (0, "out_of_fold", calib_ids[:100], np.ones(100)),
        (1, "out_of_fold", calib_ids[100:200], np.ones(100)),
    ]
    parts = [pd.DataFrame({ID_COLUMN: ids, "fold_model": fold, "role": role, "predicted": predicted,
                           "true": pd.Series(calib_true, index=calib_ids).loc[ids].to_numpy()})
             for fold, role, ids, predicted in rows]  # fmt: skip
    pd.concat(parts, ignore_index=True).to_parquet(tmp_path / "calibration.parquet")
    names = ("calibration", "gallery", "threshold_sweep", "rate_comparison", "coverage")
    figures = {f"{k}-figure": tmp_path / f"figures/{k}.png" for k in names}
    out = {"report": tmp_path / "report/merger_fraction.md", "numbers": tmp_path / "tables/merger.json", **figures}
    inputs = {
        "test-catalogue": tmp_path / "test.parquet",
        "calibration": tmp_path / "calibration.parquet",
        "train-index": tmp_path / "train/index.parquet",
        "test-index": tmp_path / "test/index.parquet",
    }
    options = [a for k, v in {**inputs, **out}.items() for a in (f"--{k.replace('_', '-')}", str(v))]
    fast = copy.deepcopy({k: v for k, v in FAST.items() if k in ("bootstrap", "coverage")})
    run_script(
        "merger_report.py", *options, *config_overlay(tmp_path / "fast.yaml", {"mergers": {**fast, "gallery_size": 6}})
    )
    assert all(p.stat().st_size > 0 for p in out.values())
    numbers = json.loads(out["numbers"].read_text())
    assert numbers["n_test"] == 400 and numbers["n_calibration"] == 1200 and numbers["variants"] == []
    direct = analyse(target.astype(np.float64), calib_pred, calib_true, settings())  # fold model 0, role test
    assert numbers["adopted_fraction"]["fraction"] == pytest.approx(direct["adopted_fraction"]["fraction"])
    assert "](../figures/coverage.png)" in out["report"].read_text()


@pytest.mark.parametrize(
    ("passes", "adopted", "reason"),
    [
        ({"pacc": True, "acc": True}, "pacc", None),
        ({"pacc": False, "acc": True}, "acc", "pacc (first in mergers.adopted) fails the known-answer test"),
        ({"pacc": False, "acc": False}, "pacc", "no estimator of mergers.adopted (pacc, acc) passes"),
    ],
)
def test_the_first_preferred_estimator_that_passes_the_known_answer_test_is_adopted(passes, adopted, reason):
    chosen, because = choose_estimator(settings(adopted=["pacc", "acc"]), 30, {"passes": passes})
    assert chosen == adopted and (because is None if reason is None else because.startswith(reason))
    assert choose_estimator(settings(adopted=["pacc", "acc"]), 3, {"passes": passes})[0] == "mean_vote"
