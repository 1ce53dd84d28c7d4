"""Predicting the 37 vote fractions for image sets of any size: from preprocessed shards or straight from JPEGs.

Images stream through in batches and each batch's predictions are appended to the output catalogue as they come,
so memory stays flat however many images there are. Test-time augmentation (TTA) averages the model over the
first ``tta`` of the eight dihedral transforms of the network view (rotations by multiples of 90 degrees, with and
without a mirror flip): these move pixels exactly, with no interpolation, so ``tta=1`` is the plain prediction.
"""

import json
import logging
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from torch import nn
from tqdm import tqdm

from gzmorph.augment import to_device_batch
from gzmorph.geometry import Geometry
from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS, N_LABELS
from gzmorph.preprocess import decode_stream
from gzmorph.shards import ShardSet

log = logging.getLogger(__name__)

# (quarter turns, mirror) for each of the 8 symmetries of a square; index 0 is the identity.
DIHEDRAL: tuple[tuple[int, bool], ...] = tuple((k, flip) for flip in (False, True) for k in range(4))


def dihedral(batch: torch.Tensor, index: int) -> torch.Tensor:
    """Transform ``index`` (0-7) of DIHEDRAL applied to images (B, C, H, W): mirror left-right, then rotate."""
    quarter_turns, flip = DIHEDRAL[index]
    if flip:
        batch = torch.flip(batch, dims=(3,))
    return torch.rot90(batch, quarter_turns, dims=(2, 3))


def check_tta(tta: int) -> int:
    if not 1 <= int(tta) <= len(DIHEDRAL):
        raise ValueError(f"tta must be between 1 and {len(DIHEDRAL)} (the dihedral transforms), got {tta}")
    return int(tta)


@torch.no_grad()
def predict(model: nn.Module, fields: np.ndarray, size: int, device: torch.device | str, tta: int = 1) -> np.ndarray:
    """Vote fractions (B, 37) float32 for uint8 fields (B, F, F, 3): the central ``size`` pixels, TTA-averaged."""
    tta = check_tta(tta)
    if len(fields) == 0:
        return np.empty((0, N_LABELS), dtype=np.float32)
    view = to_device_batch(fields, device, size, rotate=False)
    total = model(view).float()
    for index in range(1, tta):
        total = total + model(dihedral(view, index)).float()
    return (total / tta).cpu().numpy()


def catalogue_frame(ids: np.ndarray, predictions: np.ndarray) -> pd.DataFrame:
    """GalaxyID (uint64) plus the 37 predicted columns (float32), in Kaggle column order."""
    frame = pd.DataFrame(np.asarray(predictions, dtype=np.float32), columns=list(LABEL_COLUMNS))
    frame.insert(0, ID_COLUMN, np.asarray(ids, dtype=np.uint64))
    return frame


def predict_shards(
    model: nn.Module,
    shard_set: ShardSet,
    size: int,
    device: torch.device | str,
    tta: int = 1,
    batch_size: int = 256,
    positions: np.ndarray | None = None,
) -> Iterator[pd.DataFrame]:
    """Catalogue rows, one frame per batch, for ``positions`` of a ShardSet (default: all, in index order)."""
    positions = np.arange(len(shard_set)) if positions is None else np.asarray(positions, dtype=np.int64)
    if len(positions) and shard_set.image_shape[0] < size:
        raise ValueError(f"{shard_set.set_dir}: stored fields are {shard_set.image_shape[0]} px, smaller than {size}")
    with tqdm(total=len(positions), desc="predict", unit="img", mininterval=2.0) as bar:
        for start in range(0, len(positions), batch_size):
            batch = shard_set.batch(positions[start : start + batch_size])
            yield catalogue_frame(batch.ids, predict(model, batch.images, size, device, tta))
            bar.update(len(batch.ids))


