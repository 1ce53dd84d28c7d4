"""The numbers behind the evaluation tables and figures: predictions lined up with labelled galaxies, RMSE with its
bootstrap interval, per label and against the mean baseline, how well the merger vote ranks true mergers, whether
the predicted spread tracks the error, and the most extreme galaxies of a label."""

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS, MERGER_COLUMN, display_name
from gzmorph.metrics import rmse, rmse_per_label, roc_auc


def top_positions(values: np.ndarray, n: int) -> np.ndarray:
    """Positions of the n highest values, highest first (earlier position first on ties)."""
    return np.argsort(-np.asarray(values, dtype=np.float64), kind="stable")[:n]


def predictions_for(ids: np.ndarray, predictions: pd.DataFrame, source: str) -> np.ndarray:
    """The 37 predicted columns for the given GalaxyIDs, in that order; ``source`` names the file in errors."""
    missing_columns = [c for c in (ID_COLUMN, *LABEL_COLUMNS) if c not in predictions.columns]
    if missing_columns:
        raise ValueError(f"{source}: missing columns {missing_columns}")
    table = predictions.set_index(predictions[ID_COLUMN].astype(np.uint64))[list(LABEL_COLUMNS)]
    missing = np.setdiff1d(ids, table.index.to_numpy())
    if len(missing):
        raise ValueError(f"{source}: no prediction for {len(missing)} galaxies, e.g. {missing[:5].tolist()}")
    return table.loc[ids].to_numpy(dtype=np.float64)


def bootstrap_rmse_interval(
    true: np.ndarray, predicted: np.ndarray, resamples: int = 1000, confidence: float = 0.68, seed: int = 0
) -> tuple[float, float]:
    """Central ``confidence`` interval of the RMSE over bootstrap resamples of the galaxies."""
    per_galaxy = np.mean((np.asarray(true, np.float64) - np.asarray(predicted, np.float64)) ** 2, axis=1)
    rows = np.random.default_rng(seed).integers(0, len(per_galaxy), (resamples, len(per_galaxy)))
    samples = np.sqrt(per_galaxy[rows].mean(axis=1))
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def test_scores(
    true: np.ndarray, predictions: dict[tuple[str, int], np.ndarray], train_mean: np.ndarray, true_threshold: float
) -> pd.DataFrame:
    """One row per (model, views): RMSE over the 37 labels with its 68 % bootstrap interval, the merger column's
    RMSE next to the mean baseline's, and the ROC AUC of the predicted merger vote for true mergers."""
    merger = LABEL_COLUMNS.index(MERGER_COLUMN)
    is_merger = true[:, merger] >= true_threshold
    rows = []
    for (model, views), predicted in predictions.items():
        low, high = bootstrap_rmse_interval(true, predicted)
        rows.append(
            {
                "model": model,
                "tta_views": views,
                "rmse": rmse(true, predicted),
                "rmse_low68": low,
                "rmse_high68": high,
                "merger_rmse": rmse(true[:, merger], predicted[:, merger]),
                "merger_rmse_mean_baseline": rmse(true[:, merger], np.full(len(true), train_mean[merger])),
                "merger_auc": roc_auc(predicted[:, merger], is_merger),
                "n_galaxies": len(true),
                "n_true_mergers": int(is_merger.sum()),
            }
        )
    return pd.DataFrame(rows)


def per_label_rmse(true: np.ndarray, predictions: dict[tuple[str, int], np.ndarray], train_mean: np.ndarray):
    """Per label: the mean baseline's RMSE and every (model, views) RMSE, one column each."""
    table = pd.DataFrame({"column": LABEL_COLUMNS, "name": [display_name(c) for c in LABEL_COLUMNS]})
    table["rmse_mean_baseline"] = rmse_per_label(true, np.broadcast_to(train_mean, true.shape))
    for (model, views), predicted in predictions.items():
        table[f"rmse_{model}_tta{views}"] = rmse_per_label(true, predicted)
    table["n_galaxies"] = len(true)
    return table


def spread_error_bins(true: np.ndarray, predicted: np.ndarray, spread: np.ndarray, n_bins: int = 10) -> pd.DataFrame:
    """Every (galaxy, label) prediction binned by its predicted spread (equal-count bins of the non-zero spreads):
    mean spread, RMS error and count per bin. An honest uncertainty has the RMS error grow with the spread."""
    error, spread = (np.asarray(predicted) - np.asarray(true)).ravel(), np.asarray(spread).ravel()
    edges = np.unique(np.quantile(spread, np.linspace(0, 1, n_bins + 1)))
    which = np.clip(np.searchsorted(edges, spread, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for k in range(len(edges) - 1):
        chosen = which == k
        rows.append(
            {
                "spread_low": edges[k],
                "spread_high": edges[k + 1],
                "mean_spread": float(spread[chosen].mean()),
                "rms_error": float(np.sqrt(np.mean(error[chosen] ** 2))),
                "n_predictions": int(chosen.sum()),
            }
        )
    return pd.DataFrame(rows)


def tta_effect(scores: pd.DataFrame, tta: int) -> dict:
    """The best model's test RMSE with one view and with ``tta`` views, from a test_scores table."""
    best = scores[scores["model"] == "best"].set_index("tta_views")["rmse"]
    return {
        "subset": "test",
        "n_galaxies": int(scores["n_galaxies"].iloc[0]),
        "tta": tta,
        "rmse_without_tta": float(best[1]),
        "rmse_with_tta": float(best[tta]),
        "change": float(best[tta] - best[1]),
        "relative_change": float((best[tta] - best[1]) / best[1]),
    }


def chosen_model_name(metrics_path: str | os.PathLike) -> str:
    """How figures name the best model, such as "best (resnet18)", from its metrics.json."""
    metrics = json.loads(Path(metrics_path).read_text())
    return f"{metrics['model']} ({metrics['candidate']})" if "candidate" in metrics else metrics["model"]
