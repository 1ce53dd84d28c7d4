"""Figures of the merger analysis: the result dict and arrays in, one matplotlib Figure per figure out.

Every axis says what it shows and in which units, every legend sits outside the data, and every calibration galaxy
is drawn. The script saves the figures; nothing here writes files.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from gzmorph.figures.merger_comparison import coverage_figure, rate_figure
from gzmorph.labels import MERGER_COLUMN
from gzmorph.mergers.estimators import CENTRES, bin_counts, merger_probability, sweep
from gzmorph.mergers.per_fold_model import CrossFit
from gzmorph.mergers.result import NAMES, MergerResult
from gzmorph.mergers.settings import MergerSettings
from gzmorph.mergers.uncertainty import wilson_interval

VOTE = f"{MERGER_COLUMN}\n(share of volunteers answering 'merger')"
MIN_MERGERS_ABOVE = 5  # ACC in the sweep figure where TPR rests on at least this many calibration mergers


@dataclass(frozen=True)
class GalleryImages:
    """Images (n, H, W, 3 uint8) of the galaxies to show, their ids, a score (named ``score_name``) and, if known,
    volunteer values."""

    images: np.ndarray
    ids: np.ndarray
    score: np.ndarray
    score_name: str
    true: np.ndarray | None = None


def highest(score: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` highest scores, highest first: which galaxies a gallery should load."""
    return np.argsort(-np.asarray(score), kind="stable")[:n]


def _quadrant_counts(ax, calib_true, calib_pred, true_threshold: float, threshold: float) -> None:
    merger, selected = calib_true >= true_threshold, calib_pred >= threshold
    boxes = {
        "TP": (selected & merger, 0.98, 0.98, "right", "top"),
        "FP": (selected & ~merger, 0.02, 0.98, "left", "top"),
        "FN": (~selected & merger, 0.98, 0.02, "right", "bottom"),
        "TN": (~selected & ~merger, 0.02, 0.02, "left", "bottom"),
    }
    for label, (members, x, y, ha, va) in boxes.items():
        ax.text(
            x,
            y,
            f"{label} = {int(members.sum())}",
            transform=ax.transAxes,
            ha=ha,
            va=va,
            fontsize=9,
            bbox={"facecolor": "white", "edgecolor": "0.6", "alpha": 0.9},
        )


def _calibrated_probability_panel(ax, calib_pred, calib_true, true_threshold: float) -> None:
    counts = bin_counts(calib_pred, calib_true, calib_pred, true_threshold)
    edges = np.linspace(0, 1, 11)
    which = np.clip(np.digitize(calib_pred, edges) - 1, 0, 9)
    merger = calib_true >= true_threshold
    for k in np.unique(which):
        members = merger[which == k]
        low, high = wilson_interval(int(members.sum()), len(members), 0.68)
        centre = (edges[k] + edges[k + 1]) / 2
        ax.plot([centre, centre], [low, high], "k-", lw=1)
        ax.plot(centre, members.mean(), "ko", ms=4)
    ax.plot(CENTRES, merger_probability(counts.mergers, counts.others), "C3-", label="logistic fit (PACC weight)")
    ax.plot([], [], "ko-", lw=1, ms=4, label="calibration galaxies in bins of 0.1 (68 % Wilson interval)")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"predicted {VOTE}")
    ax.set_ylabel(f"P(true merger: volunteer {MERGER_COLUMN} >= {true_threshold:g})")
    ax.set_title("Calibrated merger probability")


def _sqrt_axes(ax) -> None:
    """Square-root scales on both axes: the crowd of non-mergers near zero spreads out, every point shows."""
    ticks = [0, 0.02, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0]
    functions = (lambda v: np.sqrt(np.clip(v, 0, None)), np.square)
    ax.set_xscale("function", functions=functions)
    ax.set_yscale("function", functions=functions)
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])


