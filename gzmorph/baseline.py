"""The mean-label baseline: the training mean of every label, predicted for every galaxy without looking at it."""

import numpy as np

from gzmorph.metrics import rmse


def mean_baseline(train_labels: np.ndarray, validation_labels: np.ndarray) -> dict:
    """Predict the training mean of every label for every galaxy; RMSE on both subsets."""
    mean = train_labels.mean(axis=0)
    return {
        "train_rmse": rmse(train_labels, np.broadcast_to(mean, train_labels.shape)),
        "validation_rmse": rmse(validation_labels, np.broadcast_to(mean, validation_labels.shape)),
        "n_train": len(train_labels),
        "n_validation": len(validation_labels),
        "mean_labels": mean.round(6).tolist(),
    }
