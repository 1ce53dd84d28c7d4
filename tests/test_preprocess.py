import os
import subprocess
import sys

import numpy as np
import pytest

from gzmorph.archives import DataError
from gzmorph.geometry import Geometry, decode_field
from gzmorph.ingest import ingest
from gzmorph.preprocess import preprocess
from gzmorph.shards import ShardSet
from tests.conftest import REPO, jpeg_bytes
from tests.test_ingest import row, write_csv, write_tar


def crafted_set(tmp_path, n_good=5, n_corrupt=1):
    rng = np.random.default_rng(0)
    pictures = {i: rng.integers(0, 255, (424, 424, 3), dtype=np.uint8) for i in range(1, n_good + 1)}
    members = {f"set/{i}.jpg": jpeg_bytes(p) for i, p in pictures.items()}
    for k in range(n_corrupt):
        members[f"set/{900 + k}.jpg"] = b"\xff\xd8\xff\xe0 this is not a JPEG"
    images = write_tar(tmp_path / "imgs.tar.gz", members)
    labels = write_csv(
        tmp_path / "labels.csv", [row(i, i / 10 if i < 900 else 0.9) for i in [*pictures, *range(900, 900 + n_corrupt)]]
    )
    return str(images), str(labels), members


@pytest.mark.parametrize("workers", [1, 2])
def test_shards_index_and_rejects(tmp_path, workers):
    images, labels, members = crafted_set(tmp_path)
    geometry = Geometry(212, 48)
    index, rejects, summary = preprocess(
        ingest(images, labels), images, str(tmp_path / "out"), geometry, 2, workers, 0.2
    )
    assert rejects["GalaxyID"].tolist() == [900]
    assert "set/900.jpg" in rejects["member"].tolist() and rejects["reason"].str.len().min() > 5
    assert index["GalaxyID"].tolist() == [1, 2, 3, 4, 5]
    assert index["shard"].tolist() == [0, 0, 1, 1, 2] and index["row"].tolist() == [0, 1, 0, 1, 0]
    assert index["Class1.1"].tolist() == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])
    assert summary["reduction_factor"] >= 30 and summary["n_rejected"] == 1 and summary["field"] == 68
    index.to_parquet(tmp_path / "out" / "index.parquet")
    shards = ShardSet(tmp_path / "out")
    for position, galaxy_id in enumerate(index["GalaxyID"]):
        expected = decode_field(members[f"set/{galaxy_id}.jpg"], geometry)
        np.testing.assert_array_equal(shards.images(np.array([position]))[0], expected)


def test_too_many_rejects_stop_the_run(tmp_path):
    images, labels, _ = crafted_set(tmp_path, n_good=3, n_corrupt=2)
    with pytest.raises(DataError, match=r"imgs.tar.gz: 2 of 5 images \(40.0%\) failed to decode.*max_reject_fraction"):
        preprocess(ingest(images, labels), images, str(tmp_path / "out"), Geometry(212, 48), 4, 1, 0.1)


def test_peak_memory_does_not_grow_with_the_number_of_images(tmp_path):
    """The decode stream holds a bounded number of chunks: the pool's input is pulled lazily."""
    from gzmorph import preprocess as module

    pulled = []

    def counting(source, wanted=None):
        for k in range(5000):
            pulled.append(k)
            yield k, f"{k}.jpg", b"x"

    original = module.iter_images
    module.iter_images = counting
    try:
        stream = module.decode_stream("unused", Geometry(212, 48), set(), workers=2)
        next(stream)
        assert len(pulled) <= (2 * 2 + 1) * module.CHUNK  # 2 * workers chunks in flight, plus the one being read
    finally:
        module.iter_images = original


def run_script(name: str, *arguments) -> subprocess.CompletedProcess:
    """A script of scripts/ run by hand from the repository root, as its docstring shows."""
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, f"scripts/{name}.py", *map(str, arguments)],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_ingest_and_preprocess_by_hand_take_their_settings_from_the_config_files(tmp_path):
    images, labels, _ = crafted_set(tmp_path, n_good=3, n_corrupt=0)
    out = tmp_path / "data" / "train"
    ingested = run_script(
        "ingest", "--imageset", "train", "--images", images, "--labels", labels, "--members", out / "members.parquet"
    )
    assert ingested.returncode == 0, ingested.stderr
    overlay = tmp_path / "small.yaml"
    overlay.write_text("preprocess: {size: 32, shard_size: 2}\n")
    outputs = {name: out / name for name in ("index.parquet", "shards", "rejects.csv", "summary.json")}
    preprocessed = run_script(
        "preprocess",
        *("--imageset", "train", "--members", out / "members.parquet", "--images", images),
        *("--index", outputs["index.parquet"], "--shards", outputs["shards"]),
        *("--rejects", outputs["rejects.csv"], "--summary", outputs["summary.json"]),
        *("--configfile", "config.yaml", overlay, "--threads", 1),
    )
    assert preprocessed.returncode == 0, preprocessed.stderr
    shards = ShardSet.of_index(outputs["index.parquet"])
    assert shards.geometry == Geometry(212, 32)  # crop_px from config.yaml, size from the overlay
    assert len(shards) == 3 and shards.shard.tolist() == [0, 0, 1]  # shard_size 2 from the overlay
    assert shards.image_shape == (Geometry(212, 32).field, Geometry(212, 32).field, 3)


def test_preprocess_by_hand_refuses_shards_elsewhere_than_beside_the_index(tmp_path):
    done = run_script(
        "preprocess",
        *(
            "--imageset",
            "train",
            "--members",
            "m.parquet",
            "--images",
            "i.tar.gz",
            "--index",
            tmp_path / "index.parquet",
        ),
        *("--shards", tmp_path / "elsewhere", "--rejects", "r.csv", "--summary", "s.json", "--log", tmp_path / "p.log"),
    )
    assert done.returncode == 1
    assert f"shards go to {tmp_path / 'shards'}" in (tmp_path / "p.log").read_text()
