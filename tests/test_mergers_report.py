"""The merger analysis end to end on crafted galaxies: the typed result, reports for every kind of target set
(0 %, 0.5 %, 1 %, 100 % mergers, one galaxy), the warning of a failed diagnostic, the figures, the HTML section,
and the merger report script."""

import copy
import dataclasses
import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection

from gzmorph.figures.mergers import GalleryImages, draw_figures, highest
from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS, MERGER_COLUMN
from gzmorph.mergers.analysis import analyse, diagnostic_warning
from gzmorph.mergers.report import render_markdown
from gzmorph.mergers.result import MergerResult
from gzmorph.mergers.settings import MergerSettings
from gzmorph.report import render
from gzmorph.shards import ShardWriter
from tests.scripts import config_overlay, run_script
from tests.test_mergers import CONFIG, REFERENCE, crafted, crossfit

FAST = {
    **CONFIG,
    "bootstrap": {"resamples": 200, "confidence": 0.68, "seed": 1},
    "coverage": {"factors": [0.25, 1.0, 4.0], "target_size": 300, "repeats": 20, "resamples": 50, "seed": 2},
}


def settings(**changes) -> MergerSettings:
    return MergerSettings.model_validate({**FAST, **changes})


@pytest.fixture(scope="module")
def data() -> dict:
    """Calibration galaxies with 10 % from the merger component; a target with 20 %."""
    rng = np.random.default_rng(11)
    return {"calib": crafted(1200, 0.1, rng), "target": crafted(3000, 0.2, rng)}


@pytest.fixture(scope="module")
def result(data) -> MergerResult:
    (pred, true), target = data["calib"], data["target"][0]
    return analyse(crossfit(pred, true, target), true, settings(), REFERENCE, (212, 48))


def test_result_round_trips_through_json_and_holds_every_row(result, data):
    assert MergerResult.from_json(json.loads(json.dumps(result.to_json()))) == result
    assert result.estimator == result.fraction.name == "pacc"
    assert {e.name for e in result.cross_checks} == {"acc", "mean_vote", "cc", "bayes"}
    assert result.counts["n_target"] == 3000 and result.counts["n_calibration_galaxies"] == 1200
    truth = np.mean(data["target"][1] >= 0.4)  # twice the calibration merger share, near-mergers included
    low, high = result.fraction.interval
    assert low < truth < high
    checks = {e.name: e for e in result.cross_checks}
    assert checks["cc"].fraction > truth + 0.02  # the unadjusted count is biased high
    assert checks["bayes"].interval[0] < truth < checks["bayes"].interval[1]
    assert [d.threshold for d in result.definitions] == [0.3, 0.4, 0.5]
    fractions = [d.estimate.fraction for d in result.definitions]
    assert fractions == sorted(fractions, reverse=True)  # a stricter definition is a smaller quantity
    assert result.definitions[1].estimate == result.fraction  # the adopted definition is the quoted row
    assert result.iid["fraction"] == pytest.approx(np.mean(data["calib"][1] >= 0.4))
    assert result.fold_estimates == (pytest.approx(result.fraction.fraction),)
    assert [i["mass_ratio_min"] for i in result.illustris] == [0.25, 0.1]
    assert result.diagnostic["target_size"] == 300 and result.diagnostic_passes is not None


def target_set(share: float, n: int, rng) -> np.ndarray:
    """n target predictions: a ``share`` of true mergers and the rest non-mergers, each class as in the calibration
    galaxies (prior shift)."""
    pred, true = crafted(20 * n + 20000, 0.1, rng)
    merger = true >= 0.4
    k = int(round(share * n))
    return np.r_[rng.choice(pred[merger], k), rng.choice(pred[~merger], n - k)]


@pytest.mark.parametrize(("share", "n"), [(0.0, 1000), (0.005, 1000), (0.01, 1000), (1.0, 200), (0.0, 1)])
def test_every_target_set_gets_a_report_figures_and_a_page(data, share, n):
    rng = np.random.default_rng(12)
    pred, true = data["calib"]
    found = analyse(crossfit(pred, true, target_set(share, n, rng)), true, settings(), REFERENCE)
    low, high = found.fraction.interval
    assert 0.0 <= low <= found.fraction.fraction <= high <= 1.0
    text = render_markdown(found)
    figures = draw_figures(found, crossfit(pred, true, target_set(share, n, rng)), settings())
    assert set(figures) == {"calibration", "threshold_sweep", "rate_comparison", "coverage"}
    for figure in figures.values():
        figure.canvas.draw()  # the rate figure crashed here on a fraction at 0 ('xerr' must not be negative)
        plt.close(figure)
    page = render.mergers_html(found.to_json())
    assert "Known-answer diagnostic" in page and page.count("<h3>Estimates</h3>") == 1
    if share == 0.0 and n > 1:
        assert found.fraction.fraction < 0.005 and "The interval reaches 0" in text
    if n == 1:
        assert "Only 1 target galaxy" in text
    if share == 1.0:
        assert high > 0.8 and found.fraction.fraction > 0.7


