"""The Python interface for notebooks: a trained model and your own images in, a table out.

    import gzmorph
    model = gzmorph.load_model("results/models/best/model.pt")
    table = gzmorph.predict(model, "cutouts/")  # pandas.DataFrame, one row per image, index = ID (the file stem)
    table[["Class1.1", "Class8.6"]].rename(columns=gzmorph.labels.READABLE_NAMES)
    gzmorph.write_catalogue(table, "cutouts.fits")  # units, descriptions and the model's identity in the header

Images are JPEG or PNG files of any name and size, in a folder, a .zip/.tar/.tar.gz archive, or a list of files;
they must have the Galaxy Zoo 2 pixel scale (``gzmorph.command.PIXEL_SCALE``). Other files (FITS frames, notes) and
images that fail to decode are skipped, logged and listed with the reason in ``table.attrs["skipped"]``. The
``gzmorph predict`` command runs exactly these functions.
"""

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from gzmorph import __version__
from gzmorph.archives import Skipped
from gzmorph.catalogue import P_MERGER, CatalogueError, ColumnInfo, id_array, member_merger_column
from gzmorph.catalogue import write_catalogue as write_frames
from gzmorph.checkpoint import CheckpointError
from gzmorph.geometry import Geometry
from gzmorph.inference import ImageSources, check_tta, predict_images
from gzmorph.labels import ID_COLUMN, MERGER_COLUMN
from gzmorph.mergers.per_fold_model import p_merger
from gzmorph.models import load_model as load_network
from gzmorph.settings import Predict

SKIPPED = "skipped"  # the key of table.attrs listing the files not read: (file, reason)
PREDICT_DEFAULTS = Predict()  # the workflow's predict section, whose defaults the API and the command share


@dataclass(frozen=True)
class Model:
    """A trained network with what predicting needs: the view it was trained on, and its identity for catalogues."""

    network: nn.Module
    geometry: Geometry
    path: Path
    sha256: str
    device: torch.device


def load_model(path: str | os.PathLike, device: torch.device | str | None = None) -> Model:
    """The checkpoint at ``path`` (e.g. the workflow's ``results/models/best/model.pt``) in eval mode, on ``device``
    (default: the first GPU if there is one, else the CPU); CheckpointError naming the file if it is not one."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path}: is a folder; give the model file, e.g. {path / 'model.pt'}")
    if not path.is_file():
        raise CheckpointError(f"{path}: no such model file")
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    network, saved = load_network(path, device)
    return Model(network, saved.geometry, path.resolve(), _sha256(path), torch.device(device))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def predict(
    model: Model,
    images: ImageSources,
    tta: int = PREDICT_DEFAULTS.tta,
    batch_size: int = PREDICT_DEFAULTS.batch_size,
    workers: int = 1,
) -> pd.DataFrame:
    """The 37 predicted vote fractions and their ``_std`` spread over ``tta`` augmented views (1-8), one row per
    image of a folder, archive or list of image files, indexed by ID: the file stem, as an integer when every
    stem is one. ``table.attrs`` holds the metadata that ``write_catalogue`` puts in a FITS or ECSV header, and
    under ``"skipped"`` the files not read, as (file, reason) pairs (a FITS file, a text file, a broken image)."""
    check_tta(tta)
    skipped: Skipped = []
    frames = predict_images(model.network, images, model.geometry, model.device, tta, batch_size, workers, skipped)
    table = pd.concat(list(frames), ignore_index=True)
    table[ID_COLUMN] = id_array(table[ID_COLUMN])
    table = table.set_index(ID_COLUMN)
    table.attrs.update(metadata(model, tta), **{SKIPPED: skipped})
    return table


def add_merger_probability(table: pd.DataFrame, curves_path: str | os.PathLike) -> pd.DataFrame:
    """``table`` (from :func:`predict`) with ``p_merger``: each galaxy's calibrated probability of being a true
    merger, from the workflow's ``results/tables/merger_calibration_curves.json`` of the same model (one curve per
    fold model, applied to that fold model's ``Class8.6_fold<k>``; a single model's to ``Class8.6``)."""
    curves = np.asarray(json.loads(Path(curves_path).read_text())["curves"], dtype=np.float64)
    columns = [member_merger_column(k) for k in range(len(curves))]
    if len(curves) == 1 and columns[0] not in table:
        columns = [MERGER_COLUMN]
    members = sum(c.startswith(f"{MERGER_COLUMN}_fold") for c in table.columns) or 1
    if members != len(curves) or any(c not in table for c in columns):
        raise CatalogueError(f"{curves_path}: {len(curves)} calibration curves, but the model has {members} members")
    return table.assign(**{P_MERGER: p_merger(curves, table[columns].to_numpy(np.float64))})


def metadata(model: Model, tta: int) -> dict[str, str | int]:
    """What produced a catalogue, as FITS keywords: the model file and its SHA-256, its view, the TTA count, the
    gzmorph version and the date."""
    return {
        "MODEL": str(model.path),
        "MODELSHA": model.sha256,
        "CROPPX": model.geometry.crop_px,
        "SIZEPX": model.geometry.size,
        "TTA": tta,
        "GZMORPH": __version__,
        "DATE": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_catalogue(
    table: pd.DataFrame,
    path: str | os.PathLike,
    readable_names: bool = False,
    extra: dict[str, ColumnInfo] | None = None,
) -> int:
    """Write a table from :func:`predict` to .csv (the Kaggle columns), .parquet, .fits or .ecsv (units,
    descriptions, ``table.attrs`` as header metadata); ``extra`` describes columns you added. The log line of the
    catalogue names the files :func:`predict` skipped. Returns the row count."""
    header = {key: value for key, value in table.attrs.items() if key != SKIPPED}
    skipped = table.attrs.get(SKIPPED, [])
    return write_frames([table.reset_index()], path, header, readable_names, extra, skipped)
