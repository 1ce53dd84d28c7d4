"""The training loop, checkpoints and resume, cross-validation and the train script, on the shipped sample."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from gzmorph import checkpoint
from gzmorph.augment import to_device_batch
from gzmorph.cnn_grid_search import best_setting, cross_validate, kfold_indices
from gzmorph.fold_predictions import CALIBRATION_COLUMNS, OUT_OF_FOLD, training_overlap
from gzmorph.geometry import Geometry
from gzmorph.inference import autocast, training_precision
from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS, MERGER_COLUMN, question_residuals
from gzmorph.models import build_model, load_model
from gzmorph.settings import SLICES, Augment, Plateau, TrainSettings
from gzmorph.split import fold_ids, n_folds, subset_ids
from gzmorph.training import TrainingData, epochs_for, evaluated_epoch, fit, recalibrate_batch_norm
from tests.scripts import config_overlay, run_script, shipped_config

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
        "steps": 2,
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
        "evaluate_every": 1,
        "bn_recalibration_images": 256,
        "seed": 3,
        "ema_decay": 0.0,
        "cpu_bfloat16": False,
    }
    return TrainSettings(**{**values, **changes})


@pytest.fixture(scope="session")
def arrays(sample_train_set):
    """Images and labels of a random 80/20 split of the sample (for the loop's own tests)."""
    held_out = np.random.default_rng(0).random(len(sample_train_set)) < 0.2
    parts = {}
    for name, chosen in (("train", ~held_out), ("validation", held_out)):
        subset = sample_train_set.subset(sample_train_set.ids[chosen])
        parts[name] = (subset.all_images(), subset.labels)
    return parts


def epochs_of(n_images: int, epochs: int) -> int:
    """The steps of ``epochs`` whole epochs of ``n_images`` at batch size 32."""
    return epochs * (n_images // 32)


def test_the_run_length_in_steps_is_rounded_up_to_whole_epochs():
    assert epochs_for(steps=40, n_images=212, batch_size=32) == 7  # 6 batches an epoch
    assert epochs_for(steps=36, n_images=212, batch_size=32) == 6
    assert epochs_for(steps=1, n_images=52_000, batch_size=64) == 1
    assert epochs_for(steps=5, n_images=10, batch_size=64) == 5  # one (partial) batch an epoch


@pytest.mark.parametrize("cpu_bfloat16", [False, True])
def test_a_short_training_run_on_real_galaxies_beats_the_mean_baseline(arrays, cpu_bfloat16):
    (train_x, train_y), (valid_x, valid_y) = arrays["train"], arrays["validation"]
    baseline = np.sqrt(np.mean((valid_y - train_y.mean(axis=0)) ** 2))
    run = settings(steps=epochs_of(len(train_x), 8), cpu_bfloat16=cpu_bfloat16)
    result = fit(SMALL_CNN, run, TrainingData(train_x, train_y, valid_x, valid_y), GEOMETRY, DEVICE)
    assert all(p.dtype == torch.float32 for p in result.model.parameters())  # autocast keeps float32 weights
    history = result.history
    assert list(history["images_seen"]) == [len(train_x) // 32 * 32 * (k + 1) for k in range(8)]
    assert result.validation_rmse == history["validation_rmse"].iloc[-1]  # the last weights are kept
    assert result.validation_rmse < 0.95 * baseline, (result.validation_rmse, baseline)
    assert history["train_rmse"].iloc[-1] < history["train_rmse"].iloc[0]


def test_cpu_bfloat16_switches_the_training_passes_to_bfloat16_and_leaves_float32_alone():
    layer, x = torch.nn.Linear(4, 2), torch.ones(3, 4)
    for cpu_bfloat16, dtype in ((False, torch.float32), (True, torch.bfloat16)):
        with autocast(torch.device("cpu"), cpu_bfloat16):
            assert layer(x).dtype == dtype
        assert training_precision("cpu", cpu_bfloat16) == str(dtype).removeprefix("torch.")
    assert training_precision("cuda:0", False) == "bfloat16"


@pytest.mark.parametrize("ema_decay", [0.0, 0.9])
def test_an_interrupted_run_resumes_and_continues_the_same_history(arrays, tmp_path, ema_decay):
    (train_x, train_y), (valid_x, valid_y) = arrays["train"], arrays["validation"]
    data = TrainingData(train_x[:160], train_y[:160], valid_x, valid_y)
    run = settings(steps=15, scheduler="plateau", rotate=True, evaluations_per_epoch=2, ema_decay=ema_decay)
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


def test_the_cosine_schedule_anneals_from_lr_to_zero_over_the_steps_and_resumes(arrays, tmp_path):
    (train_x, train_y), (valid_x, valid_y) = arrays["train"], arrays["validation"]
    data = TrainingData(train_x[:128], train_y[:128], valid_x[:64], valid_y[:64])
    run = settings(steps=8, scheduler="cosine", evaluations_per_epoch=2)  # 2 epochs of 4 steps
    whole = fit(SMALL_CNN, run, data, GEOMETRY, DEVICE)
    steps = np.array([1, 3, 5, 7])  # each row: the lr of the step just before it (after 2, 4, 6 and 8 steps)
    np.testing.assert_allclose(whole.history["lr"], run.lr * (1 + np.cos(np.pi * steps / 8)) / 2, rtol=1e-6)
    fit(SMALL_CNN, run, data, GEOMETRY, DEVICE, checkpoint_path=tmp_path / "c.pt", stop_after_epochs=1)
    resumed = fit(SMALL_CNN, run, data, GEOMETRY, DEVICE, checkpoint_path=tmp_path / "c.pt")
    np.testing.assert_allclose(resumed.history["lr"], whole.history["lr"], rtol=1e-6)


def test_evaluating_every_third_epoch_keeps_the_run_and_its_last_weights_and_resumes(arrays, tmp_path):
    (train_x, train_y), (valid_x, valid_y) = arrays["train"], arrays["validation"]
    data = TrainingData(train_x[:96], train_y[:96], valid_x[:64], valid_y[:64])
    every = settings(steps=15, scheduler="cosine", evaluate_every=3)  # 5 epochs of 3 steps: evaluated 3 and 5
    each = settings(steps=15, scheduler="cosine", evaluate_every=1)
    sparse, dense = (fit(SMALL_CNN, s, data, GEOMETRY, DEVICE) for s in (every, each))
    assert list(sparse.history["epoch"]) == [3, 5] and list(sparse.history["images_seen"]) == [288, 480]
    pd.testing.assert_frame_equal(  # the same training: evaluating changes only batch-norm statistics, then refreshed
        sparse.history[["images_seen", "validation_rmse", "lr"]].reset_index(drop=True),
        dense.history.loc[dense.history["epoch"].isin([3, 5]), ["images_seen", "validation_rmse", "lr"]].reset_index(
            drop=True
        ),
        rtol=1e-4,
    )
    fit(SMALL_CNN, every, data, GEOMETRY, DEVICE, checkpoint_path=tmp_path / "s.pt", stop_after_epochs=4)
    assert checkpoint.load(tmp_path / "s.pt").images_seen == 4 * 96  # counted through the unevaluated epoch 4
    resumed = fit(SMALL_CNN, every, data, GEOMETRY, DEVICE, checkpoint_path=tmp_path / "s.pt")
    pd.testing.assert_frame_equal(resumed.history.drop(columns="wall_seconds"),
                                  sparse.history.drop(columns="wall_seconds"))  # fmt: skip
    assert evaluated_epoch(0, 2, 3) is False and evaluated_epoch(1, 2, 3) is True and evaluated_epoch(2, 9, 3)


def test_with_ema_decay_the_moving_average_of_the_weights_is_evaluated_and_kept(arrays, tmp_path):
    (train_x, train_y), (valid_x, valid_y) = arrays["train"], arrays["validation"]
    data = TrainingData(train_x[:96], train_y[:96], valid_x[:64], valid_y[:64])
    result = fit(SMALL_CNN, settings(steps=3, ema_decay=0.5), data, GEOMETRY, DEVICE, tmp_path / "e.pt")
    last = checkpoint.load(tmp_path / "e.pt")
    averaged = {k.removeprefix("module."): v for k, v in last.ema_state.items() if k.startswith("module.")}
    weight = "classifier.2.weight"  # the first fully connected layer
    # one evaluation step: the kept weights are the average at its time, not the weights being trained
    torch.testing.assert_close(result.checkpoint.model_state[weight], averaged[weight], rtol=0, atol=0)
    assert not torch.equal(result.checkpoint.model_state[weight], last.model_state[weight])
    assert int(last.ema_state["n_averaged"]) == len(data.train_images) // 32  # one update per optimizer step


def test_a_run_shows_one_bar_over_all_its_optimizer_steps(arrays, tmp_path, capsys):
    (train_x, train_y), (valid_x, valid_y) = arrays["train"], arrays["validation"]
    data = TrainingData(train_x[:96], train_y[:96], valid_x[:40], valid_y[:40])  # 3 steps an epoch
    fit(SMALL_CNN, settings(steps=7), data, GEOMETRY, DEVICE, tmp_path / "p.pt", stop_after_epochs=1)
    capsys.readouterr()
    fit(SMALL_CNN, settings(steps=7), data, GEOMETRY, DEVICE, tmp_path / "p.pt", progress=True)  # 3 epochs: 9 steps
    bars = re.findall(r"training: .*?(\d+)/(\d+) \[", capsys.readouterr().err)
    assert bars[0] == ("3", "9")  # resumed after the first epoch's steps
    assert {total for _, total in bars} == {"9"} and bars.count(("9", "9")) == 1  # one bar, not one an epoch


def test_cross_validation_shows_one_bar_over_all_its_runs(arrays, capsys):
    train_x, train_y = arrays["train"]
    grid = [{"fc": [16]}, {"fc": [32]}]
    cross_validate(SMALL_CNN, grid, settings(steps=1), train_x[:100], train_y[:100], 2, 0, GEOMETRY, DEVICE)
    bars = re.findall(r"(\d+)/(\d+) \[", capsys.readouterr().err)
    assert {total for _, total in bars} == {"4"} and bars.count(("4", "4")) == 1  # 2 settings x 2 folds x 1 step


def test_a_run_resumed_in_another_precision_continues_with_a_warning(arrays, tmp_path, caplog):
    (train_x, train_y), (valid_x, valid_y) = arrays["train"], arrays["validation"]
    data = TrainingData(train_x[:96], train_y[:96], valid_x[:40], valid_y[:40])
    auto, path = settings(steps=6, cpu_bfloat16="auto"), tmp_path / "auto.pt"
    fit(SMALL_CNN, auto, data, GEOMETRY, DEVICE, path, stop_after_epochs=1, cpu_bfloat16=True)
    resumed = fit(SMALL_CNN, auto, data, GEOMETRY, DEVICE, path, cpu_bfloat16=False)
    assert list(resumed.history["epoch"]) == [1, 2]  # not started afresh
    assert "trained in bfloat16 so far, continuing in float32" in caplog.text
    saved = checkpoint.load(path).fingerprint
    assert saved["settings"]["cpu_bfloat16"] == "auto" and saved["precision"] == "float32"
    with pytest.raises(ValueError, match="job_precision"):
        fit(SMALL_CNN, auto, data, GEOMETRY, DEVICE)  # auto unresolved


def test_a_checkpoint_of_other_settings_is_not_resumed(arrays, tmp_path):
    (train_x, train_y), (valid_x, valid_y) = arrays["train"], arrays["validation"]
    data = TrainingData(train_x[:96], train_y[:96], valid_x[:40], valid_y[:40])
    path = tmp_path / "checkpoint.pt"
    fit(SMALL_CNN, settings(steps=3), data, GEOMETRY, DEVICE, checkpoint_path=path)
    other = fit(SMALL_CNN, settings(steps=3, lr=0.01), data, GEOMETRY, DEVICE, checkpoint_path=path)
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
    scores = cross_validate(SMALL_CNN, grid, settings(steps=1), train_x[:120], train_y[:120], 2, 0, GEOMETRY, DEVICE)
    assert len(scores) == 4 and scores["validation_rmse"].between(0, 0.5).all()
    winner = best_setting(scores, grid)
    means = scores.groupby("setting")["validation_rmse"].mean()
    assert winner["setting"] == means.idxmin() and winner["overrides"] in grid


def train_fold(labelled_set, folder: Path, fold: int, steps: int) -> dict[str, Path]:
    """train.py for one fold of a small cnn; the paths of its outputs."""
    small = {k: v for k, v in SMALL_CNN.items() if k in ("channels", "kernel_size", "fc", "dropout")}
    overrides = {"models": {"candidates": {"cnn": small}}, "training": {"bn_recalibration_images": 64, "steps": steps}}
    (folder / "best_setting.json").parent.mkdir(parents=True, exist_ok=True)
    (folder / "best_setting.json").write_text(json.dumps({"overrides": {"fc": [32]}}))
    names = ("model.pt", "history.csv", "metrics.json", "predictions.parquet")
    out = {name: folder / "cnn" / f"fold{fold}" / name for name in names}
    run_script(
        "train.py", "--train-index", str(labelled_set["index"]), "--split", str(labelled_set["split"]),
        "--best-setting", str(folder / "best_setting.json"), "--model", "cnn", "--fold", str(fold),
        "--model-pt", str(out["model.pt"]), "--history", str(out["history.csv"]),
        "--metrics", str(out["metrics.json"]), "--predictions", str(out["predictions.parquet"]),
        "--threads", "1", *config_overlay(folder / "small.yaml", overrides),
    )  # fmt: skip
    return out


def test_a_fold_model_trains_on_the_other_folds_and_predicts_its_own_and_the_test_subset(labelled_set, tmp_path):
    split = pd.read_parquet(labelled_set["split"])
    n_train = len(fold_ids(split, 1, held_out=False))
    out = train_fold(labelled_set, tmp_path, fold=1, steps=1)  # rounded up to one epoch
    history = pd.read_csv(out["history.csv"])
    assert list(history.columns) == ["images_seen", "epoch", "train_rmse", "validation_rmse", "lr", "wall_seconds"]
    metrics = json.loads(out["metrics.json"].read_text())
    assert metrics["model"] == "cnn" and metrics["fold"] == 1 and metrics["model_spec"]["fc"] == [32]
    assert metrics["epochs"] == 1 and metrics["n_train"] == n_train
    assert metrics["steps"] == n_train // 32 and metrics["steps_configured"] == 1  # the steps run, whole epochs
    assert metrics["augment"] == shipped_config()["training"]["augment"]
    assert metrics["precision"] in ("float32", "bfloat16") and metrics["precision_reason"].startswith("auto: ")
    assert metrics["held_out_rmse"] == pytest.approx(history["validation_rmse"].iloc[-1])
    predictions = pd.read_parquet(out["predictions.parquet"])
    assert list(predictions.columns) == [ID_COLUMN, "role", "views", *LABEL_COLUMNS]
    tta = shipped_config()["predict"]["tta"]
    for views in (tta, 1):
        rows = predictions[predictions["views"] == views]
        oof = rows.loc[rows["role"] == OUT_OF_FOLD, ID_COLUMN].to_numpy(np.uint64)
        assert sorted(oof) == sorted(fold_ids(split, 1, held_out=True))
        assert sorted(rows.loc[rows["role"] == "test", ID_COLUMN]) == sorted(subset_ids(split, "test"))
    calibrated = predictions[ID_COLUMN].to_numpy(np.uint64)
    assert not np.isin(calibrated, fold_ids(split, 1, held_out=False)).any()  # never a galaxy it trained on
    assert np.abs(question_residuals(predictions[list(LABEL_COLUMNS)].to_numpy())).max() < 1e-5  # tree head
    model, saved = load_model(out["model.pt"])
    assert saved.geometry == GEOMETRY and metrics["n_parameters"] == sum(p.numel() for p in model.parameters())
    assert (out["model.pt"].parent / "checkpoint.pt").exists()


def test_a_stopped_fold_resumes_from_its_checkpoint(labelled_set, tmp_path):
    split = pd.read_parquet(labelled_set["split"])
    epoch = len(fold_ids(split, 0, held_out=False)) // 32
    first = pd.read_csv(train_fold(labelled_set, tmp_path, fold=0, steps=epoch)["history.csv"])
    resumed = pd.read_csv(train_fold(labelled_set, tmp_path, fold=0, steps=2 * epoch)["history.csv"])
    assert len(first) == 1 and len(resumed) == 2
    # the first epoch's row, its time included, comes from the fold's checkpoint.pt: it was not trained again
    pd.testing.assert_frame_equal(resumed.iloc[:1], first)


FOLD_FILES = (("models", "model.pt"), ("metrics", "metrics.json"), ("predictions", "predictions.parquet"))


def fake_fold_models(labelled_set, tmp_path, noise: dict[str, float]) -> dict[str, list[Path]]:
    """Fold folders of both architectures as train.py writes them: small real checkpoints, and predictions that are
    the truth plus ``noise`` of each architecture."""
    split = pd.read_parquet(labelled_set["split"])
    index = pd.read_parquet(labelled_set["index"]).set_index(ID_COLUMN)
    rng, files = np.random.default_rng(4), {"models": [], "metrics": [], "predictions": []}
    for model, scale in noise.items():
        for fold in range(n_folds(split)):
            folder = tmp_path / model / f"fold{fold}"
            folder.mkdir(parents=True)
            torch.manual_seed(fold)
            network = build_model(SMALL_CNN)
            checkpoint.save(checkpoint.Checkpoint(SMALL_CNN, GEOMETRY, network.state_dict(), {}), folder / "model.pt")
            frames = []
            for role, ids in ((OUT_OF_FOLD, fold_ids(split, fold, held_out=True)), ("test", subset_ids(split, "test"))):
                for views in (8, 1):
                    truth = index.loc[ids, list(LABEL_COLUMNS)]
                    frame = (truth + scale * rng.standard_normal(truth.shape)).reset_index()
                    frames.append(frame.assign(role=role, views=views))
            pd.concat(frames)[[ID_COLUMN, "role", "views", *LABEL_COLUMNS]].to_parquet(folder / "predictions.parquet")
            recipe = {"architecture": model, "head": "tree", "model_spec": SMALL_CNN, "steps": 2, "epochs": 1,
                      "scheduler": "none", "rotate": False, "augment": {"shift_px": 0.0, "zoom": 0.0},
                      "ema_decay": 0.0, "precision": "float32", "precision_reason": "cpu_bfloat16: false",
                      "device": "cpu", "pretrained": None}  # fmt: skip
            metrics = {**recipe, "fold": fold, "held_out_rmse": scale, "train_seconds": 1.0, "n_parameters": 10}
            (folder / "metrics.json").write_text(json.dumps(metrics))
            for key, name in (
                ("models", "model.pt"),
                ("metrics", "metrics.json"),
                ("predictions", "predictions.parquet"),
            ):
                files[key].append(folder / name)
    return files


def choose(labelled_set, tmp_path, files: dict[str, list[Path]], prefer: str) -> Path:
    """choose_architecture.py on the fold-0 models among ``files`` (fake_fold_models); its output path."""
    out = tmp_path / "architecture_choice.json"
    run_script(
        "choose_architecture.py", "--predictions", *(str(p) for p in files["predictions"] if p.parent.name == "fold0"),
        "--train-index", str(labelled_set["index"]), "--split", str(labelled_set["split"]), "--choice", str(out),
        *config_overlay(tmp_path / "prefer.yaml", {"models": {"prefer_on_tie": prefer}}),
    )  # fmt: skip
    return out


def publish(labelled_set, tmp_path, noise: dict[str, float], prefer: str) -> dict[str, Path]:
    """choose_architecture.py, then publish_best.py on the chosen architecture's fake fold models (predictions: the
    truth plus ``noise``); the output paths."""
    files = fake_fold_models(labelled_set, tmp_path, noise)
    out = {name: tmp_path / "best" / name for name in ("model.pt", "metrics.json", "oof.parquet", "calib.parquet")}
    out["choice"] = choose(labelled_set, tmp_path, files, prefer)
    chosen = json.loads(out["choice"].read_text())["chosen"]
    of_chosen = {key: [str(p) for p in paths if p.parent.parent.name == chosen] for key, paths in files.items()}
    run_script(
        "publish_best.py", "--choice", str(out["choice"]), "--models", *of_chosen["models"],
        "--metrics", *of_chosen["metrics"], "--predictions", *of_chosen["predictions"],
        "--train-index", str(labelled_set["index"]), "--split", str(labelled_set["split"]),
        "--model-pt", str(out["model.pt"]), "--best-metrics", str(out["metrics.json"]),
        "--oof-predictions", str(out["oof.parquet"]), "--calibration", str(out["calib.parquet"]),
    )  # fmt: skip
    return out


def test_the_architecture_is_chosen_on_fold_0_the_better_one_or_the_preference_on_a_tie(labelled_set, tmp_path):
    clear = json.loads(publish(labelled_set, tmp_path / "clear", {"resnet18": 0.05, "cnn": 0.02}, "resnet18")[
        "metrics.json"].read_text())  # fmt: skip
    assert clear["model"] == "best" and clear["architecture_choice"]["chosen"] == "cnn" and clear["folds"] == 2
    assert clear["architecture_choice"]["comparisons"]["resnet18"]["interval_95"][1] < 0  # RMSE(cnn) - RMSE(resnet18)
    assert clear["candidate"] == "cnn" and "mild selection" in clear["selection_note"]
    held_out = len(fold_ids(pd.read_parquet(labelled_set["split"]), 0, held_out=True))
    assert clear["architecture_choice"]["fold"] == 0 and clear["architecture_choice"]["n_galaxies"] == held_out
    assert clear["compared"]["cnn_fold0"] == pytest.approx(0.02, rel=0.1) and clear["architecture"] == "cnn"
    assert clear["compared"]["resnet18_fold0"] == pytest.approx(0.05, rel=0.1)
    assert [f["held_out_rmse"] for f in clear["per_fold"]] == [0.02, 0.02]
    assert clear["out_of_fold_rmse"] == pytest.approx(0.02, rel=0.1)
    tie = json.loads(publish(labelled_set, tmp_path / "tie", {"resnet18": 0.02, "cnn": 0.02}, "cnn")[
        "metrics.json"].read_text())  # fmt: skip
    assert tie["architecture_choice"]["chosen"] == "cnn" and tie["architecture_choice"]["reason"].startswith("tie")


def test_the_choice_reads_fold_0_only_and_publishing_refuses_the_other_architecture(labelled_set, tmp_path):
    files = fake_fold_models(labelled_set, tmp_path, {"resnet18": 0.05, "cnn": 0.02})
    with pytest.raises(ValueError, match="expected fold 0 of each"):
        run_script(
            "choose_architecture.py", "--predictions", *map(str, files["predictions"]),
            "--train-index", str(labelled_set["index"]), "--split", str(labelled_set["split"]),
            "--choice", str(tmp_path / "choice.json"),
        )  # fmt: skip
    choice = choose(labelled_set, tmp_path, files, "resnet18")
    loser = {key: [str(p) for p in paths if p.parent.parent.name == "resnet18"] for key, paths in files.items()}
    with pytest.raises(ValueError, match="of the chosen cnn"):
        run_script(
            "publish_best.py", "--choice", str(choice), "--models", *loser["models"],
            "--metrics", *loser["metrics"], "--predictions", *loser["predictions"],
            "--train-index", str(labelled_set["index"]), "--split", str(labelled_set["split"]),
            *(f"--{name}={tmp_path / name}" for name in ("model-pt", "best-metrics", "oof-predictions", "calibration")),
        )  # fmt: skip


def test_the_published_ensemble_oof_table_and_calibration_table_keep_every_fold_model_clean(labelled_set, tmp_path):
    out = publish(labelled_set, tmp_path, {"resnet18": 0.05, "cnn": 0.02}, "resnet18")
    split = pd.read_parquet(labelled_set["split"])
    model, saved = load_model(out["model.pt"])
    assert isinstance(saved, checkpoint.EnsembleCheckpoint) and len(saved.members) == 2
    assert saved.info == {"architecture": "cnn", "folds": 2}
    oof = pd.read_parquet(out["oof.parquet"])
    assert list(oof.columns) == [ID_COLUMN, "fold", *LABEL_COLUMNS]
    folds = split.set_index(ID_COLUMN).loc[oof[ID_COLUMN].to_numpy(np.uint64), "fold"].to_numpy()
    assert len(oof) == (split["subset"] == "train").sum() and np.array_equal(oof["fold"].to_numpy(), folds)
    calibration = pd.read_parquet(out["calib.parquet"])
    assert list(calibration.columns) == list(CALIBRATION_COLUMNS)
    assert calibration[ID_COLUMN].dtype == np.uint64 and calibration["fold_model"].dtype == np.int64
    truth = pd.read_parquet(labelled_set["index"]).set_index(ID_COLUMN)[MERGER_COLUMN]
    np.testing.assert_allclose(calibration["true"], truth.loc[calibration[ID_COLUMN].to_numpy(np.uint64)])
    test_ids = subset_ids(split, "test")
    for fold, rows in calibration.groupby("fold_model"):
        assert sorted(rows.loc[rows["role"] == "test", ID_COLUMN]) == sorted(test_ids)
        assert sorted(rows.loc[rows["role"] == OUT_OF_FOLD, ID_COLUMN]) == sorted(fold_ids(split, fold, True))
        trained = fold_ids(split, fold, held_out=False)
        assert not np.isin(rows[ID_COLUMN].to_numpy(np.uint64), trained).any()
    assert training_overlap(calibration, split) == {0: 0, 1: 0}
    leaked = calibration.copy()
    leaked.loc[leaked["fold_model"] == 0, ID_COLUMN] = fold_ids(split, 1, held_out=True)[
        0
    ]  # fold model 0 trained on it
    assert training_overlap(leaked, split)[0] > 0


def test_a_job_gets_only_its_slice_of_the_training_config():
    config = shipped_config()
    edited = json.loads(json.dumps(config))
    edited["models"]["candidates"]["resnet18"]["stem_stride"] = 1
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
    assert jobs[0] == jobs[1] and jobs[0].steps == config["training"]["steps"]


def test_editing_the_number_of_folds_changes_the_split_slice_only():
    config = shipped_config()
    edited = json.loads(json.dumps(config))
    edited["models"]["folds"] = 5
    for name, wildcards, changes in (
        ("split", {}, True),
        ("train", {"model": "cnn"}, False),
        ("cross_validation", {}, False),
        ("model_choice", {}, False),
        ("views", {}, False),
    ):
        cut = SLICES[name].cut
        assert (cut(config, wildcards) != cut(edited, wildcards)) == changes, name
    assert SLICES["split"].typed(SLICES["split"].cut(edited, {})).folds == 5