def test_a_model_that_does_not_separate_mergers_gets_a_plain_sentence_not_a_number(data):
    rng = np.random.default_rng(13)
    pred, true = np.full(300, 0.1), np.r_[np.full(3, 0.6), np.full(297, 0.05)]  # one prediction for all: no separation
    cf = crossfit(pred, true, rng.uniform(0, 0.3, 100))
    found = analyse(cf, true, settings(), REFERENCE)
    text = render_markdown(found)
    for figure in draw_figures(found, cf, settings()).values():
        figure.canvas.draw()
        plt.close(figure)
    assert "PACC is undefined here" in render.mergers_html(found.to_json())
    assert np.isnan(found.fraction.fraction) and "PACC is undefined here" in text and "Merger fraction n/a" in text
    strict = json.loads(json.dumps(found.to_json(), allow_nan=False))  # null, not NaN, in the file
    assert render_markdown(MergerResult.from_json(strict)) == text
    assert "The interval reaches" not in text


def test_a_failed_diagnostic_is_said_at_the_top_in_plain_words(result):
    warning = diagnostic_warning(False, "pacc", ["median bias +0.60 sigma at 0.25x", "coverage 0.55 at 4x"])
    assert "FAILED for pacc (median bias +0.60 sigma at 0.25x; coverage 0.55 at 4x): on labelled" in warning
    failed = dataclasses.replace(result, diagnostic={**result.diagnostic, "warning": warning}, diagnostic_passes=False)
    text = render_markdown(failed)
    assert text.splitlines()[2] == f"**WARNING: {warning}**" and "FAILED for pacc" in warning
    assert render.mergers_html(failed.to_json()).startswith('<p class="note"><strong>WARNING: The known-answer')
    assert failed.fraction == result.fraction  # quoted whatever the diagnostic says
    assert diagnostic_warning(True, "pacc") is None and "could not run" in diagnostic_warning(None, "pacc")


def test_figures_show_every_calibration_galaxy_and_the_p_merger_gallery(result, data):
    (calib_pred, calib_true), target = data["calib"], data["target"][0]
    rng = np.random.default_rng(0)
    top = highest(calib_pred, 6)
    images = rng.integers(0, 256, (6, 16, 16, 3), dtype=np.uint8)
    candidates = GalleryImages(images, np.arange(6), np.linspace(0.9, 0.4, 6), "p_merger")
    calibration = GalleryImages(images, top, calib_pred[top], "predicted", calib_true[top])
    figures = draw_figures(result, crossfit(calib_pred, calib_true, target), settings(), candidates, calibration)
    assert set(figures) == {"calibration", "threshold_sweep", "rate_comparison", "coverage", "gallery"}
    scatter = figures["calibration"].axes[0]
    assert sum(len(c.get_offsets()) for c in scatter.collections if isinstance(c, PathCollection)) == len(calib_pred)
    threshold = result.classification["threshold"]
    true_positives = int(np.sum((calib_pred >= threshold) & (calib_true >= 0.4)))
    assert f"TP = {true_positives}" in [t.get_text() for t in scatter.texts]
    labels = [ax.get_xlabel() for sub in figures["gallery"].subfigs for ax in sub.axes]
    assert "p_merger 0.90" in labels
    assert f"predicted {calib_pred[top[0]]:.2f}\nvolunteer {calib_true[top[0]]:.2f}" in labels
    rates = figures["rate_comparison"].axes[1]
    assert rates.get_xlim() == pytest.approx((0.2, 2.0)) and rates.get_xlabel().startswith("observability")


def test_report_has_every_table_once_and_says_lotz_is_missing(result):
    text = render_markdown(result, {"calibration": "../figures/calibration.png"}, {"target": "t.parquet"})
    headings = ("Estimates", "Merger definitions", "Known-answer diagnostic", "Merger rate per galaxy",
                "Literature, each value in its own units", "Corrections", "Physical scale of the images")  # fmt: skip
    for heading in headings:
        assert text.count(f"## {heading}") == 1
    for entry in REFERENCE.literature:
        assert entry.citation in text
    assert "not filled in" in text and "![calibration](../figures/calibration.png)" in text
    assert "Like with like" in text and "labelled fraction" in text and "Kitzbichler & White 2008" in text
    low, high = result.fraction.interval
    assert f"{100 * result.fraction.fraction:.2f} % (68 % interval {100 * low:.2f} % – {100 * high:.2f} %)" in text
    calibration_low, calibration_high = result.interval_sources["calibration"]
    assert (
        f"only the calibration galaxies gives a half-width of {50 * (calibration_high - calibration_low):.2f} pp"
        in text
    )


