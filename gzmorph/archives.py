"""Reading galaxy images straight from .tar.gz/.tar/.zip archives or a directory, and the classifications CSV.

Nothing is unpacked to disk. The workflow's image members are named ``<GalaxyID>.jpg`` or ``<GalaxyID>.jpeg``
(any folder inside the archive); other members (folders, READMEs) are ignored. Images to predict for
(:func:`iter_named_images`) may have any name: JPEG or PNG files, each identified by its file stem; every other file
is skipped and named with the reason (a FITS file: how to convert it), except hidden files and the macOS litter
(``.DS_Store``, ``._x.jpg``, ``__MACOSX/``) that zip tools add, skipped silently. Members whose
path is absolute or climbs out with ``..``, and links, are refused: such an archive was not made by a survey
pipeline and could overwrite files if a user ever unpacked it. An archive that is cut short or corrupt (an
interrupted download) raises DataError naming the file and the last member read successfully, instead of silently
yielding fewer images.
"""

import bz2
import codecs
import csv
import gzip
import io
import logging
import lzma
import os
import tarfile
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import numpy as np
import pandas as pd

from gzmorph.labels import ID_COLUMN, KAGGLE_HEADER, LABEL_COLUMNS

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg")  # the workflow's images: Galaxy Zoo JPEGs named <GalaxyID>.jpg
NAMED_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")  # images of any name to predict for
FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fz", ".fits.gz", ".fit.gz", ".fts.gz")
FITS_REASON = (
    "FITS: the models learnt from SDSS gri colour JPEGs; make a colour JPEG or PNG from the g, r, i frames first, "
    "e.g. with astropy.visualization.make_lupton_rgb as the README shows"
)
NOT_AN_IMAGE = "not a JPEG or PNG image"
NAMED_SKIPS = 10  # skipped files named one by one in the log and in a summary; the rest are counted
MAX_ID = 2**64 - 1
_DAMAGE_ERRORS = (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile)
_DECOMPRESSORS = {b"\x1f\x8b": gzip.open, b"BZh": bz2.open, b"\xfd7zXZ\x00": lzma.open}


class DataError(ValueError):
    """Input data that cannot be used; the message names the file, the row or member, and the problem."""


def _member_path(source: str | os.PathLike, member: str) -> PurePosixPath:
    path = PurePosixPath(member.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts:
        raise DataError(f"{source}: member {member!r} points outside the archive folder; refused")
    return path


def galaxy_id_of(source: str | os.PathLike, member: str) -> int | None:
    """GalaxyID of an image member, None for members that are not images; DataError for unsafe or odd names."""
    path = _member_path(source, member)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return None
    stem = path.stem
    if not stem.isdigit() or int(stem) > MAX_ID:
        raise DataError(f"{source}: image member {member!r} is not named <GalaxyID>.jpg with an integer id")
    return int(stem)


def image_name_of(source: str | os.PathLike, member: str) -> str | None:
    """The file stem of a JPEG or PNG member (``NGC 4038`` for ``cutouts/NGC 4038.png``); None for other members and
    for the hidden files and macOS resource forks (``.x.jpg``, ``__MACOSX/``) that zip tools add."""
    path = _member_path(source, member)
    if path.suffix.lower() not in NAMED_IMAGE_SUFFIXES or _hidden(path):
        return None
    return path.stem


def _hidden(path: PurePosixPath) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in path.parts)


Skipped = list[tuple[str, str]]  # (file or archive member, why it was not read), in reading order


def not_read_reason(name: str) -> str:
    """Why a file that is not a JPEG or PNG is not read; for FITS, how to make one the models can read."""
    return FITS_REASON if name.lower().endswith(FITS_SUFFIXES) else NOT_AN_IMAGE


def skip(skipped: Skipped, where: str, reason: str) -> None:
    """Note a file that is not read, and log it (one line each for the first NAMED_SKIPS, then one for the rest)."""
    skipped.append((where, reason))
    if len(skipped) <= NAMED_SKIPS:
        log.warning("skipped %s: %s", where, reason)
    elif len(skipped) == NAMED_SKIPS + 1:
        log.warning("skipped more files, not named one by one (gzmorph.predict: all in table.attrs['skipped'])")


def describe_skipped(skipped: Skipped) -> str:
    """'skipped 3 files: a.fits, b.fits (FITS: ...); notes.txt (not a JPEG or PNG image)', the first NAMED_SKIPS
    named and grouped by reason, the rest counted."""
    groups: dict[str, list[str]] = {}
    for where, reason in skipped[:NAMED_SKIPS]:
        groups.setdefault(reason, []).append(where)
    named = "; ".join(f"{', '.join(files)} ({reason})" for reason, files in groups.items())
    more = f"; and {len(skipped) - NAMED_SKIPS} more" if len(skipped) > NAMED_SKIPS else ""
    return f"skipped {len(skipped)} file{'' if len(skipped) == 1 else 's'}: {named}{more}"


