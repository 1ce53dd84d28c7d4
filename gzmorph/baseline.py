"""The mean-label baseline: the training mean of every label, predicted for every galaxy without looking at it."""

import numpy as np

from gzmorph.metrics import rmse


def mean_baseline(train_labels: np.ndarray, validation_labels: np.ndarray, test_labels: np.ndarray) -> dict:
    """Predict the training mean of every label for every galaxy; RMSE and size of each subset."""
    mean = train_labels.mean(axis=0)
    result = {}
    for name, labels in (("train", train_labels), ("validation", validation_labels), ("test", test_labels)):
        result[f"{name}_rmse"] = rmse(labels, np.broadcast_to(mean, labels.shape))
        result[f"n_{name}"] = len(labels)
    return {**result, "mean_labels": mean.round(6).tolist()}
