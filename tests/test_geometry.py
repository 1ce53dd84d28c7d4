import io

import numpy as np
import pytest
from PIL import Image

from gzmorph.geometry import Geometry, center_crop, decode_field, field_size
from tests.conftest import jpeg_bytes


def test_field_holds_the_view_rotated_by_any_angle():
    for size in (8, 45, 48, 64, 69):
        assert field_size(size) >= size * np.sqrt(2)
        assert field_size(size) % 2 == 0


def test_default_geometry_reduces_at_least_thirtyfold():
    geometry = Geometry(212, 48)
    assert geometry.field == 68
    assert geometry.reduction_factor() == pytest.approx(424 * 424 * 3 / (68 * 68 * 3))
    assert geometry.reduction_factor() >= 30


def test_decode_keeps_the_centre_at_the_centre():
    """A bright square at the image centre lands at the centre of the field, at the right scale."""
    image = np.zeros((424, 424, 3), dtype=np.uint8)
    image[212 - 53 : 212 + 53, 212 - 53 : 212 + 53] = 255  # 106 original px = 24 output px at crop 212 -> size 48
    field = decode_field(jpeg_bytes(image), Geometry(212, 48)).astype(float)
    assert field.shape == (68, 68, 3)
    bright = field[..., 0] > 128
    rows, cols = np.nonzero(bright)
    assert rows.mean() == pytest.approx(33.5, abs=0.6) and cols.mean() == pytest.approx(33.5, abs=0.6)
    assert bright.sum(axis=1).max() == pytest.approx(24, abs=2)
    assert field[:4, :4].max() < 30  # the corners stay dark


def test_decode_handles_a_small_non_square_image():
    image = np.full((100, 150, 3), 200, dtype=np.uint8)
    field = decode_field(jpeg_bytes(image), Geometry(50, 24))
    assert field.shape == (34, 34, 3)
    assert abs(int(field[17, 17, 0]) - 200) < 10


def test_center_crop():
    images = np.arange(2 * 6 * 6 * 3).reshape(2, 6, 6, 3)
    crop = center_crop(images, 2)
    assert crop.shape == (2, 2, 2, 3)
    np.testing.assert_array_equal(crop, images[:, 2:4, 2:4])


def offset_coded_image(height: int, width: int) -> np.ndarray:
    """Red encodes the column's offset from the image centre, green the row's, blue is 255: padding shows as 0."""
    ramp = 255 / 300  # levels per original pixel, so that a 300 px field spans the full range
    cols = np.clip(128 + (np.arange(width) + 0.5 - width / 2) * ramp, 0, 255)
    rows = np.clip(128 + (np.arange(height) + 0.5 - height / 2) * ramp, 0, 255)
    image = np.full((height, width, 3), 255, dtype=np.uint8)
    image[..., 0] = np.round(cols)[None, :]
    image[..., 1] = np.round(rows)[:, None]
    return image


def sample_offsets(geometry: Geometry) -> np.ndarray:
    """Offset from the image centre, in original pixels, of each field pixel's centre along one axis."""
    return (np.arange(geometry.field) + 0.5) * geometry.field_px / geometry.field - geometry.field_px / 2


@pytest.mark.parametrize("shape", [(50, 50), (256, 256), (424, 424), (4000, 4000), (256, 424), (600, 120)])
def test_any_image_size_keeps_the_scale_and_pads_with_black(shape):
    """The field is field_px original pixels centred on the image; outside the image it is exactly black."""
    geometry = Geometry(212, 48)
    height, width = shape
    field = decode_field(jpeg_bytes(offset_coded_image(height, width)), geometry)
    assert field.shape == (68, 68, 3) and field.dtype == np.uint8
    offsets = sample_offsets(geometry)
    reach = 2 * geometry.field_px / geometry.field  # two output pixels: the resampling filter's reach
    rows, cols = np.abs(offsets) < height / 2 - reach, np.abs(offsets) < width / 2 - reach
    inner = field[np.ix_(rows, cols)].astype(float)
    np.testing.assert_allclose(inner[..., 0], (128 + offsets[None, cols] * 255 / 300).repeat(rows.sum(), 0), atol=4)
    np.testing.assert_allclose(inner[..., 1], (128 + offsets[rows, None] * 255 / 300).repeat(cols.sum(), 1), atol=4)
    assert inner[..., 2].min() > 245
    padding = (np.abs(offsets)[:, None] > height / 2 + reach) | (np.abs(offsets)[None, :] > width / 2 + reach)
    assert padding.any() == (min(shape) < geometry.field_px)
    assert (field[padding] == 0).all()


def test_fields_of_424_px_images_are_the_plain_reduced_decode():
    """An image that holds the whole field gets no padding step: draft decode + box resample, bit for bit."""
    geometry = Geometry(212, 48)
    rng = np.random.default_rng(3)
    jpeg = jpeg_bytes(rng.integers(0, 255, (424, 424, 3), dtype=np.uint8), quality=80)
    with Image.open(io.BytesIO(jpeg)) as image:
        image.draft("RGB", (97, 97))
        assert image.size == (106, 106)
        box = tuple(v / 4 for v in geometry.source_box(424, 424))
        expected = image.convert("RGB").resize((68, 68), Image.Resampling.BILINEAR, box=box, reducing_gap=None)
    np.testing.assert_array_equal(decode_field(jpeg, geometry), np.asarray(expected))
