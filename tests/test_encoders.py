"""timm candidates and pretrained weights from local files (gzmorph.encoders): the weights loaded are the saved ones,
the encoder's configuration decides its input, a bad file is one line naming it, and finetuning freezes the encoder
for its head steps. The weights are made here: nothing is downloaded."""

import hashlib
import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
import timm
import torch
from astropy.table import Table
from safetensors.torch import save_file
from timm.models import save_for_hf

from gzmorph import checkpoint, command
from gzmorph.encoders import PretrainedWeightsError
from gzmorph.geometry import Geometry
from gzmorph.models import build_model, resolve_spec, start_from_pretrained
from gzmorph.training import TrainingData, fit
from tests.conftest import SAMPLE_TARGET_IMAGES
from tests.scripts import config_overlay, run_script
from tests.test_training import settings

ENCODER = "test_convnext"  # timm's tiny test network (0.2 M parameters); its pretrained input is 3 x 160 x 160
VIEW = 32


def encoder_state(seed: int = 0, name: str = ENCODER, **kwargs) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    return timm.create_model(name, pretrained=False, num_classes=1000, **kwargs).state_dict()


def saved_weights(tmp_path: Path, kind: str, seed: int = 0) -> Path:
    """The weights of a seeded ENCODER as a safetensors file, a torch state_dict or a Hugging Face folder."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    if kind == "folder":
        torch.manual_seed(seed)
        model = timm.create_model(ENCODER, pretrained=False, num_classes=1000)
        save_for_hf(model, tmp_path / "hf", safe_serialization="both")  # as a Hugging Face model repository holds it
        return tmp_path / "hf"
    state = encoder_state(seed)
    if kind == "safetensors":
        save_file({k: v.contiguous() for k, v in state.items()}, tmp_path / "encoder.safetensors")
        return tmp_path / "encoder.safetensors"
    torch.save(state, tmp_path / "encoder.pth")
    return tmp_path / "encoder.pth"


def candidate(pretrained: Path | None, **keys) -> dict:
    weights = None if pretrained is None else str(pretrained)
    return {"architecture": "timm", "timm_model": ENCODER, "pretrained": weights, **keys}


@pytest.mark.parametrize("kind", ["safetensors", "torch", "folder"])
def test_the_loaded_weights_are_the_saved_ones_but_the_new_output_layer(tmp_path, kind):
    path = saved_weights(tmp_path, kind)
    spec = resolve_spec(candidate(path, input_size=VIEW), "tree", VIEW)
    model = build_model(spec)
    start_from_pretrained(model, spec)
    saved = encoder_state(0)
    loaded = model.encoder.state_dict()
    assert {k for k in saved if not k.startswith("head.fc.")} <= set(loaded)
    for key, value in saved.items():
        if not key.startswith("head.fc."):
            assert torch.equal(loaded[key], value), key
    assert loaded["head.fc.weight"].shape == (37, saved["head.fc.weight"].shape[1])  # a fresh 37-output layer
    weights = path / "model.safetensors" if kind == "folder" else path
    assert spec["pretrained"] == {"path": str(path), "sha256": hashlib.sha256(weights.read_bytes()).hexdigest()}


def test_the_encoders_configuration_decides_its_input(tmp_path):
    folder = saved_weights(tmp_path, "folder")
    config = json.loads((folder / "config.json").read_text())
    config["pretrained_cfg"].update(input_size=[1, 40, 40], mean=[0.2], std=[0.5])  # a greyscale encoder
    (folder / "config.json").write_text(json.dumps(config))
    torch.manual_seed(1)
    grey = timm.create_model(ENCODER, pretrained=False, num_classes=1000, in_chans=1)
    save_file(grey.state_dict(), folder / "model.safetensors")
    spec = resolve_spec(candidate(folder), "tree", VIEW)
    assert spec["input"] == {"channels": 1, "size": 40, "mean": [0.2], "std": [0.5]}
    model = build_model(spec)
    start_from_pretrained(model, spec)
    assert torch.equal(model.encoder.stem[0].weight, grey.stem[0].weight)
    images = torch.rand(2, 3, VIEW, VIEW)
    adapted = model.adapter(images)
    assert adapted.shape == (2, 1, 40, 40)
    expected = (torch.nn.functional.interpolate(images.mean(1, keepdim=True), size=40, mode="bilinear") - 0.2) / 0.5
    assert torch.allclose(adapted, expected, atol=1e-6)
    assert model.eval()(images).shape == (2, 37)
    finetune = {"head_steps": 5, "encoder_lr": 1e-4}
    scratch = resolve_spec(candidate(None, finetune=finetune), "tree", VIEW)  # random weights: the view, RGB, no
    assert scratch["input"]["size"] == VIEW and scratch["input"]["channels"] == 3  # finetuning schedule
    assert scratch["pretrained"] is None and scratch["finetune"] is None
    assert resolve_spec(candidate(saved_weights(tmp_path, "torch")), "tree", VIEW)["input"]["size"] == 160


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda d: d / "absent.safetensors", "no such file or folder"),
        (lambda d: (d / "weights.txt").write_text("x") and d / "weights.txt", "not a weights file"),
        (lambda d: (d / "bad.safetensors").write_bytes(b"\x00" * 64) and d / "bad.safetensors", "not a readable"),
        (lambda d: (d / "empty").mkdir() or d / "empty", "without config.json"),
    ],
)
def test_a_missing_or_unreadable_file_is_one_line_naming_it(tmp_path, make, expected):
    path = make(tmp_path)
    with pytest.raises(PretrainedWeightsError) as error:
        spec = resolve_spec(candidate(path), "tree", VIEW)
        start_from_pretrained(build_model(spec), spec)
    message = str(error.value)
    assert str(path) in message and expected in message and "\n" not in message


def test_weights_of_another_network_do_not_fit_and_say_so(tmp_path):
    other = tmp_path / "resnet.safetensors"
    save_file({k: v.contiguous() for k, v in encoder_state(0, "test_resnet").items()}, other)
    spec = resolve_spec(candidate(other, input_size=VIEW), "tree", VIEW)
    with pytest.raises(PretrainedWeightsError, match="does not fit timm model test_convnext") as error:
        start_from_pretrained(build_model(spec), spec)
    assert str(other) in str(error.value) and "\n" not in str(error.value)
    folder = saved_weights(tmp_path, "folder")
    with pytest.raises(PretrainedWeightsError, match="config.json is for timm model 'test_convnext'"):
        resolve_spec({**candidate(folder), "timm_model": "test_resnet"}, "tree", VIEW)


def test_finetuning_trains_the_head_alone_for_its_head_steps(tmp_path, sample_train_set):
    path = saved_weights(tmp_path, "safetensors")
    images, labels = sample_train_set.all_images(), sample_train_set.labels
    data = TrainingData(images[:64], labels[:64], images[64:96], labels[64:96])
    geometry = Geometry(crop_px=212, size=VIEW)
    saved = encoder_state(0)
    for head_steps, encoder_moves in ((4, False), (1, True)):
        finetune = {"head_steps": head_steps, "encoder_lr": 1e-3}
        spec = resolve_spec(candidate(path, input_size=VIEW, finetune=finetune), "tree", VIEW)
        result = fit(spec, settings(steps=4, batch_size=16), data, geometry, torch.device("cpu"), progress=False)
        encoder = result.model.encoder.state_dict()
        stem_moved = not torch.equal(encoder["stem.0.weight"], saved["stem.0.weight"])
        assert stem_moved == encoder_moves, head_steps
        assert not np.isnan(result.validation_rmse)
    groups = result.checkpoint.model_spec["finetune"]
    assert groups == {"head_steps": 1, "encoder_lr": 1e-3}


@pytest.mark.parametrize("kind", ["safetensors", "folder"])
def test_a_fold_model_finetunes_from_local_weights_and_its_checkpoint_predicts_without_them(
    kind, labelled_set, tmp_path, caplog
):
    weights = saved_weights(tmp_path / "weights", kind)
    finetune = {"head_steps": 3, "encoder_lr": 1e-4}
    zoo = candidate(weights, input_size=VIEW, finetune=finetune)
    overrides = {"models": {"candidates": {"zoo": zoo}}, "training": {"steps": 6, "bn_recalibration_images": 64}}
    out = {name: tmp_path / "zoo" / "fold0" / name for name in ("model.pt", "history.csv", "metrics.json", "p.parquet")}
    with caplog.at_level(logging.INFO):
        run_script(
            "train.py", "--train-index", str(labelled_set["index"]), "--split", str(labelled_set["split"]),
            "--model", "zoo", "--fold", "0", "--model-pt", str(out["model.pt"]), "--history", str(out["history.csv"]),
            "--metrics", str(out["metrics.json"]), "--predictions", str(out["p.parquet"]), "--threads", "1",
            *config_overlay(tmp_path / "zoo.yaml", overrides),
        )  # fmt: skip
    assert "optimizer step 0: the output layer alone" in caplog.text and "optimizer step 3: every layer" in caplog.text
    file = weights / "model.safetensors" if kind == "folder" else weights
    recorded = {"path": str(weights), "sha256": hashlib.sha256(file.read_bytes()).hexdigest()}
    metrics = json.loads(out["metrics.json"].read_text())
    assert metrics["pretrained"] == recorded and metrics["architecture"] == "timm"
    assert checkpoint.load(out["model.pt"]).model_spec["pretrained"] == recorded
    shutil.rmtree(tmp_path / "weights")  # the checkpoint holds every weight: prediction needs no weights file
    catalogue = tmp_path / "zoo.ecsv"
    assert command.main(["predict", str(SAMPLE_TARGET_IMAGES), "--model", str(out["model.pt"]), "--out", str(catalogue),
                         "--tta", "2", "--threads", "1"]) == 0  # fmt: skip
    table = Table.read(catalogue)
    assert len(table) == 200 and np.isfinite(np.asarray(table["Class8.6"])).all()
