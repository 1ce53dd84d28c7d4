"""Batches onto the training device, and rotation augmentation done there in one batched resampling.

Shards hold uint8 fields larger than the network view (``gzmorph.geometry``). A batch travels to the device as
uint8 (a quarter of the bytes of float32), becomes float in [0, 1] there, and is either cropped to its central
``size`` pixels or rotated by a random angle, randomly mirrored (and optionally shifted and zoomed) and resampled
onto the ``size`` x ``size`` view with one ``affine_grid``/``grid_sample`` call for the whole batch.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

from gzmorph.geometry import center_crop


def to_device_batch(
    images: np.ndarray | torch.Tensor,
    device: torch.device | str,
    size: int,
    rotate: bool,
    generator: torch.Generator | None = None,
    shift_px: float = 0.0,
    zoom: float = 0.0,
) -> torch.Tensor:
    """Float images (B, 3, size, size) in [0, 1] on ``device`` from uint8 fields (B, F, F, 3).

    With ``rotate``, each image gets a random angle in [0, 360) degrees and a random mirror flip; ``shift_px``
    (shift of up to that many output pixels in x and y) and ``zoom`` (scale factor within [1/(1+zoom), 1+zoom])
    add to that. Random numbers come from ``generator`` (a CPU generator), so a seeded run draws the same
    transforms on any device. The stored field holds any rotation of the view; a zoom out or a shift on top of a
    rotation can reach past it, and those corners are black (zero), like the sky. On CUDA the result is channels_last.
    """
    device = torch.device(device)
    if not rotate:
        images = center_crop(images, size)
    batch = images if isinstance(images, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(images))
    batch = batch.to(device, non_blocking=True).permute(0, 3, 1, 2).float().div_(255.0)
    if rotate:
        angle, mirror, scale, shift = random_transforms(len(batch), generator, shift_px, zoom)
        batch = affine_crop(batch, size, angle, mirror, scale, shift)
    if device.type == "cuda":
        return batch.contiguous(memory_format=torch.channels_last)
    return batch.contiguous()


def random_transforms(
    n: int, generator: torch.Generator | None, shift_px: float = 0.0, zoom: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per image: angle (radians, [0, 2 pi)), mirror (+1 or -1), zoom scale and (x, y) shift in output pixels."""
    angle = torch.rand(n, generator=generator) * (2 * math.pi)
    mirror = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    log_zoom = math.log1p(zoom)
    scale = torch.exp((torch.rand(n, generator=generator) * 2 - 1) * log_zoom)
    shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * shift_px
    return angle, mirror, scale, shift


def affine_crop(
    fields: torch.Tensor,
    size: int,
    angle: torch.Tensor,
    mirror: torch.Tensor,
    scale: torch.Tensor | None = None,
    shift: torch.Tensor | None = None,
) -> torch.Tensor:
    """Rotate (angle in radians, clockwise as displayed with row 0 at the top: pi/2 is ``torch.rot90(k=-1)``),
    mirror in x, zoom by ``scale``, shift by ``shift`` output pixels, then resample the central view bilinearly.

    ``fields`` is float (B, C, F, F). With angle 0, mirror +1, scale 1 and no shift the result is exactly the
    central crop: with ``align_corners=False`` output pixel i samples field pixel i + (F - size) / 2.
    """
    n, _, field, _ = fields.shape
    device = fields.device
    ratio = size / field  # the view's extent in the field's normalised [-1, 1] coordinates
    scale = torch.ones(n) if scale is None else scale
    shift = torch.zeros(n, 2) if shift is None else shift
    cos, sin = torch.cos(angle), torch.sin(angle)
    s = ratio / scale
    theta = torch.stack(
        [
            torch.stack([cos * mirror * s, sin * s, shift[:, 0] * 2 / field], dim=1),
            torch.stack([-sin * mirror * s, cos * s, shift[:, 1] * 2 / field], dim=1),
        ],
        dim=1,
    ).to(device=device, dtype=fields.dtype)
    grid = F.affine_grid(theta, [n, fields.shape[1], size, size], align_corners=False)
    return F.grid_sample(fields, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
