"""Figure and table: predicted against true vote fractions of the validation galaxies, and the RMSE of each label
next to the mean-label baseline's.

    python scripts/evaluate_true_vs_predicted.py --predictions results/models/best_validation_predictions.parquet \
        --choice results/models/best.json --train-index results/data/train/index.parquet \
        --split results/data/split.parquet --figure results/figures/evaluate/true_vs_predicted.png \
        --table results/tables/per_label_rmse.csv
"""

import json
import logging
from pathlib import Path

import pandas as pd

from gzmorph import cli
from gzmorph.evaluate import per_label_table, predictions_for
from gzmorph.figures import save_figure
from gzmorph.figures.evaluate import true_vs_predicted_figure
from gzmorph.io import write_table
from gzmorph.metrics import rmse
from gzmorph.shards import ShardSet
from gzmorph.split import TRAIN, VALIDATION, subset_ids

INTERFACE = cli.Interface(
    __doc__,
    inputs=(
        cli.Files("predictions", "validation predictions of the chosen model (GalaxyID + 37 columns)"),
        cli.Files("choice", "best.json naming the chosen model (for the title)"),
        cli.TRAIN_INDEX,
        cli.SPLIT,
    ),
    outputs=(cli.FIGURE, cli.Files("table", "output CSV of per-label RMSE")),
)


def main(args) -> None:
    labelled = ShardSet.of_index(args.train_index)
    split = pd.read_parquet(args.split)
    validation = labelled.subset(subset_ids(split, VALIDATION))
    true = validation.labels.astype("float64")
    predicted = predictions_for(validation.ids, pd.read_parquet(args.predictions), args.predictions)
    train_mean = labelled.subset(subset_ids(split, TRAIN)).labels.mean(axis=0)
    table = per_label_table(true, predicted, train_mean)
    write_table(table, args.table, float_format="%.5f")
    model = json.loads(Path(args.choice).read_text())["model"]
    save_figure(true_vs_predicted_figure(true, predicted, table["rmse"].to_numpy(), model), args.figure)
    logging.info(
        "wrote %s, %s; validation RMSE %.4f over %d galaxies; worst label %s",
        args.figure,
        args.table,
        rmse(true, predicted),
        len(true),
        table.loc[table["rmse"].idxmax(), "name"],
    )


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
