"""Mean-label baseline: predict the training-set mean of every label for every galaxy; RMSE on both subsets.

    python scripts/baseline.py --index results/data/train/index.parquet --split results/data/split.parquet \
        --metrics results/baseline/mean.json
"""

import argparse
import logging

import pandas as pd

from gzmorph.cli import parse_args
from gzmorph.io import write_json
from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS
from gzmorph.split import TRAIN, VALIDATION, mean_baseline

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--index", required=True, help="index Parquet of the labelled set")
parser.add_argument("--split", required=True, help="split Parquet")
parser.add_argument("--metrics", required=True, help="output JSON")
parser.add_argument("--log", help="log file")
args = parse_args(parser, globals().get("snakemake"))

table = pd.read_parquet(args.index, columns=[ID_COLUMN, *LABEL_COLUMNS]).merge(
    pd.read_parquet(args.split), on=ID_COLUMN, validate="one_to_one"
)
labels = {s: table.loc[table["subset"] == s, list(LABEL_COLUMNS)].to_numpy() for s in (TRAIN, VALIDATION)}
result = mean_baseline(labels[TRAIN], labels[VALIDATION])
logging.info("mean baseline RMSE: train %.5f, validation %.5f", result["train_rmse"], result["validation_rmse"])
write_json(result, args.metrics)
