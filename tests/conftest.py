"""Shared fixtures: the shipped real sample, and small image sets crafted in temporary folders."""

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from gzmorph.geometry import Geometry
from gzmorph.ingest import ingest
from gzmorph.io import write_json
from gzmorph.labels import LABEL_COLUMNS, MERGER_COLUMN
from gzmorph.preprocess import preprocess
from gzmorph.shards import ShardSet
from gzmorph.split import labelled_split

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
SAMPLE_TRAIN_IMAGES = SAMPLE / "training_images.tar.gz"
SAMPLE_TRAIN_LABELS = SAMPLE / "training_classifications.csv"
SAMPLE_TARGET_IMAGES = SAMPLE / "test_images.tar.gz"


@pytest.fixture(scope="session")
def workflow():
    """The workflow as Snakemake parses it (its rules; nothing runs, no DAG is built)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings, StorageSettings

    cwd = os.getcwd()
    try:
        with SnakemakeApi(OutputSettings()) as api:
            yield api.workflow(
                resource_settings=ResourceSettings(),
                config_settings=ConfigSettings(),
                storage_settings=StorageSettings(),
                snakefile=REPO / "Snakefile",
                workdir=REPO,
            )._workflow
    finally:
        os.chdir(cwd)


def jpeg_bytes(array: np.ndarray, quality: int = 95) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def sample_train_set(tmp_path_factory) -> ShardSet:
    """The shipped labelled sample, preprocessed with the default geometry into shards of 128 images, with the
    index and summary.json beside them as the preprocess rule writes them."""
    out = tmp_path_factory.mktemp("sample_train")
    members = ingest(str(SAMPLE_TRAIN_IMAGES), str(SAMPLE_TRAIN_LABELS))
    index, _, summary = preprocess(members, str(SAMPLE_TRAIN_IMAGES), str(out), Geometry(212, 48), 128, 1, 0.0)
    index.to_parquet(out / "index.parquet")
    write_json(summary, out / "summary.json")
    return ShardSet(out)


@pytest.fixture(scope="session")
def labelled_set(sample_train_set, tmp_path_factory) -> dict[str, Path]:
    """The shipped sample's shard set, with a 20 % test subset and 2 folds, as the split rule makes them."""
    out = tmp_path_factory.mktemp("split")
    is_merger = sample_train_set.labels[:, LABEL_COLUMNS.index(MERGER_COLUMN)] >= 0.4
    labelled_split(sample_train_set.ids, is_merger, 0.2, 0, 2, 0).to_parquet(out / "split.parquet")
    return {"index": sample_train_set.set_dir / "index.parquet", "split": out / "split.parquet"}


@pytest.fixture(scope="session")
def sample_labels() -> pd.DataFrame:
    from gzmorph.archives import read_labels

    return read_labels(SAMPLE_TRAIN_LABELS)
