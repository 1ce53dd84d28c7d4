"""Each ingest error names the file, the row or member, and the problem; archives are read without unpacking."""

import io
import tarfile
import zipfile

import numpy as np
import pytest

from gzmorph.archives import DataError, iter_images, list_images, read_labels
from gzmorph.ingest import ingest
from gzmorph.labels import KAGGLE_HEADER
from tests.conftest import SAMPLE_TRAIN_IMAGES, SAMPLE_TRAIN_LABELS, jpeg_bytes

GREY = jpeg_bytes(np.full((40, 40, 3), 120, dtype=np.uint8))


def write_csv(path, rows, header=KAGGLE_HEADER):
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def row(galaxy_id, value=0.5):
    return [galaxy_id] + [value] * 37


def write_tar(path, members: dict[str, bytes], mode="w:gz"):
    with tarfile.open(path, mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_reads_the_real_sample_from_the_tarball():
    table = ingest(str(SAMPLE_TRAIN_IMAGES), str(SAMPLE_TRAIN_LABELS))
    assert len(table) == 500
    assert table["GalaxyID"].dtype == np.uint64
    assert table["member"].str.startswith("images_training_rev1/").all()


@pytest.mark.parametrize("kind", ["tar.gz", "tar", "zip", "dir"])
def test_all_archive_kinds_give_the_same_images(tmp_path, kind):
    members = {"imgs/100.jpg": GREY, "imgs/18446744073709551615.jpeg": GREY, "imgs/readme.txt": b"hi"}
    if kind == "dir":
        source = tmp_path / "dir"
        for name, data in members.items():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes(data)
    elif kind == "zip":
        source = tmp_path / "a.zip"
        with zipfile.ZipFile(source, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    else:
        source = write_tar(tmp_path / f"a.{kind}", members, "w:gz" if kind == "tar.gz" else "w")
    ids = sorted(i for i, _, _ in iter_images(source))
    assert ids == [100, 2**64 - 1]  # a 64-bit id survives
    assert list_images(source)["GalaxyID"].tolist() == [100, 2**64 - 1]
    assert {data for _, _, data in iter_images(source)} == {GREY}


def test_member_escaping_the_folder_is_refused(tmp_path):
    source = write_tar(tmp_path / "evil.tar.gz", {"../../etc/100.jpg": GREY})
    with pytest.raises(DataError, match=r"evil.tar.gz: member '../../etc/100.jpg' points outside"):
        list_images(source)
    source = write_tar(tmp_path / "abs.tar", {"/tmp/100.jpg": GREY}, "w")
    with pytest.raises(DataError, match="points outside"):
        list(iter_images(source))


def test_symlinked_image_is_refused(tmp_path):
    source = tmp_path / "links.tar"
    with tarfile.open(source, "w") as archive:
        info = tarfile.TarInfo("img/100.jpg")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(info)
    with pytest.raises(DataError, match="'img/100.jpg' is a link"):
        list_images(source)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "100.jpg").symlink_to("/etc/passwd")
    for read in (list_images, lambda s: list(iter_images(s))):
        with pytest.raises(DataError, match=r"folder: image '100.jpg' is a symbolic link; refused"):
            read(folder)


def test_duplicate_image_id_is_named(tmp_path):
    source = write_tar(tmp_path / "dup.tar.gz", {"a/7.jpg": GREY, "b/7.jpeg": GREY})
    with pytest.raises(DataError, match=r"dup.tar.gz: GalaxyID 7 has more than one image"):
        list_images(source)


def test_non_integer_image_name_is_named(tmp_path):
    source = write_tar(tmp_path / "odd.tar.gz", {"a/galaxy.jpg": GREY})
    with pytest.raises(DataError, match=r"'a/galaxy.jpg' is not named <GalaxyID>.jpg"):
        list_images(source)


def test_missing_archive_and_unknown_format(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        list_images(tmp_path / "nope.tar.gz")
    (tmp_path / "x.bin").write_bytes(b"not an archive")
    with pytest.raises(DataError, match="x.bin: not a directory, .zip, .tar"):
        list_images(tmp_path / "x.bin")


def test_wrong_header_is_named(tmp_path):
    header = list(KAGGLE_HEADER)
    header[5] = "Class2.9"
    path = write_csv(tmp_path / "labels.csv", [row(1)], header)
    with pytest.raises(DataError, match=r"labels.csv: header .*missing \['Class2.2'\]; unexpected \['Class2.9'\]"):
        read_labels(path)


def test_duplicate_id_names_the_lines(tmp_path):
    path = write_csv(tmp_path / "labels.csv", [row(1), row(2), row(1)])
    with pytest.raises(DataError, match=r"GalaxyID 1 appears more than once \(lines \[2, 4\]\)"):
        read_labels(path)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1.5", "is outside \\[0, 1\\]"),
        ("-0.1", "is outside"),
        ("", "is missing or not a number"),
        ("nan", "is missing"),
    ],
)
def test_bad_value_names_line_id_and_column(tmp_path, value, problem):
    rows = [row(1), row(2)]
    rows[1][3] = value  # Class1.3 of GalaxyID 2, line 3
    path = write_csv(tmp_path / "labels.csv", rows)
    with pytest.raises(DataError, match=rf"labels.csv, line 3, GalaxyID 2: Class1.3 = '{value}' {problem}"):
        read_labels(path)


def test_non_integer_id_is_named(tmp_path):
    path = write_csv(tmp_path / "labels.csv", [row(1), row("12a")])
    with pytest.raises(DataError, match=r"line 3: GalaxyID '12a' is not a non-negative integer"):
        read_labels(path)


def test_labelled_id_without_image_is_named(tmp_path):
    images = write_tar(tmp_path / "imgs.tar.gz", {"1.jpg": GREY, "3.jpg": GREY})
    labels = write_csv(tmp_path / "labels.csv", [row(1), row(2)])
    with pytest.raises(DataError, match=r"labels.csv: 1 labelled GalaxyIDs have no image in .*imgs.tar.gz, e.g. \[2\]"):
        ingest(str(images), str(labels))


def test_image_without_label_is_left_out(tmp_path):
    images = write_tar(tmp_path / "imgs.tar.gz", {"1.jpg": GREY, "3.jpg": GREY})
    labels = write_csv(tmp_path / "labels.csv", [row(1, 0.25)])
    table = ingest(str(images), str(labels))
    assert table["GalaxyID"].tolist() == [1]
    assert table["Class1.1"].tolist() == [0.25]
