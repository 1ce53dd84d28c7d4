"""k-fold cross-validation of the custom-CNN settings in the config's cv.grid, on every labelled galaxy outside the
test subset (the galaxies the fold models are cross-fitted on; its own folds, cv.folds and cv.seed).

Writes the fold scores (setting, fold, validation_rmse), the winning setting (lowest mean RMSE) that the cv.candidate
is then trained with, and a figure of the scores.
"""

import logging

import pandas as pd

from gzmorph import binding
from gzmorph.cnn_grid_search import best_setting, cross_validate
from gzmorph.device import pick_device
from gzmorph.figures import save_figure
from gzmorph.figures.training import cv_scores_figure
from gzmorph.io import write_json, write_table
from gzmorph.models import resolve_spec
from gzmorph.precision import job_precision
from gzmorph.shards import ShardSet
from gzmorph.split import TRAIN, subset_ids

INTERFACE = binding.Interface(
    __doc__,
    inputs=(binding.TRAIN_INDEX, binding.SPLIT),
    outputs=(
        binding.Files("folds", "fold scores CSV"),
        binding.Files("best_setting", "the winning setting (JSON)"),
        binding.FIGURE,
    ),
    settings=("cross_validation",),
)


def main(args) -> None:
    job = args.cross_validation
    shards = ShardSet.of_index(args.train_index)
    geometry = shards.geometry
    base_spec = resolve_spec(job.models.candidates[job.cv.candidate].model_dump(), job.models.head, geometry.size)
    train = shards.subset(subset_ids(pd.read_parquet(args.split), TRAIN))
    device = pick_device(args.threads)
    grid = [setting.model_dump() for setting in job.cv.grid]
    logging.info("%d settings x %d folds on %d labelled images outside the test subset, %s", len(grid), job.cv.folds,
                 len(train), device)  # fmt: skip
    precision = job_precision(base_spec, job.training, geometry.size, device)
    images, labels, cv = train.all_images(), train.labels, job.cv
    scores = cross_validate(
        base_spec, grid, job.training, images, labels, cv.folds, cv.seed, geometry, device, precision.cpu_bfloat16
    )
    write_table(scores, args.folds)
    winner = best_setting(scores, grid)
    write_json(winner, args.best_setting)
    save_figure(cv_scores_figure(scores, winner["setting"]), args.figure)
    logging.info("chosen: %s (mean validation RMSE %.4f)", winner["setting"], winner["mean_validation_rmse"])


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
