"""The training loop, checkpoints and resume, cross-validation and the train script, on the shipped sample."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from gzmorph import checkpoint
from gzmorph.augment import to_device_batch
from gzmorph.cross_validation import best_setting, cross_validate, kfold_indices
from gzmorph.geometry import Geometry
from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS, question_residuals
from gzmorph.models import build_model, load_model
from gzmorph.settings import SLICES, Augment, Plateau, TrainSettings
from gzmorph.training import TrainingData, fit, recalibrate_batch_norm
from tests.scripts import config_overlay, run_script

GEOMETRY = Geometry(crop_px=212, size=48)
DEVICE = torch.device("cpu")
SMALL_CNN = {
    "architecture": "cnn",
    "head": "tree",
    "size": 48,
    "channels": [8, 16, 32],
    "kernel_size": 3,
    "fc": [64],
    "dropout": 0.1,
}


def settings(**changes) -> TrainSettings:
    values = {
        "epochs": 2,
        "batch_size": 32,
        "eval_batch_size": 128,
        "optimizer": "adamw",
        "lr": 0.003,
        "weight_decay": 1e-4,
        "scheduler": "none",
        "plateau": Plateau(factor=0.5, patience=0, min_lr=1e-5),
        "rotate": False,
        "augment": Augment(shift_px=0.0, zoom=0.0),
        "evaluations_per_epoch": 1,
        "bn_recalibration_images": 256,
        "seed": 3,
        "ema_decay": 0.0,
    }
    return TrainSettings(**{**values, **changes})


@pytest.fixture(scope="session")
def labelled_set(sample_train_set, tmp_path_factory) -> dict[str, Path]:
    """The shipped sample's shard set, with an 80/20 split."""
    out = tmp_path_factory.mktemp("split")
    subset = np.where(np.random.default_rng(0).random(len(sample_train_set)) < 0.2, "validation", "train")
    pd.DataFrame({ID_COLUMN: sample_train_set.ids, "subset": subset}).to_parquet(out / "split.parquet")
    return {"index": sample_train_set.set_dir / "index.parquet", "split": out / "split.parquet"}


@pytest.fixture(scope="session")
def arrays(sample_train_set, labelled_set):
    split = pd.read_parquet(labelled_set["split"])
    parts = {}
    for name in ("train", "validation"):
        subset = sample_train_set.subset(split.loc[split["subset"] == name, ID_COLUMN].to_numpy(dtype=np.uint64))
        parts[name] = (subset.all_images(), subset.labels)
    return parts


