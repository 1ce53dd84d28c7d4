"""Table: trainable parameters of each trained model next to the number of pixel values it learned from."""

import argparse
import json
import logging
from pathlib import Path

import pandas as pd
import torch

from gzmorph.cli import parse_args
from gzmorph.models import build_model, count_parameters

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--models", nargs="+", required=True, help="model.pt of each trained model")
parser.add_argument("--names", nargs="+", required=True, help="model names, in the same order")
parser.add_argument("--train-summary", required=True, help="results/data/train/summary.json (network view size)")
parser.add_argument("--split", required=True, help="results/data/split.parquet (size of the training subset)")
parser.add_argument("--table", required=True, help="output CSV")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

size = int(json.loads(Path(args.train_summary).read_text())["size"])
split = pd.read_parquet(args.split)
n_train = int((split["subset"] == "train").sum())
pixel_values = n_train * size * size * 3
rows = []
for name, path in zip(args.names, args.models, strict=True):
    spec = torch.load(path, map_location="cpu", weights_only=True)["model_spec"]
    n = count_parameters(build_model(spec))
    rows.append(
        {
            "model": name,
            "architecture": spec["architecture"],
            "trainable_parameters": n,
            "training_pixel_values": pixel_values,
            "parameters_per_pixel_value": round(n / pixel_values, 4),
        }
    )
table = pd.DataFrame(rows)
table.to_csv(args.table, index=False)
logging.info("%d training images of %dx%dx3 values\n%s", n_train, size, size, table.to_string(index=False))
