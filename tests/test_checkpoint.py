"""The checkpoint format: a saved model loads back exactly, and every unreadable file gives one line naming it."""

import pickle
import zipfile

import pytest
import torch

from gzmorph import checkpoint
from gzmorph.checkpoint import Checkpoint, CheckpointError, EnsembleCheckpoint
from gzmorph.geometry import Geometry
from gzmorph.models import Ensemble, build_model, load_model

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


def ensemble_file(tmp_path, members: int = 3):
    """An ensemble checkpoint of ``members`` differently seeded networks, and the networks."""
    networks = []
    for seed in range(members):
        torch.manual_seed(seed)
        networks.append(build_model(SPEC).eval())
    saved = [Checkpoint(SPEC, GEOMETRY, n.state_dict(), {"fold": k}, epoch=2) for k, n in enumerate(networks)]
    path = tmp_path / "best.pt"
    checkpoint.save_ensemble(EnsembleCheckpoint(saved, {"architecture": "cnn", "folds": members}), path)
    return path, networks


def test_an_ensemble_round_trips_and_its_forward_is_the_mean_of_its_members(tmp_path):
    path, networks = ensemble_file(tmp_path)
    loaded, content = load_model(path)
    assert isinstance(loaded, Ensemble) and not loaded.training and len(loaded.members) == 3
    assert content.info == {"architecture": "cnn", "folds": 3} and content.geometry == GEOMETRY
    assert [m.fingerprint for m in content.members] == [{"fold": 0}, {"fold": 1}, {"fold": 2}]
    images = torch.rand(5, 3, 16, 16)
    with torch.no_grad():
        each = torch.stack([n(images) for n in networks])
        torch.testing.assert_close(loaded.member_outputs(images), each)
        torch.testing.assert_close(loaded(images), each.mean(dim=0))
    assert not torch.allclose(each[0], each[1])  # the members differ, so the mean is a real average


def test_a_damaged_or_future_ensemble_gives_one_line_naming_the_file(tmp_path):
    path, _ = ensemble_file(tmp_path, members=2)
    content = torch.load(path, weights_only=True)
    cases = {
        "future.pt": {**content, "version": 99},
        "no_members.pt": {**content, "members": []},
        "damaged.pt": {**content, "members": [{"geometry": {}}]},
        "mixed.pt": {
            **content,
            "members": [content["members"][0], {**content["members"][1], "geometry": {"crop_px": 100, "size": 16}}],
        },  # fmt: skip
    }
    for name, broken in cases.items():
        torch.save(broken, tmp_path / name)
        with pytest.raises(CheckpointError) as error:
            load_model(tmp_path / name)
        assert str(error.value).startswith(f"{tmp_path / name}: ") and "\n" not in str(error.value), name
