"""k-fold cross-validation of the custom-CNN settings in the config's cv.grid, on the training subset.

Writes the fold scores (setting, fold, validation_rmse), the winning setting (lowest mean RMSE) that the cnn model
is then trained with, and a figure of the scores.
"""

import argparse
import json
import logging
from pathlib import Path

import pandas as pd

from gzmorph.cli import parse_args
from gzmorph.device import pick_device
from gzmorph.io import write_json
from gzmorph.shards import ShardSet
from gzmorph.split import TRAIN, subset_ids
from gzmorph.training import best_setting, cross_validate, load_all_images, settings_from_config
from gzmorph.training_plots import cv_scores_figure

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--train-index", required=True, help="results/data/train/index.parquet (shards beside it)")
parser.add_argument("--train-summary", required=True, help="results/data/train/summary.json (geometry)")
parser.add_argument("--split", required=True, help="results/data/split.parquet")
parser.add_argument("--models", required=True, help="config 'models' section as JSON")
parser.add_argument("--training", required=True, help="config 'training' section as JSON")
parser.add_argument("--cv", required=True, help="config 'cv' section as JSON")
parser.add_argument("--folds", required=True, help="output: fold scores CSV")
parser.add_argument("--best-setting", required=True, help="output: winning setting JSON")
parser.add_argument("--figure", required=True, help="output: PNG of the fold scores")
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

models, training, cv = json.loads(args.models), json.loads(args.training), json.loads(args.cv)
summary = json.loads(Path(args.train_summary).read_text())
geometry = {"crop_px": int(summary["crop_px"]), "size": int(summary["size"]), "field": int(summary["field"])}
base_spec = {"architecture": "cnn", "head": models["head"], "size": geometry["size"], **models["cnn"]}
settings = settings_from_config(training, {"epochs": cv["epochs"], "scheduler": "none", "rotate": False}, "cnn")

split = pd.read_parquet(args.split)
train = ShardSet(Path(args.train_index).parent).subset(subset_ids(split, TRAIN))
device = pick_device(args.threads)
logging.info("%d settings x %d folds on %d training images, %s", len(cv["grid"]), cv["folds"], len(train), device)
scores = cross_validate(
    base_spec, cv["grid"], settings, load_all_images(train), train.labels, cv["folds"], cv["seed"], geometry, device
)
scores.to_csv(args.folds, index=False)
winner = best_setting(scores, cv["grid"])
write_json(winner, args.best_setting)
cv_scores_figure(scores, winner["setting"]).savefig(args.figure, dpi=120)
logging.info("chosen: %s (mean validation RMSE %.4f)", winner["setting"], winner["mean_validation_rmse"])
