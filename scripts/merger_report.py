"""Merger fraction and rate of the unlabelled set: numbers (JSON), p_merger per galaxy, calibration curves, figures
and the Markdown report.

Inputs follow the cross-fitting contract: ``--calibration-table`` holds one row per fold model and labelled galaxy
it never trained on (GalaxyID, fold_model, role, predicted, true); ``--target-catalogue`` holds each fold model's
predicted Class8.6 of the target set as Class8.6_fold{k}. The labelled index gives the labelled galaxies' own
merger fraction (the iid sanity row) and, with the unlabelled index, the gallery images.
"""

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from gzmorph import binding
from gzmorph.figures import save_figure
from gzmorph.figures.mergers import GalleryImages, draw_figures, highest
from gzmorph.io import write_json, write_table, write_text
from gzmorph.labels import ID_COLUMN, MERGER_COLUMN
from gzmorph.mergers.analysis import analyse
from gzmorph.mergers.per_fold_model import CrossFit, calibration_curves, curves_document, p_merger
from gzmorph.mergers.reference import REFERENCE_FILE, load_reference
from gzmorph.mergers.report import render_markdown
from gzmorph.mergers.tables import headline
from gzmorph.shards import ShardSet

FIGURES = ("calibration", "gallery", "threshold_sweep", "rate_comparison", "coverage")
INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.Files("calibration_table", "merger_calibration.parquet: GalaxyID, fold_model, role, predicted, true"),
        binding.Files("target_catalogue", "Parquet catalogue of the target set with Class8.6_fold{k} columns"),
        binding.TRAIN_INDEX,
        binding.TARGET_INDEX,
        binding.Files("reference", f"reference data (default: the package's {REFERENCE_FILE.name})", optional=True),
    ),
    outputs=(
        binding.Files("report", "Markdown report"),
        binding.Files("numbers", "JSON: the MergerResult"),
        binding.Files("p_merger", "Parquet: GalaxyID, p_merger of every target galaxy"),
        binding.Files("curves", "JSON: bin edges and each fold model's calibration curve"),
        *(binding.Files(f"{name}_figure", "PNG") for name in FIGURES),
    ),
    settings=("mergers",),
)


def read_crossfit(calibration_path: str, catalogue_path: str) -> tuple[CrossFit, np.ndarray]:
    """The contract's two tables as a CrossFit, and the target GalaxyIDs in catalogue order."""
    rows = pd.read_parquet(calibration_path, columns=[ID_COLUMN, "fold_model", "predicted", "true"])
    catalogue = pd.read_parquet(catalogue_path)
    folds = sorted(rows["fold_model"].unique())
    columns = [f"{MERGER_COLUMN}_fold{k}" for k in folds]
    missing = [c for c in columns if c not in catalogue.columns]
    if missing:
        raise ValueError(f"{catalogue_path}: no column {missing} for the fold models of {calibration_path}")
    cf = CrossFit.from_rows(
        rows[ID_COLUMN].to_numpy(np.uint64),
        rows["fold_model"].to_numpy(),
        rows["predicted"].to_numpy(),
        rows["true"].to_numpy(),
        catalogue[columns].to_numpy(np.float64),
    )
    return cf, catalogue[ID_COLUMN].to_numpy(np.uint64)


def main(args) -> None:
    settings = args.mergers
    cf, target_ids = read_crossfit(args.calibration_table, args.target_catalogue)
    labelled = pd.read_parquet(args.train_index, columns=[MERGER_COLUMN])[MERGER_COLUMN].to_numpy(np.float64)
    geometry = ShardSet.of_index(args.target_index).geometry
    reference = load_reference(args.reference or REFERENCE_FILE)
    result = analyse(cf, labelled, settings, reference, (geometry.crop_px, geometry.size))
    write_json(result.to_json(), args.numbers)
    curves = calibration_curves(cf, settings.true_threshold)
    probability = p_merger(curves, cf.target)
    write_table(pd.DataFrame({ID_COLUMN: target_ids, "p_merger": probability}), args.p_merger)
    write_json(curves_document(curves, settings.true_threshold), args.curves)
    n, rows = settings.gallery_size, cf.fold == 0
    galleries = (
        gallery(ShardSet.of_index(args.target_index), target_ids, probability, "p_merger", n),
        gallery(ShardSet.of_index(args.train_index), cf.ids[cf.galaxy[rows]], cf.predicted[rows], "predicted", n,
                cf.true[rows]),
    )  # fmt: skip
    figures = draw_figures(result, cf, settings, *galleries)
    report_dir, relative = Path(args.report).parent, {}
    for name, figure in figures.items():
        path = getattr(args, f"{name}_figure")
        save_figure(figure, path)
        relative[name.replace("_", " ")] = os.path.relpath(path, report_dir)
    sources = {
        "calibration rows": args.calibration_table,
        "target predictions": args.target_catalogue,
        "volunteer votes": args.train_index,
        "settings": "config (section mergers)",
        "reference data": reference_name(args.reference),
    }
    write_text(render_markdown(result, relative, sources), args.report)
    for line in headline(result):
        logging.info("%s", line)


def reference_name(path: str | None) -> str:
    """The reference file as the report names it: the package's under its place in the repository."""
    if path is None or Path(path).resolve() == REFERENCE_FILE:
        return "gzmorph/data/merger_reference.yaml"
    return path


def gallery(shards: ShardSet, ids: np.ndarray, score: np.ndarray, name: str, n: int, truth=None) -> GalleryImages:
    top = highest(score, n)
    chosen = shards.subset(ids[top].astype(np.uint64))
    return GalleryImages(chosen.all_images(), ids[top], score[top], name, None if truth is None else truth[top])


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
