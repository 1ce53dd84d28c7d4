"""Copy the trained model with the lowest validation RMSE to one well-known place (results/models/best.pt)."""

import argparse
import json
import logging
import shutil
from pathlib import Path

from gzmorph.cli import parse_args
from gzmorph.io import atomic_path, write_json

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--models", nargs="+", required=True, help="model.pt of each trained model")
parser.add_argument("--metrics", nargs="+", required=True, help="metrics.json of each, in the same order")
parser.add_argument("--predictions", nargs="+", required=True, help="valid_predictions.parquet of each, same order")
parser.add_argument("--best", required=True, help="output: copy of the chosen model.pt")
parser.add_argument("--choice", required=True, help="output: JSON naming the chosen model and its metrics")
parser.add_argument(
    "--best-predictions", required=True, help="output: copy of the chosen model's validation predictions"
)
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

if not len(args.models) == len(args.metrics) == len(args.predictions):
    raise SystemExit(
        f"{len(args.models)} model files, {len(args.metrics)} metrics files, {len(args.predictions)} prediction files"
    )
scores = [json.loads(Path(path).read_text()) for path in args.metrics]
chosen = min(range(len(scores)), key=lambda k: scores[k]["validation_rmse"])
for source, target in ((args.models[chosen], args.best), (args.predictions[chosen], args.best_predictions)):
    with atomic_path(target) as partial:
        shutil.copyfile(source, partial)
choice = {
    "source": args.models[chosen],
    **scores[chosen],
    "compared": {m["model"]: m["validation_rmse"] for m in scores},
}
write_json(choice, args.choice)
logging.info(
    "published %s (validation RMSE %.4f) as %s", args.models[chosen], scores[chosen]["validation_rmse"], args.best
)
