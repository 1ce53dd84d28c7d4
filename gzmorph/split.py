"""The labelled galaxies' roles: a held-out test subset, then the random train/validation split of the rest."""

import numpy as np
import pandas as pd

from gzmorph.labels import ID_COLUMN

TRAIN, VALIDATION, TEST = "train", "validation", "test"


def random_split(ids: np.ndarray, validation_fraction: float, seed: int) -> pd.DataFrame:
    """GalaxyID and subset ('train' or 'validation'), in the order of ``ids``; a seeded random permutation."""
    n_validation = int(round(validation_fraction * len(ids)))
    if not 0 < n_validation < len(ids):
        raise ValueError(f"a validation fraction of {validation_fraction} leaves an empty subset of {len(ids)} images")
    subset = np.full(len(ids), TRAIN, dtype=object)
    subset[np.random.default_rng(seed).permutation(len(ids))[:n_validation]] = VALIDATION
    return pd.DataFrame({ID_COLUMN: np.asarray(ids, dtype=np.uint64), "subset": subset})


def subset_ids(split: pd.DataFrame, subset: str) -> np.ndarray:
    """GalaxyIDs (uint64) of one subset (TRAIN, VALIDATION or TEST) of a split table, in table order."""
    return split.loc[split["subset"] == subset, ID_COLUMN].to_numpy(dtype=np.uint64)


def stratified_choice(strata: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Boolean mask choosing round(fraction x size) positions at random within each stratum (each distinct value)."""
    strata = np.asarray(strata)
    rng = np.random.default_rng(seed)
    chosen = np.zeros(len(strata), dtype=bool)
    for value in np.unique(strata):
        members = np.flatnonzero(strata == value)
        chosen[rng.permutation(members)[: int(round(fraction * len(members)))]] = True
    return chosen


def labelled_split(
    ids: np.ndarray, is_merger: np.ndarray, test_fraction: float, test_seed: int, validation_fraction: float, seed: int
) -> pd.DataFrame:
    """GalaxyID and subset (train, validation or test), in the order of ``ids``.

    The held-out test subset is carved first, with its own seed and stratified on ``is_merger`` so that it holds
    true mergers in the labelled set's proportion; nothing that trains or selects a model sees it. The rest is split
    at random into train and validation as :func:`random_split` does.
    """
    ids = np.asarray(ids, dtype=np.uint64)
    test = stratified_choice(is_merger, test_fraction, test_seed)
    if test.all() or not test.any():
        raise ValueError(f"a test fraction of {test_fraction} leaves an empty subset of {len(ids)} images")
    rest = random_split(ids[~test], validation_fraction, seed)
    subset = np.full(len(ids), TEST, dtype=object)
    subset[~test] = rest["subset"].to_numpy()
    return pd.DataFrame({ID_COLUMN: ids, "subset": subset})
