"""Reading galaxy JPEGs straight from .tar.gz/.tar/.zip archives or a directory, and the classifications CSV.

Nothing is unpacked to disk. Image members are named ``<GalaxyID>.jpg`` or ``<GalaxyID>.jpeg`` (any folder inside
the archive); other members (folders, READMEs) are ignored. Members whose path is absolute or climbs out with
``..``, and links, are refused: such an archive was not made by a survey pipeline and could overwrite files if a
user ever unpacked it.
"""

import os
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from gzmorph.labels import ID_COLUMN, KAGGLE_HEADER, LABEL_COLUMNS

IMAGE_SUFFIXES = (".jpg", ".jpeg")
MAX_ID = 2**64 - 1


class DataError(ValueError):
    """Input data that cannot be used; the message names the file, the row or member, and the problem."""


def galaxy_id_of(source: str | os.PathLike, member: str) -> int | None:
    """GalaxyID of an image member, None for members that are not images; DataError for unsafe or odd names."""
    path = PurePosixPath(member.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts:
        raise DataError(f"{source}: member {member!r} points outside the archive folder; refused")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return None
    stem = path.stem
    if not stem.isdigit() or int(stem) > MAX_ID:
        raise DataError(f"{source}: image member {member!r} is not named <GalaxyID>.jpg with an integer id")
    return int(stem)


def _archive_kind(path: Path) -> str:
    if path.is_dir():
        return "dir"
    if not path.exists():
        raise DataError(f"{path}: no such file or directory")
    if zipfile.is_zipfile(path):
        return "zip"
    if tarfile.is_tarfile(path):
        return "tar"
    raise DataError(f"{path}: not a directory, .zip, .tar or .tar.gz archive")


def iter_images(source: str | os.PathLike, wanted: set[int] | None = None) -> Iterator[tuple[int, str, bytes]]:
    """Yield (GalaxyID, member name, JPEG bytes) in archive order, reading each member once.

    With ``wanted``, members of other ids are skipped without reading their data where the format allows.
    """
    path = Path(source)
    kind = _archive_kind(path)
    if kind == "dir":
        for file in sorted(path.rglob("*")):
            member = file.relative_to(path).as_posix()
            if file.is_symlink() and file.suffix.lower() in IMAGE_SUFFIXES:
                raise DataError(f"{path}: image {member!r} is a symbolic link; refused")
            if not file.is_file():
                continue
            galaxy_id = galaxy_id_of(path, member)
            if galaxy_id is not None and (wanted is None or galaxy_id in wanted):
                yield galaxy_id, member, file.read_bytes()
    elif kind == "zip":
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                galaxy_id = galaxy_id_of(path, info.filename)
                if galaxy_id is not None and (wanted is None or galaxy_id in wanted):
                    yield galaxy_id, info.filename, archive.read(info)
    else:
        with tarfile.open(path, mode="r|*") as archive:  # streaming: one pass over a .tar.gz
            for info in archive:
                if info.isdir():
                    continue
                galaxy_id = galaxy_id_of(path, info.name)
                if galaxy_id is None:
                    continue
                if not info.isfile():
                    raise DataError(f"{path}: image member {info.name!r} is a link or device, not a file; refused")
                if wanted is None or galaxy_id in wanted:
                    yield galaxy_id, info.name, archive.extractfile(info).read()


def list_images(source: str | os.PathLike) -> pd.DataFrame:
    """GalaxyID and member name of every image in ``source``; DataError if an id appears twice."""
    path = Path(source)
    kind = _archive_kind(path)
    if kind == "dir":
        members = [f.relative_to(path).as_posix() for f in sorted(path.rglob("*")) if f.is_file() or f.is_symlink()]
    elif kind == "zip":
        with zipfile.ZipFile(path) as archive:
            members = [i.filename for i in archive.infolist() if not i.is_dir()]
    else:
        with tarfile.open(path, mode="r|*") as archive:
            members = []
            for info in archive:
                if info.isdir():
                    continue
                if not info.isfile() and galaxy_id_of(path, info.name) is not None:
                    raise DataError(f"{path}: image member {info.name!r} is a link or device, not a file; refused")
                members.append(info.name)
    rows = [(gid, m) for m in members if (gid := galaxy_id_of(path, m)) is not None]
    table = pd.DataFrame(rows, columns=[ID_COLUMN, "member"])
    table[ID_COLUMN] = table[ID_COLUMN].astype(np.uint64)
    duplicated = table[table[ID_COLUMN].duplicated(keep=False)]
    if len(duplicated):
        first = duplicated.iloc[0][ID_COLUMN]
        names = duplicated[duplicated[ID_COLUMN] == first]["member"].tolist()
        raise DataError(f"{path}: GalaxyID {first} has more than one image: {names}")
    if table.empty:
        raise DataError(f"{path}: no <GalaxyID>.jpg images found")
    return table


def read_labels(csv_path: str | os.PathLike) -> pd.DataFrame:
    """The classifications CSV, checked: Kaggle header, unique integer ids, 37 values in [0, 1], no NaN.

    Returns GalaxyID (uint64) and the 37 label columns (float32). Row numbers in errors are file line numbers.
    """
    path = Path(csv_path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    header = tuple(raw.columns)
    if header != KAGGLE_HEADER:
        missing = [c for c in KAGGLE_HEADER if c not in header]
        extra = [c for c in header if c not in KAGGLE_HEADER]
        detail = f"missing {missing}" if missing else ""
        detail += f"{'; ' if detail else ''}unexpected {extra}" if extra else ""
        raise DataError(
            f"{path}: header is not GalaxyID,Class1.1,...,Class11.6 in Kaggle order ({detail or 'wrong order'})"
        )
    if raw.empty:
        raise DataError(f"{path}: no label rows")
    line = raw.index.to_numpy() + 2  # header is line 1
    ids = raw[ID_COLUMN].str.strip()
    bad_id = ~ids.str.fullmatch(r"\d+") | (ids.str.len() > 20)
    if not bad_id.any():
        bad_id = ids.map(lambda s: int(s) > MAX_ID)
    if bad_id.any():
        k = int(np.flatnonzero(bad_id.to_numpy())[0])
        raise DataError(f"{path}, line {line[k]}: GalaxyID {raw[ID_COLUMN].iloc[k]!r} is not a non-negative integer")
    id_values = np.array([int(s) for s in ids], dtype=np.uint64)
    seen = pd.Series(id_values).duplicated(keep=False).to_numpy()
    if seen.any():
        first = id_values[seen][0]
        lines = line[id_values == first].tolist()
        raise DataError(f"{path}: GalaxyID {first} appears more than once (lines {lines})")
    values = raw[list(LABEL_COLUMNS)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values) | (values < 0) | (values > 1)
    if bad.any():
        k, j = (int(v[0]) for v in np.nonzero(bad))
        text = raw[LABEL_COLUMNS[j]].iloc[k]
        problem = "is missing or not a number" if np.isnan(values[k, j]) else "is outside [0, 1]"
        raise DataError(f"{path}, line {line[k]}, GalaxyID {id_values[k]}: {LABEL_COLUMNS[j]} = {text!r} {problem}")
    labels = pd.DataFrame(values.astype(np.float32), columns=list(LABEL_COLUMNS))
    labels.insert(0, ID_COLUMN, id_values)
    return labels
