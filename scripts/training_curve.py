"""Figure: one model's training and validation RMSE against images seen, learning-rate cuts marked."""

import argparse
import json
import logging
from pathlib import Path

import pandas as pd
from gzmorph.training_plots import training_curve_figure

from gzmorph.cli import parse_args

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--history", required=True, help="results/models/<model>/history.csv")
parser.add_argument("--baseline", help="results/baseline/mean.json (its validation_rmse is drawn as a line)")
parser.add_argument("--model", required=True, help="model name, for the title")
parser.add_argument("--figure", required=True, help="output PNG")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

history = pd.read_csv(args.history)
if history.empty:
    raise SystemExit(f"{args.history}: no evaluation steps recorded")
baseline = json.loads(Path(args.baseline).read_text())["validation_rmse"] if args.baseline else None
training_curve_figure(history, args.model, baseline).savefig(args.figure, dpi=120)
logging.info("wrote %s (%d evaluation steps)", args.figure, len(history))
