import numpy as np
import pandas as pd
import pytest

from gzmorph.baseline import mean_baseline
from gzmorph.metrics import rmse, rmse_per_label
from gzmorph.split import TEST, subset_ids


def test_rmse_is_over_all_galaxies_and_labels():
    true = np.zeros((2, 37))
    predicted = np.zeros((2, 37))
    predicted[0, 0] = 0.74  # one error of 0.74 among 74 values -> sqrt(0.74**2 / 74)
    assert rmse(true, predicted) == pytest.approx(0.74 / np.sqrt(74))
    per_label = rmse_per_label(true, predicted)
    assert per_label[0] == pytest.approx(0.74 / np.sqrt(2)) and per_label[1:].max() == 0


def test_rmse_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="shape"):
        rmse(np.zeros((3, 37)), np.zeros((3, 36)))


def test_mean_baseline_on_known_labels():
    train = np.array([[0.0, 1.0], [1.0, 1.0]])
    validation = np.array([[0.5, 0.0]])
    test = np.array([[0.5, 1.0], [0.5, 1.0]])
    result = mean_baseline(train, validation, test)
    assert result["train_rmse"] == pytest.approx(np.sqrt((0.25 + 0.25) / 4))
    assert result["validation_rmse"] == pytest.approx(np.sqrt((0 + 1) / 2))
    assert result["test_rmse"] == 0 and result["n_test"] == 2
    assert result["mean_labels"] == [0.5, 1.0]


def test_subset_ids_keeps_table_order():
    split = pd.DataFrame(
        {"GalaxyID": np.array([5, 3, 9, 1], dtype=np.uint64), "subset": ["test", "train", "test", "train"]}
    )
    np.testing.assert_array_equal(subset_ids(split, TEST), [5, 9])
