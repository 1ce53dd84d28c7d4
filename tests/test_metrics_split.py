import numpy as np
import pandas as pd
import pytest

from gzmorph.baseline import mean_baseline
from gzmorph.metrics import rmse, rmse_per_label
from gzmorph.split import VALIDATION, random_split, subset_ids


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


def test_split_is_random_seeded_and_80_20():
    ids = np.arange(1000, 2000, dtype=np.uint64)
    a, b, c = random_split(ids, 0.2, 1), random_split(ids, 0.2, 1), random_split(ids, 0.2, 2)
    assert (a["subset"] == VALIDATION).sum() == 200
    assert a.equals(b) and not a.equals(c)
    validation = a.loc[a["subset"] == VALIDATION, "GalaxyID"].to_numpy()
    assert 1200 < validation.mean() < 1800  # not the first or last fifth: the ids are shuffled
    assert np.diff(validation).max() > 1


def test_mean_baseline_on_known_labels():
    train = np.array([[0.0, 1.0], [1.0, 1.0]])
    validation = np.array([[0.5, 0.0]])
    test = np.array([[0.5, 1.0], [0.5, 1.0]])
    result = mean_baseline(train, validation, test)
    assert result["train_rmse"] == pytest.approx(np.sqrt((0.25 + 0.25) / 4))
    assert result["validation_rmse"] == pytest.approx(np.sqrt((0 + 1) / 2))
    assert result["test_rmse"] == 0 and result["n_test"] == 2
    assert result["mean_labels"] == [0.5, 1.0]


def test_split_refuses_an_empty_subset():
    with pytest.raises(ValueError, match="empty subset"):
        random_split(np.arange(3, dtype=np.uint64), 0.01, 0)


def test_subset_ids_keeps_table_order():
    split = pd.DataFrame(
        {"GalaxyID": np.array([5, 3, 9, 1], dtype=np.uint64), "subset": ["validation", "train", "validation", "train"]}
    )
    np.testing.assert_array_equal(subset_ids(split, "validation"), [5, 9])
