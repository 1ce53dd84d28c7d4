"""Building blocks of the figures: panel grids and image tiles."""

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

LABEL_GRID_COLUMNS = 7  # 37 labels -> 6 rows of 7 panels


def panels(n: int, ncols: int, panel_size: tuple[float, float], **fig_kw) -> tuple[Figure, list]:
    """A figure with n panels on a grid of ncols columns; unused grid cells are removed."""
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows), squeeze=False, **fig_kw
    )
    flat = list(axes.flat)
    for ax in flat[n:]:
        fig.delaxes(ax)
    return fig, flat[:n]


def show_image(ax, image: np.ndarray, title: str, fontsize: float = 8) -> None:
    ax.imshow(image, interpolation="nearest")
    ax.set_title(title, fontsize=fontsize)
    ax.set_xticks([])
    ax.set_yticks([])


def image_grid(images: np.ndarray, titles: Sequence[str], suptitle: str, ncols: int = 5) -> Figure:
    """uint8 RGB images (n, H, W, 3) on a grid, each with its title."""
    fig, axes = panels(len(images), ncols, (2.2, 2.4), layout="constrained")
    for ax, image, title in zip(axes, images, titles, strict=True):
        show_image(ax, image, title)
    fig.suptitle(suptitle)
    return fig


def fold_models(n: int) -> str:
    """'1 fold model', '3 fold models': for titles and legends."""
    return f"{n} fold model" if n == 1 else f"{n} fold models"
