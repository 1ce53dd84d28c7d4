"""The checkpoint format: a saved model loads back exactly, and every unreadable file gives one line naming it."""

import pickle
import zipfile

import pytest
import torch

from gzmorph import checkpoint
from gzmorph.checkpoint import Checkpoint, CheckpointError
from gzmorph.geometry import Geometry
from gzmorph.models import build_model, load_model

SPEC = {"architecture": "cnn", "head": "tree", "size": 16, "channels": [4], "kernel_size": 3, "fc": [8], "dropout": 0}
GEOMETRY = Geometry(crop_px=212, size=16)


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(2)
    model = build_model(SPEC).eval()
    path = tmp_path / "model.pt"
    checkpoint.save(Checkpoint(SPEC, GEOMETRY, model.state_dict(), {"run": 1}, epoch=3, validation_rmse=0.1), path)
    return model, path


def test_a_saved_model_loads_back_to_the_same_network(saved):
    model, path = saved
    loaded, content = load_model(path)
    assert not loaded.training and content.geometry == GEOMETRY and content.epoch == 3
    assert content.optimizer_state is None and content.fingerprint == {"run": 1}
    images = torch.rand(4, 3, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(loaded(images), model(images))


def garbage_files(tmp_path, saved_path) -> dict:
    zipped = tmp_path / "foreign.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x04garbage")
    cases = {
        "empty.pt": b"",
        "random.pt": bytes(range(256)) * 4,
        "utf16.pt": "GalaxyID,Class1.1\n".encode("utf-16"),
        "pickled_list.pt": pickle.dumps([1, 2, 3]),
        "truncated.pt": saved_path.read_bytes()[:300],
        "foreign.pt": zipped.read_bytes(),
    }
    paths = {}
    for name, content in cases.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(content)
    torch.save({"model_spec": SPEC, "model_state": {}}, tmp_path / "old_format.pt")
    torch.save({"format": checkpoint.FORMAT, "version": checkpoint.VERSION, "geometry": {}}, tmp_path / "damaged.pt")
    torch.save({"format": checkpoint.FORMAT, "version": 99}, tmp_path / "future.pt")
    return {**paths, **{n: tmp_path / n for n in ("old_format.pt", "damaged.pt", "future.pt")}}


def test_every_unreadable_checkpoint_gives_one_line_naming_the_file(saved, tmp_path):
    for name, path in garbage_files(tmp_path, saved[1]).items():
        with pytest.raises(CheckpointError) as error:
            load_model(path)
        message = str(error.value)
        assert message.startswith(f"{path}: ") and "\n" not in message, (name, message)


def test_weights_that_do_not_fit_the_spec_are_refused_naming_the_file(saved, tmp_path):
    model, _ = saved
    path = tmp_path / "mismatch.pt"
    checkpoint.save(Checkpoint({**SPEC, "fc": [16]}, GEOMETRY, model.state_dict(), {}), path)
    with pytest.raises(CheckpointError, match="mismatch.pt: its weights do not fit"):
        load_model(path)