def decoded_batches(
    source: str | os.PathLike, geometry: Geometry, batch_size: int, workers: int = 1
) -> Iterator[tuple[list, np.ndarray]]:
    """(GalaxyIDs, uint8 fields (B, F, F, 3)) from any archive or directory ``iter_images`` reads.

    Decoding runs in ``workers`` processes, as in preprocessing; a JPEG that fails to decode is skipped and logged
    with its member name and reason.
    """
    ids: list[int] = []
    fields = np.empty((batch_size, geometry.field, geometry.field, 3), dtype=np.uint8)
    for item in decode_stream(str(source), geometry, None, workers):
        if item.field is None:
            log.warning("%s: skipped %s, which cannot be decoded (%s)", source, item.member, item.error)
            continue
        fields[len(ids)] = item.field
        ids.append(item.galaxy_id)
        if len(ids) == batch_size:
            yield ids, fields
            ids, fields = [], np.empty_like(fields)
    if ids:
        yield ids, fields[: len(ids)]


def predict_images(
    model: nn.Module,
    source: str | os.PathLike,
    geometry: Geometry,
    device: torch.device | str,
    tta: int = 1,
    batch_size: int = 256,
    workers: int = 1,
) -> Iterator[pd.DataFrame]:
    """Catalogue rows, one frame per batch, for every <GalaxyID>.jpg in an archive or directory (archive order)."""
    with tqdm(desc="predict", unit="img", mininterval=2.0) as bar:
        for ids, fields in decoded_batches(source, geometry, batch_size, workers):
            yield catalogue_frame(ids, predict(model, fields, geometry.size, device, tta))
            bar.update(len(ids))


def checkpoint_geometry(checkpoint: dict, path: str | os.PathLike) -> Geometry:
    """The crop and size a model was trained with, from its checkpoint."""
    geometry = checkpoint.get("geometry")
    if not geometry or "crop_px" not in geometry or "size" not in geometry:
        raise ValueError(f"{path}: checkpoint has no 'geometry' with crop_px and size")
    return Geometry(int(geometry["crop_px"]), int(geometry["size"]))


def check_shard_geometry(shard_set: ShardSet, geometry: Geometry) -> None:
    """Refuse shards preprocessed with another crop or size than the model was trained with."""
    summary_path = shard_set.set_dir / "summary.json"
    stored = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    field = shard_set.image_shape[0] if shard_set.image_shape else geometry.field
    found = {
        "crop_px": stored.get("crop_px", geometry.crop_px),
        "size": stored.get("size", geometry.size),
        "field": field,
    }
    wanted = {"crop_px": geometry.crop_px, "size": geometry.size, "field": geometry.field}
    if found != wanted:
        raise ValueError(f"{shard_set.set_dir}: images were preprocessed as {found}, the model expects {wanted}")


def output_format(path: str | os.PathLike) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"{path}: output must end in .csv (Kaggle submission format) or .parquet")
    return suffix[1:]


def write_catalogue(frames: Iterable[pd.DataFrame], path: str | os.PathLike) -> int:
    """Append catalogue frames to ``path`` (.csv: Kaggle header; .parquet) atomically; returns the row count.

    Rows go to ``<path>.partial`` as they arrive and the file is renamed into place at the end, so an interrupted
    run never leaves a truncated catalogue under the final name. Logs the throughput in images/s.
    """
    path = Path(path)
    kind = output_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    rows, started = 0, time.perf_counter()
    writer = None
    try:
        for frame in frames:
            if kind == "csv":
                frame.to_csv(partial, mode="a" if rows else "w", header=not rows, index=False, float_format="%.6f")
            else:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                writer = writer or pq.ParquetWriter(partial, table.schema)
                writer.write_table(table)
            rows += len(frame)
        if writer is not None:
            writer.close()
        if rows == 0:
            empty = catalogue_frame([], np.empty((0, N_LABELS)))
            if kind == "csv":
                empty.to_csv(partial, index=False)
            else:
                empty.to_parquet(partial, index=False)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    seconds = time.perf_counter() - started
    log.info("wrote %d galaxies to %s in %.1f s (%.1f galaxies/s)", rows, path, seconds, rows / max(seconds, 1e-9))
    return rows
