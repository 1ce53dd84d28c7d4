"""End to end: the default workflow on the shipped sample in a temporary copy, its outputs, and the HTML report."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from gzmorph.labels import KAGGLE_HEADER
from gzmorph.mergers.reference import load_reference
from gzmorph.mergers.result import MergerResult
from tests.conftest import REPO

SNAKEMAKE = [sys.executable, "-m", "snakemake"]
WORKFLOW_FILES = ["Snakefile", "config.yaml", "rules", "scripts", "gzmorph", "report", "envs", "data/sample"]


def copy_workflow(target: Path) -> Path:
    for name in WORKFLOW_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / name)
    return target


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    return result


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    """The README's main command, run once in a fresh copy; then the report."""
    workdir = copy_workflow(tmp_path_factory.mktemp("workflow"))
    run([*SNAKEMAKE, "--cores", "2"], workdir)
    run([*SNAKEMAKE, "--report", "results/provenance.html"], workdir)
    return workdir


def report_files(workflow) -> list[str]:
    """Every output the rules mark report(), wildcards filled in (rules/common.smk), as the rules name them."""
    return [output.item.path for output in workflow.globals["workflow_report_outputs"]()]


@pytest.mark.e2e
def test_every_target_is_built_and_every_figure_is_in_the_report(finished_run, workflow):
    dry = run([*SNAKEMAKE, "--cores", "1", "-n", "--quiet", "rules"], finished_run)
    assert "Nothing to be done" in dry.stdout + dry.stderr
    expected = {path for path in report_files(workflow) if path.endswith(".png")}
    assert all(path.startswith("results/figures/") for path in expected)
    assert {Path(path).parent.name for path in expected} == {"explore", "split", "models", "evaluate", "mergers"}
    built = {f.relative_to(finished_run).as_posix() for f in (finished_run / "results" / "figures").rglob("*.png")}
    assert built == expected
    html = (finished_run / "results" / "provenance.html").read_text(errors="replace")
    missing = [path for path in report_files(workflow) if Path(path).name not in html]
    assert not missing, f"missing from the report: {missing}"


@pytest.mark.e2e
def test_data_products_on_the_sample(finished_run):
    results = finished_run / "results"
    train = pd.read_parquet(results / "data" / "train" / "index.parquet")
    assert len(train) == 500 and train["GalaxyID"].is_unique
    summary = json.loads((results / "data" / "train" / "summary.json").read_text())
    assert summary["reduction_factor"] >= 30 and summary["n_rejected"] == 0
    split = pd.read_parquet(results / "data" / "split.parquet")
    counts = split["fold"].value_counts()  # the test subset (fold -1) as before the folds, then 2 folds
    assert counts[-1] == 75 and (split["fold"] == -1).equals(split["subset"] == "test")
    assert sorted(counts[[0, 1]]) == [212, 213]
    assert set(split["GalaxyID"]) == set(train["GalaxyID"])
    ks = pd.read_csv(results / "tables" / "split_ks.csv")
    assert len(ks) == 37
    memory = json.loads((results / "tables" / "memory_estimate.json").read_text())
    assert json.dumps(memory).count("500") >= 1
    for log in (results / "logs").rglob("*.log"):
        assert "SLURM_JOB_ID=unset" in log.read_text(), f"{log} does not record the job context"


@pytest.mark.e2e
def test_models_beat_the_mean_baseline(finished_run):
    results = finished_run / "results"
    baseline = json.loads((results / "baseline" / "mean.json").read_text())
    assert 0.12 < baseline["validation_rmse"] < 0.22
    choice = json.loads((results / "models" / "best" / "metrics.json").read_text())
    assert choice["out_of_fold_rmse"] < baseline["validation_rmse"] - 0.01 and choice["folds"] == 2
    chosen, other = choice["architecture"], next(m for m in ("resnet18", "cnn") if m != choice["architecture"])
    assert not (results / "models" / other / "fold1").exists()  # the architecture not chosen trains fold 0 only
    for model, fold in ((chosen, 0), (chosen, 1), (other, 0)):
        folder = results / "models" / model / f"fold{fold}"
        history = pd.read_csv(folder / "history.csv")
        assert {"images_seen", "train_rmse", "validation_rmse", "lr"} <= set(history.columns)
        assert history["images_seen"].is_monotonic_increasing
        roles = pd.read_parquet(folder / "predictions.parquet").groupby(["role", "views"]).size().to_dict()
        assert roles[("test", 8)] == roles[("test", 1)] == 75 and roles[("out_of_fold", 8)] in (212, 213)
    oof = pd.read_parquet(results / "models" / "best" / "oof_predictions.parquet")
    assert len(oof) == 425 and oof["GalaxyID"].is_unique and set(oof["fold"]) == {0, 1}


