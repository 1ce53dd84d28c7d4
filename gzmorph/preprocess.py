"""Preprocess: decode each JPEG at reduced scale, keep the stored field, write uint8 NPY shards and the index.

The archive is read once, as a stream; decoding runs in a process pool fed a bounded number of chunks at a time,
so peak memory depends on the chunk size and the number of workers, not on the number of images.
"""

import logging
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import UnidentifiedImageError
from tqdm import tqdm

from gzmorph.archives import DataError, iter_images
from gzmorph.geometry import Geometry, ImageTooLarge, decode_field
from gzmorph.labels import ID_COLUMN
from gzmorph.shards import ShardWriter

log = logging.getLogger(__name__)

CHUNK = 128  # images per task sent to a decoding worker


@dataclass
class Decoded:
    galaxy_id: int | str  # a GalaxyID, or the file stem of an image to predict for
    member: str
    field: np.ndarray | None
    error: str | None


def reject_reason(error: Exception) -> str:
    """A plain reason for an image that failed to decode, the same on every run.

    Pillow's own message for an unidentified image holds the address of an in-memory file object.
    """
    if isinstance(error, UnidentifiedImageError):
        return "not a readable JPEG or PNG image (cannot identify image format)"
    if isinstance(error, ImageTooLarge):
        return str(error)
    if str(error).lower().startswith(("image file is truncated", "truncated file read")):
        return "truncated JPEG"
    return f"cannot decode the image: {error}"


def _decode_chunk(task: tuple[Geometry, list[tuple[int | str, str, bytes]]]) -> list[Decoded]:
    geometry, items = task
    out = []
    for galaxy_id, member, data in items:
        try:
            out.append(Decoded(galaxy_id, member, decode_field(data, geometry), None))
        except (OSError, ValueError, SyntaxError) as error:
            out.append(Decoded(galaxy_id, member, None, reject_reason(error)))
    return out


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def decode_stream(images: str, geometry: Geometry, wanted: set[int] | None, workers: int) -> Iterator[Decoded]:
    """Decoded fields of the ``wanted`` GalaxyIDs of an archive or directory, in archive order."""
    return decode_items(iter_images(images, wanted), geometry, workers)


def decode_items(items: Iterable[tuple[int | str, str, bytes]], geometry: Geometry, workers: int) -> Iterator[Decoded]:
    """Decoded fields of (id, member, image bytes) items, in order; at most ``2 * workers`` chunks are in flight.

    Workers are forked: spawning would re-run the calling script (a Snakemake script has no __main__ guard).
    """
    tasks = ((geometry, chunk) for chunk in _chunks(items, CHUNK))
    if workers <= 1:
        for task in tasks:
            yield from _decode_chunk(task)
        return
    with get_context("fork").Pool(workers) as pool:
        pending: deque = deque()
        for task in tasks:
            pending.append(pool.apply_async(_decode_chunk, (task,)))
            if len(pending) >= 2 * workers:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


def preprocess(
    members: pd.DataFrame,
    images: str,
    out_dir: str,
    geometry: Geometry,
    shard_size: int,
    workers: int,
    max_reject_fraction: float,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Write the shards under ``out_dir``; returns (index, rejects, summary).

    ``members`` is the ingest table: GalaxyID, member and, for a labelled set, the 37 labels, which are carried
    into the index. Raises DataError if more than ``max_reject_fraction`` of the images fail to decode.
    """
    start = time.perf_counter()
    index, rejects = _write_shards(members, images, out_dir, geometry, shard_size, workers)
    seconds = time.perf_counter() - start
    fraction = len(rejects) / len(members)
    if fraction > max_reject_fraction:
        raise DataError(
            f"{images}: {len(rejects)} of {len(members)} images ({fraction:.1%}) failed to decode, more than the "
            f"allowed {max_reject_fraction:.1%} (ingest.max_reject_fraction); first: {rejects.iloc[0].to_dict()}"
        )
    index = index.merge(members.drop(columns="member"), on=ID_COLUMN, how="left", validate="one_to_one")
    summary = _summary(images, index, len(rejects), geometry, seconds, workers)
    log.info("%d images -> %d shards in %.1f s (%.0f images/s), %d rejected", len(index), summary["n_shards"],
             seconds, summary["images_per_second"], len(rejects))  # fmt: skip
    return index, rejects, summary


def _write_shards(
    members: pd.DataFrame, images: str, out_dir: str, geometry: Geometry, shard_size: int, workers: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decode every member into the shards; returns the shard index and the rejected images with their reasons."""
    writer = ShardWriter(out_dir, shard_size, (geometry.field, geometry.field, 3))
    rejects = []
    wanted = set(int(i) for i in members[ID_COLUMN])
    stream = decode_stream(images, geometry, wanted, workers)
    for item in tqdm(stream, total=len(members), unit="img", desc=f"preprocess {Path(images).name}", mininterval=2):
        if item.field is None:
            rejects.append((item.galaxy_id, item.member, item.error))
        else:
            writer.add(item.galaxy_id, item.field)
    rejected = pd.DataFrame(rejects, columns=[ID_COLUMN, "member", "reason"]).astype({ID_COLUMN: np.uint64})
    return writer.close(), rejected


def _summary(images: str, index: pd.DataFrame, n_rejected: int, geometry: Geometry, seconds: float, workers: int):
    return {
        "images": str(images),
        "n_images": len(index),
        "n_rejected": n_rejected,
        "n_shards": int(index["shard"].max()) + 1 if len(index) else 0,
        "crop_px": geometry.crop_px,
        "size": geometry.size,
        "field": geometry.field,
        "field_px": round(geometry.field_px, 2),
        "original_shape": [424, 424, 3],
        "reduction_factor": round(geometry.reduction_factor(), 2),
        "seconds": round(seconds, 2),
        "images_per_second": round((len(index) + n_rejected) / seconds, 1),
        "workers": workers,
    }
