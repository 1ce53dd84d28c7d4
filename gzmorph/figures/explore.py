"""Figures of the data and exploration stage: data in, matplotlib Figure out, one function per figure."""

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import NullFormatter

from gzmorph.figures.common import LABEL_GRID_COLUMNS, image_grid, panels, show_image
from gzmorph.labels import LABEL_COLUMNS, QUESTIONS, display_name


def random_images_figure(images: np.ndarray, ids: Sequence[int], view: str) -> Figure:
    """The 5x5 grid of random training images; ``view`` says which pixels are shown."""
    return image_grid(
        images, [f"{i}" for i in ids], f"{len(images)} random labelled galaxies (GalaxyID above each)\n{view}"
    )


def prototypes_figure(images: np.ndarray, ids: Sequence[int], values: Sequence[float], view: str) -> Figure:
    """The galaxy with the highest value of each label (37 panels, in label order)."""
    titles = [
        f"{display_name(col)}\n{gid}: {value:.2f}" for col, gid, value in zip(LABEL_COLUMNS, ids, values, strict=True)
    ]
    fig, axes = panels(len(images), LABEL_GRID_COLUMNS, (2.3, 2.6), layout="constrained")
    for ax, image, title in zip(axes, images, titles, strict=True):
        show_image(ax, image, title, fontsize=7.5)
    fig.suptitle(f"Prototype of each label: the galaxy with the highest vote fraction (GalaxyID: value)\n{view}")
    return fig


def _histogram_bins(n_bins: int) -> np.ndarray:
    return np.linspace(0.0, 1.0, n_bins + 1)


def label_histograms_figure(labels: np.ndarray, n_bins: int, n_galaxies_text: str) -> Figure:
    """Normalized histogram (density) of each of the 37 labels, on a log density axis so the tails show."""
    fig, axes = panels(len(LABEL_COLUMNS), LABEL_GRID_COLUMNS, (2.4, 2.0), layout="constrained")
    bins = _histogram_bins(n_bins)
    for j, (ax, col) in enumerate(zip(axes, LABEL_COLUMNS, strict=True)):
        ax.hist(labels[:, j], bins=bins, density=True, color="tab:blue")
        _label_histogram_axes(ax, col, len(labels), n_bins)
    fig.suptitle(f"Distribution of each label over {n_galaxies_text} (log density axis)")
    return fig


def _label_histogram_axes(ax, col: str, n_galaxies: int, n_bins: int) -> None:
    """Log density axis from half a one-galaxy bar up to a bar holding every galaxy, the same on every panel."""
    ax.set_yscale("log")
    ax.set_ylim(0.5 * n_bins / n_galaxies, 1.5 * n_bins)
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(0, 1)
    ax.set_title(display_name(col), fontsize=8)
    ax.set_xlabel("vote fraction", fontsize=7)
    ax.set_ylabel("density", fontsize=7)
    ax.tick_params(which="both", labelsize=6)


def split_histograms_figure(
    train: np.ndarray,
    validation: np.ndarray,
    ks: pd.DataFrame,
    n_bins: int,
    names: tuple[str, str] = ("train", "validation"),
) -> Figure:
    """Each label's normalized histogram, train and validation (named ``names``) overlaid, with the KS statistic and
    p-value."""
    fig, axes = panels(len(LABEL_COLUMNS), LABEL_GRID_COLUMNS, (2.4, 2.1), layout="constrained")
    bins = _histogram_bins(n_bins)
    stats = ks.set_index("column")
    for j, (ax, col) in enumerate(zip(axes, LABEL_COLUMNS, strict=True)):
        ax.hist(
            train[:, j],
            bins=bins,
            density=True,
            histtype="stepfilled",
            alpha=0.35,
            color="tab:blue",
            label=f"{names[0]} ({len(train)})",
        )
        ax.hist(
            validation[:, j],
            bins=bins,
            density=True,
            histtype="step",
            lw=1.3,
            color="tab:red",
            label=f"{names[1]} ({len(validation)})",
        )
        _label_histogram_axes(ax, col, max(len(train), len(validation)), n_bins)
        ax.text(
            0.97,
            0.95,
            f"KS D={stats.loc[col, 'ks_statistic']:.3f}\np={stats.loc[col, 'p_value']:.2g}",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=6.5,
        )
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside upper right", fontsize=9)
    fig.suptitle("Label distributions, train vs validation split (log density axis); two-sample KS per label")
    return fig


def correlation_matrix_figure(corr: np.ndarray, n_galaxies: int) -> Figure:
    """The 37x37 Pearson correlation matrix as a heatmap, with the question boundaries drawn."""
    fig, ax = plt.subplots(figsize=(12.5, 11), layout="constrained")
    image = ax.imshow(np.ma.masked_invalid(corr), cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    names = [display_name(c) for c in LABEL_COLUMNS]
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    edge = -0.5
    for q in QUESTIONS:
        start, edge = edge, edge + len(q.columns)
        ax.axhline(edge, color="black", lw=0.8)
        ax.axvline(edge, color="black", lw=0.8)
        ax.text(start + len(q.columns) / 2, -0.8, f"Q{q.number}", ha="center", va="bottom", fontsize=7)
    ax.set_xlabel("label")
    ax.set_ylabel("label")
    fig.colorbar(image, ax=ax, shrink=0.7, label="Pearson correlation coefficient")
    ax.set_title(
        f"Correlation between the 37 labels over {n_galaxies} galaxies (black lines: question boundaries)", pad=18
    )
    return fig


def downsizing_figure(
    originals: Sequence[np.ndarray],
    fields: np.ndarray,
    views: np.ndarray,
    ids: Sequence[int],
    field_px: float,
    crop_px: int,
) -> Figure:
    """Each galaxy before (the original) and after downsizing (the stored field and the network view).

    On the original, the dashed box is the region kept as the field and the solid box the network view.
    """
    fig, axes = plt.subplots(len(ids), 3, figsize=(9, 3.1 * len(ids)), squeeze=False, layout="constrained")
    for row, (gid, original, field, view) in enumerate(zip(ids, originals, fields, views, strict=True)):
        h, w = original.shape[:2]
        show_image(axes[row, 0], original, f"{gid}: original {w}x{h} px")
        for side, style in ((field_px, "--"), (crop_px, "-")):
            axes[row, 0].add_patch(
                Rectangle(((w - side) / 2, (h - side) / 2), side, side, fill=False, ec="yellow", ls=style, lw=1)
            )
        show_image(
            axes[row, 1],
            field,
            f"stored field {field.shape[1]}x{field.shape[0]} px\n(central {field_px:.0f}x{field_px:.0f} original px)",
        )
        show_image(
            axes[row, 2],
            view,
            f"network view {view.shape[1]}x{view.shape[0]} px\n(central {crop_px}x{crop_px} original px)",
        )
    fig.suptitle("Before and after downsizing (yellow: dashed = field kept, solid = network view)")
    return fig
