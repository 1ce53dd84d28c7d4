"""Figures of the training stage: one architecture's fold models' RMSE curves, and the cross-validation fold
scores."""

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gzmorph.figures.common import fold_models


def training_curve_figure(
    histories: Mapping[int, pd.DataFrame], model: str, baseline_rmse: float | None = None, ema_decay: float = 0.0
) -> Figure:
    """Each fold model's training and held-out RMSE against images seen (one colour per fold), the mean baseline,
    and fold 0's learning rate on a right axis. With ``ema_decay`` the held-out curves are of the moving average
    of the weights, and their label says so. The kept model is each fold's last point."""
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    averaged = f", moving average of the weights (decay {ema_decay:g})" if ema_decay else ""
    for fold, history in histories.items():
        seen, colour = history["images_seen"], f"C{fold % 10}"
        ax.plot(seen, history["train_rmse"], "o:", ms=2, color=colour, alpha=0.6, label=f"fold {fold}: training")
        ax.plot(seen, history["validation_rmse"], "s-", ms=3, color=colour, label=f"fold {fold}: held out{averaged}")
        ax.plot(seen.iloc[-1], history["validation_rmse"].iloc[-1], "k*", ms=10)
    ax.plot([], [], "k*", ms=10, label="kept model (last weights)")
    if baseline_rmse is not None:
        ax.axhline(baseline_rmse, color="grey", ls="--", label="mean baseline (held-out fold 0)")
    first = next(iter(histories.values()))
    rate = ax.twinx()
    rate.step(first["images_seen"], first["lr"], where="pre", color="tab:red", ls=":", lw=1.2,
              label="learning rate (right axis)")  # fmt: skip
    rate.set_yscale("log")
    rate.set_ylabel("learning rate", color="tab:red")
    ax.set_xlabel("training images seen")
    ax.set_ylabel("RMSE over 37 vote fractions")
    ax.set_title(f"{model}: training and held-out RMSE of its {fold_models(len(histories))}")
    ax.grid(alpha=0.3)
    (curves, names), (lr_line, lr_name) = ax.get_legend_handles_labels(), rate.get_legend_handles_labels()
    ax.legend(curves + lr_line, names + lr_name, fontsize=7)
    return fig


def cv_scores_figure(scores: pd.DataFrame, winner: str) -> Figure:
    """Validation RMSE of every fold per CNN setting (points), their mean and standard deviation (bar)."""
    settings = list(dict.fromkeys(scores["setting"]))
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.6 * len(settings)), layout="constrained")
    for y, name in enumerate(settings):
        values = scores.loc[scores["setting"] == name, "validation_rmse"].to_numpy()
        ax.plot(values, np.full(len(values), y), "o", color="tab:blue", alpha=0.6, label="fold" if y == 0 else None)
        std = values.std(ddof=1) if len(values) > 1 else 0.0
        ax.errorbar(
            values.mean(), y, xerr=std, fmt="D", color="black", capsize=4, label="mean ± std" if y == 0 else None
        )
    ax.set_yticks(range(len(settings)), [f"{s}{'  (chosen)' if s == winner else ''}" for s in settings], fontsize=8)
    for label, name in zip(ax.get_yticklabels(), settings, strict=True):
        label.set_fontweight("bold" if name == winner else "normal")
    ax.invert_yaxis()
    ax.set_xlabel("validation RMSE of the held-out fold")
    # on the figure, not the axes: the long setting labels would push an axes title off the edge
    fig.suptitle(f"Custom CNN settings, {scores['fold'].nunique()}-fold cross-validation")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8)
    return fig
