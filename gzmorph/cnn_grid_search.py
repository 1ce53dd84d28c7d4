"""k-fold cross-validation of custom-CNN settings on the labelled galaxies outside the test subset, and the choice of
the best setting."""

import logging

import numpy as np
import pandas as pd
import torch

from gzmorph.geometry import Geometry
from gzmorph.settings import TrainSettings
from gzmorph.training import TrainingData, batches_per_epoch, epochs_for, fit, steps_progress

log = logging.getLogger(__name__)


def kfold_indices(n: int, folds: int, seed: int) -> list[np.ndarray]:
    """``folds`` disjoint random position sets covering range(n), sizes differing by at most one."""
    if not 2 <= folds <= n:
        raise ValueError(f"cross-validation needs 2 <= folds <= {n} images, got folds={folds}")
    return np.array_split(np.random.default_rng(seed).permutation(n), folds)


def setting_name(overrides: dict) -> str:
    """A short readable label of a CNN setting, e.g. 'channels=16-32-64 fc=128 dropout=0.3'."""
    parts = []
    for key, value in overrides.items():
        text = "-".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
        parts.append(f"{key}={text}")
    return " ".join(parts)


def cross_validate(
    base_spec: dict,
    grid: list[dict],
    settings: TrainSettings,
    images: np.ndarray,
    labels: np.ndarray,
    folds: int,
    seed: int,
    geometry: Geometry,
    device: torch.device,
    cpu_bfloat16: bool | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Train every grid setting (overrides of ``base_spec``) on every k-1 folds and score it on the held-out fold;
    ``cpu_bfloat16`` is the job's resolved precision switch (as for ``fit``), ``progress`` one bar over all the runs'
    optimizer steps.

    Returns one row per (setting, fold): setting (its label), fold, and validation_rmse, of the last weights of that
    fold's run (the weights training keeps).
    """
    rows = []
    parts = kfold_indices(len(images), folds, seed)
    total = len(grid) * sum(run_steps(len(images) - len(held_out), settings) for held_out in parts)
    with steps_progress("cross-validation", total, disable=not progress) as bar:
        for overrides in grid:
            spec, name = {**base_spec, **overrides}, setting_name(overrides)
            for fold, held_out in enumerate(parts):
                kept = np.setdiff1d(np.arange(len(images)), held_out)
                log.info("cross-validation: %s, fold %d of %d", name, fold + 1, folds)
                data = TrainingData(images[kept], labels[kept], images[held_out], labels[held_out])
                result = fit(spec, settings, data, geometry, device, progress=bar, cpu_bfloat16=cpu_bfloat16)
                rows.append({"setting": name, "fold": fold, "validation_rmse": result.validation_rmse})
    return pd.DataFrame(rows, columns=["setting", "fold", "validation_rmse"])


def run_steps(n_images: int, settings: TrainSettings) -> int:
    """The optimizer steps of one run on ``n_images``: ``settings.steps`` rounded up to whole epochs."""
    return epochs_for(settings.steps, n_images, settings.batch_size) * batches_per_epoch(n_images, settings.batch_size)


def best_setting(scores: pd.DataFrame, grid: list[dict]) -> dict:
    """The grid setting with the lowest mean fold RMSE: {"setting", "overrides", "mean_validation_rmse",
    "std_validation_rmse", "folds"} (the standard deviation is over folds)."""
    summary = scores.groupby("setting", sort=False)["validation_rmse"].agg(["mean", "std"])
    winner = str(summary["mean"].idxmin())
    overrides = {setting_name(o): o for o in grid}[winner]
    return {
        "setting": winner,
        "overrides": overrides,
        "mean_validation_rmse": float(summary.loc[winner, "mean"]),
        "std_validation_rmse": float(summary.loc[winner, "std"]),
        "folds": int(scores["fold"].nunique()),
    }
