"""Your own galaxies: `gzmorph predict` and the Python API on crafted folders and archives of JPEGs and PNGs with any
names, the FITS / ECSV catalogues they write, and every bad input a user meets on this path (one line, exit 2)."""

import inspect
import io
import itertools
import json
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from astropy.io import fits
from astropy.table import Table
from PIL import Image

import gzmorph
from gzmorph import api, command
from gzmorph import checkpoint as checkpoints
from gzmorph.archives import FITS_REASON, NOT_AN_IMAGE, iter_images
from gzmorph.catalogue import SPREAD_COLUMNS, CatalogueError, ColumnInfo, catalogue_frame, column_info, write_catalogue
from gzmorph.checkpoint import Checkpoint, EnsembleCheckpoint
from gzmorph.geometry import decode_field
from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS, READABLE_NAMES
from gzmorph.mergers.estimators import EDGES, N_BINS
from gzmorph.models import build_model
from gzmorph.settings import Predict
from tests.conftest import SAMPLE_TARGET_IMAGES
from tests.scripts import config_overlay, run_script
from tests.test_inference import GEOMETRY, SPEC  # the same tiny network

NAMES = ["NGC 4038", "m51", "UGC 12158", "587722981741363294"]


def galaxy(seed: int, size: int = 424) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)


def save(array: np.ndarray, path: Path, **options) -> Path:
    Image.fromarray(array).save(path, **options)
    return path


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "model.pt"
    checkpoints.save(Checkpoint(SPEC, GEOMETRY, build_model(SPEC).state_dict(), fingerprint={}), path)
    return path


@pytest.fixture
def cutouts(tmp_path) -> Path:
    """Object-named JPEGs and PNGs, one in a subfolder, beside a README and macOS litter."""
    folder = tmp_path / "cutouts"
    (folder / "more").mkdir(parents=True)
    save(galaxy(0), folder / "NGC 4038.jpg", quality=90)
    save(galaxy(1), folder / "m51.jpeg", quality=90)
    save(galaxy(2), folder / "UGC 12158.png")
    save(galaxy(3), folder / "more" / "587722981741363294.PNG")
    (folder / "README.txt").write_text("cutouts from the SDSS cutout service")
    (folder / ".DS_Store").write_bytes(b"\0\1")
    (folder / "._m51.jpeg").write_bytes(b"\0\5resource fork")
    return folder


@pytest.fixture
def sample_cutouts(tmp_path) -> Path:
    """Six JPEGs of the shipped unlabelled sample, in a folder of their own."""
    folder = tmp_path / "sample"
    folder.mkdir()
    for galaxy_id, _, data in itertools.islice(iter_images(SAMPLE_TARGET_IMAGES), 6):
        (folder / f"{galaxy_id}.jpg").write_bytes(data)
    return folder


def gzmorph_predict(*args) -> int:
    return command.main(["predict", *map(str, args), "--threads", "1"])


def log_lines(capsys) -> list[str]:
    """The command's log messages on stderr, apart from the progress bar that shares their lines."""
    return re.findall(r"gzmorph: (.*)", capsys.readouterr().err)