def test_a_filled_in_lotz_rate_is_compared_in_gyr(data):
    lotz = next(e for e in REFERENCE.literature if e.name == "Lotz2011")
    filled = dataclasses.replace(lotz, value=(0.05,), uncertainty=0.02, verified=True)
    reference = dataclasses.replace(
        REFERENCE, literature=tuple(filled if e is lotz else e for e in REFERENCE.literature)
    )
    pred, true = data["calib"]
    found = analyse(crossfit(pred, true, data["target"][0][:500]), true, settings(), reference)
    lotz = next(e for e in found.literature if e["name"] == "Lotz2011")
    assert lotz["rate_gyr"] == pytest.approx([0.03, 0.07])  # 0.05 +/- 0.02 per galaxy per Gyr, as published
    row = next(line for line in render_markdown(found).splitlines() if "Lotz et al. 2011" in line)
    assert "0.03 – 0.07" in row


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


def test_merger_report_script_reads_the_cross_fitting_tables_and_writes_every_output(tmp_path, data):
    rng = np.random.default_rng(7)
    (calib_pred, calib_true), target = data["calib"], data["target"][0][:400]
    target_ids, calib_ids = np.arange(1000, 1400, dtype=np.uint64), np.arange(5000, 6200, dtype=np.uint64)
    _shards(tmp_path / "target", target_ids, rng)
    _shards(tmp_path / "train", calib_ids, rng, calib_true)
    catalogue = _predictions(target_ids, target, rng).assign(**{"Class8.6_fold0": target, "Class8.6_fold1": target})
    catalogue.to_parquet(tmp_path / "target.parquet")
    # two fold models: each sees the 800 test-subset galaxies and its own 200 held-out galaxies
    truth = pd.Series(calib_true, index=calib_ids)
    rows = [
        (0, "test", calib_ids[:800], calib_pred[:800]),
        (1, "test", calib_ids[:800], calib_pred[:800]),
        (0, "out_of_fold", calib_ids[800:1000], calib_pred[800:1000]),
        (1, "out_of_fold", calib_ids[1000:], calib_pred[1000:]),
    ]
    parts = [pd.DataFrame({ID_COLUMN: ids, "fold_model": fold, "role": role, "predicted": predicted,
                           "true": truth.loc[ids].to_numpy()})
             for fold, role, ids, predicted in rows]  # fmt: skip
    pd.concat(parts, ignore_index=True).to_parquet(tmp_path / "calibration.parquet")
    names = ("calibration", "gallery", "threshold_sweep", "rate_comparison", "coverage")
    figures = {f"{k}-figure": tmp_path / f"figures/{k}.png" for k in names}
    out = {"report": tmp_path / "report/merger_fraction.md", "numbers": tmp_path / "tables/merger.json",
           "p-merger": tmp_path / "p_merger.parquet", "curves": tmp_path / "curves.json", **figures}  # fmt: skip
    inputs = {
        "calibration-table": tmp_path / "calibration.parquet",
        "target-catalogue": tmp_path / "target.parquet",
        "train-index": tmp_path / "train/index.parquet",
        "target-index": tmp_path / "target/index.parquet",
    }
    options = [a for k, v in {**inputs, **out}.items() for a in (f"--{k.replace('_', '-')}", str(v))]
    fast = copy.deepcopy({k: v for k, v in FAST.items() if k in ("bootstrap", "coverage")})
    run_script(
        "merger_report.py", *options, *config_overlay(tmp_path / "fast.yaml", {"mergers": {**fast, "gallery_size": 6}})
    )
    assert all(p.stat().st_size > 0 for p in out.values())
    result = MergerResult.read(out["numbers"])
    assert result.counts["n_target"] == 400 and result.counts["n_calibration_galaxies"] == 1200
    p_merger = pd.read_parquet(out["p-merger"])
    assert list(p_merger.columns) == [ID_COLUMN, "p_merger"] and list(p_merger[ID_COLUMN]) == list(target_ids)
    assert p_merger["p_merger"].between(0, 1).all()
    curves = json.loads(out["curves"].read_text())
    assert len(curves["bin_edges"]) == 101 and len(curves["curves"]) == 2 and curves["true_threshold"] == 0.4
    assert "](../figures/coverage.png)" in out["report"].read_text()
