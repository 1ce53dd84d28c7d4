"""Cross-fitting: the fold models' predictions gathered into the out-of-fold table, the merger calibration table and
the ensemble's predictions, and the check that no fold model is calibrated on a galaxy it trained on.

Fold model k of an architecture trains on every fold but k and predicts fold k (role ``out_of_fold``) and the test
subset (role ``test``), each with predict.tta views and with one (``views``); its file is
results/models/<architecture>/fold<k>/predictions.parquet. Needs no deep-learning framework.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS, MERGER_COLUMN
from gzmorph.split import TEST, fold_ids

OUT_OF_FOLD = "out_of_fold"  # a fold model's own held-out fold
ROLES = (OUT_OF_FOLD, TEST)
CALIBRATION_COLUMNS = (ID_COLUMN, "fold_model", "role", "predicted", "true")


def fold_of(path: str | Path) -> tuple[str, int]:
    """(architecture, fold) of results/models/<architecture>/fold<k>/<file>."""
    folder = Path(path).parent
    if not folder.name.startswith("fold") or not folder.name[4:].isdigit():
        raise ValueError(f"{path}: not in a results/models/<architecture>/fold<k>/ folder")
    return folder.parent.name, int(folder.name[4:])


def by_fold(paths: list[str], what: str) -> dict[tuple[str, int], str]:
    """``paths`` by (architecture, fold): each file once, and folds 0..K-1 of each architecture (K may differ: the
    architecture not chosen trains fold 0 only)."""
    named = {fold_of(p): p for p in paths}
    for model in {m for m, _ in named}:
        folds = sorted(k for m, k in named if m == model)
        if folds != list(range(len(folds))):
            raise ValueError(f"{what}: {model} has folds {folds}, expected 0..K-1: {paths}")
    if len(named) != len(paths):
        raise ValueError(f"{what}: a fold model is given twice: {paths}")
    return named


def read_fold_predictions(paths: list[str]) -> pd.DataFrame:
    """Every fold model's predictions in one table, with its architecture (``model``) and ``fold_model``."""
    frames = []
    for (model, fold), path in by_fold(paths, "predictions").items():
        frame = pd.read_parquet(path)
        missing = sorted({ID_COLUMN, "role", "views", *LABEL_COLUMNS} - set(frame.columns))
        if missing:
            raise ValueError(f"{path}: missing columns {missing}")
        frames.append(frame.assign(model=model, fold_model=fold))
    return pd.concat(frames, ignore_index=True)


def _rows(predictions: pd.DataFrame, model: str, views: int, role: str) -> pd.DataFrame:
    chosen = predictions[(predictions["model"] == model) & (predictions["views"] == views)]
    chosen = chosen[chosen["role"] == role]
    if chosen.empty:
        raise ValueError(f"no {role} predictions of {model} with {views} views")
    return chosen


def out_of_fold(predictions: pd.DataFrame, model: str, views: int) -> pd.DataFrame:
    """GalaxyID, fold (the model that held it out) and the 37 columns: one row per galaxy outside the test subset."""
    rows = _rows(predictions, model, views, OUT_OF_FOLD)
    if rows[ID_COLUMN].duplicated().any():
        raise ValueError(f"{model}: a galaxy is in more than one held-out fold")
    table = rows[[ID_COLUMN, "fold_model", *LABEL_COLUMNS]].rename(columns={"fold_model": "fold"})
    return table.sort_values(ID_COLUMN, ignore_index=True)


def ensemble_test(predictions: pd.DataFrame, model: str, views: int) -> pd.DataFrame:
    """GalaxyID and the 37 columns of the test subset: the mean of the fold models (the published ensemble)."""
    rows = _rows(predictions, model, views, TEST)
    return rows.groupby(ID_COLUMN, sort=True)[list(LABEL_COLUMNS)].mean().reset_index()


def single_fold_test(predictions: pd.DataFrame, model: str, views: int) -> dict[int, pd.DataFrame]:
    """Each fold model's own test-subset predictions (GalaxyID and the 37 columns), by fold."""
    rows = _rows(predictions, model, views, TEST)
    return {int(k): group[[ID_COLUMN, *LABEL_COLUMNS]] for k, group in rows.groupby("fold_model")}


def calibration_table(predictions: pd.DataFrame, model: str, views: int, truth: pd.Series) -> pd.DataFrame:
    """The merger calibration table: GalaxyID (uint64), fold_model, role (out_of_fold or test), predicted (that fold
    model's Class8.6 with ``views`` views) and true (the volunteer Class8.6, ``truth`` indexed by GalaxyID): each fold
    model contributes its held-out fold and the whole test subset, the galaxies it never trained on."""
    rows = pd.concat([_rows(predictions, model, views, role) for role in ROLES], ignore_index=True)
    ids = rows[ID_COLUMN].to_numpy(np.uint64)
    missing = ~np.isin(ids, truth.index.to_numpy(np.uint64))
    if missing.any():
        raise ValueError(f"{int(missing.sum())} calibration galaxies have no volunteer votes, e.g. {ids[missing][:5]}")
    table = pd.DataFrame(
        {
            ID_COLUMN: ids,
            "fold_model": rows["fold_model"].to_numpy(np.int64),
            "role": rows["role"].to_numpy(object),
            "predicted": rows[MERGER_COLUMN].to_numpy(np.float64),
            "true": truth.loc[ids].to_numpy(np.float64),
        }
    )
    return table.sort_values(["fold_model", "role", ID_COLUMN], ignore_index=True)[list(CALIBRATION_COLUMNS)]


def training_overlap(calibration: pd.DataFrame, split: pd.DataFrame) -> dict[int, int]:
    """Per fold model: how many of its calibration galaxies it trained on (the folds but its own); all 0 when clean."""
    overlap = {}
    for fold, rows in calibration.groupby("fold_model"):
        trained = fold_ids(split, int(fold), held_out=False)
        overlap[int(fold)] = int(np.isin(rows[ID_COLUMN].to_numpy(np.uint64), trained).sum())
    return overlap
