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

from gzmorph.archives import DataError, Skipped, iter_named_images, skip
from gzmorph.augment import to_device_batch
from gzmorph.catalogue import catalogue_frame
from gzmorph.geometry import DIHEDRAL, Geometry
from gzmorph.labels import LABEL_COLUMNS, MERGER_COLUMN, N_LABELS
from gzmorph.models import Ensemble
from gzmorph.preprocess import decode_items
from gzmorph.shards import ShardSet

log = logging.getLogger(__name__)

MERGER_INDEX = LABEL_COLUMNS.index(MERGER_COLUMN)


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


def autocast(device: torch.device, cpu_bfloat16: bool = False):
    """bf16 autocast on CUDA; on the CPU only with ``cpu_bfloat16`` (faster only where the CPU has bfloat16
    instructions: training passes its job's resolved ``training.cpu_bfloat16``, gzmorph.precision; prediction stays
    float32 and exact)."""
    enabled = training_precision(device, cpu_bfloat16) == "bfloat16"
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=enabled)


def training_precision(device: torch.device | str, cpu_bfloat16: bool) -> str:
    """The dtype the network's passes run in: bfloat16 on CUDA, on the CPU only with ``cpu_bfloat16``."""
    return "bfloat16" if torch.device(device).type == "cuda" or cpu_bfloat16 else "float32"


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
    mean, spread, _ = _predict(model, fields, size, device, tta, batch_size, members=False)
    return mean, spread


@torch.no_grad()
def predict_members(
    ensemble: Ensemble,
    fields: np.ndarray | torch.Tensor,
    size: int,
    device: torch.device | str,
    tta: int = 1,
    batch_size: int = 256,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As :func:`predict_with_spread` for an ensemble (the mean of its members, and the spread of that mean over the
    views), plus each member's TTA-averaged prediction (members, N, 37), from one pass over the images."""
    return _predict(ensemble, fields, size, device, tta, batch_size, members=True)


def _predict(model, fields, size, device, tta, batch_size, members: bool):
    tta, device = check_tta(tta), torch.device(device)
    was_training = model.training
    model.eval()
    means, spreads, member_means = [], [], []
    for start in range(0, len(fields), batch_size):
        view = to_device_batch(fields[start : start + batch_size], device, size, rotate=False)
        with autocast(device):
            outputs = [_outputs(model, dihedral(view, index), members).float() for index in range(tta)]
        per_member = torch.stack(outputs).mean(dim=0)  # (members, B, 37): each member over the views
        views = torch.stack([output.mean(dim=0) for output in outputs])  # (views, B, 37): the mean of the members
        means.append(per_member.mean(dim=0).cpu())
        spreads.append(views.std(dim=0, correction=0).cpu())
        member_means.append(per_member.cpu())
    model.train(was_training)
    if not means:
        empty = np.empty((0, N_LABELS), dtype=np.float32)
        return empty, empty, np.empty((len(model.members) if members else 1, 0, N_LABELS), dtype=np.float32)
    return torch.cat(means).numpy(), torch.cat(spreads).numpy(), torch.cat(member_means, dim=1).numpy()


def _outputs(model: nn.Module, batch: torch.Tensor, members: bool) -> torch.Tensor:
    """(members, B, 37): each member's output, or the model's own as one member."""
    return model.member_outputs(batch) if members else model(batch)[None]


def predict_shards(
    model: nn.Module,
    shard_set: ShardSet,
    device: torch.device | str,
    tta: int = 1,
    batch_size: int = 256,
    positions: np.ndarray | None = None,
) -> Iterator[pd.DataFrame]:
    """Catalogue rows with their TTA spread, one frame per batch, for ``positions`` of a ShardSet (default: all, in
    index order); an :class:`Ensemble` adds each member's merger vote (``Class8.6_fold<k>``)."""
    positions = np.arange(len(shard_set)) if positions is None else np.asarray(positions, dtype=np.int64)
    size = shard_set.geometry.size
    with tqdm(total=len(positions), desc="predict", unit="img", mininterval=2.0) as bar:
        for start in range(0, len(positions), batch_size):
            batch = shard_set.batch(positions[start : start + batch_size])
            yield catalogue_rows(model, batch.ids, batch.images, size, device, tta, batch_size)
            bar.update(len(batch.ids))


def catalogue_rows(model: nn.Module, ids, fields, size: int, device, tta: int, batch_size: int) -> pd.DataFrame:
    """One catalogue frame: the TTA mean and spread, and for an ensemble each member's merger vote."""
    if not isinstance(model, Ensemble):
        return catalogue_frame(ids, *predict_with_spread(model, fields, size, device, tta, batch_size))
    mean, spread, members = predict_members(model, fields, size, device, tta, batch_size)
    return catalogue_frame(ids, mean, spread, members[:, :, MERGER_INDEX])


ImageSources = str | os.PathLike | Iterable[str | os.PathLike]  # a directory, archive or image file, or several


def image_sources(images: ImageSources) -> list[str | os.PathLike]:
    """One path, or a list of paths, as a list."""
    return [images] if isinstance(images, str | os.PathLike) else list(images)


def decoded_batches(
    images: ImageSources, geometry: Geometry, batch_size: int, workers: int = 1, skipped: Skipped | None = None
) -> Iterator[tuple[list, np.ndarray]]:
    """(IDs, uint8 fields (B, F, F, 3)) of every JPEG or PNG that ``iter_named_images`` reads; an ID is the file stem.

    Decoding runs in ``workers`` processes, as in preprocessing. Every file not read (one that is not a JPEG or PNG,
    an image that fails to decode) is logged with its reason and added to ``skipped``. DataError when nothing could be
    decoded, so an empty or wholly broken input never yields an empty catalogue.
    """
    sources = image_sources(images)
    skipped = [] if skipped is None else skipped
    ids: list[str] = []
    fields = np.empty((batch_size, geometry.field, geometry.field, 3), dtype=np.uint8)
    decoded = 0
    for item in decode_items(iter_named_images(sources, skipped), geometry, workers):
        if item.field is None:
            skip(skipped, item.member, f"cannot be decoded ({item.error})")
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
    skipped: Skipped | None = None,
) -> Iterator[pd.DataFrame]:
    """Catalogue rows with their TTA spread, one frame per batch, for every JPEG or PNG in a directory, archive or
    list of image files (in reading order); the ID column holds the file stems (``catalogue.id_array``). The files
    not read (other files, images that fail to decode) are logged and added to ``skipped`` with the reason."""
    check_tta(tta)
    with tqdm(desc="predict", unit="img", mininterval=2.0) as bar:
        for ids, fields in decoded_batches(images, geometry, batch_size, workers, skipped):
            yield catalogue_rows(model, ids, fields, geometry.size, device, tta, batch_size)
            bar.update(len(ids))


def check_shard_geometry(shard_set: ShardSet, geometry: Geometry) -> None:
    """Refuse shards preprocessed with another crop or size than the model was trained with."""
    if shard_set.geometry != geometry:
        raise ValueError(
            f"{shard_set.set_dir}: images were preprocessed as {shard_set.geometry}, the model expects {geometry}"
        )
