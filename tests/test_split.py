"""The labelled galaxies' roles: a stratified, separately seeded test subset, then stratified cross-fitting folds."""

import numpy as np
import pytest

from gzmorph.split import TEST, TEST_FOLD, TRAIN, fold_ids, labelled_split, n_folds, stratified_choice, stratified_folds


def test_stratified_choice_takes_the_fraction_of_every_stratum():
    strata = np.array([True] * 20 + [False] * 180)
    chosen = stratified_choice(strata, 0.15, seed=3)
    assert chosen[strata].sum() == 3 and chosen[~strata].sum() == 27


def _labelled(seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.permutation(np.arange(10_000, 12_000)).astype(np.uint64)
    return ids, rng.random(len(ids)) < 0.05


def test_the_test_subset_holds_mergers_in_proportion_and_has_its_own_seed():
    ids, is_merger = _labelled()
    split = labelled_split(ids, is_merger, 0.15, test_seed=1, folds=3, seed=42)
    test = split["subset"].to_numpy() == TEST
    assert test.sum() == round(0.15 * is_merger.sum()) + round(0.15 * (~is_merger).sum())
    assert is_merger[test].sum() == round(0.15 * is_merger.sum())
    assert set(split["subset"]) == {TRAIN, TEST}
    other_seed = labelled_split(ids, is_merger, 0.15, test_seed=1, folds=5, seed=7)
    assert (other_seed["subset"] == TEST).equals(split["subset"] == TEST)  # folds and their seed move no test galaxy
    other_test = labelled_split(ids, is_merger, 0.15, test_seed=2, folds=3, seed=42)
    assert not (other_test["subset"] == TEST).equals(split["subset"] == TEST)


def test_the_folds_partition_the_galaxies_outside_the_test_subset_with_mergers_in_proportion():
    ids, is_merger = _labelled()
    split = labelled_split(ids, is_merger, 0.15, test_seed=1, folds=3, seed=42)
    test = split["subset"].to_numpy() == TEST
    assert (split.loc[test, "fold"] == TEST_FOLD).all() and (split.loc[~test, "fold"] != TEST_FOLD).all()
    assert n_folds(split) == 3
    held_out = [fold_ids(split, k, held_out=True) for k in range(3)]
    assert sum(len(h) for h in held_out) == (~test).sum()
    assert len(np.unique(np.concatenate(held_out))) == (~test).sum()  # disjoint, and together every non-test galaxy
    sizes = np.array([len(h) for h in held_out])
    assert sizes.max() - sizes.min() <= 1
    mergers = np.array([is_merger[np.isin(ids, h)].sum() for h in held_out])
    assert mergers.max() - mergers.min() <= 1  # stratified: each fold holds its share of the true mergers
    test_ids = split.loc[test, "GalaxyID"].to_numpy(np.uint64)
    for k in range(3):
        trained = fold_ids(split, k, held_out=False)
        assert len(trained) + len(held_out[k]) == (~test).sum()
        assert not np.isin(trained, held_out[k]).any() and not np.isin(trained, test_ids).any()


def test_stratified_folds_are_seeded_and_refuse_too_many_folds():
    strata = np.arange(20) % 4 == 0
    assert np.array_equal(stratified_folds(strata, 2, 1), stratified_folds(strata, 2, 1))
    assert not np.array_equal(stratified_folds(strata, 2, 1), stratified_folds(strata, 2, 2))
    with pytest.raises(ValueError, match="folds"):
        stratified_folds(strata, 21, 0)


def test_a_test_fraction_that_leaves_nothing_is_refused():
    with pytest.raises(ValueError, match="empty subset"):
        labelled_split(np.arange(3, dtype=np.uint64), np.zeros(3, bool), 0.01, 0, 2, 0)
