"""Prediction: crafted JPEG folders/archives with known ids through scripts/predict.py, exact dihedral TTA, the
scatter-gather scripts on a tiny shard set, and atomic catalogue writing."""

import json
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image
from torch import nn

from gzmorph import checkpoint as checkpoints
from gzmorph.archives import DataError
from gzmorph.catalogue import SPREAD_COLUMNS, catalogue_frame, write_catalogue
from gzmorph.checkpoint import Checkpoint, EnsembleCheckpoint
from gzmorph.geometry import Geometry, decode_field
from gzmorph.inference import (
    DIHEDRAL,
    check_tta,
    dihedral,
    predict,
    predict_images,
    predict_shards,
    predict_with_spread,
)
from gzmorph.labels import ID_COLUMN, KAGGLE_HEADER, LABEL_COLUMNS
from gzmorph.models import build_model, load_model
from gzmorph.shards import ShardSet, ShardWriter
from tests.scripts import CONFIG, config_overlay, run_script

ROOT = Path(__file__).resolve().parents[1]
GEOMETRY = Geometry(crop_px=212, size=16)
SPEC = {
    "architecture": "cnn",
    "head": "sigmoid",
    "size": 16,
    "channels": [4],
    "kernel_size": 3,
    "fc": [8],
    "dropout": 0,
}
IDS = [100018, 5, 117213, 999999999999, 42]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    model = build_model(SPEC)
    path = tmp_path_factory.mktemp("model") / "best.pt"
    checkpoints.save(Checkpoint(SPEC, GEOMETRY, model.state_dict(), fingerprint={}), path)
    return path


def shard_set_of(jpeg_dir: Path, folder: Path) -> Path:
    """The JPEGs of ``jpeg_dir`` preprocessed into a shard set in ``folder``, as the workflow writes it."""
    writer = ShardWriter(folder, shard_size=2, image_shape=(GEOMETRY.field, GEOMETRY.field, 3))
    for galaxy_id in IDS:
        writer.add(galaxy_id, decode_field((jpeg_dir / f"{galaxy_id}.jpg").read_bytes(), GEOMETRY))
    writer.close().to_parquet(folder / "index.parquet")
    (folder / "summary.json").write_text(json.dumps({"crop_px": GEOMETRY.crop_px, "size": GEOMETRY.size}))
    return folder / "index.parquet"


