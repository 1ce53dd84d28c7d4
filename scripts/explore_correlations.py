"""Figure and tables: the 37x37 label correlation matrix, and within-question correlations against the values
perfectly exclusive answers would give (per answer pair, and averaged per question)."""

import argparse
import logging

import pandas as pd
from gzmorph.plots import correlation_matrix_figure

from gzmorph.cli import parse_args
from gzmorph.explore import correlation_matrix, question_correlation_summary, within_question_correlations
from gzmorph.labels import LABEL_COLUMNS

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--train-index", required=True, help="index.parquet of the labelled shard set")
parser.add_argument("--figure", required=True, help="output PNG")
parser.add_argument("--pairs", required=True, help="output CSV, one row per pair of answers of the same question")
parser.add_argument("--summary", required=True, help="output CSV, one row per question")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

labels = pd.read_parquet(args.train_index, columns=list(LABEL_COLUMNS)).to_numpy()
correlation_matrix_figure(correlation_matrix(labels), len(labels)).savefig(args.figure, dpi=120)
pairs = within_question_correlations(labels)
pairs.to_csv(args.pairs, index=False, float_format="%.4f")
summary = question_correlation_summary(pairs)
summary.to_csv(args.summary, index=False, float_format="%.4f")
logging.info(
    "wrote %s, %s, %s (%d galaxies)\n%s",
    args.figure,
    args.pairs,
    args.summary,
    len(labels),
    summary.to_string(index=False),
)
