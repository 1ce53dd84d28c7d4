"""Figure: for chosen labels, the validation galaxies with the highest true and the highest predicted values."""

import argparse
import json
import logging
from pathlib import Path

import pandas as pd
from gzmorph.plots import extremes_figure

from gzmorph.cli import parse_args
from gzmorph.explore import predictions_for, top_positions
from gzmorph.geometry import center_crop
from gzmorph.labels import COLUMN_INDEX
from gzmorph.shards import ShardSet
from gzmorph.split import VALIDATION, subset_ids

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--predictions", required=True, help="validation predictions Parquet (GalaxyID + 37 columns)")
parser.add_argument("--train-index", required=True, help="index.parquet of the labelled shard set")
parser.add_argument("--split", required=True, help="split.parquet (GalaxyID, subset)")
parser.add_argument("--choice", required=True, help="best.json naming the chosen model (for the title)")
parser.add_argument("--columns", nargs="+", required=True, help="label columns to show, e.g. Class1.1 Class8.6")
parser.add_argument("--n-extremes", type=int, required=True, help="galaxies per label and ranking")
parser.add_argument("--size", type=int, required=True, help="side of the network view in pixels")
parser.add_argument("--figure", required=True, help="output PNG")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

unknown = [c for c in args.columns if c not in COLUMN_INDEX]
if unknown:
    raise SystemExit(f"unknown label columns {unknown}")
validation = ShardSet(Path(args.train_index).parent).subset(subset_ids(pd.read_parquet(args.split), VALIDATION))
predicted = predictions_for(validation.ids, pd.read_parquet(args.predictions), args.predictions)


def ranked(values, j):
    positions = top_positions(values[:, j], args.n_extremes)
    return {
        "images": center_crop(validation.images(positions), args.size),
        "ids": validation.ids[positions],
        "true": validation.labels[positions, j],
        "predicted": predicted[positions, j],
    }


columns = [COLUMN_INDEX[c] for c in args.columns]
figure = extremes_figure(
    args.columns,
    [ranked(validation.labels, j) for j in columns],
    [ranked(predicted, j) for j in columns],
    json.loads(Path(args.choice).read_text())["model"],
)
figure.savefig(args.figure, dpi=120)
logging.info("wrote %s (%d validation galaxies, labels %s)", args.figure, len(validation), args.columns)
