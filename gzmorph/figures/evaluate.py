"""Figures of the evaluation stage: data in, matplotlib Figure out, one function per figure."""

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gzmorph.figures.common import LABEL_GRID_COLUMNS, fold_models, panels, show_image
from gzmorph.labels import LABEL_COLUMNS, display_name


def validation_curves_figure(histories: Mapping[str, Sequence[pd.DataFrame]], baseline_rmse: float) -> Figure:
    """Held-out RMSE against images seen for each fold model of each architecture (one colour per architecture), with
    the mean-label baseline as a horizontal line."""
    fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
    for colour, (name, folds) in enumerate(histories.items()):
        last = np.mean([history["validation_rmse"].iloc[-1] for history in folds])
        for fold, history in enumerate(folds):
            label = f"{name}, {fold_models(len(folds))} (last: mean {last:.4f})" if fold == 0 else None
            ax.plot(history["images_seen"], history["validation_rmse"], marker="o", ms=3, color=f"C{colour}",
                    label=label)  # fmt: skip
    ax.axhline(baseline_rmse, color="gray", ls="--", label=f"mean-label baseline ({baseline_rmse:.4f})")
    ax.set_xlabel("training images seen")
    ax.set_ylabel("held-out fold RMSE (37 vote fractions)")
    ax.set_title("Held-out RMSE of every fold model during training")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def true_vs_predicted_figure(true: np.ndarray, predicted: np.ndarray, rmse: np.ndarray, model: str) -> Figure:
    """One panel per label: predicted against true vote fraction on [0, 1], the 1:1 line, the label's RMSE."""
    fig, axes = panels(len(LABEL_COLUMNS), LABEL_GRID_COLUMNS, (2.3, 2.4), layout="constrained")
    size = float(np.clip(2000 / len(true), 0.5, 6))
    for j, (ax, col) in enumerate(zip(axes, LABEL_COLUMNS, strict=True)):
        ax.scatter(true[:, j], predicted[:, j], s=size, alpha=0.4, color="tab:blue", lw=0, rasterized=True)
        ax.plot([0, 1], [0, 1], color="black", lw=0.7)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_title(display_name(col), fontsize=8)
        ax.set_xlabel("true", fontsize=7)
        ax.set_ylabel("predicted", fontsize=7)
        ax.tick_params(labelsize=6)
        ax.text(0.04, 0.95, f"RMSE {rmse[j]:.3f}", transform=ax.transAxes, ha="left", va="top", fontsize=7)
    fig.suptitle(f"Predicted against true vote fraction, {len(true)} out-of-fold galaxies, model: {model}")
    return fig


def extremes_figure(
    columns: Sequence[str],
    true_rows: Sequence[dict],
    predicted_rows: Sequence[dict],
    model: str,
) -> Figure:
    """For each label, the out-of-fold galaxies with the highest true (left) and highest predicted (right) value.

    ``true_rows[k]`` / ``predicted_rows[k]`` hold, for ``columns[k]``: "images" (n, H, W, 3), "ids", "true",
    "predicted" (the label's values for those galaxies).
    """
    n = len(true_rows[0]["ids"])
    fig = plt.figure(figsize=(2 * n * 1.6, len(columns) * 2.0 + 0.6), layout="constrained")
    halves = fig.subfigures(1, 2, wspace=0.04)
    for half, groups, which in ((halves[0], true_rows, "true"), (halves[1], predicted_rows, "predicted")):
        axes = half.subplots(len(columns), n, squeeze=False)
        for row, (col, group) in enumerate(zip(columns, groups, strict=True)):
            for k in range(n):
                title = f"{group['ids'][k]}\ntrue {group['true'][k]:.2f} pred {group['predicted'][k]:.2f}"
                show_image(axes[row, k], group["images"][k], title, fontsize=6.5)
            axes[row, 0].set_ylabel(display_name(col), fontsize=7.5)
        half.suptitle(f"the {n} highest {which} values", fontsize=11)
    fig.suptitle(f"Most extreme out-of-fold galaxies per label (GalaxyID, true and predicted value; model: {model})")
    return fig


def spread_error_figure(bins: pd.DataFrame, spread_name: str, n_galaxies: int) -> Figure:
    """RMS error of the predictions in bins of their predicted spread (``spread_name`` says what spread), against the
    spread (log axes), with the line where the error equals the spread."""
    fig, ax = plt.subplots(figsize=(6.5, 4.8), layout="constrained")
    ax.plot(bins["mean_spread"], bins["rms_error"], "o-", color="tab:blue", label="RMS error in the bin")
    low = float(min(bins["mean_spread"].min(), bins["rms_error"].min()))
    high = float(max(bins["mean_spread"].max(), bins["rms_error"].max()))
    ax.plot([low, high], [low, high], color="grey", ls=":", label="error = spread")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"predicted spread (vote fraction):\n{spread_name}")
    ax.set_ylabel("RMS error against the volunteer vote fraction")
    per_bin = int(bins["n_predictions"].median())
    ax.set_title(
        f"Does a larger predicted spread mean a larger error?\n{n_galaxies} test galaxies x 37 labels, "
        f"{len(bins)} equal-count bins of about {per_bin} predictions",
        fontsize=10,
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="lower right")
    return fig
