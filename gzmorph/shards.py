"""NPY image shards plus a Parquet index, and the batch loader that reads them through memory maps.

Layout of one image set (``results/data/<set>/``)::

    index.parquet        GalaxyID (uint64), shard (int32), row (int32) [, the 37 label columns (float32)]
    summary.json         sizes and the geometry (crop_px, size, field) the images were preprocessed with
    shards/shard-00000.npy   uint8 array (n, H, W, 3), images in index order

Images stay uint8 until they reach the training device; conversion to float and augmentation happen there.
"""

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gzmorph.geometry import Geometry
from gzmorph.io import atomic_path
from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS

SHARD_DIR = "shards"
OPEN_SHARDS = 4  # memory maps kept open: a pass over a large set does not keep every shard's pages resident


def shard_path(set_dir: str | os.PathLike, shard: int) -> Path:
    return Path(set_dir) / SHARD_DIR / f"shard-{shard:05d}.npy"


class ShardWriter:
    """Collects uint8 images and writes them as fixed-size NPY shards; each shard appears atomically."""

    def __init__(self, set_dir: str | os.PathLike, shard_size: int, image_shape: tuple[int, int, int]):
        self.set_dir = Path(set_dir)
        (self.set_dir / SHARD_DIR).mkdir(parents=True, exist_ok=True)
        self.shard_size = shard_size
        self.buffer = np.empty((shard_size, *image_shape), dtype=np.uint8)
        self.fill = 0
        self.shard = 0
        self.ids: list[int] = []
        self.locations: list[tuple[int, int]] = []

    def add(self, galaxy_id: int, image: np.ndarray) -> None:
        self.buffer[self.fill] = image
        self.ids.append(galaxy_id)
        self.locations.append((self.shard, self.fill))
        self.fill += 1
        if self.fill == self.shard_size:
            self._flush()

    def _flush(self) -> None:
        if self.fill == 0:
            return
        with atomic_path(shard_path(self.set_dir, self.shard)) as partial, partial.open("wb") as file:
            np.save(file, self.buffer[: self.fill])  # a file, not a path: np.save would add .npy to the name
        self.shard += 1
        self.fill = 0

    def close(self) -> pd.DataFrame:
        """Write the last shard; returns the index (GalaxyID, shard, row) in the order images were added."""
        self._flush()
        shard, row = zip(*self.locations, strict=True) if self.locations else ((), ())
        return pd.DataFrame(
            {
                ID_COLUMN: np.asarray(self.ids, dtype=np.uint64),
                "shard": np.asarray(shard, dtype=np.int32),
                "row": np.asarray(row, dtype=np.int32),
            }
        )


@dataclass
class Batch:
    ids: np.ndarray  # uint64 (B,)
    images: np.ndarray  # uint8 (B, H, W, 3)
    labels: np.ndarray | None  # float32 (B, 37), None for unlabelled sets


class ShardSet:
    """One preprocessed image set: the index in memory, the shards as read-only memory maps."""

    def __init__(self, set_dir: str | os.PathLike, index: pd.DataFrame | None = None):
        self.set_dir = Path(set_dir)
        self.index = pd.read_parquet(self.set_dir / "index.parquet") if index is None else index
        self.ids = self.index[ID_COLUMN].to_numpy(dtype=np.uint64)
        self.shard = self.index["shard"].to_numpy(dtype=np.int64)
        self.row = self.index["row"].to_numpy(dtype=np.int64)
        has_labels = all(c in self.index.columns for c in LABEL_COLUMNS)
        self.labels = self.index[list(LABEL_COLUMNS)].to_numpy(dtype=np.float32) if has_labels else None
        self._maps: dict[int, np.ndarray] = {}
        self.image_shape = self._map(int(self.shard[0])).shape[1:] if len(self.index) else None

    @classmethod
    def of_index(cls, index_path: str | os.PathLike) -> "ShardSet":
        """The set whose index.parquet is ``index_path`` (its shards and summary.json lie beside it)."""
        return cls(Path(index_path).parent)

    @property
    def geometry(self) -> Geometry:
        """The crop and size this set was preprocessed with, from the summary.json beside its index."""
        summary = json.loads((self.set_dir / "summary.json").read_text())
        return Geometry(int(summary["crop_px"]), int(summary["size"]))

    def __len__(self) -> int:
        return len(self.index)

    def _map(self, shard: int) -> np.ndarray:
        if shard not in self._maps:
            if len(self._maps) >= OPEN_SHARDS:
                del self._maps[next(iter(self._maps))]  # the oldest; its pages go when the map is dropped
            self._maps[shard] = np.load(shard_path(self.set_dir, shard), mmap_mode="r")
        return self._maps[shard]

    def subset(self, ids: np.ndarray) -> "ShardSet":
        """The same shards restricted to the given GalaxyIDs, in the given order."""
        position = pd.Series(np.arange(len(self.ids)), index=self.ids)
        missing = np.setdiff1d(ids, self.ids)
        if len(missing):
            raise KeyError(f"{len(missing)} GalaxyIDs are not in {self.set_dir}, e.g. {missing[:5].tolist()}")
        chosen = ShardSet.__new__(ShardSet)
        chosen.__dict__.update(self.__dict__)
        rows = position.loc[np.asarray(ids, dtype=np.uint64)].to_numpy()
        chosen.index = self.index.iloc[rows].reset_index(drop=True)
        chosen.ids, chosen.shard, chosen.row = self.ids[rows], self.shard[rows], self.row[rows]
        chosen.labels = None if self.labels is None else self.labels[rows]
        return chosen

    def images(self, positions: np.ndarray) -> np.ndarray:
        """uint8 images (n, H, W, 3) for the given positions in this set, gathered shard by shard."""
        positions = np.asarray(positions, dtype=np.int64)
        out = np.empty((len(positions), *self.image_shape), dtype=np.uint8)
        shards = self.shard[positions]
        order = np.argsort(shards, kind="stable")
        bounds = np.flatnonzero(np.diff(shards[order])) + 1
        for group in np.split(order, bounds):
            if len(group):
                mapped = self._map(int(shards[group[0]]))
                out[group] = mapped[self.row[positions[group]]]
        return out

    def all_images(self) -> np.ndarray:
        """Every uint8 field of this set, in its order, as one in-memory array (N, H, W, 3)."""
        return self.images(np.arange(len(self)))

    def batch(self, positions: np.ndarray) -> Batch:
        positions = np.asarray(positions, dtype=np.int64)
        labels = None if self.labels is None else self.labels[positions]
        return Batch(self.ids[positions], self.images(positions), labels)

    def batches(
        self, batch_size: int, shuffle: bool = False, rng: np.random.Generator | None = None, drop_last: bool = False
    ) -> Iterator[Batch]:
        """Yield batches over the whole set, in index order or shuffled with ``rng``."""
        order = (rng or np.random.default_rng()).permutation(len(self)) if shuffle else np.arange(len(self))
        stop = len(order) - (len(order) % batch_size if drop_last else 0)
        for start in range(0, stop, batch_size):
            yield self.batch(order[start : start + batch_size])
