"""Predicting the 37 vote fractions for image sets of any size: from preprocessed shards or straight from images.

Images stream through in batches and each batch's predictions are passed on as they come (to
``gzmorph.catalogue.write_catalogue``), so memory stays flat however many images there are. Test-time augmentation
(TTA) averages the model over the first ``tta`` of the eight dihedral transforms of the network view (rotations by
multiples of 90 degrees, with and without a mirror flip): these move pixels exactly, with no interpolation, so
``tta=1`` is the plain prediction.
"""

import logging
import os
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm import tqdm

from gzmorph.archives import DataError, iter_named_images
from gzmorph.augment import to_device_batch
from gzmorph.catalogue import catalogue_frame
from gzmorph.geometry import Geometry
from gzmorph.labels import N_LABELS
from gzmorph.preprocess import decode_items
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


def autocast(device: torch.device):
    """bf16 autocast on CUDA; a no-op on the CPU, where float32 is both faster and exact."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


@torch.no_grad()
def predict(
    model: nn.Module,
    fields: np.ndarray | torch.Tensor,
    size: int,
    device: torch.device | str,
    tta: int = 1,
    batch_size: int = 256,
) -> np.ndarray:
    """Vote fractions (N, 37) float32 for uint8 fields (N, F, F, 3): the central ``size`` pixels, in eval mode,
    averaged over the first ``tta`` dihedral transforms."""
    return predict_with_spread(model, fields, size, device, tta, batch_size)[0]


@torch.no_grad()
def predict_with_spread(
    model: nn.Module,
    fields: np.ndarray | torch.Tensor,
    size: int,
    device: torch.device | str,
    tta: int = 1,
    batch_size: int = 256,
) -> tuple[np.ndarray, np.ndarray]:
    """The TTA-averaged vote fractions (N, 37) and their standard deviation over the ``tta`` views (zero for
    ``tta=1``), a per-galaxy uncertainty of the prediction. The model's train/eval mode is restored afterwards."""
    tta, device = check_tta(tta), torch.device(device)
    was_training = model.training
    model.eval()
    means, spreads = [], []
    for start in range(0, len(fields), batch_size):
        view = to_device_batch(fields[start : start + batch_size], device, size, rotate=False)
        with autocast(device):
            views = [model(dihedral(view, index)).float() for index in range(tta)]
        total = views[0]
        for other in views[1:]:
            total = total + other
        means.append((total / tta).cpu())
        spreads.append(torch.stack(views).std(dim=0, correction=0).cpu())
    model.train(was_training)
    if not means:
        return np.empty((0, N_LABELS), dtype=np.float32), np.empty((0, N_LABELS), dtype=np.float32)
    return torch.cat(means).numpy(), torch.cat(spreads).numpy()


def predict_shards(
    model: nn.Module,
    shard_set: ShardSet,
    device: torch.device | str,
    tta: int = 1,
    batch_size: int = 256,
    positions: np.ndarray | None = None,
) -> Iterator[pd.DataFrame]:
    """Catalogue rows with their TTA spread, one frame per batch, for ``positions`` of a ShardSet (default: all, in
    index order)."""
    positions = np.arange(len(shard_set)) if positions is None else np.asarray(positions, dtype=np.int64)
    size = shard_set.geometry.size
    with tqdm(total=len(positions), desc="predict", unit="img", mininterval=2.0) as bar:
        for start in range(0, len(positions), batch_size):
            batch = shard_set.batch(positions[start : start + batch_size])
            yield catalogue_frame(batch.ids, *predict_with_spread(model, batch.images, size, device, tta, batch_size))
            bar.update(len(batch.ids))


ImageSources = str | os.PathLike | Iterable[str | os.PathLike]  # a directory, archive or image file, or several


def image_sources(images: ImageSources) -> list[str | os.PathLike]:
    """One path, or a list of paths, as a list."""
    return [images] if isinstance(images, str | os.PathLike) else list(images)


def decoded_batches(
    images: ImageSources, geometry: Geometry, batch_size: int, workers: int = 1
) -> Iterator[tuple[list, np.ndarray]]:
    """(IDs, uint8 fields (B, F, F, 3)) of every JPEG or PNG that ``iter_named_images`` reads; an ID is the file stem.

    Decoding runs in ``workers`` processes, as in preprocessing; an image that fails to decode is skipped and logged
    with its file name and reason. DataError when nothing could be decoded, so an empty or wholly broken input
    never yields an empty catalogue.
    """
    sources = image_sources(images)
    ids: list[str] = []
    fields = np.empty((batch_size, geometry.field, geometry.field, 3), dtype=np.uint8)
    decoded = 0
    for item in decode_items(iter_named_images(sources), geometry, workers):
        if item.field is None:
            log.warning("skipped %s, which cannot be decoded (%s)", item.member, item.error)
            continue
        fields[len(ids)] = item.field
        ids.append(item.galaxy_id)
        decoded += 1
        if len(ids) == batch_size:
            yield ids, fields
            ids, fields = [], np.empty_like(fields)
    if ids:
        yield ids, fields[: len(ids)]
    if decoded == 0:
        raise DataError(f"{', '.join(map(str, sources))}: no image could be decoded; nothing to predict")


def predict_images(
    model: nn.Module,
    images: ImageSources,
    geometry: Geometry,
    device: torch.device | str,
    tta: int = 1,
    batch_size: int = 256,
    workers: int = 1,
) -> Iterator[pd.DataFrame]:
    """Catalogue rows with their TTA spread, one frame per batch, for every JPEG or PNG in a directory, archive or
    list of image files (in reading order); the ID column holds the file stems (``catalogue.id_array``)."""
    check_tta(tta)
    with tqdm(desc="predict", unit="img", mininterval=2.0) as bar:
        for ids, fields in decoded_batches(images, geometry, batch_size, workers):
            yield catalogue_frame(ids, *predict_with_spread(model, fields, geometry.size, device, tta, batch_size))
            bar.update(len(ids))


def check_shard_geometry(shard_set: ShardSet, geometry: Geometry) -> None:
    """Refuse shards preprocessed with another crop or size than the model was trained with."""
    if shard_set.geometry != geometry:
        raise ValueError(
            f"{shard_set.set_dir}: images were preprocessed as {shard_set.geometry}, the model expects {geometry}"
        )