def _archive_kind(path: Path) -> str:
    if path.is_dir():
        return "dir"
    if not path.exists():
        raise DataError(f"{path}: no such file or directory")
    if zipfile.is_zipfile(path):
        return "zip"
    try:
        if tarfile.is_tarfile(path):
            return "tar"
    except _DAMAGE_ERRORS as error:
        raise _damaged(path, None, error) from None
    with path.open("rb") as file:
        head = file.read(6)
    if head.startswith(b"PK\x03\x04"):
        raise _damaged(path, None, "no zip directory at its end")
    if head.startswith(tuple(_DECOMPRESSORS)):
        raise _damaged(path, None, "no tar header after decompression")
    raise DataError(f"{path}: not a directory, .zip, .tar or .tar.gz archive")


def _damaged(path: Path, last: str | None, problem: Exception | str) -> DataError:
    read = f"last member read successfully: {last!r}" if last else "no member could be read"
    return DataError(f"{path}: looks truncated or corrupt ({problem}); {read}; download or copy it again")


Key = Callable[[Path, str], int | str | None]  # the id of an image member (galaxy_id_of, image_name_of); None: no image
Images = Iterator[tuple[int | str, str, bytes | None]]  # (id, member, image bytes or None if not wanted)


def _dir_images(path: Path, want: Callable, key: Key) -> Images:
    for file in sorted(path.rglob("*")):
        member = file.relative_to(path).as_posix()
        if not (file.is_symlink() or file.is_file()) or (name := key(path, member)) is None:
            continue
        if file.is_symlink():
            raise DataError(f"{path}: image {member!r} is a symbolic link; refused")
        yield name, member, file.read_bytes() if want(name) else None


def _zip_images(path: Path, want: Callable, key: Key) -> Images:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.is_dir() and (name := key(path, info.filename)) is not None:
                yield name, info.filename, archive.read(info) if want(name) else None


def _tar_images(path: Path, want: Callable, key: Key) -> Images:
    """Images of a .tar[.gz|.bz2|.xz] in one streaming pass; a stream that stops early raises tarfile.ReadError.

    tarfile itself treats a missing, cut or garbled member header as the end of the archive, so a download cut at a
    member boundary would silently lose the remaining images. The archive must end with tar's zero block, and a
    compressed stream is read to its end so that its length and checksum are verified.
    """
    with _open_decompressed(path) as stream:
        reader = _TailReader(stream)
        with tarfile.open(fileobj=reader, mode="r|") as archive:
            for info in archive:
                name = None if info.isdir() else key(path, info.name)
                if name is None:
                    continue
                if not info.isfile():
                    raise DataError(f"{path}: image member {info.name!r} is a link or device, not a file; refused")
                data = archive.extractfile(info).read()  # even if not wanted: only then is the member known complete
                yield name, info.name, data if want(name) else None
            end = archive.offset
        block = reader.block_at(end)
        while stream.read(1 << 20):
            pass
    if len(block) < tarfile.BLOCKSIZE:
        raise tarfile.ReadError("it ends without the end-of-archive marker")
    if block != bytes(tarfile.BLOCKSIZE):
        raise tarfile.ReadError(f"unreadable member header at byte {end} of the tar stream")


def _open_decompressed(path: Path) -> BinaryIO:
    with path.open("rb") as file:
        head = file.read(6)
    opener = next((o for magic, o in _DECOMPRESSORS.items() if head.startswith(magic)), open)
    return opener(path, "rb")


