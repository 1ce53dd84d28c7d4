"""`gzmorph estimate`: the plan of a run's jobs (pure arithmetic, checked against the split and fit), the totals, and
the whole command on the shipped sample with few timed steps."""

import json
import re

import numpy as np
import pytest
import torch
import yaml

from gzmorph import estimate
from gzmorph.binding import load_config
from gzmorph.command import checked_config, main
from gzmorph.geometry import Geometry
from gzmorph.precision import PrecisionChoice
from gzmorph.split import labelled_split
from gzmorph.training import TrainingData, batches_per_epoch, epochs_for, fit
from tests.conftest import REPO
from tests.test_training import settings

TINY_CNN = {"architecture": "cnn", "head": "tree", "size": 16, "channels": [4], "kernel_size": 3, "fc": [8],
            "dropout": 0.0}  # fmt: skip


def crafted_config(**training) -> dict:
    """config.yaml with 3 folds, two compared candidates and the given training keys."""
    config = load_config([str(REPO / "config.yaml")])
    config["models"]["folds"] = 3
    config["training"].update(training)
    return config


def test_the_plan_has_every_job_with_its_steps():
    config = crafted_config(steps=40, batch_size=32, evaluate_every=2)
    size = estimate.DataSize(labelled=1000, unlabelled=1300, source="crafted")
    jobs = estimate.plan_jobs(config, size, chosen="cnn")
    names = [job.name for job in jobs]
    assert names == ["cross_validate", "train resnet18 fold 0", "train cnn fold 0", "train cnn fold 1",
                     "train cnn fold 2", "predict the unlabelled set"]  # fmt: skip
    # 150 in the test subset, 850 in 3 folds of 284, 283, 283: fold model 0 trains on 566 = 17 batches of 32, so
    # 40 steps round up to 3 epochs (51 steps), of which epochs 2 and 3 are evaluated (every 2nd, and the last)
    fold0 = jobs[1].fits[0]
    assert (fold0.n_train, fold0.n_held_out, fold0.steps, fold0.evaluations) == (566, 284, 51, 2)
    assert fold0.recalibration_images == 566  # bn_recalibration_images 1024, more than it has
    assert jobs[1].predicted_images == (284 + 150) * 9  # held-out fold and test subset, with 8 views and with 1
    assert [job.fits[0].n_train for job in jobs[2:5]] == [566, 567, 567]
    # cross-validation: 2 folds x 2 settings of 12 steps on 425 images each (13 batches: one epoch), no predictions
    cv = jobs[0]
    assert [(fit.n_train, fit.steps) for fit in cv.fits] == [(425, 13)] * 4 and cv.predicted_images == 0
    assert len({fit.network for fit in cv.fits}) == 2
    # the unlabelled set: 8 views x 3 fold models, in chunks of 512
    assert (jobs[-1].predicted_images, jobs[-1].starts) == (1300 * 8 * 3, 3)


def test_the_split_sizes_are_the_splits():
    ids = np.arange(1, 1001, dtype=np.uint64)
    split = labelled_split(ids, np.zeros(1000, dtype=bool), 0.15, 1, 3, 2)
    sizes = estimate.split_sizes(1000, 0.15, 3)
    assert sizes.test == (split["fold"] == -1).sum()
    assert sizes.folds == tuple(int((split["fold"] == k).sum()) for k in range(3))


@pytest.mark.parametrize(
    "steps, n_train, batch_size", [(40, 566, 32), (1, 566, 32), (17, 566, 32), (18, 566, 32), (5, 10, 32)]
)
def test_steps_round_up_to_whole_epochs_as_training_does(steps, n_train, batch_size):
    config = crafted_config(steps=steps, batch_size=batch_size)
    fit_plan = estimate.plan_fit("cnn", n_train, 10, estimate.train_settings(config, "cnn"))
    per_epoch = batches_per_epoch(n_train, batch_size)
    assert fit_plan.steps == epochs_for(steps, n_train, batch_size) * per_epoch
    assert steps <= fit_plan.steps < steps + per_epoch


def test_the_planned_steps_and_evaluations_are_those_fit_runs():
    data = estimate.random_training_images(60, 16)
    held_out = estimate.random_training_images(10, 16, seed=1)
    data = TrainingData(data.train_images, data.train_labels, held_out.train_images, held_out.train_labels)
    recipe = settings(steps=5, batch_size=16, evaluate_every=2, evaluations_per_epoch=2)
    planned = estimate.plan_fit("tiny", 60, 10, recipe)
    result = fit(TINY_CNN, recipe, data, Geometry(212, 16), torch.device("cpu"), progress=False)
    assert int(result.history["images_seen"].iloc[-1]) == planned.steps * 16
    assert len(result.history) == planned.evaluations


