"""Figure: the normalized histogram of each of the 37 labels over the labelled set."""

import argparse
import logging

import pandas as pd
from gzmorph.plots import label_histograms_figure

from gzmorph.cli import parse_args
from gzmorph.labels import LABEL_COLUMNS

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--train-index", required=True, help="index.parquet of the labelled shard set")
parser.add_argument("--figure", required=True, help="output PNG")
parser.add_argument("--bins", type=int, required=True, help="histogram bins on [0, 1]")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

labels = pd.read_parquet(args.train_index, columns=list(LABEL_COLUMNS)).to_numpy()
figure = label_histograms_figure(labels, args.bins, f"{len(labels)} labelled galaxies")
figure.savefig(args.figure, dpi=120)
logging.info("wrote %s (%d galaxies)", args.figure, len(labels))
