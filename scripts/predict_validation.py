"""Predict the validation set with and without test-time augmentation; report how much TTA changes the RMSE."""

import argparse
import logging
from pathlib import Path

import pandas as pd

from gzmorph.cli import parse_args
from gzmorph.device import pick_device
from gzmorph.inference import check_shard_geometry, checkpoint_geometry, predict_shards, write_catalogue
from gzmorph.io import write_json
from gzmorph.labels import LABEL_COLUMNS
from gzmorph.metrics import rmse
from gzmorph.models import load_model
from gzmorph.shards import ShardSet
from gzmorph.split import VALIDATION, subset_ids

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--model", required=True, help="checkpoint, e.g. results/models/best.pt")
parser.add_argument("--train-index", required=True, help="index.parquet of the labelled shard set")
parser.add_argument("--split", required=True, help="split.parquet (GalaxyID, subset)")
parser.add_argument("--predictions", required=True, help="output Parquet: validation predictions with --tta")
parser.add_argument("--effect", required=True, help="output JSON: validation RMSE without and with TTA")
parser.add_argument("--tta", type=int, required=True, help="dihedral transforms averaged (1-8)")
parser.add_argument("--batch-size", type=int, default=256, help="images per forward pass")
parser.add_argument("--threads", type=int, default=4, help="CPU threads when no GPU is available")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

split = pd.read_parquet(args.split)
valid_ids = subset_ids(split, VALIDATION)
shard_set = ShardSet(Path(args.train_index).parent).subset(valid_ids)
device = pick_device(args.threads)
model, checkpoint = load_model(args.model, device)
geometry = checkpoint_geometry(checkpoint, args.model)
check_shard_geometry(shard_set, geometry)

rmses = {}
for tta in sorted({1, args.tta}):
    frame = pd.concat(list(predict_shards(model, shard_set, geometry.size, device, tta, args.batch_size)))
    rmses[tta] = rmse(shard_set.labels, frame[list(LABEL_COLUMNS)].to_numpy())
    logging.info("validation RMSE with tta=%d: %.5f", tta, rmses[tta])
write_catalogue([frame], args.predictions)
effect = {
    "n_galaxies": len(shard_set),
    "tta": args.tta,
    "rmse_without_tta": rmses[1],
    "rmse_with_tta": rmses[args.tta],
    "change": rmses[args.tta] - rmses[1],
    "relative_change": (rmses[args.tta] - rmses[1]) / rmses[1],
}
write_json(effect, args.effect)