def fake_timings(jobs) -> dict:
    choice = PrecisionChoice("float32", "cpu_bfloat16: false")
    names = {fit.network for job in jobs for fit in job.fits} | {job.network for job in jobs}
    step = {"resnet18": 0.2, "cnn": 0.1}
    return {name: estimate.NetworkTiming(choice, 1.0, step.get(name, 0.05), 0.001) for name in names}


def test_totals_serial_and_on_the_critical_path():
    config = crafted_config()
    size = estimate.DataSize(1000, 1300, "crafted")
    jobs = estimate.plan_jobs(config, size, chosen="resnet18")
    timings = fake_timings(jobs)
    seconds = {job.name: estimate.job_seconds(job, timings) for job in jobs}
    assert seconds["train resnet18 fold 0"] == pytest.approx(
        estimate.JOB_START_S + 1.0 + 51 * 0.2 + 3 * (566 + 284) * 0.001 + (284 + 150) * 9 * 0.001
    )
    assert estimate.serial_seconds(jobs, timings, 60.0) == pytest.approx(sum(seconds.values()) + 60.0)
    fold0 = max(seconds["train resnet18 fold 0"], seconds["cross_validate"] + seconds["train cnn fold 0"])
    others = max(seconds["train resnet18 fold 1"], seconds["train resnet18 fold 2"])
    chunk = (seconds["predict the unlabelled set"] - 3 * estimate.JOB_START_S) / 3 + estimate.JOB_START_S
    critical = estimate.critical_path_seconds(jobs, timings, "cnn", 60.0)
    assert critical == pytest.approx(fold0 + others + chunk + 60.0)


def test_the_allowances_reproduce_the_measured_runs():
    lab = estimate.DataSize(3454, 1197, "the lab run")
    config = load_config([str(REPO / "config.yaml"), str(REPO / "configs/full.yaml")])
    assert estimate.merger_report_seconds(config, lab) == pytest.approx(70, rel=0.01)
    assert estimate.rest_of_dag_seconds(lab) == pytest.approx(36, abs=0.5)
    assert estimate.rest_of_dag_seconds(estimate.DataSize(61578, 79975, "Kaggle")) == pytest.approx(87, abs=0.5)


def test_counts_come_from_the_summaries_only_when_they_name_the_configs_images(tmp_path):
    config = load_config([str(REPO / "config.yaml")])
    for imageset, key, n in (("train", "train_images", 480), ("target", "target_images", 190)):
        (tmp_path / "data" / imageset).mkdir(parents=True)
        summary = {"images": config[key], "n_images": n}
        (tmp_path / "data" / imageset / "summary.json").write_text(json.dumps(summary))
    from_summaries = estimate.data_size(config, tmp_path)
    assert (from_summaries.labelled, from_summaries.unlabelled) == (480, 190)
    for key in ("train_labels", "target_images"):  # other paths than the summaries name: counted in the files
        config[key] = str(REPO / config[key])
    counted = estimate.data_size(config, tmp_path)
    assert (counted.labelled, counted.unlabelled) == (500, 200) and "rows of" in counted.source


def test_config_values_go_over_the_files_and_are_checked(tmp_path, capsys):
    config = checked_config([str(REPO / "config.yaml")], ["target_images=x.tar.gz", "train_labels=y.csv"])
    assert (config["target_images"], config["train_labels"]) == ("x.tar.gz", "y.csv")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"models": {"folds": 1}}))
    assert main(["estimate", "--configfile", str(REPO / "config.yaml"), str(bad)]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("gzmorph estimate: error:") and "bad.yaml" in error


def test_the_command_on_the_sample_prints_each_job_and_the_totals(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    quick = tmp_path / "quick.yaml"  # no precision probe, small evaluation batches: seconds, not a minute
    quick.write_text(yaml.safe_dump({"training": {"cpu_bfloat16": False, "eval_batch_size": 32}}))
    assert main(["estimate", "--configfile", "config.yaml", str(quick), "--steps", "1", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "500 labelled and 200 unlabelled images" in out
    for job in ("cross_validate", "train resnet18 fold 0", "train cnn fold 0", "train resnet18 fold 1 *",
                "predict the unlabelled set", "merger report", "rest of the DAG"):  # fmt: skip
        assert re.search(rf"^{re.escape(job)} .* \d+\.\d$", out, re.MULTILINE), job
    serial = re.search(r"Expected whole run here .*: (\d+\.\d) min", out)
    critical = re.search(r"Expected critical path .*: (\d+\.\d) min", out)
    assert serial and critical and 0 < float(critical[1]) <= float(serial[1])
    assert "float32 (cpu_bfloat16: false)" in out