def calibration_figure(calib_pred, calib_true, true_threshold: float, classification: Mapping) -> Figure:
    """Every calibration galaxy, predicted against volunteer Class8.6, with both thresholds and the quadrant counts."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 6.5), layout="constrained")
    threshold = classification["threshold"]
    merger = calib_true >= true_threshold
    left.scatter(calib_true[~merger], calib_pred[~merger], s=9, c="C0", alpha=0.6, lw=0, label="not a true merger")
    left.scatter(calib_true[merger], calib_pred[merger], s=14, c="C3", alpha=0.8, lw=0, label="true merger")
    left.plot([0, 1], [0, 1], color="0.5", ls=":", lw=1, label="predicted = volunteer")
    left.axvline(true_threshold, color="k", ls="--", lw=1, label=f"true merger: volunteer >= {true_threshold:g}")
    left.axhline(
        threshold,
        color="C2",
        ls="-.",
        lw=1.2,
        label=f"classification threshold {threshold:.2f} (TPR {classification['tpr']:.2f}, "
        f"FPR {classification['fpr']:.3f})",
    )
    _quadrant_counts(left, calib_true, calib_pred, true_threshold, threshold)
    _sqrt_axes(left)
    left.set_xlim(0, 1.0)
    left.set_ylim(0, 1.0)
    left.set_aspect("equal")
    left.set_xlabel(f"volunteer {VOTE}, square-root scale")
    left.set_ylabel(f"predicted {VOTE}, square-root scale")
    left.set_title(f"Calibration galaxies ({len(calib_pred)}, {int(merger.sum())} true mergers)")
    _calibrated_probability_panel(right, calib_pred, calib_true, true_threshold)
    handles = [h for ax in (left, right) for h in ax.get_legend_handles_labels()[0]]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=8)
    fig.suptitle("How the network sees mergers: held-out labelled galaxies never used in training")
    return fig


def _gallery_row(subfig, gallery: GalleryImages, title: str, ncols: int) -> None:
    n = len(gallery.images)
    axes = subfig.subplots(max(1, -(-n // ncols)), ncols, squeeze=False).ravel()
    for k, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= n:
            ax.axis("off")
            continue
        ax.imshow(gallery.images[k], interpolation="nearest")
        ax.set_title(str(gallery.ids[k]), fontsize=7)
        label = f"{gallery.score_name} {gallery.score[k]:.2f}"
        if gallery.true is not None:
            label += f"\nvolunteer {gallery.true[k]:.2f}"
        ax.set_xlabel(label, fontsize=7)
    subfig.suptitle(title, fontsize=10)


def gallery_figure(target: GalleryImages, calibration: GalleryImages | None = None, ncols: int = 8) -> Figure:
    """The merger candidates: the target galaxies of highest p_merger, and the calibration galaxies of highest
    prediction with their volunteer values."""
    parts = [(target, "Target set: highest p_merger, the calibrated merger probability (GalaxyID above)")]
    if calibration is not None:
        parts.append(
            (calibration, f"Calibration galaxies: highest predicted {MERGER_COLUMN}, with the volunteer value")
        )
    rows = [max(1, -(-len(g.images) // ncols)) for g, _ in parts]
    fig = plt.figure(figsize=(1.6 * ncols, 2.0 * sum(rows) + 0.8 * len(parts)), layout="constrained")
    subfigs = np.atleast_1d(fig.subfigures(len(parts), 1, height_ratios=rows))
    for subfig, (gallery, title) in zip(subfigs, parts, strict=True):
        _gallery_row(subfig, gallery, title, ncols)
    fig.suptitle("Merger candidates")
    return fig


def threshold_sweep_figure(
    target, calib_pred, calib_true, s: MergerSettings, quoted: MergerResult, classification: Mapping
) -> Figure:
    """Fraction of galaxies above each threshold (CC) and ACC at each threshold against the quoted value."""
    counts = bin_counts(calib_pred, calib_true, target, s.true_threshold)
    curves = sweep(counts, np.linspace(s.sweep.start, s.sweep.stop, s.sweep.num))
    t = curves["thresholds"]
    fig, ax = plt.subplots(figsize=(10, 5.2), layout="constrained")
    low, high = quoted.fraction.interval
    ax.axhspan(low, high, color="C3", alpha=0.15, lw=0, label=f"quoted ({NAMES[quoted.estimator]}), 68 %")
    ax.axhline(quoted.fraction.fraction, color="C3", lw=1.5)
    ax.plot(t, curves["target_cc"], "k-", lw=2, label="target: predicted >= threshold (CC)")
    enough = curves["tpr"] * counts.mergers.sum() >= MIN_MERGERS_ABOVE
    ax.plot(
        t[enough],
        curves["target_acc"][enough],
        "C2o-",
        ms=3,
        label=f"target: ACC at this threshold (>= {MIN_MERGERS_ABOVE} calibration mergers above it)",
    )
    ax.plot(t, curves["calibration_cc"], "C0--", label="calibration: predicted >= threshold")
    truth = float(np.mean(calib_true >= s.true_threshold))
    ax.axhline(truth, color="C0", ls=":", label=f"calibration: true mergers (volunteer >= {s.true_threshold:g})")
    ax.axvline(classification["threshold"], color="0.4", ls="-.", lw=1, label="classification threshold")
    shown = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in (curves["target_cc"], curves["target_acc"])])
    shown = np.concatenate([shown, [low, high, truth]])
    shown = shown[shown > 0]
    shown = shown if len(shown) else np.array([0.01])
    ax.set_yscale("log")
    ax.set_ylim(shown.min() / 1.5, min(1.0, shown.max() * 1.5))
    occupied = np.flatnonzero(curves["target_cc"] > 0)
    ax.set_xlim(t[0], (t[occupied[-1]] if len(occupied) else t[-1]) + 0.02)
    ax.set_xlabel(f"threshold on predicted {VOTE}")
    ax.set_ylabel("fraction of galaxies")
    ax.set_title("Merger fraction against the classification threshold")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return fig


def draw_figures(
    result: MergerResult,
    cf: CrossFit,
    settings: MergerSettings,
    target_gallery: GalleryImages | None = None,
    calibration_gallery: GalleryImages | None = None,
) -> dict[str, Figure]:
    """Every figure of the report by name (the calibration and the sweep of fold model 0); the gallery only when
    target images are given."""
    rows = cf.fold == 0
    calib_pred, calib_true, target = cf.predicted[rows], cf.true[rows], cf.target[:, 0]
    figures = {
        "calibration": calibration_figure(calib_pred, calib_true, settings.true_threshold, result.classification),
        "threshold_sweep": threshold_sweep_figure(
            target, calib_pred, calib_true, settings, result, result.classification
        ),
        "rate_comparison": rate_figure(result),
        "coverage": coverage_figure(result.diagnostic),
    }
    if target_gallery is not None:
        figures["gallery"] = gallery_figure(target_gallery, calibration_gallery)
    return figures
