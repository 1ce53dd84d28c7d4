"""The prediction catalogue: the ID plus the 37 vote fractions and their per-galaxy spread, as CSV (the Kaggle
submission columns), Parquet, or FITS / ECSV through astropy Tables with a unit and a description for every column and
the run's metadata in the header, for TOPCAT and astropy users.

CSV and Parquet are written frame by frame as predictions arrive, so memory stays flat; FITS and ECSV are built in
memory. Every format goes to a temporary file renamed into place at the end, so an interrupted run never leaves a
truncated catalogue under the final name (and an existing one is replaced whole). Needs no deep-learning framework.

Each column's unit and description come from :func:`column_info`: the ID, the 37 answers (their question and answer
from ``gzmorph.labels``), their ``_std`` spread over the test-time augmentation views and ensemble members'
``_fold<k>`` values, and ``p_merger``. Any other column (a derived quantity of your own) is passed to
:func:`write_catalogue` in ``extra`` with its own :class:`ColumnInfo`; a FITS or ECSV column without one is refused.
"""

import logging
import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from astropy.io import fits
from astropy.table import Table

from gzmorph.archives import MAX_ID, Skipped, describe_skipped
from gzmorph.io import atomic_path
from gzmorph.labels import ID_COLUMN, KAGGLE_HEADER, LABEL_COLUMNS, MERGER_COLUMN, N_LABELS, READABLE_NAMES, describe

log = logging.getLogger(__name__)


P_MERGER = "p_merger"  # the calibrated merger probability (gzmorph.mergers.per_fold_model.p_merger)
SPREAD_COLUMNS: tuple[str, ...] = tuple(f"{c}_std" for c in LABEL_COLUMNS)
FORMATS: dict[str, str] = {".csv": "csv", ".parquet": "parquet", ".fits": "fits", ".ecsv": "ecsv"}
_MEMBER = re.compile(r"(?P<label>.+)_fold(?P<fold>\d+)")


class CatalogueError(ValueError):
    """A catalogue that cannot be written as asked; the message names the file or column."""


@dataclass(frozen=True)
class ColumnInfo:
    unit: str | None  # an astropy unit string: "" for a dimensionless quantity, None for a column without a unit
    description: str


def id_array(ids: Iterable) -> np.ndarray:
    """IDs as uint64 when every one is a non-negative integer, given as a number or as its plain decimal text (a
    file stem such as ``587722981741363294``); otherwise all as text, so that ``NGC 4038`` or ``007`` keep their exact
    spelling."""
    texts = [str(i) for i in ids]
    if all(t.isascii() and t.isdigit() and str(int(t)) == t and int(t) <= MAX_ID for t in texts):
        return np.array([int(t) for t in texts], dtype=np.uint64)
    return np.array(texts, dtype=object)


def member_merger_column(fold: int) -> str:
    """The catalogue column of fold model ``fold``'s own merger vote, e.g. Class8.6_fold0."""
    return f"{MERGER_COLUMN}_fold{fold}"


def catalogue_frame(
    ids: Iterable,
    predictions: np.ndarray,
    spread: np.ndarray | None = None,
    member_mergers: np.ndarray | None = None,
) -> pd.DataFrame:
    """The ID (``id_array``) plus the 37 predicted columns (float32), in Kaggle column order; with ``spread``, the
    per-galaxy standard deviation of each prediction follows as ``<column>_std``; with ``member_mergers`` (members,
    N), each fold model's merger vote as ``Class8.6_fold<k>``."""
    frame = pd.DataFrame(np.asarray(predictions, dtype=np.float32).reshape(-1, N_LABELS), columns=list(LABEL_COLUMNS))
    frame.insert(0, ID_COLUMN, id_array(ids))
    if spread is not None:
        spread_frame = pd.DataFrame(np.asarray(spread, dtype=np.float32), columns=list(SPREAD_COLUMNS))
        frame = pd.concat([frame, spread_frame], axis=1)
    if member_mergers is not None:
        for fold, votes in enumerate(np.asarray(member_mergers, dtype=np.float32)):
            frame[member_merger_column(fold)] = votes
    return frame


def column_info(column: str, extra: Mapping[str, ColumnInfo] | None = None) -> ColumnInfo:
    """Unit and description of a catalogue column; CatalogueError for a column that is neither known nor in
    ``extra``."""
    if extra and column in extra:
        return extra[column]
    if column == ID_COLUMN:
        return ColumnInfo(None, "image ID: the file name without its suffix (the GalaxyID for Galaxy Zoo images)")
    if column in LABEL_COLUMNS:
        return ColumnInfo("", f"{describe(column)}: predicted fraction of all volunteers giving this answer")
    if column.endswith("_std") and column[: -len("_std")] in LABEL_COLUMNS:
        label = column[: -len("_std")]
        return ColumnInfo("", f"{describe(label)}: standard deviation of the prediction over the augmented views")
    if column == P_MERGER:
        what = f"volunteer {MERGER_COLUMN} at or above the workflow's mergers.true_threshold"
        return ColumnInfo("", f"calibrated probability of a true merger ({what}), the mean over fold models")
    member = _MEMBER.fullmatch(column)
    if member and member["label"] in LABEL_COLUMNS:
        return ColumnInfo("", f"{describe(member['label'])}: prediction of ensemble member (fold) {member['fold']}")
    raise CatalogueError(f"catalogue column {column!r} has no unit or description; pass it in extra")


