"""A full disk or quota: every writer stops with one line naming the file it was writing and leaves nothing
half-written; `gzmorph predict` and the workflow's scripts show that line without a traceback, and the same run
finishes once space is freed. Real writers fill a 2 MiB tmpfs (mounting one needs root); crafted errors test the
rest everywhere."""

import errno
import gc
import logging
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from astropy.table import Table

from gzmorph import binding
from gzmorph import checkpoint as checkpoints
from gzmorph.catalogue import catalogue_frame, write_catalogue
from gzmorph.checkpoint import Checkpoint
from gzmorph.figures import plt, save_figure
from gzmorph.io import DiskFullError, atomic_path, write_json, write_table, write_text
from gzmorph.models import build_model
from gzmorph.shards import ShardWriter
from tests import test_command
from tests.test_binding import INTERFACE, fake_snakemake
from tests.test_command import gzmorph_predict
from tests.test_inference import GEOMETRY, SPEC

model_path, sample_cutouts = test_command.model_path, test_command.sample_cutouts  # the same fixtures

FILLER = "filler"
KEPT = "and rerun: finished files are kept)"


def mount_tmpfs(folder: Path) -> str | None:
    """Mount a 2 MiB tmpfs on ``folder``; the reason it cannot be, or None."""
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True, text=True
        )
    except FileNotFoundError:
        return "no mount command"
    return f"mount refused: {mounted.stderr.strip()}" if mounted.returncode else None


def fill(path: Path) -> None:
    """Write zeros to ``path`` until the disk refuses more."""
    with path.open("wb", buffering=0) as file:
        with pytest.raises(OSError) as refused:
            while True:
                file.write(bytes(1 << 16))
    assert refused.value.errno == errno.ENOSPC


