"""Atomic output writers: a file appears complete or not at all, even if the run is killed mid-write.

Every file the workflow and ``gzmorph predict`` write goes through :func:`atomic_path`, which also turns a full disk
(or an exceeded quota) into :class:`DiskFullError`: one line naming the file, with no half-written file left.
"""

import errno
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
PROBE_BYTES = 1 << 20  # more than a filesystem block, so the probe cannot fit in the tail of the file's last block


class DiskFullError(OSError):
    """A write stopped because its disk, or the user's quota on it, is full; the message is one line naming the
    file, the free space and what to do."""

    def __init__(self, path: str | os.PathLike, code: int):
        super().__init__(disk_full_message(Path(path), code))
        self.errno, self.path = code, Path(path)


def disk_full_message(path: Path, code: int) -> str:
    mount = mount_point(path.parent)
    if code == errno.EDQUOT:
        problem = f"disk quota exceeded on {mount} (free some space or ask for a larger quota"
    else:
        free_mb = shutil.disk_usage(mount).free / 1e6
        problem = f"no space left on device ({free_mb:.1f} MB free on {mount}; free some space"
    return f"{path}: {problem} and rerun: finished files are kept)"


def mount_point(path: Path) -> Path:
    """The mount point of the filesystem holding ``path`` (or its nearest existing folder)."""
    path = path.resolve()
    while not os.path.ismount(path):
        path = path.parent
    return path


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds. A full disk or
    quota, in the block or on the rename, raises :class:`DiskFullError` naming ``path``; the temporary file goes."""
    final = Path(path)
    partial = final.with_name(f".{final.name}.partial")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        yield partial
        partial.replace(final)
    except (OSError, RuntimeError) as error:
        code = None if isinstance(error, DiskFullError) else disk_full_errno(error, partial)
        if code is None:
            raise
        partial.unlink(missing_ok=True)  # before DiskFullError measures the free space: what a rerun will have
        raise DiskFullError(final, code) from error
    finally:
        partial.unlink(missing_ok=True)


def disk_full_errno(error: BaseException, partial: Path) -> int | None:
    """ENOSPC or EDQUOT when ``error``, or an error it arose from, is one; else, as NumPy's ``tofile`` and astropy's
    FITS writer drop the errno, when the disk refuses more bytes to ``partial``; else None."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if getattr(error, "errno", None) in DISK_FULL_ERRNOS:
            return error.errno
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return probe_write(partial) if partial.exists() else None


def probe_write(partial: Path) -> int | None:
    """The errno of a full disk or quota if appending to ``partial`` fails with one; None if the bytes fit."""
    try:
        with partial.open("ab") as file:
            file.write(bytes(PROBE_BYTES))
            file.flush()
            os.fsync(file.fileno())  # a network filesystem may report a full quota only here
    except OSError as error:
        return error.errno if error.errno in DISK_FULL_ERRNOS else None
    return None


def write_json(data: dict, path: str | os.PathLike) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n")


def write_text(text: str, path: str | os.PathLike) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_table(table: pd.DataFrame, path: str | os.PathLike, float_format: str | None = None) -> None:
    """Parquet or CSV by suffix, without the index; ``float_format`` (e.g. "%.4f") rounds the floats of a CSV."""
    with atomic_path(path) as tmp:
        if Path(path).suffix == ".parquet":
            if float_format is not None:
                raise ValueError(f"{path}: float_format applies to CSV tables only")
            table.to_parquet(tmp, index=False)
        else:
            table.to_csv(tmp, index=False, float_format=float_format)