def readable_name(column: str) -> str:
    """``Class8.6`` -> ``odd_merger``, ``Class8.6_std`` -> ``odd_merger_std`` (``labels.READABLE_NAMES``); others
    as they are."""
    for label in LABEL_COLUMNS:
        if column == label or column.startswith(label + "_"):
            return READABLE_NAMES[label] + column[len(label) :]
    return column


def kaggle_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The Kaggle submission columns of a catalogue frame (GalaxyID and the 37 vote fractions), in order."""
    missing = [c for c in KAGGLE_HEADER if c not in frame.columns]
    if missing:
        raise ValueError(f"catalogue lacks the columns {missing}")
    return frame[list(KAGGLE_HEADER)]


def output_format(path: str | os.PathLike) -> str:
    """ "csv", "parquet", "fits" or "ecsv" from the file name; CatalogueError for anything else."""
    kind = FORMATS.get(Path(path).suffix.lower())
    if kind is None:
        raise CatalogueError(f"{path}: output must end in {', '.join(FORMATS)} (the suffix picks the format)")
    return kind


def write_catalogue(
    frames: Iterable[pd.DataFrame],
    path: str | os.PathLike,
    metadata: Mapping[str, str | int | float] | None = None,
    readable_names: bool = False,
    extra: Mapping[str, ColumnInfo] | None = None,
    skipped: Skipped | None = None,
) -> int:
    """Write catalogue frames to ``path``; returns the row count.

    .csv: the Kaggle submission columns (the ID and the 37 vote fractions); .parquet: every column; .fits and .ecsv:
    every column with its unit and description (``column_info``, ``extra`` for other columns) and ``metadata`` in
    the header (FITS keywords: at most 8 characters). ``readable_names`` renames the vote columns (``odd_merger``
    for ``Class8.6``). The closing log line names the input files ``skipped`` (``inference.predict_images``).
    """
    kind = output_format(path)
    rows, started = 0, time.perf_counter()
    if kind in ("fits", "ecsv"):
        table = astropy_table(list(frames), metadata or {}, readable_names, extra)
        if kind == "fits":
            _check_ascii(table, path)
    with atomic_path(path) as partial:
        if kind in ("fits", "ecsv"):
            rows = _write_table(table, partial, kind)
        else:
            rows = _write_stream(frames, partial, kind, readable_names)
    seconds = time.perf_counter() - started
    speed = rows / max(seconds, 1e-9)
    not_read = f"; {describe_skipped(skipped)}" if skipped else ""
    log.info("wrote %d galaxies to %s in %.1f s (%.1f galaxies/s)%s", rows, path, seconds, speed, not_read)
    return rows


def _write_stream(frames: Iterable[pd.DataFrame], partial: Path, kind: str, readable_names: bool) -> int:
    rows, writer = 0, None
    rename = readable_name if readable_names else str
    try:
        for frame in frames:
            if kind == "csv":
                kaggle_columns(frame).rename(columns=rename).to_csv(
                    partial, mode="a" if rows else "w", header=not rows, index=False, float_format="%.6f"
                )
            else:
                table = pa.Table.from_pandas(frame.rename(columns=rename), preserve_index=False)
                writer = writer or pq.ParquetWriter(partial, table.schema)
                writer.write_table(table)
            rows += len(frame)
    finally:
        if writer is not None:
            writer.close()  # also after a failure, so that the removed file's space is freed at once
    if rows == 0:
        _write_empty(partial, kind)
    return rows


def astropy_table(
    frames: list[pd.DataFrame], metadata: Mapping, readable_names: bool, extra: Mapping[str, ColumnInfo] | None
) -> Table:
    """Catalogue frames as one astropy Table with a unit and a description on every column, and ``metadata``."""
    frame = pd.concat(frames, ignore_index=True) if frames else catalogue_frame([], np.empty((0, N_LABELS)))
    frame[ID_COLUMN] = id_array(frame[ID_COLUMN])
    table = Table.from_pandas(frame)
    for column in frame.columns:
        info = column_info(column, extra)
        table[column].unit, table[column].description = info.unit, info.description
        if readable_names:
            table.rename_column(column, readable_name(column))
    table.meta.update(metadata)
    return table


def _write_table(table: Table, partial: Path, kind: str) -> int:
    table.write(partial, format=kind if kind == "fits" else "ascii.ecsv")
    if kind == "fits":
        _add_column_comments(partial, [table[c].description for c in table.colnames])
    return len(table)


def _check_ascii(table: Table, path: str | os.PathLike) -> None:
    """FITS text is ASCII: refuse an ID such as 'Galaxie é' with a way out, rather than fail deep inside astropy."""
    odd = [str(i) for i in table.columns[0] if isinstance(i, str) and not i.isascii()]
    if odd:
        raise CatalogueError(
            f"{path}: FITS text is ASCII only, and {len(odd)} image names are not (first: {odd[0]!r}); "
            "rename those files, or write .ecsv or .parquet"
        )


def _add_column_comments(path: Path, descriptions: list[str]) -> None:
    """TCOMMn header cards, the column descriptions TOPCAT shows (astropy keeps its own copy in the header's
    serialized-columns comment, which it reads back as ``Column.description``)."""
    with fits.open(path, mode="update") as hdus:
        for number, description in enumerate(descriptions, start=1):
            hdus[1].header[f"TCOMM{number}"] = description


def _write_empty(path: Path, kind: str) -> None:
    empty = catalogue_frame([], np.empty((0, N_LABELS)))
    if kind == "csv":
        empty.to_csv(path, index=False)
    else:
        empty.to_parquet(path, index=False)
