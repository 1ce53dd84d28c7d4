"""RMSE over all galaxies and all 37 labels (the lab's loss and headline metric), its per-label breakdown, and the
ROC AUC that measures how well a predicted vote fraction ranks true mergers."""

import numpy as np
from scipy.stats import mannwhitneyu


def rmse(true: np.ndarray, predicted: np.ndarray) -> float:
    """sqrt(mean over galaxies i and labels j of (true_ij - predicted_ij)^2)."""
    true, predicted = np.asarray(true, dtype=np.float64), np.asarray(predicted, dtype=np.float64)
    if true.shape != predicted.shape:
        raise ValueError(f"shape mismatch: true {true.shape} vs predicted {predicted.shape}")
    return float(np.sqrt(np.mean((true - predicted) ** 2)))


def rmse_per_label(true: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """RMSE of each label (column) over galaxies; shape (n_labels,)."""
    true, predicted = np.asarray(true, dtype=np.float64), np.asarray(predicted, dtype=np.float64)
    return np.sqrt(np.mean((true - predicted) ** 2, axis=0))


def roc_auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` for the boolean ``positive``: the probability that a random positive
    scores higher than a random negative (ties count half), from the Mann-Whitney U statistic. NaN without both."""
    score, positive = np.asarray(score, dtype=np.float64), np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float(mannwhitneyu(score[positive], score[~positive]).statistic / (n_pos * n_neg))