@pytest.mark.e2e
def test_catalogue_and_merger_report(finished_run):
    results = finished_run / "results"
    catalogue = pd.read_csv(results / "predictions" / "target_catalogue.csv")
    assert tuple(catalogue.columns) == KAGGLE_HEADER and len(catalogue) == 200
    values = catalogue.iloc[:, 1:].to_numpy()
    assert np.isfinite(values).all() and values.min() >= 0 and values.max() <= 1
    parquet = pd.read_parquet(results / "predictions" / "target_catalogue.parquet")
    folds = parquet[["Class8.6_fold0", "Class8.6_fold1"]].mean(axis=1)
    np.testing.assert_allclose(folds, parquet["Class8.6"], atol=1e-5)  # the ensemble is the mean of its fold models
    calibration = pd.read_parquet(results / "predictions" / "merger_calibration.parquet")
    assert list(calibration.columns) == ["GalaxyID", "fold_model", "role", "predicted", "true"]
    assert calibration.groupby(["fold_model", "role"]).size()[(0, "test")] == 75 and len(calibration) == 2 * 75 + 425
    result = MergerResult.read(results / "tables" / "merger_fraction.json")
    mean_vote = next(e for e in result.cross_checks if e.name == "mean_vote").fraction
    assert mean_vote == pytest.approx(catalogue["Class8.6"].mean(), rel=1e-5)
    p_merger = pd.read_parquet(results / "predictions" / "p_merger.parquet")
    assert len(p_merger) == 200 and p_merger["p_merger"].between(0, 1).all()
    text = (results / "report" / "merger_fraction.md").read_text()
    for entry in load_reference().literature:
        assert entry.citation in text


def test_snakemake_lint_is_clean():
    result = subprocess.run([*SNAKEMAKE, "--lint"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0 and "Lints for" not in result.stdout, result.stdout[-4000:]


def test_a_bad_config_overlay_stops_the_run_naming_its_file_and_keys(tmp_path):
    workdir = copy_workflow(tmp_path)
    (workdir / "bad.yaml").write_text(yaml.safe_dump({"split": {"seeed": 1}, "training": {"lr": -1}}))
    result = subprocess.run(
        [*SNAKEMAKE, "-n", "--cores", "1", "--configfile", "config.yaml", "bad.yaml"],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    lines = (result.stdout + result.stderr).splitlines()
    assert "bad.yaml: split.seeed: unknown key (did you mean seed?)" in lines
    assert "bad.yaml: training.lr: must be greater than 0 (got -1)" in lines


def dry_run_with(tmp_path, entry: str) -> subprocess.CompletedProcess:
    """``snakemake -n`` in a copy of the workflow with one ``--config`` entry."""
    workdir = copy_workflow(tmp_path)
    return subprocess.run(
        [*SNAKEMAKE, "-n", "--cores", "1", "--config", entry], cwd=workdir, capture_output=True, text=True
    )


def test_a_missing_input_path_stops_before_the_dag_is_built(tmp_path):
    result = dry_run_with(tmp_path, "train_images=/no/such/file")
    assert result.returncode != 0
    assert "config train_images: '/no/such/file': no such file or directory" in result.stdout + result.stderr


def test_the_old_test_images_key_names_its_new_name(tmp_path):
    result = dry_run_with(tmp_path, "test_images=unlabelled.zip")
    assert result.returncode != 0
    message = "config test_images: renamed to target_images (the unlabelled images to predict)"
    assert message in result.stdout + result.stderr
