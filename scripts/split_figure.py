"""Figure and table: each label's distribution in the train and validation subsets, and a two-sample KS test."""

import argparse
import logging

import numpy as np
import pandas as pd
from gzmorph.plots import split_histograms_figure

from gzmorph.cli import parse_args
from gzmorph.explore import ks_table
from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--train-index", required=True, help="index.parquet of the labelled shard set")
parser.add_argument("--split", required=True, help="split.parquet (GalaxyID, subset)")
parser.add_argument("--figure", required=True, help="output PNG")
parser.add_argument("--ks-table", required=True, help="output CSV of per-label KS statistics")
parser.add_argument("--bins", type=int, required=True, help="histogram bins on [0, 1]")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

labels = pd.read_parquet(args.train_index, columns=[ID_COLUMN, *LABEL_COLUMNS])
split = pd.read_parquet(args.split)
subset = labels[ID_COLUMN].map(split.set_index(ID_COLUMN)["subset"])
if subset.isna().any():
    raise SystemExit(f"{args.split}: {int(subset.isna().sum())} labelled galaxies have no subset")
train = labels.loc[subset == "train", list(LABEL_COLUMNS)].to_numpy(dtype=np.float64)
validation = labels.loc[subset == "validation", list(LABEL_COLUMNS)].to_numpy(dtype=np.float64)
ks = ks_table(train, validation)
ks.to_csv(args.ks_table, index=False, float_format="%.4g")
split_histograms_figure(train, validation, ks, args.bins).savefig(args.figure, dpi=120)
logging.info(
    "wrote %s, %s; largest KS D %.3f (%s), smallest p %.3g",
    args.figure,
    args.ks_table,
    ks["ks_statistic"].max(),
    ks.loc[ks["ks_statistic"].idxmax(), "column"],
    ks["p_value"].min(),
)
