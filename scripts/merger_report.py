"""Merger fraction and rate of the unlabelled set: numbers (JSON), figures and the Markdown report.

The calibration galaxies are the held-out labelled test subset: the best model's predicted Class8.6 for them
(``--calibration``) joined with their volunteer values from the labelled index. The other trained models enter the
model systematic through their single-view predictions of the same calibration galaxies and of the target set
(``--variant-calibration`` and ``--variant-targets``, paired by model name, the file name).
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

FIGURES = ("calibration", "gallery", "threshold_sweep", "rate_comparison", "coverage")
INTERFACE = cli.Interface(
    __doc__,
    inputs=(
        cli.Files("test_catalogue", "Parquet predictions of the unlabelled (target) set by the best model"),
        cli.Files("calibration", "Parquet predictions of the held-out labelled test subset by the best model"),
        cli.Files("variant_calibration", "<model>_single_view.parquet of the test subset, other models", many=True),
        cli.Files("variant_targets", "<model>.parquet: the target set predicted by the same models", many=True),
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
    target, truth, calibration = (merger_votes(p) for p in (args.test_catalogue, args.train_index, args.calibration))
    calib_pred, calib_true = calibration_pairs(calibration, truth, args.calibration)
    variants = variant_predictions(args.variant_calibration, args.variant_targets, calibration.index, target.index)
    target_pred = target.to_numpy(np.float64)
    geometry = ShardSet.of_index(args.test_index).geometry
    result = analyse(target_pred, calib_pred, calib_true, settings, variants, (geometry.crop_px, geometry.size))
    write_json(result, args.numbers)
    n = settings.gallery_size
    galleries = (
        gallery(ShardSet.of_index(args.test_index), target.index.to_numpy(), target_pred, n),
        gallery(ShardSet.of_index(args.train_index), calibration.index.to_numpy(), calib_pred, n, calib_true),
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


def calibration_pairs(predictions: pd.Series, truth: pd.Series, path: str) -> tuple[np.ndarray, np.ndarray]:
    missing = ~predictions.index.isin(truth.index)
    if missing.any():
        raise ValueError(f"{path}: {int(missing.sum())} GalaxyIDs have no volunteer votes")
    return predictions.to_numpy(np.float64), truth.loc[predictions.index].to_numpy(np.float64)


def variant_predictions(calibrations: list[str], targets: list[str], calibration_ids, target_ids) -> dict:
    """Model name -> (its calibration predictions, its target predictions), paired by file name."""
    by_name = {Path(p).stem.removesuffix("_single_view"): p for p in calibrations}
    if set(by_name) != {Path(p).stem for p in targets}:
        raise ValueError(f"variant files do not pair up by model name: {calibrations} and {targets}")
    return {
        Path(t).stem: (
            merger_votes(by_name[Path(t).stem]).loc[calibration_ids].to_numpy(np.float64),
            merger_votes(t).loc[target_ids].to_numpy(np.float64),
        )
        for t in targets
    }


def gallery(shards: ShardSet, ids: np.ndarray, predicted: np.ndarray, n: int, truth=None) -> GalleryImages:
    top = highest_predicted(predicted, n)
    chosen = shards.subset(ids[top].astype(np.uint64))
    return GalleryImages(chosen.all_images(), ids[top], predicted[top], None if truth is None else truth[top])


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
