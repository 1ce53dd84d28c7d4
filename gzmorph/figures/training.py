"""Figures of the training stage: one model's RMSE curves, and the cross-validation fold scores."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def training_curve_figure(
    history: pd.DataFrame, model: str, baseline_rmse: float | None = None, ema_decay: float = 0.0
) -> Figure:
    """Train and validation RMSE against images seen, the mean baseline, and the learning rate on a right axis.
    With ``ema_decay`` the validation curve is of the moving average of the weights, and its label says so."""
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    seen = history["images_seen"]
    ax.plot(seen, history["train_rmse"], "o-", ms=3, label="training (running, during the epoch)")
    averaged = f" (moving average of the weights, decay {ema_decay:g})" if ema_decay else ""
    ax.plot(seen, history["validation_rmse"], "s-", ms=3, label=f"validation{averaged}")
    best = history["validation_rmse"].idxmin()
    ax.plot(seen[best], history["validation_rmse"][best], "k*", ms=12, label="kept model")
    if baseline_rmse is not None:
        ax.axhline(baseline_rmse, color="grey", ls="--", label="mean baseline (validation)")
    rate = ax.twinx()
    rate.step(seen, history["lr"], where="pre", color="tab:red", ls=":", lw=1.2, label="learning rate (right axis)")
    rate.set_yscale("log")
    rate.set_ylabel("learning rate", color="tab:red")
    ax.set_xlabel("training images seen")
    ax.set_ylabel("RMSE over 37 vote fractions")
    ax.set_title(f"{model}: training and validation RMSE")
    ax.grid(alpha=0.3)
    (curves, names), (lr_line, lr_name) = ax.get_legend_handles_labels(), rate.get_legend_handles_labels()
    ax.legend(curves + lr_line, names + lr_name, fontsize=8)
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
