"""The numbers behind the evaluation figures: predictions lined up with labelled galaxies, per-label RMSE against
the mean baseline, and the most extreme galaxies of a label."""

import numpy as np
import pandas as pd

from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS, display_name
from gzmorph.metrics import rmse_per_label


def top_positions(values: np.ndarray, n: int) -> np.ndarray:
    """Positions of the n highest values, highest first (earlier position first on ties)."""
    return np.argsort(-np.asarray(values, dtype=np.float64), kind="stable")[:n]


def predictions_for(ids: np.ndarray, predictions: pd.DataFrame, source: str) -> np.ndarray:
    """The 37 predicted columns for the given GalaxyIDs, in that order; ``source`` names the file in errors."""
    missing_columns = [c for c in (ID_COLUMN, *LABEL_COLUMNS) if c not in predictions.columns]
    if missing_columns:
        raise ValueError(f"{source}: missing columns {missing_columns}")
    table = predictions.set_index(predictions[ID_COLUMN].astype(np.uint64))[list(LABEL_COLUMNS)]
    missing = np.setdiff1d(ids, table.index.to_numpy())
    if len(missing):
        raise ValueError(f"{source}: no prediction for {len(missing)} galaxies, e.g. {missing[:5].tolist()}")
    return table.loc[ids].to_numpy(dtype=np.float64)


def per_label_table(true: np.ndarray, predicted: np.ndarray, train_mean: np.ndarray) -> pd.DataFrame:
    """RMSE of each label next to the mean-label baseline's, over the same galaxies."""
    return pd.DataFrame(
        {
            "column": LABEL_COLUMNS,
            "name": [display_name(c) for c in LABEL_COLUMNS],
            "rmse": rmse_per_label(true, predicted),
            "rmse_mean_baseline": rmse_per_label(true, np.broadcast_to(train_mean, true.shape)),
            "n_validation": len(true),
        }
    )
