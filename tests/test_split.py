"""The labelled galaxies' roles: a stratified, separately seeded test subset, then the random train/validation split."""

import numpy as np
import pytest

from gzmorph.split import TEST, TRAIN, VALIDATION, labelled_split, stratified_choice


def test_stratified_choice_takes_the_fraction_of_every_stratum():
    strata = np.array([True] * 20 + [False] * 180)
    chosen = stratified_choice(strata, 0.15, seed=3)
    assert chosen[strata].sum() == 3 and chosen[~strata].sum() == 27


def test_the_test_subset_holds_mergers_in_proportion_and_has_its_own_seed():
    rng = np.random.default_rng(0)
    ids = rng.permutation(np.arange(10_000, 12_000)).astype(np.uint64)
    is_merger = rng.random(len(ids)) < 0.05
    split = labelled_split(ids, is_merger, 0.15, test_seed=1, validation_fraction=0.2, seed=42)
    test = split["subset"].to_numpy() == TEST
    assert test.sum() == round(0.15 * is_merger.sum()) + round(0.15 * (~is_merger).sum())
    assert is_merger[test].sum() == round(0.15 * is_merger.sum())
    assert (split["subset"] == VALIDATION).sum() == round(0.2 * (~test).sum())
    assert set(split["subset"]) == {TRAIN, VALIDATION, TEST}
    other_seed = labelled_split(ids, is_merger, 0.15, test_seed=1, validation_fraction=0.2, seed=7)
    assert (other_seed["subset"] == TEST).equals(split["subset"] == TEST)  # the validation seed moves no test galaxy
    other_test = labelled_split(ids, is_merger, 0.15, test_seed=2, validation_fraction=0.2, seed=42)
    assert not (other_test["subset"] == TEST).equals(split["subset"] == TEST)


def test_a_test_fraction_that_leaves_nothing_is_refused():
    with pytest.raises(ValueError, match="empty subset"):
        labelled_split(np.arange(3, dtype=np.uint64), np.zeros(3, bool), 0.01, 0, 0.2, 0)
