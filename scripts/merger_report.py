"""Merger fraction and rate of the unlabelled set: numbers (JSON), figures and the Markdown report.

Inputs are the merger calibration table (``--calibration``: GalaxyID, fold_model, role, predicted, true; each fold
model's predictions of the galaxies it never trained on) and the target catalogue (the ensemble's Class8.6 and each
fold model's Class8.6_fold<k>). For now (:func:`calibration_pairs`) the analysis uses fold model 0 on the test subset
as the calibration and the ensemble's Class8.6 as the target, as before the folds; the cross-fitted estimator will
use every fold model's rows with its own target column.
"""

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from gzmorph import cli
from gzmorph.figures import save_figure
from gzmorph.io import write_json, write_text
from gzmorph.labels import ID_COLUMN, MERGER_COLUMN
from gzmorph.mergers import GalleryImages, analyse, draw_figures, highest_predicted, render_markdown
from gzmorph.shards import ShardSet
from gzmorph.split import TEST

FIGURES = ("calibration", "gallery", "threshold_sweep", "rate_comparison", "coverage")
INTERFACE = cli.Interface(
    __doc__,
    inputs=(
        cli.Files("test_catalogue", "Parquet predictions of the unlabelled (target) set by the best model"),
        cli.Files("calibration", "merger_calibration.parquet: GalaxyID, fold_model, role, predicted, true"),
        cli.TRAIN_INDEX,
        cli.TEST_INDEX,
    ),
    outputs=(
        cli.Files("report", "Markdown report"),
        cli.Files("numbers", "JSON with every number of the report"),
        *(cli.Files(f"{name}_figure", "PNG") for name in FIGURES),
    ),
    settings=("mergers",),
)


def main(args) -> None:
    settings = args.mergers
    target = merger_votes(args.test_catalogue)
    calibration_ids, calib_pred, calib_true = calibration_pairs(pd.read_parquet(args.calibration), args.calibration)
    target_pred = target.to_numpy(np.float64)
    geometry = ShardSet.of_index(args.test_index).geometry
    result = analyse(target_pred, calib_pred, calib_true, settings, None, (geometry.crop_px, geometry.size))
    write_json(result, args.numbers)
    n = settings.gallery_size
    galleries = (
        gallery(ShardSet.of_index(args.test_index), target.index.to_numpy(), target_pred, n),
        gallery(ShardSet.of_index(args.train_index), calibration_ids, calib_pred, n, calib_true),
    )
    figures = draw_figures(result, target_pred, calib_pred, calib_true, settings, *galleries)
    report_dir, relative = Path(args.report).parent, {}
    for name, figure in figures.items():
        path = getattr(args, f"{name}_figure")
        save_figure(figure, path)
        relative[name.replace("_", " ")] = os.path.relpath(path, report_dir)
    sources = {
        "target predictions": args.test_catalogue,
        "calibration predictions": args.calibration,
        "volunteer votes": args.train_index,
        "settings": "config (section mergers)",
    }
    write_text(render_markdown(result, relative, sources), args.report)
    adopted = result["adopted_fraction"]
    logging.info("adopted %s merger fraction %.4f, total 68%% interval %s", result["adopted"], adopted["fraction"],
                 adopted["interval_68"])  # fmt: skip


def merger_votes(path: str) -> pd.Series:
    return pd.read_parquet(path, columns=[ID_COLUMN, MERGER_COLUMN]).set_index(ID_COLUMN)[MERGER_COLUMN]


def calibration_pairs(table: pd.DataFrame, path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adapter until the cross-fitted estimator: GalaxyIDs, predicted and true Class8.6 of fold model 0's test rows."""
    rows = table[(table["fold_model"] == 0) & (table["role"] == TEST)]
    if rows.empty:
        raise ValueError(f"{path}: no rows of fold model 0 with role test")
    ids = rows[ID_COLUMN].to_numpy(np.uint64)
    return ids, rows["predicted"].to_numpy(np.float64), rows["true"].to_numpy(np.float64)


def gallery(shards: ShardSet, ids: np.ndarray, predicted: np.ndarray, n: int, truth=None) -> GalleryImages:
    top = highest_predicted(predicted, n)
    chosen = shards.subset(ids[top].astype(np.uint64))
    return GalleryImages(chosen.all_images(), ids[top], predicted[top], None if truth is None else truth[top])


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
