"""Figure and table: predicted against true vote fractions of the validation galaxies, and the RMSE of each label
next to the mean-label baseline's."""

import argparse
import json
import logging
from pathlib import Path

import pandas as pd
from gzmorph.plots import true_vs_predicted_figure

from gzmorph.cli import parse_args
from gzmorph.explore import predictions_for
from gzmorph.labels import LABEL_COLUMNS, display_name
from gzmorph.metrics import rmse, rmse_per_label
from gzmorph.shards import ShardSet
from gzmorph.split import TRAIN, VALIDATION, subset_ids

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--predictions", required=True, help="validation predictions Parquet (GalaxyID + 37 columns)")
parser.add_argument("--train-index", required=True, help="index.parquet of the labelled shard set")
parser.add_argument("--split", required=True, help="split.parquet (GalaxyID, subset)")
parser.add_argument("--choice", required=True, help="best.json naming the chosen model (for the title)")
parser.add_argument("--figure", required=True, help="output PNG")
parser.add_argument("--table", required=True, help="output CSV of per-label RMSE")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

labelled = ShardSet(Path(args.train_index).parent)
split = pd.read_parquet(args.split)
validation = labelled.subset(subset_ids(split, VALIDATION))
true = validation.labels.astype("float64")
predicted = predictions_for(validation.ids, pd.read_parquet(args.predictions), args.predictions)
train_mean = labelled.subset(subset_ids(split, TRAIN)).labels.mean(axis=0)
per_label = rmse_per_label(true, predicted)
table = pd.DataFrame(
    {
        "column": LABEL_COLUMNS,
        "name": [display_name(c) for c in LABEL_COLUMNS],
        "rmse": per_label,
        "rmse_mean_baseline": rmse_per_label(true, train_mean[None, :].repeat(len(true), axis=0)),
        "n_validation": len(true),
    }
)
table.to_csv(args.table, index=False, float_format="%.5f")
true_vs_predicted_figure(true, predicted, per_label, json.loads(Path(args.choice).read_text())["model"]).savefig(
    args.figure, dpi=120
)
logging.info(
    "wrote %s, %s; validation RMSE %.4f over %d galaxies; worst label %s",
    args.figure,
    args.table,
    rmse(true, predicted),
    len(true),
    table.loc[table["rmse"].idxmax(), "name"],
)
