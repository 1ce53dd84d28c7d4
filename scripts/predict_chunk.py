"""Predict one chunk (a slice of positions) of a preprocessed image set with the best model: the scatter step."""

import argparse
import logging
from pathlib import Path

import numpy as np

from gzmorph.cli import parse_args
from gzmorph.device import pick_device
from gzmorph.inference import check_shard_geometry, checkpoint_geometry, predict_shards, write_catalogue
from gzmorph.models import load_model
from gzmorph.shards import ShardSet

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--model", required=True, help="checkpoint, e.g. results/models/best.pt")
parser.add_argument("--test-index", required=True, help="index.parquet of the shard set to predict")
parser.add_argument("--predictions", required=True, help="output Parquet catalogue of this chunk")
parser.add_argument("--start", type=int, required=True, help="first position of the chunk in the index")
parser.add_argument("--stop", type=int, required=True, help="one past the last position (clipped to the set)")
parser.add_argument("--tta", type=int, default=1, help="average over the first N of 8 rotations/flips (1 = none)")
parser.add_argument("--batch-size", type=int, default=256, help="images per forward pass")
parser.add_argument("--threads", type=int, default=4, help="CPU threads when no GPU is available")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

shard_set = ShardSet(Path(args.test_index).parent)
if not 0 <= args.start < len(shard_set):
    raise SystemExit(f"{args.test_index}: chunk start {args.start} is outside the {len(shard_set)} images")
positions = np.arange(args.start, min(args.stop, len(shard_set)))
device = pick_device(args.threads)
model, checkpoint = load_model(args.model, device)
geometry = checkpoint_geometry(checkpoint, args.model)
check_shard_geometry(shard_set, geometry)
logging.info("chunk: positions %d-%d of %d, tta %d", positions[0], positions[-1], len(shard_set), args.tta)
frames = predict_shards(model, shard_set, geometry.size, device, args.tta, args.batch_size, positions)
write_catalogue(frames, args.predictions)