@pytest.fixture
def full_disk(tmp_path) -> Iterator[Path]:
    """A 2 MiB tmpfs, filled to the last page by one file (FILLER); delete it to free the space."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if reason := mount_tmpfs(disk):
        pytest.skip(f"no tmpfs to fill: {reason}")
    try:
        fill(disk / FILLER)
        yield disk
    finally:
        gc.collect()  # a failed writer held by its traceback's reference cycle still has its file open
        busy = subprocess.run(["umount", str(disk)], capture_output=True).returncode
        if busy:
            subprocess.run(["umount", "--lazy", str(disk)], check=True)
        assert not busy, "a writer left a file open on the disk after failing"


def left_on(disk: Path) -> list[str]:
    return sorted(p.relative_to(disk).as_posix() for p in disk.rglob("*") if p.is_file())


def test_the_command_stops_with_one_line_and_finishes_once_space_is_freed(
    full_disk, sample_cutouts, model_path, capsys
):
    out = full_disk / "cat.fits"
    assert gzmorph_predict(sample_cutouts, "--out", out, "--model", model_path, "--tta", 1) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    naming = [line for line in err.splitlines() if str(out) in line]
    assert naming == [err.splitlines()[-1]]  # one line, the last
    assert re.fullmatch(
        rf"gzmorph predict: error: {out}: no space left on device \(0\.\d MB free on {full_disk}; free some space "
        + re.escape(KEPT),
        naming[0],
    )
    assert left_on(full_disk) == [FILLER]
    (full_disk / FILLER).unlink()
    assert gzmorph_predict(sample_cutouts, "--out", out, "--model", model_path, "--tta", 1) == 0
    assert len(Table.read(out)) == 6 and left_on(full_disk) == ["cat.fits"]


def save_checkpoint(path: Path) -> None:
    checkpoints.save(Checkpoint(SPEC, GEOMETRY, build_model(SPEC).state_dict(), fingerprint={}), path)


def save_shards(path: Path) -> None:
    writer = ShardWriter(path.parent.parent, 4, (32, 32, 3))  # the set folder, above shards/
    for galaxy_id in range(4):
        writer.add(galaxy_id, np.full((32, 32, 3), galaxy_id, np.uint8))


def save_png(path: Path) -> None:
    figure, axes = plt.subplots()
    axes.plot([0, 1], [1, 0])
    save_figure(figure, path)


TABLE = pd.DataFrame({"GalaxyID": np.arange(1000, dtype=np.uint64), "value": np.linspace(0, 1, 1000)})
WRITERS = {  # what each writes, and the file it must name; NumPy and astropy lose the errno
    "checkpoint (torch)": (save_checkpoint, "model.pt"),
    "image shard (NumPy)": (save_shards, "shards/shard-00000.npy"),
    "Parquet table": (lambda path: write_table(TABLE, path), "index.parquet"),
    "CSV table": (lambda path: write_table(TABLE, path), "rejects.csv"),
    "JSON": (lambda path: write_json({"n": 1}, path), "summary.json"),
    "text (report)": (lambda path: write_text("<html></html>", path), "index.html"),
    "figure": (save_png, "figure.png"),
    "FITS catalogue (astropy)": (
        lambda path: write_catalogue([catalogue_frame(["m51"], np.full((1, 37), 0.5))], path),
        "cat.fits",
    ),
    "Parquet catalogue (streamed)": (
        lambda path: write_catalogue([catalogue_frame([1], np.full((1, 37), 0.5))], path),
        "cat.parquet",
    ),
}


@pytest.mark.parametrize("writer, name", WRITERS.values(), ids=WRITERS.keys())
def test_every_writer_names_its_file_on_a_full_disk_and_leaves_nothing(full_disk, writer, name):
    path = full_disk / name
    with pytest.raises(DiskFullError) as stopped:
        writer(path)
    assert str(stopped.value).startswith(f"{path}: no space left on device (") and str(stopped.value).endswith(KEPT)
    assert left_on(full_disk) == [FILLER]


@pytest.mark.parametrize(
    "code, problem",
    [
        (errno.ENOSPC, r"no space left on device \(\d+\.\d MB free on /\S*; free some space "),
        (errno.EDQUOT, "disk quota exceeded on /\\S* \\(free some space or ask for a larger quota "),
    ],
    ids=["ENOSPC", "EDQUOT"],
)
def test_atomic_path_turns_a_full_disk_into_one_line(tmp_path, code, problem):
    path = tmp_path / "models" / "model.pt"
    with pytest.raises(DiskFullError) as stopped:
        with atomic_path(path) as partial:
            partial.write_bytes(b"half a checkpoint")
            raise OSError(code, os.strerror(code))
    assert re.fullmatch(f"{re.escape(str(path))}: {problem}{re.escape(KEPT)}", str(stopped.value))
    assert isinstance(stopped.value, OSError) and stopped.value.errno == code and stopped.value.path == path
    assert list(path.parent.iterdir()) == []  # no .model.pt.partial


def enospc() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device")


def raise_in_a_library(partial: Path) -> None:
    """As torch.save into a Python file: the OSError inside, a RuntimeError out."""
    partial.write_bytes(b"half")
    try:
        raise enospc()
    except OSError:
        raise RuntimeError("PytorchStreamWriter failed writing file data/0: file write failed") from None


def test_a_full_disk_is_found_behind_a_library_error_and_on_the_rename(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    with pytest.raises(DiskFullError, match="model.pt: no space left on device"):
        with atomic_path(path) as partial:
            raise_in_a_library(partial)

    def full_on_rename(self, target):
        raise enospc()

    monkeypatch.setattr(Path, "replace", full_on_rename)
    with pytest.raises(DiskFullError, match="table.csv: no space left on device"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "table.csv")
    assert list(tmp_path.iterdir()) == []


def test_other_write_errors_pass_through_unchanged(tmp_path):
    """An error without an errno is a full disk only if the disk then refuses more bytes; here it takes them."""
    with pytest.raises(OSError, match="^1000 requested and 10 written$") as stopped:
        with atomic_path(tmp_path / "shard.npy") as partial:
            partial.write_bytes(bytes(10))
            raise OSError("1000 requested and 10 written")
    assert not isinstance(stopped.value, DiskFullError)
    with pytest.raises(PermissionError):
        with atomic_path(tmp_path / "x.json"):
            raise PermissionError(errno.EACCES, "Permission denied")
    assert list(tmp_path.iterdir()) == []


def run_script_main(main, snakemake) -> int:
    """binding.run's exit status for ``main`` bound to ``snakemake``."""
    try:
        with pytest.raises(SystemExit) as stopped:
            binding.run(main, INTERFACE, snakemake)
    finally:
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])  # release the log file
    return stopped.value.code


def test_a_script_logs_a_full_disk_as_one_line_and_exits_1(tmp_path, capsys):
    def main(args):
        with atomic_path(tmp_path / args.figure) as partial:
            partial.write_bytes(b"half a figure")
            raise enospc()

    snakemake = fake_snakemake(tmp_path)
    assert run_script_main(main, snakemake) == 1
    line = f"{tmp_path / 'out.png'}: no space left on device ("
    err = capsys.readouterr().err
    assert "Traceback" not in err and line in err.splitlines()[-1]
    log = Path(snakemake.log.log).read_text()
    assert "Traceback" not in log and line in log.splitlines()[-1]
    assert not (tmp_path / "out.png").exists() and not (tmp_path / ".out.png.partial").exists()


def test_a_script_whose_log_is_on_the_full_disk_too_prints_one_line(full_disk, capsys):
    def main(args):
        logging.getLogger("gzmorph.test").info("a line the log file cannot take")
        save_png(full_disk / args.figure)

    assert run_script_main(main, fake_snakemake(full_disk)) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Logging error" not in err
    assert f"{full_disk / 'out.png'}: no space left on device (" in err.splitlines()[-1]
