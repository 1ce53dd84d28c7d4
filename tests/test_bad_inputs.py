"""Bad inputs met in the first hour with real data: each is rejected or stopped with a plain, stable message."""

import gzip
import io
import re
import tarfile
import zipfile

import numpy as np
import pytest
from PIL import Image

from gzmorph.archives import DataError, iter_images, list_images, read_labels
from gzmorph.geometry import Geometry, ImageTooLarge, decode_field
from gzmorph.ingest import ingest
from gzmorph.labels import KAGGLE_HEADER
from gzmorph.preprocess import preprocess
from tests.conftest import jpeg_bytes
from tests.test_ingest import row, write_csv, write_tar

GOOD = jpeg_bytes(np.full((424, 424, 3), 90, dtype=np.uint8))


def with_header_size(jpeg: bytes, width: int, height: int) -> bytes:
    """The JPEG with its frame header (SOF0) claiming another size; the scan data stays that of the small image."""
    sof = jpeg.index(b"\xff\xc0")
    return jpeg[: sof + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + jpeg[sof + 9 :]


def reasons(tmp_path, members: dict[str, bytes], run: str) -> dict[str, str]:
    """Reject reason per member after preprocessing ``members`` (plus good images) as one labelled set."""
    ids = [int(name.split(".")[0]) for name in members]
    members = {**members, "1.jpg": GOOD, "2.jpg": GOOD}
    images = str(write_tar(tmp_path / f"{run}.tar.gz", members))
    labels = str(write_csv(tmp_path / f"{run}.csv", [row(i) for i in [1, 2, *ids]]))
    out = tmp_path / run
    _, rejects, _ = preprocess(ingest(images, labels), images, str(out), Geometry(212, 48), 8, 1, 1.0)
    return dict(zip(rejects["member"], rejects["reason"], strict=True))


def test_a_header_claiming_an_enormous_size_is_a_rejected_image(tmp_path):
    bomb = with_header_size(GOOD, 60000, 50000)
    with pytest.raises(
        ImageTooLarge, match=r"^image too large: 60000 x 50000 pixels exceeds the limit of [\d,]+ pixels$"
    ):
        decode_field(bomb, Geometry(212, 48))
    found = reasons(tmp_path, {"7.jpg": bomb}, "bomb")
    assert found == {
        "7.jpg": f"image too large: 60000 x 50000 pixels exceeds the limit of {2 * Image.MAX_IMAGE_PIXELS:,} pixels"
    }


def test_the_size_limit_is_pillows_and_applies_to_any_format(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    small = jpeg_bytes(np.zeros((40, 60, 3), dtype=np.uint8))
    with pytest.raises(ImageTooLarge, match=r"^image too large: 60 x 40 pixels exceeds the limit of 2,000 pixels$"):
        decode_field(small, Geometry(212, 48))
    png = io.BytesIO()
    Image.new("RGB", (60, 40)).save(png, format="PNG")
    with pytest.raises(ImageTooLarge, match=r"^image too large: more than the limit of 2,000 pixels$"):
        decode_field(png.getvalue(), Geometry(212, 48))


def test_reject_reasons_are_plain_and_the_same_on_every_run(tmp_path):
    sos = GOOD.index(b"\xff\xda")
    bad = {
        "10.jpg": b"",
        "11.jpg": b"GIF89a not really",
        "12.jpg": GOOD[: len(GOOD) // 2],
        "13.jpg": b"\xff\xd8\xff\xe0 this is not a JPEG",
        "14.jpg": GOOD[: sos + 4] + b"\x09" + GOOD[sos + 5 :],  # a scan header naming 9 components
    }
    first, second = reasons(tmp_path, bad, "first"), reasons(tmp_path, bad, "second")
    assert first == second
    assert first == {
        "10.jpg": "not a readable JPEG or PNG image (cannot identify image format)",
        "11.jpg": "not a readable JPEG or PNG image (cannot identify image format)",
        "12.jpg": "truncated JPEG",
        "13.jpg": "truncated JPEG",
        "14.jpg": "cannot decode the image: broken data stream when reading image file",
    }


def plain_tar(n: int = 6, size: int = 20 * 512) -> tuple[bytes, list[int]]:
    """An uncompressed tar of n incompressible members 'set/<k>.jpg', and the byte offset where each member starts."""
    rng = np.random.default_rng(5)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for k in range(1, n + 1):
            info = tarfile.TarInfo(f"set/{k}.jpg")
            info.size = size
            archive.addfile(info, io.BytesIO(rng.bytes(size)))
    return buffer.getvalue(), [(k - 1) * (512 + size) for k in range(1, n + 1)]


def both_readers(source) -> list:
    """The DataError messages of list_images and iter_images on ``source``."""
    messages = []
    for read in (list_images, lambda s: list(iter_images(s))):
        with pytest.raises(DataError) as error:
            read(source)
        messages.append(str(error.value))
    return messages


@pytest.mark.parametrize(
    ("cut", "problem", "last"),
    [
        (3, "it ends without the end-of-archive marker", "'set/3.jpg'"),  # at a member boundary
        (3.5, "unexpected end of data", "'set/3.jpg'"),  # inside a member
        (0.5, "unexpected end of data", None),  # inside the first one
    ],
)
def test_a_truncated_tar_names_the_file_and_the_last_member(tmp_path, cut, problem, last):
    data, starts = plain_tar()
    source = tmp_path / "cut.tar"
    source.write_bytes(data[: int(cut * starts[1])])
    read = f"last member read successfully: {last}" if last else "no member could be read"
    for message in both_readers(source):
        assert message == f"{source}: looks truncated or corrupt ({problem}); {read}; download or copy it again"


def test_a_truncated_or_corrupt_tar_gz_is_named(tmp_path):
    data, starts = plain_tar()
    compressed = gzip.compress(data)
    half = tmp_path / "half.tar.gz"
    half.write_bytes(compressed[: len(compressed) // 2])
    ended = "Compressed file ended before the end-of-stream marker was reached"
    for message in both_readers(half):
        assert re.fullmatch(
            rf"{half}: looks truncated or corrupt \({ended}\); last member read .*'set/[23].jpg'; .*", message
        )
    stub = tmp_path / "stub.tar.gz"
    stub.write_bytes(compressed[:100])
    assert all(
        "stub.tar.gz: looks truncated or corrupt" in m and "no member could be read" in m for m in both_readers(stub)
    )
    flipped = tmp_path / "flipped.tar.gz"
    flipped.write_bytes(compressed[:40000] + bytes([compressed[40000] ^ 0xFF]) + compressed[40001:])
    for message in both_readers(flipped):
        assert re.match(
            rf"{flipped}: looks truncated or corrupt \((CRC check failed|Error -3 while decompressing)", message
        )
    unfinished = tmp_path / "unfinished.tar.gz"  # a complete gzip of a cut tar, as when tar is killed in a pipe
    unfinished.write_bytes(gzip.compress(data[: starts[2]]))
    for message in both_readers(unfinished):
        assert "(it ends without the end-of-archive marker); last member read successfully: 'set/2.jpg'" in message


def test_a_garbled_tar_header_is_not_taken_for_the_end(tmp_path):
    data, starts = plain_tar()
    source = tmp_path / "garbled.tar"
    source.write_bytes(data[: starts[3]] + b"x" * 512 + data[starts[3] + 512 :])
    for message in both_readers(source):
        assert message == (
            f"{source}: looks truncated or corrupt (unreadable member header at byte {starts[3]} of the tar stream); "
            "last member read successfully: 'set/3.jpg'; download or copy it again"
        )


def test_a_truncated_or_corrupt_zip_is_named(tmp_path):
    rng = np.random.default_rng(6)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for k in (1, 2, 3):
            archive.writestr(f"set/{k}.jpg", rng.bytes(5000))
    data = buffer.getvalue()
    half = tmp_path / "half.zip"
    half.write_bytes(data[: len(data) // 2])
    for message in both_readers(half):
        assert message == (
            f"{half}: looks truncated or corrupt (no zip directory at its end); no member could be read; "
            "download or copy it again"
        )
    second = data.index(b"set/2.jpg") + len("set/2.jpg") + 100  # inside the second member's data
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(data[:second] + bytes([data[second] ^ 0xFF]) + data[second + 1 :])
    assert list_images(flipped)["member"].tolist() == ["set/1.jpg", "set/2.jpg", "set/3.jpg"]  # the directory is intact
    with pytest.raises(DataError) as error:
        list(iter_images(flipped))
    assert str(error.value) == (
        f"{flipped}: looks truncated or corrupt (Bad CRC-32 for file 'set/2.jpg'); "
        "last member read successfully: 'set/1.jpg'; download or copy it again"
    )


def test_a_truncated_archive_stops_preprocessing_with_its_name(tmp_path):
    data, starts = plain_tar()
    images = tmp_path / "imgs.tar"
    images.write_bytes(data)
    members = ingest(str(images), None)
    images.write_bytes(data[: starts[4] + 1000])
    with pytest.raises(DataError, match=r"imgs.tar: looks truncated or corrupt .*'set/4.jpg'"):
        preprocess(members, str(images), str(tmp_path / "out"), Geometry(212, 48), 8, 1, 1.0)


def kaggle_csv_text(rows: list[list]) -> str:
    return "\n".join(",".join(str(v) for v in r) for r in [list(KAGGLE_HEADER), *rows]) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("\n  \n", "the file is empty"),
        (kaggle_csv_text([row(1), row(2) + [0.5], row(3)]), "line 3: the header has 38 columns, this row 39"),
        # pandas would take a first row with one field too many for an index column, shifting every value
        (kaggle_csv_text([row(1) + [0.5], row(2)]), "line 2: the header has 38 columns, this row 39"),
        (kaggle_csv_text([row(1), row(2)[:30]]), "line 3: the header has 38 columns, this row 30"),
        # an unclosed quote swallows the rest of the file into one field
        (kaggle_csv_text([row(1), row('"2'), row(3)]), "line 3: the header has 38 columns, this row 1"),
        (
            kaggle_csv_text([row(1), row('"2'), *[row(i) for i in range(3, 4000)]]),
            r"line 3: not readable as CSV \(field larger than field limit \(131072\)\)",
        ),
    ],
)
def test_a_malformed_csv_names_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "labels.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}(: |, ){message}$"):
        read_labels(path)


def test_a_utf16_csv_is_named_as_such(tmp_path):
    path = tmp_path / "labels.csv"
    text = kaggle_csv_text([row(1)])
    path.write_text(text, encoding="utf-16")  # with a byte-order mark, as spreadsheets write "Unicode text"
    with pytest.raises(DataError, match=r"labels.csv: the file is UTF-16 .*; save it as UTF-8 CSV$"):
        read_labels(path)
    path.write_text(text, encoding="utf-16-le")
    with pytest.raises(DataError, match=r"labels.csv: the file holds NUL bytes: UTF-16 .*; save it as UTF-8 CSV$"):
        read_labels(path)


def test_a_non_utf8_byte_names_the_line(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_bytes(kaggle_csv_text([row(1), row(2), row("3\xe9")]).encode("latin-1"))
    with pytest.raises(DataError, match=r"labels.csv, line 4: byte 0xe9 is not UTF-8 text; save the file as UTF-8 CSV"):
        read_labels(path)


def test_spreadsheet_exports_with_a_bom_and_empty_rows_are_read(tmp_path):
    """Excel's "CSV UTF-8" starts with a byte-order mark and may end with empty rows; line numbers stay file lines."""
    path = tmp_path / "labels.csv"
    text = kaggle_csv_text([row(1), row(2)]) + "\n" + "," * 37 + "\n"
    path.write_text(text, encoding="utf-8-sig")
    assert read_labels(path)["GalaxyID"].tolist() == [1, 2]
    path.write_text(text + kaggle_csv_text([row(3, 1.5)]).split("\n", 1)[1], encoding="utf-8-sig")
    with pytest.raises(DataError, match=r"labels.csv, line 6, GalaxyID 3: Class1.1 = '1.5' is outside"):
        read_labels(path)
