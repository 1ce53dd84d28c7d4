"""The labelled galaxies' roles: a held-out test subset, then K folds of the rest for cross-fitting."""

import numpy as np
import pandas as pd

from gzmorph.labels import ID_COLUMN

TRAIN, TEST = "train", "test"  # train: in the folds (each fold model trains on all folds but its own)
TEST_FOLD = -1  # the fold number of a test-subset galaxy


def subset_ids(split: pd.DataFrame, subset: str) -> np.ndarray:
    """GalaxyIDs (uint64) of one subset (TRAIN or TEST) of a split table, in table order."""
    return split.loc[split["subset"] == subset, ID_COLUMN].to_numpy(dtype=np.uint64)


def fold_ids(split: pd.DataFrame, fold: int, held_out: bool) -> np.ndarray:
    """GalaxyIDs (uint64) of fold ``fold`` (``held_out``) or of every other fold (what fold model ``fold`` trains on),
    in table order; never a test galaxy."""
    in_folds = split["fold"].to_numpy() != TEST_FOLD
    in_fold = split["fold"].to_numpy() == int(fold)
    chosen = in_fold if held_out else in_folds & ~in_fold
    return split.loc[chosen, ID_COLUMN].to_numpy(dtype=np.uint64)


def n_folds(split: pd.DataFrame) -> int:
    """How many folds a split table has."""
    return int(split["fold"].max()) + 1


def stratified_choice(strata: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Boolean mask choosing round(fraction x size) positions at random within each stratum (each distinct value)."""
    strata = np.asarray(strata)
    rng = np.random.default_rng(seed)
    chosen = np.zeros(len(strata), dtype=bool)
    for value in np.unique(strata):
        members = np.flatnonzero(strata == value)
        chosen[rng.permutation(members)[: int(round(fraction * len(members)))]] = True
    return chosen


def stratified_folds(strata: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """A fold number (0 to folds - 1) per position: each stratum shuffled and dealt round the folds in turn, so every
    fold holds each stratum in proportion (sizes differ by at most one per stratum)."""
    strata = np.asarray(strata)
    if not 2 <= folds <= len(strata):
        raise ValueError(f"{folds} folds need 2 <= folds <= {len(strata)} galaxies outside the test subset")
    rng = np.random.default_rng(seed)
    fold = np.empty(len(strata), dtype=np.int64)
    dealt = 0
    for value in np.unique(strata):
        members = rng.permutation(np.flatnonzero(strata == value))
        fold[members] = (dealt + np.arange(len(members))) % folds  # continue the deal: fold sizes stay balanced
        dealt += len(members)
    return fold


def labelled_split(
    ids: np.ndarray, is_merger: np.ndarray, test_fraction: float, test_seed: int, folds: int, seed: int
) -> pd.DataFrame:
    """GalaxyID, subset (train or test) and fold (TEST_FOLD for test), in the order of ``ids``.

    The held-out test subset is carved first, with its own seed and stratified on ``is_merger`` so that it holds
    true mergers in the labelled set's proportion; nothing that trains or selects a model sees it. The rest is dealt
    into ``folds`` folds, stratified on ``is_merger`` too (:func:`stratified_folds`), with ``seed``.
    """
    ids, is_merger = np.asarray(ids, dtype=np.uint64), np.asarray(is_merger, dtype=bool)
    test = stratified_choice(is_merger, test_fraction, test_seed)
    if test.all() or not test.any():
        raise ValueError(f"a test fraction of {test_fraction} leaves an empty subset of {len(ids)} images")
    subset = np.where(test, TEST, TRAIN).astype(object)
    fold = np.full(len(ids), TEST_FOLD, dtype=np.int64)
    fold[~test] = stratified_folds(is_merger[~test], folds, seed)
    return pd.DataFrame({ID_COLUMN: ids, "subset": subset, "fold": fold})
