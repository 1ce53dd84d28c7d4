"""The prediction catalogue: GalaxyID plus the 37 vote fractions (and, in Parquet, their per-galaxy spread), or the
Kaggle submission CSV.

Written frame by frame as predictions arrive, to a temporary file renamed into place at the end, so memory stays flat
and an interrupted run never leaves a truncated catalogue under the final name. Needs no deep-learning framework.
"""

import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from gzmorph.io import atomic_path
from gzmorph.labels import ID_COLUMN, KAGGLE_HEADER, LABEL_COLUMNS, MERGER_COLUMN, N_LABELS

log = logging.getLogger(__name__)


SPREAD_COLUMNS: tuple[str, ...] = tuple(f"{c}_std" for c in LABEL_COLUMNS)


def member_merger_column(fold: int) -> str:
    """The catalogue column of fold model ``fold``'s own merger vote, e.g. Class8.6_fold0."""
    return f"{MERGER_COLUMN}_fold{fold}"


def catalogue_frame(
    ids: np.ndarray,
    predictions: np.ndarray,
    spread: np.ndarray | None = None,
    member_mergers: np.ndarray | None = None,
) -> pd.DataFrame:
    """GalaxyID (uint64) plus the 37 predicted columns (float32), in Kaggle column order; with ``spread``, the
    per-galaxy standard deviation of each prediction follows as ``<column>_std``; with ``member_mergers`` (members,
    N), each fold model's merger vote as ``Class8.6_fold<k>``."""
    frame = pd.DataFrame(np.asarray(predictions, dtype=np.float32).reshape(-1, N_LABELS), columns=list(LABEL_COLUMNS))
    frame.insert(0, ID_COLUMN, np.asarray(ids, dtype=np.uint64))
    if spread is not None:
        spread_frame = pd.DataFrame(np.asarray(spread, dtype=np.float32), columns=list(SPREAD_COLUMNS))
        frame = pd.concat([frame, spread_frame], axis=1)
    if member_mergers is not None:
        for fold, votes in enumerate(np.asarray(member_mergers, dtype=np.float32)):
            frame[member_merger_column(fold)] = votes
    return frame


def kaggle_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The Kaggle submission columns of a catalogue frame (GalaxyID and the 37 vote fractions), in order."""
    missing = [c for c in KAGGLE_HEADER if c not in frame.columns]
    if missing:
        raise ValueError(f"catalogue lacks the columns {missing}")
    return frame[list(KAGGLE_HEADER)]


def output_format(path: str | os.PathLike) -> str:
    """ "csv" or "parquet" from the file name; ValueError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"{path}: output must end in .csv (Kaggle submission format) or .parquet")
    return suffix[1:]


def write_catalogue(frames: Iterable[pd.DataFrame], path: str | os.PathLike) -> int:
    """Append catalogue frames to ``path`` (.parquet with every column, or .csv in the Kaggle submission format:
    GalaxyID and the 37 vote fractions); returns the row count."""
    kind = output_format(path)
    rows, started = 0, time.perf_counter()
    with atomic_path(path) as partial:
        writer = None
        for frame in frames:
            if kind == "csv":
                kaggle_columns(frame).to_csv(
                    partial, mode="a" if rows else "w", header=not rows, index=False, float_format="%.6f"
                )
            else:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                writer = writer or pq.ParquetWriter(partial, table.schema)
                writer.write_table(table)
            rows += len(frame)
        if writer is not None:
            writer.close()
        if rows == 0:
            _write_empty(partial, kind)
    seconds = time.perf_counter() - started
    log.info("wrote %d galaxies to %s in %.1f s (%.1f galaxies/s)", rows, path, seconds, rows / max(seconds, 1e-9))
    return rows


def _write_empty(path: Path, kind: str) -> None:
    empty = catalogue_frame(np.empty(0), np.empty((0, N_LABELS)))
    if kind == "csv":
        empty.to_csv(path, index=False)
    else:
        empty.to_parquet(path, index=False)
