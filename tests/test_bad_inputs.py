"""Bad inputs met in the first hour with real data: each is rejected or stopped with a plain, stable message."""

import io

import numpy as np
import pytest
from PIL import Image

from gzmorph.geometry import Geometry, ImageTooLarge, decode_field
from gzmorph.ingest import ingest
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
        "10.jpg": "not a readable JPEG (cannot identify image format)",
        "11.jpg": "not a readable JPEG (cannot identify image format)",
        "12.jpg": "truncated JPEG",
        "13.jpg": "truncated JPEG",
        "14.jpg": "cannot decode the image: broken data stream when reading image file",
    }
