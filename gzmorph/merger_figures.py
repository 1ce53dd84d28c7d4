"""Figures of the merger-fraction report: data in, matplotlib Figure out; the script saves them."""

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import NullFormatter, ScalarFormatter  # noqa: E402

from gzmorph.labels import MERGER_COLUMN, display_name  # noqa: E402


def threshold_sweep_figure(
    thresholds: np.ndarray,
    test: np.ndarray,
    test_band: tuple[np.ndarray, np.ndarray],
    valid_true: np.ndarray,
    valid_pred: np.ndarray,
    fixed_threshold: float,
    calibrated_threshold: float,
    literature: Sequence[tuple[str, tuple[float, float]]],
    n_test: int,
    confidence: float,
) -> Figure:
    """Fraction of galaxies above each vote-fraction threshold (percent, log scale), with literature bands."""
    fig, ax = plt.subplots(figsize=(7.5, 5), layout="constrained")
    colors = plt.cm.tab10.colors
    for k, (label, (low, high)) in enumerate(literature):
        color = colors[(k + 3) % len(colors)]
        if high > low:
            ax.axhspan(100 * low, 100 * high, color=color, alpha=0.18, label=label)
        else:
            ax.axhline(100 * low, color=color, lw=1.5, ls=":", label=label)
    ax.fill_between(thresholds, 100 * test_band[0], 100 * test_band[1], color="k", alpha=0.2, lw=0)
    ax.plot(
        thresholds, 100 * test, "k-", lw=2, label=f"unlabelled set, predicted ({n_test} galaxies, {confidence:.0%})"
    )
    ax.plot(thresholds, 100 * valid_pred, "C0--", label="validation set, predicted")
    ax.plot(thresholds, 100 * valid_true, "C1-.", label="validation set, volunteer votes")
    ax.axvline(fixed_threshold, color="0.4", lw=1, ls="--")
    ax.axvline(calibrated_threshold, color="C2", lw=1, ls="--")
    ax.text(fixed_threshold, 0.98, " fixed", color="0.4", transform=ax.get_xaxis_transform(), va="top", fontsize=8)
    ax.text(
        calibrated_threshold, 0.92, " calibrated", color="C2", transform=ax.get_xaxis_transform(), va="top", fontsize=8
    )
    ax.set_yscale("log")
    ax.set_ylim(bottom=0.05)
    ax.set_xlim(thresholds[0], thresholds[-1])
    ax.set_xlabel(f"threshold on the vote fraction {display_name(MERGER_COLUMN)}")
    ax.set_ylabel("galaxies at or above the threshold (%)")
    ax.set_title("Merger fraction against vote-fraction threshold")
    ax.legend(fontsize=7, loc="lower left")
    return fig


def rate_figure(rows: Sequence[tuple[str, tuple[float, float], str]]) -> Figure:
    """Horizontal bars of merger rates per galaxy (Gyr^-1); each row is (label, (low, high), kind)."""
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(rows) + 1.6), layout="constrained")
    colors = {"ours": "k", "literature": "C1"}
    positive = [v for _, span, _ in rows for v in span if v > 0]
    for y, (_, (low, high), kind) in enumerate(rows):
        if high <= 0:
            ax.text(0.01, y, "0 (no galaxy selected)", transform=ax.get_yaxis_transform(), va="center", fontsize=8)
            continue
        ax.plot([low, high], [y, y], color=colors.get(kind, "C0"), lw=6, solid_capstyle="butt", marker="|", ms=14)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    if positive:
        ax.set_xlim(min(positive) / 1.5, max(positive) * 1.5)
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.set_xlabel("merger rate per galaxy, R = f / T_obs (Gyr$^{-1}$)")
    ax.set_title("Merger rate: this work (black) against the literature (orange)")
    ax.grid(axis="x", which="both", alpha=0.3)
    return fig


def calibration_figure(
    valid_true: np.ndarray,
    valid_pred: np.ndarray,
    true_threshold: float,
    calibrated_threshold: float,
    thresholds: np.ndarray,
    true_sweep: np.ndarray,
    pred_sweep: np.ndarray,
) -> Figure:
    """Validation set: predicted against volunteer Class8.6, and the fraction above each threshold from both."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.8), layout="constrained")
    left.scatter(valid_true, valid_pred, s=6, alpha=0.5, color="C0", lw=0)
    left.plot([0, 1], [0, 1], "k:", lw=1, label="predicted = true")
    left.axvline(true_threshold, color="C1", ls="--", lw=1, label=f"true merger: votes >= {true_threshold:g}")
    left.axhline(
        calibrated_threshold, color="C2", ls="--", lw=1, label=f"calibrated threshold {calibrated_threshold:.3f}"
    )
    left.set_xlim(0, 1)
    left.set_ylim(0, 1)
    left.set_xlabel(f"volunteer vote fraction {MERGER_COLUMN}")
    left.set_ylabel(f"predicted vote fraction {MERGER_COLUMN}")
    left.set_title(f"Validation set ({len(valid_true)} galaxies)")
    left.legend(fontsize=8, loc="upper left")
    right.plot(thresholds, 100 * true_sweep, "C1-", label="volunteer votes")
    right.plot(thresholds, 100 * pred_sweep, "C0--", label="predicted")
    right.set_yscale("log")
    right.set_xlabel("threshold on the vote fraction")
    right.set_ylabel("validation galaxies at or above the threshold (%)")
    right.set_title("Fraction above threshold, true against predicted")
    right.legend(fontsize=8)
    fig.suptitle(f"Validation calibration of the merger vote fraction ({display_name(MERGER_COLUMN)})")
    return fig
