"""Tables and figure of the final evaluation on the held-out labelled test subset: RMSE of every model with and
without test-time augmentation (with its bootstrap interval), per label, the merger vote's RMSE and ROC AUC, the TTA
effect of the best model, and whether the predicted spread tracks the error."""

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from gzmorph import cli
from gzmorph.catalogue import SPREAD_COLUMNS
from gzmorph.evaluate import per_label_rmse, predictions_for, spread_error_bins, test_scores, tta_effect
from gzmorph.figures import save_figure
from gzmorph.figures.evaluate import spread_error_figure
from gzmorph.io import write_json, write_table
from gzmorph.labels import LABEL_COLUMNS
from gzmorph.shards import ShardSet
from gzmorph.split import TEST, TRAIN, subset_ids

INTERFACE = cli.Interface(
    __doc__,
    inputs=(
        cli.Files("predictions", "results/predictions/labelled_test/<model>.parquet, every model", many=True),
        cli.Files("single_view", "results/predictions/labelled_test/<model>_single_view.parquet", many=True),
        cli.TRAIN_INDEX,
        cli.SPLIT,
    ),
    outputs=(
        cli.Files("scores", "CSV: one row per model and number of views"),
        cli.Files("per_label", "CSV: RMSE per label, every model and number of views"),
        cli.Files("tta_effect", "JSON: the best model's RMSE without and with TTA"),
        cli.FIGURE,
    ),
    settings=("merger_definition", "predict"),
)


def main(args) -> None:
    labelled = ShardSet.of_index(args.train_index)
    split = pd.read_parquet(args.split)
    test = labelled.subset(subset_ids(split, TEST))
    true, train_mean = test.labels.astype(np.float64), labelled.subset(subset_ids(split, TRAIN)).labels.mean(axis=0)
    tables, predicted = {}, {}
    for path, views in [(p, args.predict.tta) for p in args.predictions] + [(p, 1) for p in args.single_view]:
        model = Path(path).stem.removesuffix("_single_view")
        tables[model, views] = pd.read_parquet(path)
        predicted[model, views] = predictions_for(test.ids, tables[model, views], path)
    scores = test_scores(true, predicted, train_mean, args.merger_definition.true_threshold)
    write_table(scores, args.scores)
    write_table(per_label_rmse(true, predicted, train_mean), args.per_label, float_format="%.5f")
    write_json(tta_effect(scores, args.predict.tta), args.tta_effect)
    best = tables["best", args.predict.tta].set_index("GalaxyID").loc[test.ids]
    bins = spread_error_bins(true, best[list(LABEL_COLUMNS)].to_numpy(), best[list(SPREAD_COLUMNS)].to_numpy())
    save_figure(spread_error_figure(bins, args.predict.tta, len(test)), args.figure)
    logging.info("test subset (%d galaxies):\n%s", len(test), scores.to_string(index=False))


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