def test_a_short_training_run_on_real_galaxies_beats_the_mean_baseline(arrays):
    (train_x, train_y), (valid_x, valid_y) = arrays["train"], arrays["validation"]
    baseline = np.sqrt(np.mean((valid_y - train_y.mean(axis=0)) ** 2))
    result = fit(SMALL_CNN, settings(epochs=8), TrainingData(train_x, train_y, valid_x, valid_y), GEOMETRY, DEVICE)
    history = result.history
    assert list(history["images_seen"]) == [len(train_x) // 32 * 32 * (k + 1) for k in range(8)]
    assert result.validation_rmse == history["validation_rmse"].min()
    assert result.validation_rmse < 0.95 * baseline, (result.validation_rmse, baseline)
    assert history["train_rmse"].iloc[-1] < history["train_rmse"].iloc[0]


@pytest.mark.parametrize("ema_decay", [0.0, 0.9])
def test_an_interrupted_run_resumes_and_continues_the_same_history(arrays, tmp_path, ema_decay):
    (train_x, train_y), (valid_x, valid_y) = arrays["train"], arrays["validation"]
    data = TrainingData(train_x[:160], train_y[:160], valid_x, valid_y)
    run = settings(epochs=3, scheduler="plateau", rotate=True, evaluations_per_epoch=2, ema_decay=ema_decay)
    whole = fit(SMALL_CNN, run, data, GEOMETRY, DEVICE, checkpoint_path=tmp_path / "a.pt")

    stopped = fit(SMALL_CNN, run, data, GEOMETRY, DEVICE, checkpoint_path=tmp_path / "b.pt", stop_after_epochs=1)
    assert len(stopped.history) == 2 and checkpoint.load(tmp_path / "b.pt").epoch == 1
    resumed = fit(SMALL_CNN, run, data, GEOMETRY, DEVICE, checkpoint_path=tmp_path / "b.pt")

    columns = ["images_seen", "epoch", "train_rmse", "validation_rmse", "lr"]
    pd.testing.assert_frame_equal(resumed.history[columns], whole.history[columns])
    # the first epoch's rows come from the checkpoint (their times too): it was not trained again
    assert list(resumed.history["wall_seconds"][:2]) == list(stopped.history["wall_seconds"])
    assert resumed.history["wall_seconds"].is_monotonic_increasing
    for key, value in whole.checkpoint.model_state.items():
        torch.testing.assert_close(resumed.checkpoint.model_state[key], value, rtol=0, atol=0)


def test_the_cosine_schedule_anneals_from_lr_to_zero_over_the_run_and_resumes(arrays, tmp_path):
    (train_x, train_y), (valid_x, valid_y) = arrays["train"], arrays["validation"]
    data = TrainingData(train_x[:96], train_y[:96], valid_x[:64], valid_y[:64])
    run = settings(epochs=2, scheduler="cosine", evaluations_per_epoch=2)
    whole = fit(SMALL_CNN, run, data, GEOMETRY, DEVICE)
    steps = np.arange(4)  # the lr in force at each of the 2 x 2 evaluation steps
    np.testing.assert_allclose(whole.history["lr"], run.lr * (1 + np.cos(np.pi * steps / 4)) / 2, rtol=1e-6)
    fit(SMALL_CNN, run, data, GEOMETRY, DEVICE, checkpoint_path=tmp_path / "c.pt", stop_after_epochs=1)
    resumed = fit(SMALL_CNN, run, data, GEOMETRY, DEVICE, checkpoint_path=tmp_path / "c.pt")
    np.testing.assert_allclose(resumed.history["lr"], whole.history["lr"], rtol=1e-6)


def test_with_ema_decay_the_moving_average_of_the_weights_is_evaluated_and_kept(arrays, tmp_path):
    (train_x, train_y), (valid_x, valid_y) = arrays["train"], arrays["validation"]
    data = TrainingData(train_x[:96], train_y[:96], valid_x[:64], valid_y[:64])
    result = fit(SMALL_CNN, settings(epochs=1, ema_decay=0.5), data, GEOMETRY, DEVICE, tmp_path / "e.pt")
    last = checkpoint.load(tmp_path / "e.pt")
    averaged = {k.removeprefix("module."): v for k, v in last.ema_state.items() if k.startswith("module.")}
    weight = "classifier.2.weight"  # the first fully connected layer
    # one evaluation step: the kept weights are the average at its time, not the weights being trained
    torch.testing.assert_close(result.checkpoint.model_state[weight], averaged[weight], rtol=0, atol=0)
    assert not torch.equal(result.checkpoint.model_state[weight], last.model_state[weight])
    assert int(last.ema_state["n_averaged"]) == len(data.train_images) // 32  # one update per optimizer step


def test_a_checkpoint_of_other_settings_is_not_resumed(arrays, tmp_path):
    (train_x, train_y), (valid_x, valid_y) = arrays["train"], arrays["validation"]
    data = TrainingData(train_x[:96], train_y[:96], valid_x[:40], valid_y[:40])
    path = tmp_path / "checkpoint.pt"
    fit(SMALL_CNN, settings(epochs=1), data, GEOMETRY, DEVICE, checkpoint_path=path)
    other = fit(SMALL_CNN, settings(epochs=1, lr=0.01), data, GEOMETRY, DEVICE, checkpoint_path=path)
    assert len(other.history) == 1  # trained afresh: a resumed 1-epoch run would have nothing left to add
    assert checkpoint.load(path).fingerprint["settings"]["lr"] == 0.01


def test_batch_norm_recalibration_replaces_stale_running_statistics(arrays):
    images = arrays["train"][0][:64]
    torch.manual_seed(0)
    model = build_model(SMALL_CNN).eval()
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.fill_(3.0)  # stale statistics, as after weights moved on
    x = to_device_batch(images, DEVICE, 48, rotate=False)
    with torch.no_grad():
        model.features.train()  # batch norm from this batch's own statistics
        wanted = model(x)
        model.eval()
        stale = model(x)
        recalibrate_batch_norm(model, images, 48, DEVICE, batch_size=64)
        assert not model.training
        recalibrated = model(x)
    assert (stale - wanted).abs().max() > 0.05
    torch.testing.assert_close(recalibrated, wanted, rtol=0, atol=1e-3)


def test_kfold_parts_cover_every_image_once():
    parts = kfold_indices(23, 4, seed=1)
    assert sorted(np.concatenate(parts)) == list(range(23)) and {len(p) for p in parts} == {5, 6}
    with pytest.raises(ValueError, match="folds"):
        kfold_indices(3, 5, seed=1)


def test_cross_validation_scores_every_setting_on_every_fold(arrays):
    train_x, train_y = arrays["train"]
    grid = [{"channels": [4, 8], "fc": [16]}, {"channels": [8, 16], "fc": [32], "dropout": 0.0}]
    scores = cross_validate(SMALL_CNN, grid, settings(epochs=1), train_x[:120], train_y[:120], 2, 0, GEOMETRY, DEVICE)
    assert len(scores) == 4 and scores["validation_rmse"].between(0, 0.5).all()
    winner = best_setting(scores, grid)
    means = scores.groupby("setting")["validation_rmse"].mean()
    assert winner["setting"] == means.idxmin() and winner["overrides"] in grid


def test_the_train_script_writes_the_promised_files(labelled_set, tmp_path):
    small = {k: v for k, v in SMALL_CNN.items() if k in ("channels", "kernel_size", "fc", "dropout")}
    overrides = {"models": {"cnn": small}, "training": {"bn_recalibration_images": 64, "epochs": 1}}
    (tmp_path / "best_setting.json").write_text(json.dumps({"overrides": {"fc": [32]}}))
    out = {name: tmp_path / "cnn" / name for name in ("model.pt", "history.csv", "valid.parquet", "metrics.json")}
    run_script(
        "train.py", "--train-index", str(labelled_set["index"]), "--split", str(labelled_set["split"]),
        "--best-setting", str(tmp_path / "best_setting.json"), "--model", "cnn",
        "--model-pt", str(out["model.pt"]), "--history", str(out["history.csv"]),
        "--validation-predictions", str(out["valid.parquet"]), "--metrics", str(out["metrics.json"]),
        "--threads", "1", *config_overlay(tmp_path / "small.yaml", overrides),
    )  # fmt: skip

    history = pd.read_csv(out["history.csv"])
    assert list(history.columns) == ["images_seen", "epoch", "train_rmse", "validation_rmse", "lr", "wall_seconds"]
    metrics = json.loads(out["metrics.json"].read_text())
    assert metrics["model"] == "cnn" and metrics["model_spec"]["fc"] == [32] and metrics["epochs"] == 1
    assert metrics["validation_rmse"] == pytest.approx(history["validation_rmse"].min())
    predictions = pd.read_parquet(out["valid.parquet"])
    assert list(predictions.columns) == [ID_COLUMN, *LABEL_COLUMNS]
    split = pd.read_parquet(labelled_set["split"])
    assert set(predictions[ID_COLUMN]) == set(split.loc[split["subset"] == "validation", ID_COLUMN])
    assert np.abs(question_residuals(predictions[list(LABEL_COLUMNS)].to_numpy())).max() < 1e-5  # tree head
    model, saved = load_model(out["model.pt"])
    assert saved.geometry == GEOMETRY and metrics["n_parameters"] == sum(p.numel() for p in model.parameters())
    assert (tmp_path / "cnn" / "checkpoint.pt").exists()


def publish(labelled_set, tmp_path, noise: dict[str, float], prefer: str) -> dict:
    """publish_best.py on two fake model folders whose validation predictions are the truth plus ``noise``."""
    split = pd.read_parquet(labelled_set["split"])
    index = pd.read_parquet(labelled_set["index"]).set_index(ID_COLUMN)
    valid = index.loc[split.loc[split["subset"] == "validation", ID_COLUMN].to_numpy(), list(LABEL_COLUMNS)]
    rng, files = np.random.default_rng(4), {}
    for model, scale in noise.items():
        folder = tmp_path / model
        folder.mkdir(parents=True)
        (folder / "model.pt").write_bytes(model.encode())
        predicted = valid + scale * rng.standard_normal(valid.shape)
        predicted.reset_index().to_parquet(folder / "validation_predictions.parquet")
        (folder / "metrics.json").write_text(json.dumps({"model": model, "validation_rmse": scale}))
        files[model] = folder
    out = tmp_path / "best"
    run_script(
        "publish_best.py", "--models", *(str(f / "model.pt") for f in files.values()),
        "--metrics", *(str(f / "metrics.json") for f in files.values()),
        "--validation-predictions", *(str(f / "validation_predictions.parquet") for f in files.values()),
        "--train-index", str(labelled_set["index"]), "--split", str(labelled_set["split"]),
        "--model-pt", str(out / "model.pt"), "--best-metrics", str(out / "metrics.json"),
        "--best-validation-predictions", str(out / "validation_predictions.parquet"),
        *config_overlay(tmp_path / "prefer.yaml", {"models": {"prefer_on_tie": prefer}}),
    )  # fmt: skip
    return {"copied": (out / "model.pt").read_bytes().decode(), **json.loads((out / "metrics.json").read_text())}


def test_publish_best_takes_the_clearly_better_architecture_and_the_preference_on_a_tie(labelled_set, tmp_path):
    clear = publish(labelled_set, tmp_path / "clear", {"resnet18": 0.05, "cnn": 0.02}, prefer="resnet18")
    assert clear["copied"] == "cnn" and clear["model"] == "best" and clear["architecture_choice"]["chosen"] == "cnn"
    assert clear["architecture_choice"]["interval_95"][0] > 0 and clear["compared"] == {"resnet18": 0.05, "cnn": 0.02}
    tie = publish(labelled_set, tmp_path / "tie", {"resnet18": 0.02, "cnn": 0.02}, prefer="cnn")
    assert tie["copied"] == "cnn" and tie["architecture_choice"]["reason"].startswith("tie")


def test_a_job_gets_only_its_slice_of_the_training_config():
    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "config.yaml").read_text())
    edited = json.loads(json.dumps(config))
    edited["models"]["resnet18"]["stem_stride"] = 1
    edited["models"]["prefer_on_tie"] = "cnn"
    for name, wildcards, changes in (
        ("cross_validation", {}, False),
        ("train", {"model": "cnn"}, False),
        ("train", {"model": "resnet18"}, True),
        ("model_choice", {}, True),
    ):
        cut = SLICES[name].cut
        assert (cut(config, wildcards) != cut(edited, wildcards)) == changes, (name, wildcards)
    recipe = json.loads(json.dumps(config))
    recipe["training"]["scheduler"] = "cosine"  # the recipe: both architectures, not the cross-validation
    for name, wildcards, changes in (
        ("cross_validation", {}, False),
        ("train", {"model": "cnn"}, True),
        ("train", {"model": "resnet18"}, True),
    ):
        cut = SLICES[name].cut
        assert (cut(config, wildcards) != cut(recipe, wildcards)) == changes, (name, wildcards)
    jobs = [SLICES["train"].typed(SLICES["train"].cut(config, {"model": m})).training for m in ("resnet18", "cnn")]
    assert jobs[0] == jobs[1] and jobs[0].epochs == config["training"]["epochs"]