def error_line(capsys) -> str:
    """The one line the command printed for a user's mistake; no traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "error:" in line]
    assert len(lines) == 1, err
    return lines[0]


def test_the_command_writes_a_fits_catalogue_with_units_descriptions_and_the_model(model_path, cutouts, tmp_path):
    out = tmp_path / "catalogue.fits"
    assert gzmorph_predict(cutouts, "--out", out, "--model", model_path, "--tta", 4) == 0
    table = Table.read(out)
    assert sorted(table[ID_COLUMN].astype(str)) == sorted(NAMES)  # mixed names: every ID is text
    assert table.colnames == [ID_COLUMN, *LABEL_COLUMNS, *SPREAD_COLUMNS]
    assert (
        table["Class8.6"].description
        == "Q8 Odd feature? odd: merger (Class8.6): predicted fraction of all volunteers giving this answer"
    )
    assert "standard deviation" in table["Class8.6_std"].description
    header = fits.getheader(out, 1)
    assert header[f"TCOMM{table.colnames.index('Class8.6') + 1}"] == table["Class8.6"].description  # for TOPCAT
    values = np.array([table[c] for c in LABEL_COLUMNS])
    assert np.all((values >= 0) & (values <= 1)) and np.any(np.array([table[c] for c in SPREAD_COLUMNS]) > 0)
    assert table.meta["TTA"] == 4 and table.meta["MODEL"] == str(model_path.resolve())
    assert len(table.meta["MODELSHA"]) == 64 and table.meta["GZMORPH"] == gzmorph.__version__
    assert (table.meta["CROPPX"], table.meta["SIZEPX"]) == (212, 16)
    ecsv = tmp_path / "catalogue.ecsv"
    assert gzmorph_predict(cutouts, "--out", ecsv, "--model", model_path, "--tta", 4, "--readable-names") == 0
    readable = Table.read(ecsv)
    assert readable["odd_merger"].unit == "" and readable["odd_merger_std"].description.startswith("Q8 Odd feature?")
    assert list(readable.colnames[1:38]) == list(READABLE_NAMES.values())
    np.testing.assert_allclose(readable["odd_merger"], table["Class8.6"], atol=1e-6)


def test_the_api_gives_the_commands_table_indexed_by_file_stem(model_path, cutouts, tmp_path):
    model = gzmorph.load_model(model_path, "cpu")
    table = gzmorph.predict(model, cutouts, tta=2)
    assert sorted(table.index) == sorted(NAMES) and table.index.name == ID_COLUMN
    assert table.attrs["TTA"] == 2
    fields = np.stack([decode_field((cutouts / "m51.jpeg").read_bytes(), GEOMETRY)])
    from gzmorph.inference import predict

    np.testing.assert_allclose(
        table.loc["m51", list(LABEL_COLUMNS)], predict(model.network, fields, 16, "cpu", 2)[0], atol=1e-6
    )
    out = tmp_path / "api.fits"
    assert gzmorph.write_catalogue(table, out) == 4
    assert gzmorph_predict(cutouts, "--out", tmp_path / "cmd.fits", "--model", model_path, "--tta", 2) == 0
    api, cmd = Table.read(out).to_pandas(), Table.read(tmp_path / "cmd.fits").to_pandas()
    pd.testing.assert_frame_equal(api.set_index(ID_COLUMN).sort_index(), cmd.set_index(ID_COLUMN).sort_index())


def test_integer_stems_stay_integers_and_archives_are_read_in_place(model_path, tmp_path):
    folder = tmp_path / "ids"
    folder.mkdir()
    for seed, name in enumerate(["5", "18446744073709551615", "100018"]):
        save(galaxy(seed), folder / f"{name}.jpg")
    with zipfile.ZipFile(tmp_path / "ids.zip", "w") as archive:
        for file in folder.iterdir():
            archive.write(file, f"ids/{file.name}")
    with tarfile.open(tmp_path / "ids.tar.gz", "w:gz") as archive:
        archive.add(folder, arcname="ids")
    model = gzmorph.load_model(model_path, "cpu")
    tables = [gzmorph.predict(model, tmp_path / name, tta=1) for name in ("ids", "ids.zip", "ids.tar.gz")]
    for table in tables:
        assert table.index.dtype == np.uint64 and sorted(table.index) == [5, 100018, 2**64 - 1]
        pd.testing.assert_frame_equal(table.sort_index(), tables[0].sort_index())
    gzmorph.write_catalogue(tables[0], tmp_path / "ids.fits")
    assert Table.read(tmp_path / "ids.fits")[ID_COLUMN].dtype == np.uint64
    save(galaxy(9), folder / "007.jpg")  # leading zero: not the integer 7, so every ID becomes text
    assert sorted(gzmorph.predict(model, folder, tta=1).index) == ["007", "100018", "18446744073709551615", "5"]


def test_grey_rgba_16_bit_and_tiny_images_are_predicted(model_path, tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    grey = galaxy(4)[..., 0]
    save(grey, folder / "grey.png")
    save(np.dstack([galaxy(5), np.full((424, 424), 128, np.uint8)]), folder / "rgba.png")
    save(grey.astype(np.uint16) * 257, folder / "grey16.png")
    save(galaxy(6, size=3), folder / "tiny.png")
    save(galaxy(7, size=1), folder / "one_pixel.jpg")
    table = gzmorph.predict(gzmorph.load_model(model_path, "cpu"), folder, tta=1)
    assert sorted(table.index) == ["grey", "grey16", "one_pixel", "rgba", "tiny"]
    np.testing.assert_allclose(table.loc["grey16"], table.loc["grey"], atol=1e-6)  # 16 bits scaled, not clipped
    field = decode_field((folder / "grey16.png").read_bytes(), GEOMETRY)
    np.testing.assert_array_equal(field, decode_field((folder / "grey.png").read_bytes(), GEOMETRY))
    assert 100 < field.mean() < 155  # mid-grey noise, not clipped to white


def test_a_corrupt_image_is_skipped_and_named_in_one_line(model_path, cutouts, tmp_path, capsys):
    (cutouts / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    assert gzmorph_predict(cutouts, "--out", tmp_path / "c.parquet", "--model", model_path, "--tta", 1) == 0
    assert "broken.png: cannot be decoded (not a readable JPEG or PNG image" in capsys.readouterr().err
    assert sorted(pd.read_parquet(tmp_path / "c.parquet")[ID_COLUMN]) == sorted(NAMES)


def test_files_it_does_not_read_are_named_with_the_reason(model_path, sample_cutouts, tmp_path, capsys):
    fits_frame, notes = sample_cutouts / "NGC 4038_r.fits", sample_cutouts / "notes.txt"
    fits_frame.write_bytes(b"SIMPLE  =                    T" + bytes(2850))
    notes.write_text("observing notes")
    (sample_cutouts / ".DS_Store").write_bytes(b"\0\1")  # hidden: skipped silently
    out = tmp_path / "cat.fits"
    assert gzmorph_predict(sample_cutouts, "--out", out, "--model", model_path, "--tta", 1) == 0
    assert len(Table.read(out)) == 6
    lines = log_lines(capsys)
    assert [line for line in lines if line.startswith("skipped")] == [
        f"skipped {fits_frame}: {FITS_REASON}",
        f"skipped {notes}: {NOT_AN_IMAGE}",
    ]
    assert lines[-1].startswith(f"wrote 6 galaxies to {out} in ")
    assert lines[-1].endswith(f"; skipped 2 files: {fits_frame} ({FITS_REASON}); {notes} (not a JPEG or PNG image)")
    assert "gri colour JPEGs" in FITS_REASON and "make_lupton_rgb" in FITS_REASON

    table = gzmorph.predict(gzmorph.load_model(model_path, "cpu"), sample_cutouts, tta=1)
    assert len(table) == 6 and table.attrs["skipped"] == [(str(fits_frame), FITS_REASON), (str(notes), NOT_AN_IMAGE)]
    gzmorph.write_catalogue(table, tmp_path / "api.fits")  # the list stays out of the FITS header
    assert "SKIPPED" not in fits.getheader(tmp_path / "api.fits", 1)


def test_many_skipped_files_are_named_up_to_a_cap_and_counted(model_path, sample_cutouts, tmp_path, capsys):
    for k in range(12):
        (sample_cutouts / f"field{k:02d}_r.fits.gz").write_bytes(b"\x1f\x8b")
    assert gzmorph_predict(sample_cutouts, "--out", tmp_path / "c.csv", "--model", model_path, "--tta", 1) == 0
    lines = log_lines(capsys)
    assert sum(": FITS: the models learnt" in line for line in lines) == 10  # one line each for the first ten
    assert lines[-1].count(".fits.gz") == 10 and lines[-1].endswith(f"({FITS_REASON}); and 2 more")
    assert "skipped 12 files: " in lines[-1] and len(pd.read_csv(tmp_path / "c.csv")) == 6


def test_a_fits_file_given_as_the_images_stops_with_the_reason(model_path, tmp_path, capsys):
    frame = tmp_path / "NGC 4038_r.fits.gz"
    frame.write_bytes(b"\x1f\x8b\x08 not a tar")
    assert gzmorph_predict(frame, "--out", tmp_path / "c.fits", "--model", model_path) == 2
    assert error_line(capsys).endswith(f"error: {frame}: {FITS_REASON}")


def folder_of(tmp_path: Path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / "images"
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(galaxy(seed, 32)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "files, message",
    [
        ({}, r"images: no JPEG or PNG images \(.jpg, .jpeg, .png\) found"),
        (
            {"README.txt": b"no images", "notes.fits": b"SIMPLE"},
            r"images: no JPEG or PNG images .* found; skipped 2 files: \S+/README.txt \(not a JPEG or PNG image\); "
            r"\S+/notes.fits \(FITS: the models learnt from SDSS gri colour JPEGs",
        ),
        ({"a.jpg": b"garbage", "b.png": b""}, "images: no image could be decoded; nothing to predict"),
        ({"m51.jpg": png(1), "deep/m51.png": png(2)}, r"two images have the ID 'm51' .*: \S+deep/m51.png, \S+/m51.jpg"),
    ],
    ids=["empty folder", "no images", "only corrupt images", "duplicate stems"],
)
def test_bad_image_folders_stop_with_one_line(model_path, tmp_path, capsys, files, message):
    folder = folder_of(tmp_path, files)
    assert gzmorph_predict(folder, "--out", tmp_path / "c.fits", "--model", model_path) == 2
    assert re.search(message, error_line(capsys))
    assert not (tmp_path / "c.fits").exists()


def test_a_non_ascii_name_is_refused_for_fits_and_kept_in_ecsv(model_path, tmp_path, capsys):
    images = folder_of(tmp_path, {"Galaxie é.png": png(1), "m51.png": png(2)})
    assert gzmorph_predict(images, "--out", tmp_path / "c.fits", "--model", model_path) == 2
    assert "c.fits: FITS text is ASCII only, and 1 image names are not (first: 'Galaxie é')" in error_line(capsys)
    assert not (tmp_path / "c.fits").exists()
    assert gzmorph_predict(images, "--out", tmp_path / "c.ecsv", "--model", model_path) == 0
    assert sorted(Table.read(tmp_path / "c.ecsv")[ID_COLUMN]) == ["Galaxie é", "m51"]


def test_missing_images_and_a_single_image_file(model_path, tmp_path, capsys):
    assert gzmorph_predict(tmp_path / "nope", "--out", tmp_path / "c.fits", "--model", model_path) == 2
    assert "nope: no such file or directory" in error_line(capsys)
    image = save(galaxy(1), tmp_path / "Arp 220.jpg")
    assert gzmorph_predict(image, "--out", tmp_path / "c.ecsv", "--model", model_path) == 0
    assert list(Table.read(tmp_path / "c.ecsv")[ID_COLUMN]) == ["Arp 220"]


@pytest.mark.parametrize(
    "out, message",
    [
        ("missing/c.fits", "c.fits: the folder .*missing does not exist"),
        ("c.txt", r"c.txt: output must end in .csv, .parquet, .fits, .ecsv"),
        ("c.fits.gz", "output must end in"),
        (".", "is a folder; give a file name"),
    ],
)
def test_bad_output_paths_stop_before_any_work(tmp_path, capsys, out, message):
    images = folder_of(tmp_path, {"m51.png": png(1)})
    assert gzmorph_predict(images, "--out", tmp_path / out, "--model", tmp_path / "not-even-read.pt") == 2
    assert re.search(message, error_line(capsys))


def test_an_existing_catalogue_is_replaced_whole_or_left_alone(model_path, tmp_path):
    images = folder_of(tmp_path, {"m51.png": png(1), "m101.png": png(2)})
    out = tmp_path / "c.fits"
    out.write_text("an older catalogue")
    assert gzmorph_predict(images, "--out", out, "--model", model_path) == 0
    assert len(Table.read(out)) == 2 and sorted(p.name for p in tmp_path.iterdir()) == ["c.fits", "images"]

    def frames():
        yield catalogue_frame(["m51"], np.full((1, 37), 0.5))
        raise RuntimeError("disk full")

    before = out.read_bytes()
    with pytest.raises(RuntimeError):
        write_catalogue(frames(), out)
    assert out.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["c.fits", "images"]


def test_bad_models_stop_with_one_line(model_path, tmp_path, capsys, monkeypatch):
    images = folder_of(tmp_path, {"m51.png": png(1)})
    not_a_model = tmp_path / "model.pt"
    not_a_model.write_text("a text file")
    cases = {
        tmp_path / "missing.pt": "missing.pt: no such model file",
        not_a_model: "model.pt: not a readable gzmorph checkpoint",
        tmp_path: ": is a folder; give the model file, e.g.",
    }
    for path, message in cases.items():
        assert gzmorph_predict(images, "--out", tmp_path / "c.fits", "--model", path) == 2
        assert message in error_line(capsys)
    monkeypatch.chdir(tmp_path)
    assert gzmorph_predict(images, "--out", tmp_path / "c.fits") == 2
    assert "no model given and no results/models/best/model.pt under" in error_line(capsys)
    (tmp_path / "results/models/best").mkdir(parents=True)
    shutil.copy(model_path, tmp_path / "results/models/best/model.pt")
    assert gzmorph_predict(images, "--out", tmp_path / "c.fits") == 0


def test_bad_options_are_argparse_errors_with_exit_2(tmp_path, capsys):
    for options in (["--tta", "9"], ["--batch-size", "0"]):
        with pytest.raises(SystemExit) as stop:
            gzmorph_predict(tmp_path, "--out", tmp_path / "c.fits", *options)
        assert stop.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_help_states_the_pixel_scale_and_import_gzmorph_is_light():
    help_text = command.build_parser()._subparsers._group_actions[0].choices["predict"].format_help()
    assert "0.02 x petroR90_r arcsec per pixel" in help_text and "8.48 petroR90_r" in help_text
    probe = "import sys, gzmorph; gzmorph.labels.READABLE_NAMES; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout == "False\n"


def test_the_command_and_api_defaults_are_the_predict_sections():
    defaults = Predict()
    parsed = command.build_parser().parse_args(["predict", "cutouts/", "--out", "c.fits"])
    assert (parsed.tta, parsed.batch_size) == (defaults.tta, defaults.batch_size) == (8, 256)
    signature = inspect.signature(api.predict).parameters
    assert (signature["tta"].default, signature["batch_size"].default) == (defaults.tta, defaults.batch_size)


def test_the_workflows_script_runs_the_same_code(model_path, cutouts, tmp_path):
    config = config_overlay(tmp_path / "tta2.yaml", {"predict": {"tta": 2}})
    run_script("predict.py", "--model", str(model_path), "--images", str(cutouts), "--out", str(tmp_path / "s.fits"),
               "--threads", "1", *config)  # fmt: skip
    assert gzmorph_predict(cutouts, "--out", tmp_path / "c.fits", "--model", model_path, "--tta", 2) == 0
    script, cmd = Table.read(tmp_path / "s.fits"), Table.read(tmp_path / "c.fits")
    assert script.meta["TTA"] == 2
    np.testing.assert_allclose(script.to_pandas().iloc[:, 1:], cmd.to_pandas().iloc[:, 1:])


def test_extra_columns_need_a_unit_and_description(tmp_path):
    frame = catalogue_frame(["m51"], np.full((1, 37), 0.5))
    frame["my_score"] = np.float32(0.3)
    with pytest.raises(CatalogueError, match="column 'my_score' has no unit or description; pass it in extra"):
        write_catalogue([frame], tmp_path / "c.fits")
    extra = {"my_score": ColumnInfo("", "a score of my own")}
    write_catalogue([frame], tmp_path / "c.fits", extra=extra)
    assert Table.read(tmp_path / "c.fits")["my_score"].description == "a score of my own"
    assert column_info("Class8.6_fold3").description.endswith("prediction of ensemble member (fold) 3")


def ensemble_model(path: Path, members: int) -> Path:
    saved = []
    for seed in range(members):
        torch.manual_seed(seed)
        saved.append(Checkpoint(SPEC, GEOMETRY, build_model(SPEC).state_dict(), {"fold": seed}))
    checkpoints.save_ensemble(EnsembleCheckpoint(saved, {"architecture": "cnn", "folds": members}), path)
    return path


def curves_file(path: Path, curves: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"bin_edges": EDGES.tolist(), "curves": curves.tolist(), "true_threshold": 0.4}))
    return path


def test_p_merger_is_each_fold_models_calibrated_probability_averaged(cutouts, tmp_path, capsys, monkeypatch):
    """Crafted curves with known values: fold model 0 says 0.2 in every bin, fold model 1 the bin's lower edge; so
    p_merger = (0.2 + floor(100 x Class8.6_fold1) / 100) / 2 for every image."""
    model = ensemble_model(tmp_path / "results/models/best/model.pt", 2)
    curves = curves_file(tmp_path / "results/tables/merger_calibration_curves.json",
                         np.stack([np.full(N_BINS, 0.2), EDGES[:-1]]))  # fmt: skip
    out = tmp_path / "c.fits"
    assert gzmorph_predict(cutouts, "--out", out, "--model", model, "--merger-calibration", curves, "--tta", 1) == 0
    table = Table.read(out)
    expected = (0.2 + np.floor(100 * np.asarray(table["Class8.6_fold1"], dtype=np.float64)) / 100) / 2
    np.testing.assert_allclose(table["p_merger"], expected, atol=1e-6)
    assert table["p_merger"].description.startswith("calibrated probability of a true merger")
    monkeypatch.chdir(tmp_path)  # in a project: the workflow's model and its curves by default
    assert gzmorph_predict(cutouts, "--out", tmp_path / "d.fits", "--tta", 1) == 0
    np.testing.assert_allclose(Table.read(tmp_path / "d.fits")["p_merger"], table["p_merger"])
    assert gzmorph_predict(cutouts, "--out", tmp_path / "e.fits", "--model", model, "--tta", 1) == 0
    assert "p_merger" not in Table.read(tmp_path / "e.fits").colnames  # another --model: no default curves
    three = curves_file(tmp_path / "three.json", np.zeros((3, N_BINS)))
    assert gzmorph_predict(cutouts, "--out", out, "--model", model, "--merger-calibration", three) == 2
    assert "three.json: 3 calibration curves, but the model has 2 members" in error_line(capsys)
