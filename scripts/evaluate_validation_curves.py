"""Figure: validation RMSE against training images seen for each model, with the mean-label baseline."""

import argparse
import json
import logging

import pandas as pd
from gzmorph.plots import validation_curves_figure

from gzmorph.cli import parse_args

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--histories", nargs="+", required=True, help="history.csv of each model")
parser.add_argument("--models", nargs="+", required=True, help="model names, in the order of --histories")
parser.add_argument("--baseline", required=True, help="mean-baseline JSON with validation_rmse")
parser.add_argument("--figure", required=True, help="output PNG")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

if len(args.histories) != len(args.models):
    raise SystemExit(f"{len(args.histories)} histories but {len(args.models)} model names")
histories = {name: pd.read_csv(path) for name, path in zip(args.models, args.histories, strict=True)}
for path, history in zip(args.histories, histories.values(), strict=True):
    if not {"images_seen", "validation_rmse"} <= set(history.columns) or history.empty:
        raise SystemExit(f"{path}: needs rows with images_seen and validation_rmse columns")
with open(args.baseline) as f:
    baseline = json.load(f)["validation_rmse"]
validation_curves_figure(histories, baseline).savefig(args.figure, dpi=120)
logging.info(
    "wrote %s; best validation RMSE: %s; baseline %.4f",
    args.figure,
    {name: round(float(h["validation_rmse"].min()), 4) for name, h in histories.items()},
    baseline,
)
