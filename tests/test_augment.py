"""Batches onto the device and the batched rotation augmentation (gzmorph.augment)."""

import math

import numpy as np
import pytest
import torch

from gzmorph.augment import affine_crop, to_device_batch
from gzmorph.geometry import center_crop, field_size

SIZE = 48
FIELD = field_size(SIZE)


def random_fields(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, FIELD, FIELD, 3), dtype=np.uint8)


def test_without_rotation_the_batch_is_the_central_crop_scaled_to_unit_range():
    fields = random_fields(3)
    batch = to_device_batch(fields, "cpu", SIZE, rotate=False)
    expected = torch.from_numpy(center_crop(fields, SIZE).astype(np.float32) / 255).permute(0, 3, 1, 2)
    assert batch.shape == (3, 3, SIZE, SIZE) and batch.dtype == torch.float32
    torch.testing.assert_close(batch, expected, rtol=0, atol=1e-7)


def test_zero_angle_resamples_exactly_the_central_crop():
    fields = torch.from_numpy(random_fields(2)).permute(0, 3, 1, 2).float() / 255
    out = affine_crop(fields, SIZE, torch.zeros(2), torch.ones(2))
    offset = (FIELD - SIZE) // 2
    torch.testing.assert_close(out, fields[:, :, offset : offset + SIZE, offset : offset + SIZE], rtol=0, atol=1e-4)


def test_rotation_by_90_degrees_matches_rot90_and_mirror_matches_flip():
    fields = torch.from_numpy(random_fields(2)).permute(0, 3, 1, 2).float() / 255
    offset = (FIELD - SIZE) // 2
    crop = fields[:, :, offset : offset + SIZE, offset : offset + SIZE]
    quarter = affine_crop(fields, SIZE, torch.full((2,), math.pi / 2), torch.ones(2))
    torch.testing.assert_close(quarter, torch.rot90(crop, k=-1, dims=(2, 3)), rtol=0, atol=1e-3)
    mirrored = affine_crop(fields, SIZE, torch.zeros(2), -torch.ones(2))
    torch.testing.assert_close(mirrored, torch.flip(crop, dims=(3,)), rtol=0, atol=1e-3)


def test_shift_moves_the_view_by_whole_pixels():
    fields = torch.from_numpy(random_fields(1)).permute(0, 3, 1, 2).float() / 255
    offset = (FIELD - SIZE) // 2
    out = affine_crop(fields, SIZE, torch.zeros(1), torch.ones(1), shift=torch.tensor([[2.0, -1.0]]))
    expected = fields[:, :, offset - 1 : offset - 1 + SIZE, offset + 2 : offset + 2 + SIZE]
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-3)


def test_random_rotation_leaves_a_rotationally_symmetric_galaxy_unchanged():
    y, x = np.mgrid[0:FIELD, 0:FIELD] - (FIELD - 1) / 2
    blob = 255 * np.exp(-(x**2 + y**2) / (2 * 9.0**2))
    field = np.repeat(np.round(blob).astype(np.uint8)[None, :, :, None], 3, axis=3)
    fields = np.repeat(field, 8, axis=0)
    generator = torch.Generator().manual_seed(3)
    rotated = to_device_batch(fields, "cpu", SIZE, rotate=True, generator=generator)
    plain = to_device_batch(fields, "cpu", SIZE, rotate=False)
    assert (rotated - plain).abs().max() < 2.5 / 255  # uint8 rounding of the model image plus interpolation


def test_each_image_keeps_its_place_in_the_batch():
    levels = np.array([10, 80, 160, 240], dtype=np.uint8)
    fields = np.broadcast_to(levels[:, None, None, None], (4, FIELD, FIELD, 3)).copy()
    rotated = to_device_batch(fields, "cpu", SIZE, rotate=True, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(rotated.amax(dim=(1, 2, 3)), torch.tensor(levels / 255, dtype=torch.float32))
    torch.testing.assert_close(rotated.amin(dim=(1, 2, 3)), torch.tensor(levels / 255, dtype=torch.float32))


def test_augmentation_is_random_but_reproducible_from_the_generator():
    fields = random_fields(4)

    def draw(seed):
        return to_device_batch(fields, "cpu", SIZE, rotate=True, generator=torch.Generator().manual_seed(seed))

    torch.testing.assert_close(draw(1), draw(1), rtol=0, atol=0)
    assert (draw(1) - draw(2)).abs().max() > 0.1


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_on_cuda_the_batch_is_channels_last_and_matches_the_cpu():
    fields = random_fields(4)
    on_gpu = to_device_batch(fields, "cuda", SIZE, rotate=True, generator=torch.Generator().manual_seed(5))
    on_cpu = to_device_batch(fields, "cpu", SIZE, rotate=True, generator=torch.Generator().manual_seed(5))
    assert on_gpu.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(on_gpu.cpu(), on_cpu, rtol=0, atol=1e-4)
