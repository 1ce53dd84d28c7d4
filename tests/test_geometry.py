import numpy as np
import pytest

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
