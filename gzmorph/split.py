"""The random train/validation split of the labelled galaxies."""

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
    """GalaxyIDs (uint64) of one subset (TRAIN or VALIDATION) of a split table, in table order."""
    return split.loc[split["subset"] == subset, ID_COLUMN].to_numpy(dtype=np.uint64)