class _TailReader:
    """A read-only stream that keeps the last bytes it read, so that the block where tarfile stopped can be checked."""

    KEEP = 4 * tarfile.RECORDSIZE  # tarfile reads one record at a time

    def __init__(self, stream: BinaryIO):
        self.stream, self.position, self.recent, self.kept = stream, 0, deque(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.position += len(data)
        self.recent.append(data)
        self.kept += len(data)
        while self.kept - len(self.recent[0]) >= self.KEEP:
            self.kept -= len(self.recent.popleft())
        return data

    def block_at(self, offset: int) -> bytes:
        """The tar block at ``offset``, shorter if the stream ended within it."""
        start = offset - (self.position - self.kept)
        return b"".join(self.recent)[start : start + tarfile.BLOCKSIZE]


def _images(path: Path, want: Callable, key: Key = galaxy_id_of) -> Images:
    """Every image member in archive order, with its bytes where ``want(id)``; DataError for a damaged archive."""
    kind = _archive_kind(path)
    images = {"dir": _dir_images, "zip": _zip_images, "tar": _tar_images}[kind](path, want, key)
    last = None
    try:
        for galaxy_id, member, data in images:
            yield galaxy_id, member, data
            last = member
    except _DAMAGE_ERRORS as error:
        raise _damaged(path, last, error) from None


def iter_images(source: str | os.PathLike, wanted: set[int] | None = None) -> Iterator[tuple[int, str, bytes]]:
    """Yield (GalaxyID, member name, JPEG bytes) in archive order, reading each member once.

    With ``wanted``, members of other ids are skipped without reading their data where the format allows. A
    truncated or corrupt archive raises DataError naming the last member read successfully.
    """
    for galaxy_id, member, data in _images(Path(source), lambda i: wanted is None or i in wanted):
        if data is not None:
            yield galaxy_id, member, data


def _named_image_key(skipped: Skipped) -> Key:
    """``image_name_of`` that also notes every file it declines, hidden files and macOS litter aside."""

    def key(source: Path, member: str) -> str | None:
        name = image_name_of(source, member)
        if name is None and not _hidden(_member_path(source, member)):
            skip(skipped, str(source / member), not_read_reason(member))
        return name

    return key


def iter_named_images(
    sources: Iterable[str | os.PathLike], skipped: Skipped | None = None
) -> Iterator[tuple[str, str, bytes]]:
    """Yield (file stem, file or member path, image bytes) for every JPEG or PNG in ``sources``, each a directory, a
    .zip, .tar or .tar.gz archive, or one image file; every other file is logged and added to ``skipped``.

    The stem is the image's ID, so two images with the same stem (``m51.jpg`` and ``sub/m51.png``) raise DataError
    naming both; so does a source without any image (naming the files it skipped), or a FITS file given as a source.
    """
    skipped = [] if skipped is None else skipped
    seen: dict[str, str] = {}
    for source in sources:
        path = Path(source)
        skipped_before = len(skipped)
        if path.is_file() and path.name.lower().endswith(FITS_SUFFIXES):
            raise DataError(f"{path}: {FITS_REASON}")
        if path.is_file() and path.suffix.lower() in NAMED_IMAGE_SUFFIXES:
            items: Images = iter([(path.stem, "", path.read_bytes())])
        else:
            items = _images(path, lambda _: True, _named_image_key(skipped))
        found = False
        for name, member, data in items:
            where = str(path / member) if member else str(path)
            if name in seen:
                raise DataError(
                    f"two images have the ID {name!r} (the file name without its suffix): {seen[name]}, {where}"
                )
            seen[name] = where
            found = True
            yield name, where, data
        if not found:
            declined = f"; {describe_skipped(skipped[skipped_before:])}" if len(skipped) > skipped_before else ""
            raise DataError(f"{path}: no JPEG or PNG images (.jpg, .jpeg, .png) found{declined}")


def list_images(source: str | os.PathLike) -> pd.DataFrame:
    """GalaxyID and member name of every image in ``source``; DataError if an id appears twice or it is damaged."""
    path = Path(source)
    rows = [(galaxy_id, member) for galaxy_id, member, _ in _images(path, lambda _: False)]
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


def _csv_text(path: Path) -> str:
    """The file's text; DataError naming the file (and line) if it is empty, UTF-16 or not UTF-8."""
    data = path.read_bytes()
    if not data.strip():
        raise DataError(f"{path}: the file is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(f'{path}: the file is UTF-16 (a spreadsheet\'s "Unicode text" export); save it as UTF-8 CSV')
    if b"\x00" in data:
        raise DataError(f"{path}: the file holds NUL bytes: UTF-16 text or not a text file; save it as UTF-8 CSV")
    try:
        return data.decode("utf-8-sig")  # a spreadsheet's "CSV UTF-8" export starts with a byte-order mark
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DataError(
            f"{path}, line {line}: byte 0x{data[error.start]:02x} is not UTF-8 text; save the file as UTF-8 CSV"
        ) from None


def _csv_rows(path: Path) -> tuple[tuple[str, ...], list[list[str]], np.ndarray]:
    """Header, data rows and the file line each starts on; blank rows are skipped, a row of another width refused."""
    reader = csv.reader(io.StringIO(_csv_text(path), newline=""))
    header, rows, lines, next_line = None, [], [], 1
    try:
        for fields in reader:
            line, next_line = next_line, reader.line_num + 1
            if not "".join(fields).strip():
                continue
            if header is None:
                header = tuple(fields)
            elif len(fields) != len(header):
                raise DataError(f"{path}, line {line}: the header has {len(header)} columns, this row {len(fields)}")
            else:
                rows.append(fields)
                lines.append(line)
    except csv.Error as error:
        raise DataError(f"{path}, line {next_line}: not readable as CSV ({error})") from None
    return header or (), rows, np.array(lines)


def read_labels(csv_path: str | os.PathLike) -> pd.DataFrame:
    """The classifications CSV, checked: Kaggle header, unique integer ids, 37 values in [0, 1], no NaN.

    Returns GalaxyID (uint64) and the 37 label columns (float32). Row numbers in errors are file line numbers.
    """
    path = Path(csv_path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    header, rows, line = _csv_rows(path)
    if header != KAGGLE_HEADER:
        missing = [c for c in KAGGLE_HEADER if c not in header]
        extra = [c for c in header if c not in KAGGLE_HEADER]
        detail = f"missing {missing}" if missing else ""
        detail += f"{'; ' if detail else ''}unexpected {extra}" if extra else ""
        raise DataError(
            f"{path}: header is not GalaxyID,Class1.1,...,Class11.6 in Kaggle order ({detail or 'wrong order'})"
        )
    if not rows:
        raise DataError(f"{path}: no label rows")
    raw = pd.DataFrame(rows, columns=list(header))
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