@pytest.fixture(scope="module")
def jpeg_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("images") / "images_test_rev1"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for galaxy_id in IDS:
        pixels = rng.integers(0, 256, (424, 424, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{galaxy_id}.jpg", quality=90)
    (folder / "README.txt").write_text("not an image")
    return folder


def test_predict_script_writes_kaggle_csv_and_parquet_with_exact_ids(checkpoint, jpeg_dir, tmp_path):
    archive = tmp_path / "images.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(jpeg_dir, arcname=jpeg_dir.name)
    config = config_overlay(tmp_path / "tta1.yaml", {"predict": {"tta": 1}})
    model_option = ["--model", str(checkpoint), *config]
    run_script("predict.py", *model_option, "--images", str(jpeg_dir), "--out", str(tmp_path / "c.csv"))
    run_script("predict.py", *model_option, "--images", str(archive), "--out", str(tmp_path / "c.parquet"))

    with open(tmp_path / "c.csv") as f:
        assert tuple(f.readline().strip().split(",")) == KAGGLE_HEADER
    csv = pd.read_csv(tmp_path / "c.csv")
    parquet = pd.read_parquet(tmp_path / "c.parquet")
    assert tuple(csv.columns) == KAGGLE_HEADER and tuple(parquet.columns) == (*KAGGLE_HEADER, *SPREAD_COLUMNS)
    assert (parquet[list(SPREAD_COLUMNS)].to_numpy() == 0).all()  # one view: no spread
    for table in (csv, parquet):
        assert sorted(table[ID_COLUMN].astype(np.int64)) == sorted(IDS)
        values = table[list(LABEL_COLUMNS)].to_numpy()
        assert np.all((values >= 0) & (values <= 1))
    assert parquet[ID_COLUMN].dtype == np.uint64
    by_id = parquet.set_index(ID_COLUMN).loc[csv[ID_COLUMN].to_numpy(np.uint64), list(LABEL_COLUMNS)].to_numpy()
    np.testing.assert_allclose(csv[list(LABEL_COLUMNS)].to_numpy(), by_id, atol=1e-6)

    model, _ = load_model(checkpoint)
    fields = np.stack([decode_field((jpeg_dir / f"{i}.jpg").read_bytes(), GEOMETRY) for i in IDS])
    direct = pd.DataFrame(predict(model, fields, GEOMETRY.size, "cpu"), columns=list(LABEL_COLUMNS), index=IDS)
    np.testing.assert_allclose(parquet.set_index(ID_COLUMN).loc[IDS, list(LABEL_COLUMNS)], direct, atol=1e-6)


def test_predict_script_refuses_unknown_suffix(checkpoint, jpeg_dir, tmp_path):
    with pytest.raises(ValueError, match=r"c\.txt: output must end in \.csv"):
        run_script(
            "predict.py", "--model", str(checkpoint), "--images", str(jpeg_dir), "--out", str(tmp_path / "c.txt")
        )
    assert not (tmp_path / "c.txt").exists()


def test_the_eight_dihedral_transforms_are_distinct_and_exact():
    image = torch.arange(3 * 5 * 5, dtype=torch.float32).reshape(1, 3, 5, 5)
    outputs = [dihedral(image, k) for k in range(len(DIHEDRAL))]
    flat = {tuple(o.flatten().tolist()) for o in outputs}
    assert len(flat) == 8
    assert torch.equal(outputs[0], image)
    numpy_group = {
        tuple(np.rot90(np.flip(a, axis=2) if f else a, k, axes=(1, 2)).flatten().tolist())
        for a in [image[0].numpy()]
        for k in range(4)
        for f in (False, True)
    }
    assert flat == numpy_group


class MeanBrightness(nn.Module):
    """Rotation- and flip-invariant: a function of the per-channel means only."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 37)

    def forward(self, x):
        return torch.sigmoid(self.linear(x.mean(dim=(2, 3))))


class CornerPixel(nn.Module):
    """Not invariant: reads the top-left pixel."""

    def forward(self, x):
        return x[:, :, 0, 0].mean(dim=1, keepdim=True).expand(-1, 37)


def test_tta_leaves_invariant_model_unchanged_and_averages_exactly():
    rng = np.random.default_rng(2)
    fields = rng.integers(0, 256, (4, 24, 24, 3), dtype=np.uint8)
    invariant = MeanBrightness()
    np.testing.assert_allclose(
        predict(invariant, fields, 16, "cpu", 8), predict(invariant, fields, 16, "cpu", 1), atol=1e-6
    )

    view = fields[:, 4:20, 4:20, :].astype(np.float64) / 255
    corners = [view[:, 0, 0], view[:, 0, -1], view[:, -1, -1], view[:, -1, 0]]  # the 4 corners: all 8 transforms
    expected = np.mean([c.mean(axis=1) for c in corners], axis=0)  # each corner reached by one rotation and one flip
    got, spread = predict_with_spread(CornerPixel(), fields, 16, "cpu", 8)
    np.testing.assert_allclose(got[:, 0], expected, atol=1e-6)
    corner_values = np.array([c.mean(axis=1) for c in corners])  # each of the 4 reached by 2 of the 8 views
    np.testing.assert_allclose(spread[:, 0], corner_values.std(axis=0), atol=1e-6)
    got = got[:, 0]
    assert not np.allclose(got, predict(CornerPixel(), fields, 16, "cpu", 1)[:, 0])
    for bad in (0, 9):
        with pytest.raises(ValueError, match="tta"):
            check_tta(bad)


def test_images_from_archive_match_images_from_shards(checkpoint, jpeg_dir, tmp_path):
    model, _ = load_model(checkpoint)
    index = shard_set_of(jpeg_dir, tmp_path / "target")
    shards = pd.concat(list(predict_shards(model, ShardSet.of_index(index), "cpu", tta=4, batch_size=2)))
    raw = pd.concat(list(predict_images(model, jpeg_dir, GEOMETRY, "cpu", tta=4, batch_size=3)))
    assert shards[ID_COLUMN].tolist() == IDS
    pd.testing.assert_frame_equal(
        shards.set_index(ID_COLUMN).sort_index(), raw.set_index(ID_COLUMN).sort_index(), atol=1e-6
    )


def test_scatter_gather_scripts_reproduce_one_pass(checkpoint, jpeg_dir, tmp_path):
    index = shard_set_of(jpeg_dir, tmp_path / "target")
    plan = tmp_path / "plan.json"
    config = config_overlay(tmp_path / "chunks.yaml", {"predict": {"chunk_size": 3, "tta": 2}})
    run_script("plan_prediction_chunks.py", "--target-index", str(index), "--plan", str(plan), *config)
    assert json.loads(plan.read_text()) == {"n_images": 5, "chunk_size": 3, "n_chunks": 2}
    chunks = []
    for chunk in range(2):
        chunks.append(str(tmp_path / f"chunks/{chunk:05d}.parquet"))
        run_script("predict_chunk.py", "--model", str(checkpoint), "--target-index", str(index), "--plan", str(plan),
                   "--predictions", chunks[-1], "--chunk", str(chunk), *config)  # fmt: skip
    out = tmp_path / "catalogue"
    run_script("gather_predictions.py", "--chunks", *chunks, "--plan", str(plan),
               "--parquet", f"{out}.parquet", "--csv", f"{out}.csv")  # fmt: skip
    gathered = pd.read_parquet(f"{out}.parquet")
    model, _ = load_model(checkpoint)
    one_pass = pd.concat(list(predict_shards(model, ShardSet.of_index(index), "cpu", tta=2)))
    pd.testing.assert_frame_equal(gathered.reset_index(drop=True), one_pass.reset_index(drop=True), atol=1e-6)
    assert tuple(pd.read_csv(f"{out}.csv").columns) == KAGGLE_HEADER
    assert gathered[list(SPREAD_COLUMNS)].to_numpy().max() > 0  # two views disagree somewhere


def test_interrupted_catalogue_leaves_no_file(tmp_path):
    def frames():
        yield catalogue_frame([1, 2], np.full((2, 37), 0.5))
        raise RuntimeError("disk full")

    for name in ("c.csv", "c.parquet"):
        with pytest.raises(RuntimeError):
            write_catalogue(frames(), tmp_path / name)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_an_undecodable_jpeg_is_skipped_and_named(checkpoint, jpeg_dir, tmp_path, caplog, workers):
    folder = tmp_path / "images"
    shutil.copytree(jpeg_dir, folder)
    (folder / "999.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    model, _ = load_model(checkpoint)
    skipped = []
    with caplog.at_level("WARNING"):
        rows = pd.concat(list(predict_images(model, folder, GEOMETRY, "cpu", 1, 3, workers, skipped)))
    assert sorted(rows[ID_COLUMN]) == sorted(IDS)
    assert f"skipped {folder / '999.jpg'}: cannot be decoded (" in caplog.text
    assert {(Path(where).name, reason.split(" (")[0]) for where, reason in skipped} == {
        ("999.jpg", "cannot be decoded"),
        ("README.txt", "not a JPEG or PNG image"),
    }


def test_predicting_an_empty_folder_fails_naming_it(checkpoint, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.txt").write_text("no images here")
    with pytest.raises(DataError, match="empty: no JPEG or PNG images"):
        run_script("predict.py", "--model", str(checkpoint), "--images", str(tmp_path / "empty"),
                   "--out", str(tmp_path / "c.csv"), "--configfile", str(CONFIG))  # fmt: skip
    assert not (tmp_path / "c.csv").exists()


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory) -> Path:
    """An ensemble checkpoint of two differently seeded fold models."""
    members = []
    for seed in (1, 2):
        torch.manual_seed(seed)
        members.append(Checkpoint(SPEC, GEOMETRY, build_model(SPEC).state_dict(), fingerprint={}))
    path = tmp_path_factory.mktemp("ensemble") / "best.pt"
    checkpoints.save_ensemble(EnsembleCheckpoint(members, {"architecture": "cnn", "folds": 2}), path)
    return path


def test_an_ensemble_catalogue_holds_the_mean_its_spread_and_each_fold_models_merger_vote(ensemble, jpeg_dir, tmp_path):
    index = shard_set_of(jpeg_dir, tmp_path / "target")
    model, _ = load_model(ensemble)
    rows = pd.concat(list(predict_shards(model, ShardSet.of_index(index), "cpu", tta=4, batch_size=2)))
    assert list(rows.columns) == [*KAGGLE_HEADER, *SPREAD_COLUMNS, "Class8.6_fold0", "Class8.6_fold1"]
    fields = ShardSet.of_index(index).all_images()
    mean, spread = predict_with_spread(model, fields, 16, "cpu", 4)  # the ensemble as one model: unchanged TTA
    np.testing.assert_allclose(rows[list(LABEL_COLUMNS)], mean, atol=1e-6)
    np.testing.assert_allclose(rows[list(SPREAD_COLUMNS)], spread, atol=1e-6)
    for fold, member in enumerate(model.members):
        alone = predict(member, fields, 16, "cpu", 4)[:, LABEL_COLUMNS.index("Class8.6")]
        np.testing.assert_allclose(rows[f"Class8.6_fold{fold}"], alone, atol=1e-6)
    np.testing.assert_allclose(rows[["Class8.6_fold0", "Class8.6_fold1"]].mean(axis=1), rows["Class8.6"], atol=1e-6)
    out = tmp_path / "c.csv"
    write_catalogue([rows], out)
    assert tuple(pd.read_csv(out).columns) == KAGGLE_HEADER  # the Kaggle file leaves the fold columns out
