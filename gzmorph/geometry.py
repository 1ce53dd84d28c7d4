"""Crop and resample geometry: from a galaxy JPEG of any size to the stored field and the final network view.

The final view is the central ``crop_px`` x ``crop_px`` pixels of the original, resampled to ``size`` x ``size``.
Shards store a larger *field* around it, ``field_size(size)`` pixels on a side at the same scale, so that rotating
the field by any angle and cropping the central ``size`` pixels leaves no empty corners (the view's diagonal is
``size * sqrt(2)``).
"""

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, JpegImagePlugin

# The views of test-time augmentation: (quarter turns, mirror) for each of the 8 symmetries of a square; index 0 is
# the identity (gzmorph.inference applies them; here, without torch, so that the settings can bound predict.tta).
DIHEDRAL: tuple[tuple[int, bool], ...] = tuple((k, flip) for flip in (False, True) for k in range(4))


class ImageTooLarge(ValueError):
    """A JPEG whose header claims more pixels than Pillow's decompression-bomb limit; nothing was decoded."""


def field_size(size: int) -> int:
    """Smallest even side that holds a ``size`` x ``size`` view rotated by any angle."""
    side = math.ceil(size * math.sqrt(2))
    return side + side % 2


@dataclass(frozen=True)
class Geometry:
    crop_px: int  # side of the final view in original pixels
    size: int  # side of the final view in output pixels

    @property
    def field(self) -> int:
        return field_size(self.size)

    @property
    def scale(self) -> float:
        """Original pixels per output pixel."""
        return self.crop_px / self.size

    @property
    def field_px(self) -> float:
        """Side of the stored field in original pixels."""
        return self.field * self.scale

    @property
    def view_text(self) -> str:
        """Which pixels the network sees, for figure titles."""
        return f"network view: central {self.size}x{self.size} px (= central {self.crop_px}x{self.crop_px} original px)"

    def source_box(self, width: int, height: int) -> tuple[float, float, float, float]:
        """(left, upper, right, lower) of the field in original pixel coordinates, centred on the image."""
        cx, cy, half = width / 2, height / 2, self.field_px / 2
        return (cx - half, cy - half, cx + half, cy + half)

    def reduction_factor(self, original: tuple[int, int, int] = (424, 424, 3)) -> float:
        """Bytes of one original uint8 image over bytes of one stored field."""
        return math.prod(original) / (self.field * self.field * 3)


def decode_field(jpeg: bytes, geometry: Geometry) -> np.ndarray:
    """Decode a JPEG (or PNG) of any size at reduced scale where possible; the stored field, uint8 (field, field, 3).

    The field is always ``geometry.field_px`` original pixels on a side, centred on the image. Where it reaches
    outside the image (a cutout smaller than the field, e.g. 256 px, or a narrow one) it is padded with black, like
    the sky background, rather than rescaled: the network was trained at the fixed pixel scale of the 424 px Kaggle
    images, so a galaxy must keep its size in pixels. Pillow's ``draft`` lets the JPEG decoder skip detail (scale 1/2,
    1/4, 1/8) as long as the image stays at least the requested size; the field is then resampled from the reduced
    image with the box scaled to match. Raises ImageTooLarge, before any pixel is decoded, for a JPEG whose header
    claims more pixels than Pillow's decompression-bomb limit.
    """
    with _open_image(jpeg) as image:
        width, height = image.size
        wanted = geometry.field / geometry.field_px  # output pixels per original pixel
        drafted = image.draft("RGB", (max(1, math.ceil(width * wanted)), max(1, math.ceil(height * wanted))))
        shrink = drafted[1][2] / width if drafted else 1.0  # the exact 1/scale: reduced sizes are rounded up
        image = _to_rgb(image)
        box = tuple(v * shrink for v in geometry.source_box(width, height))
        image, box = _pad_to_box(image, box)
        field = image.resize((geometry.field, geometry.field), Image.Resampling.BILINEAR, box=box, reducing_gap=None)
    return np.asarray(field, dtype=np.uint8)


def _to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB. A 16-bit greyscale PNG (mode I;16 or I) is scaled from 0-65535 to 0-255 first: Pillow's own
    conversion would clip every value above 255 to white. Grey, palette and alpha images convert as Pillow does
    (grey repeated in the three channels, alpha dropped)."""
    if image.mode.startswith("I"):
        levels = np.asarray(image, dtype=np.float64) / 257
        image = Image.fromarray(np.clip(np.rint(levels), 0, 255).astype(np.uint8))
    return image.convert("RGB")


def _open_image(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        limit = f"{2 * Image.MAX_IMAGE_PIXELS:,}"
        try:
            width, height = JpegImagePlugin.JpegImageFile(io.BytesIO(data)).size
        except (OSError, SyntaxError, ValueError):
            raise ImageTooLarge(f"image too large: more than the limit of {limit} pixels") from None
        raise ImageTooLarge(f"image too large: {width} x {height} pixels exceeds the limit of {limit} pixels") from None


def _pad_to_box(image: Image.Image, box: tuple) -> tuple[Image.Image, tuple]:
    """The image on a black canvas large enough to hold ``box``, and the box on that canvas; as is if it fits."""
    left, upper = min(0, math.floor(box[0])), min(0, math.floor(box[1]))
    right, lower = max(image.width, math.ceil(box[2])), max(image.height, math.ceil(box[3]))
    if (left, upper, right, lower) == (0, 0, image.width, image.height):
        return image, box
    canvas = Image.new("RGB", (right - left, lower - upper))
    canvas.paste(image, (-left, -upper))
    return canvas, (box[0] - left, box[1] - upper, box[2] - left, box[3] - upper)


def center_crop(images: np.ndarray, size: int) -> np.ndarray:
    """The central ``size`` x ``size`` pixels of images shaped (..., H, W, C)."""
    h, w = images.shape[-3:-1]
    top, left = (h - size) // 2, (w - size) // 2
    return images[..., top : top + size, left : left + size, :]
