"""RMSE over all galaxies and all 37 labels (the lab's loss and headline metric), and its per-label breakdown."""

import numpy as np


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
